"""Tests of the platform: settings, app, limits, CLI, migrations, schema contract."""

import os

import pytest

# Database-independent tests that start subprocesses run once, in the SQLite pass.
sqlite_pass_only = pytest.mark.skipif(
    os.environ.get("TEST_DATABASE") == "postgres", reason="database-independent; runs in the SQLite pass"
)
