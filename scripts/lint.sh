#!/usr/bin/env bash
# Checked code: ruff's rules, ruff's formatting and mypy's types (configured in pyproject.toml).
# Every check runs even when an earlier one fails, so one run lists every problem.
set -uo pipefail
cd "$(dirname "$0")/.."
status=0
echo "== ruff check =="
.venv/bin/ruff check . || status=1
echo "== ruff format --check =="
.venv/bin/ruff format --check . || status=1
echo "== mypy =="
.venv/bin/mypy || status=1
exit $status
