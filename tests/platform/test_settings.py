"""Settings: every one parses, a bad or missing one fails with one line naming it (also through
the CLI), and every one is documented in README.md and listed in .env.example."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import MISSING, fields
from pathlib import Path

import pytest

from api import settings as settings_module
from api.settings import ROOT, Settings, SettingsError, documented_settings
from tests.platform import sqlite_pass_only

GUILDHALL = Path(sys.executable).parent / "guildhall"

# parser -> (a valid raw value, what it parses to, a malformed raw value or None)
SAMPLES = {
    settings_module._parse_int: ("7", 7, "seven"),
    settings_module._parse_bool: (" Yes ", True, "maybe"),
    settings_module._parse_float: ("1.5", 1.5, "fast"),
    settings_module._parse_list: ("a, b,,", ("a", "b"), None),
    settings_module._parse_db_url: ("postgres://u:p@db:5432/g", "postgres://u:p@db:5432/g", "mysql://db/g"),
    settings_module._parse_http_url: ("http://127.0.0.1:7700/", "http://127.0.0.1:7700", "ftp://x"),
    settings_module._parse_redis_url: ("redis://127.0.0.1:6379/1", "redis://127.0.0.1:6379/1", "http://x"),
    settings_module._parse_tz: ("Asia/Shanghai", "Asia/Shanghai", "Mars/Olympus_Mons"),
    settings_module._parse_dns_server: ("::1", "::1:53", "dns.example"),
    Path: ("/srv/guildhall", Path("/srv/guildhall"), None),
    None: ("some value", "some value", None),
}
if hasattr(settings_module, "_parse_int_pairs"):
    SAMPLES[settings_module._parse_int_pairs] = ("a=1, b=2", (("a", 1), ("b", 2)), "a=one")
# Tried on settings whose parser has no sample above: one of them must be refused.
JUNK = ["not a valid value", "x=y=z, ,=", "-1e999x", "\u2603"]
# Settings whose sample value would break a cross-field rule on its own.
CONTEXT = {"DATABASE_URL": {"SECRET_KEY": "x" * 40}, "PAGE_SIZE_MAX": {"PAGE_SIZE_DEFAULT": "5"}}


def _env_fields():
    return [(f.metadata["env"], f) for f in fields(Settings)]


def _default(f):
    return f.default_factory() if f.default is MISSING else f.default


def _from(values: dict[str, str]) -> Settings:
    return Settings.from_env(values, env_file=None)


def _assert_one_line_naming(exc: SettingsError, env: str) -> None:
    message = str(exc)
    assert env in message and "\n" not in message, message


def _malformed_candidates(f) -> list[str]:
    parse = f.metadata["parse"]
    candidates = [SAMPLES[parse][2]] if parse in SAMPLES else list(JUNK)
    if parse is settings_module._parse_int:
        candidates.append("-1")  # counts, sizes and durations are never negative
    return [c for c in candidates if c is not None]


# Settings with a sampled parser (custom parsers are covered by the .env.example and malformed
# tests); settings that accept any text (paths, keys, hosts) have no malformed value to try.
_SAMPLED = [(e, f) for e, f in _env_fields() if f.metadata["parse"] in SAMPLES]
_REFUSABLE = [(e, f) for e, f in _env_fields() if _malformed_candidates(f)]


@pytest.mark.parametrize(("env", "field"), _SAMPLED, ids=[e for e, _ in _SAMPLED])
def test_each_setting_is_read_and_cast(env, field):
    parse = field.metadata["parse"]
    raw, expected, _ = SAMPLES[parse]
    if env == "SECRET_KEY":
        raw = expected = "k" * 40
    settings = _from({**CONTEXT.get(env, {}), env: raw})
    assert getattr(settings, field.name) == expected


@pytest.mark.parametrize(("env", "field"), _REFUSABLE, ids=[e for e, _ in _REFUSABLE])
def test_a_malformed_setting_fails_with_one_line_naming_it(env, field):
    parse = field.metadata["parse"]
    candidates = _malformed_candidates(field)
    refused = 0
    for raw in candidates:
        try:
            _from({env: raw})
        except SettingsError as exc:
            refused += 1
            _assert_one_line_naming(exc, env)
            assert repr(raw) in str(exc)
    expected = len(candidates) if parse in SAMPLES else 1
    assert refused >= expected, f"{env} accepted malformed values among {candidates}"


def test_defaults_alone_are_valid_and_empty_values_mean_the_default():
    default = _from({})
    assert default.page_size_default == 20 and default.page_size_max == 100
    assert _from({"MAX_QUERY_DEPTH": ""}).max_query_depth == default.max_query_depth


def test_missing_or_weak_secret_key_and_inconsistent_limits_fail_with_one_line():
    with pytest.raises(SettingsError) as missing:
        _from({"DATABASE_URL": "postgres://u:p@db:5432/g"})
    _assert_one_line_naming(missing.value, "SECRET_KEY")
    with pytest.raises(SettingsError) as short:
        _from({"SECRET_KEY": "too-short"})
    _assert_one_line_naming(short.value, "SECRET_KEY")
    with pytest.raises(SettingsError) as pages:
        _from({"PAGE_SIZE_DEFAULT": "50", "PAGE_SIZE_MAX": "10"})
    _assert_one_line_naming(pages.value, "PAGE_SIZE_DEFAULT")
    assert _from({"DATABASE_URL": "postgresql://u:p@db/g", "SECRET_KEY": "s" * 32}).secret_key == "s" * 32


def test_dns_servers_are_an_address_and_a_port():
    parse = settings_module._parse_dns_server
    assert [parse(v) for v in ("", "192.0.2.53", "127.0.0.1:5353", "[::1]:5353")] == [
        "",
        "192.0.2.53:53",
        "127.0.0.1:5353",
        "::1:5353",
    ]
    for bad in ("resolver.example", "127.0.0.1:0", "127.0.0.1:dns", "[::1]:99999"):
        with pytest.raises(ValueError):
            parse(bad)


def test_env_file_is_read_and_the_environment_wins(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("# comment\nexport MAX_ALIASES=\"9\"\nMAX_TOKENS=77\n\nDEBUG='true'\n")
    settings = Settings.from_env({"MAX_TOKENS": "88"}, env_file=env_file)
    assert (settings.max_aliases, settings.max_tokens, settings.debug) == (9, 88, True)
    env_file.write_text("MAX_ALIASES=3\nthis line is wrong\n")
    with pytest.raises(SettingsError) as error:
        Settings.from_env({}, env_file=env_file)
    assert f"{env_file}:2" in str(error.value) and "\n" not in str(error.value)


def _env_example() -> dict[str, str]:
    values = {}
    for line in (ROOT / ".env.example").read_text(encoding="utf-8").splitlines():
        match = re.match(r"^#?\s*([A-Z][A-Z0-9_]*)=(.*)$", line.strip())
        if match:
            values[match[1]] = match[2]
    return values


def test_env_example_lists_every_setting_and_only_settings():
    documented = {env for env, _, _ in documented_settings()}
    listed = set(_env_example())
    assert not documented - listed, f"missing from .env.example: {sorted(documented - listed)}"
    assert not listed - documented, f".env.example lists unknown settings: {sorted(listed - documented)}"


def test_env_example_values_are_the_defaults():
    example = _env_example()
    for env, f in _env_fields():
        raw = example.get(env, "")
        if not raw or env == "SECRET_KEY":
            continue
        value = getattr(_from({env: raw}), f.name)
        assert value == _default(f), f".env.example shows {env}={raw}, the default is {_default(f)!r}"


def test_readme_documents_every_setting():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    names = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", readme))
    missing = sorted(env for env, _, _ in documented_settings() if env not in names)
    assert not missing, f"README.md does not document: {missing}"
    undocumented = sorted(env for env, doc, _ in documented_settings() if not doc.strip())
    assert not undocumented, f"settings without `doc`: {undocumented}"


def _cli_env(**values: str) -> dict[str, str]:
    keep = {"PATH", "HOME", "LANG", "LC_ALL", "GUILDHALL_CACHE", "TMPDIR"}
    env = {k: v for k, v in os.environ.items() if k in keep}
    # The code of this checkout, whatever the virtualenv's editable install points at.
    return {**env, "PYTHONPATH": str(ROOT), **values}


@sqlite_pass_only
@pytest.mark.parametrize(
    "values, named",
    [
        ({"MAX_QUERY_DEPTH": "deep"}, "MAX_QUERY_DEPTH"),
        ({"DATABASE_URL": "postgres://u:p@127.0.0.1:1/none"}, "SECRET_KEY"),
    ],
    ids=["malformed", "missing"],
)
def test_cli_exits_2_with_one_line_on_stderr(tmp_path, values, named):
    done = subprocess.run(
        [str(GUILDHALL), "check"], env=_cli_env(**values), cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2, done
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and named in lines[0], done.stderr
    assert done.stdout == ""
