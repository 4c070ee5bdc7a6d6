"""docker-compose.yml: the services, their volumes and health checks, and that the app's
environment consists of real settings which parse."""

from __future__ import annotations

import re
from urllib.parse import urlparse

import pytest
import yaml

from api.settings import ROOT, Settings, documented_settings

COMPOSE = ROOT / "docker-compose.yml"
STATEFUL = {"postgres": "/var/lib/postgresql/data", "meilisearch": "/meili_data"}


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


def _interpolate(value: str, variables: dict[str, str]) -> str:
    """Compose's `${VAR}`, `${VAR:-default}` and `${VAR:?message}` forms."""

    def replace(match: re.Match) -> str:
        name, op, rest = match[1], match[2], match[3] or ""
        if name in variables:
            return variables[name]
        if op == ":?":
            raise AssertionError(f"{name} is required: {rest}")
        return rest if op == ":-" else ""

    return re.sub(r"\$\{([A-Z0-9_]+)(:-|:\?)?([^}]*)\}", replace, str(value))


def _environment(service: dict) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {k: "" if v is None else str(v) for k, v in env.items()}


def test_services_are_the_app_postgres_meilisearch_and_redis(compose):
    services = compose["services"]
    assert set(services) == {"app", "postgres", "meilisearch", "redis"}
    assert services["app"].get("build")
    assert re.fullmatch(r"getmeili/meilisearch:v1\.\d+(\.\d+)?", services["meilisearch"]["image"])
    assert services["postgres"]["image"].startswith("postgres:")
    assert services["redis"]["image"].startswith("redis:")


def test_every_service_has_a_health_check_and_the_app_waits_for_them(compose):
    services = compose["services"]
    for name, service in services.items():
        check = service.get("healthcheck") or {}
        assert check.get("test"), f"{name} has no health check"
        assert check.get("interval") and check.get("retries"), f"{name} health check lacks interval/retries"
    depends = services["app"]["depends_on"]
    for name in ("postgres", "meilisearch", "redis"):
        assert depends[name]["condition"] == "service_healthy"
    assert "/readyz" in " ".join(services["app"]["healthcheck"]["test"])


def test_state_lives_in_named_volumes(compose):
    declared = set(compose.get("volumes") or {})
    for name, path in {**STATEFUL, "app": "/data/media"}.items():
        mounts = compose["services"][name].get("volumes") or []
        named = {m.split(":", 1)[0] for m in mounts if m.split(":", 1)[1].startswith(path)}
        assert named & declared, f"{name} keeps {path} outside a named volume"


def test_app_environment_is_made_of_real_settings_that_parse(compose):
    services = compose["services"]
    env = _environment(services["app"])
    known = {name for name, _, _ in documented_settings()}
    assert set(env) <= known, f"not settings: {sorted(set(env) - known)}"
    secrets = {"SECRET_KEY": "s" * 40, "MEILI_MASTER_KEY": "m" * 24}
    values = {k: _interpolate(v, secrets) for k, v in env.items()}
    settings = Settings.from_env(values, env_file=None)
    assert not settings.is_sqlite and not settings.debug
    # The app points at the other services, by service name and their ports.
    db = urlparse(settings.database_url)
    pg_env = _environment(services["postgres"])
    assert (db.hostname, db.port, db.path.lstrip("/")) == ("postgres", 5432, pg_env["POSTGRES_DB"])
    assert (db.username, db.password) == (pg_env["POSTGRES_USER"], pg_env["POSTGRES_PASSWORD"])
    assert urlparse(settings.meili_url).hostname == "meilisearch"
    assert urlparse(settings.redis_url).hostname == "redis"
    # Both sides of Meilisearch use the same master key variable.
    meili_env = _environment(services["meilisearch"])
    assert meili_env["MEILI_MASTER_KEY"] == env["MEILI_MASTER_KEY"]
    assert _interpolate(env["SECRET_KEY"], secrets) == secrets["SECRET_KEY"]


def test_secrets_are_required_not_defaulted(compose):
    env = _environment(compose["services"]["app"])
    for name in ("SECRET_KEY", "MEILI_MASTER_KEY"):
        with pytest.raises(AssertionError, match=f"{name} is required"):
            _interpolate(env[name], {})


def test_the_image_holds_every_package_and_migrates_before_serving(compose):
    import tomllib

    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    packages = [p.rstrip("*") for p in pyproject["tool"]["setuptools"]["packages"]["find"]["include"]]
    for package in packages:
        assert re.search(rf"^COPY {package} \./{package}$", dockerfile, re.M), f"the image lacks {package}/"
    command = next(line for line in dockerfile.splitlines() if line.startswith("CMD"))
    assert command.index("guildhall migrate") < command.index("uvicorn api.asgi:app")
    assert "--port 8000" in command and "8000:8000" in compose["services"]["app"]["ports"]


def test_the_image_can_back_up_the_composed_database(compose):
    """`guildhall backup` needs pg_dump of at least the server's major version in the image."""
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    server_major = compose["services"]["postgres"]["image"].split(":")[1].split(".")[0]
    assert re.search(rf"^ARG PG_MAJOR={server_major}$", dockerfile, re.M), "PG_MAJOR differs from the composed server"
    assert '"postgresql-client-${PG_MAJOR}"' in dockerfile


def test_the_image_leaves_forwarded_headers_to_the_app():
    """The app trusts X-Forwarded-* from FORWARDED_ALLOW_IPS only; uvicorn's own handling (which
    reads the same variable, trusting 127.0.0.1 by default) would rewrite the client first."""
    command = next(
        line for line in (ROOT / "Dockerfile").read_text(encoding="utf-8").splitlines() if line.startswith("CMD")
    )
    assert "--no-proxy-headers" in command and " --proxy-headers" not in command
