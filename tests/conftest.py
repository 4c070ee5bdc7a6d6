"""Test harness: a fresh database per run (SQLite, or PostgreSQL with TEST_DATABASE=postgres),
built by the migrations; a real Meilisearch server; an ASGI client; factories; a query counter.

Each test starts from empty tables (truncated after every test).
"""

from __future__ import annotations

import logging
import os
import tempfile
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio

from api.db import close_db, connection, init_db, migrate
from api.registry import load as load_registry
from api.settings import Settings, set_settings

load_registry()  # what the app and the CLI do at start-up


def _community_settings_stay_cached() -> None:
    """Tests count SQL queries: the community settings are re-read when changed (or primed), never
    because a timer ran out in the middle of a test."""
    from api.domain.community import settings as community

    community.CACHE_SECONDS = float("inf")
    community.prime({})
    # Likewise the event names EVENT badges count: refreshed when a badge is created (and after
    # every test's truncation), never by a timer; a test of the timer sets it itself.
    from api.domain.engagement import badges

    badges.EVENT_NAMES_SECONDS = float("inf")


_community_settings_stay_cached()

TEST_SECRET = "test-secret-key-that-is-long-enough-0123456789"


def _backend() -> str:
    return os.environ.get("TEST_DATABASE", "sqlite")


@pytest.fixture(scope="session")
def tmp_root() -> Path:
    return Path(tempfile.mkdtemp(prefix="guildhall-test-"))


@pytest.fixture(scope="session")
def meili(tmp_root: Path) -> Any:
    """A real Meilisearch: MEILI_URL's, or the bundled binary on a free port."""
    from api.meili_process import MeiliProcess, free_port

    url = os.environ.get("MEILI_URL")
    if url:
        yield {"url": url, "key": os.environ.get("MEILI_MASTER_KEY", ""), "process": None}
        return
    process = MeiliProcess(tmp_root / "meili", "test-master-key-0123456789", port=free_port()).start()
    yield {"url": process.url, "key": process.master_key, "process": process}
    process.stop()


async def _create_postgres_db() -> tuple[str, str]:
    import asyncpg

    base = os.environ["TEST_POSTGRES_URL"]
    name = f"guildhall_test_{uuid.uuid4().hex[:10]}"
    conn = await asyncpg.connect(base.replace("postgres://", "postgresql://", 1))
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
    return base.rsplit("/", 1)[0] + "/" + name, name


async def _drop_postgres_db(name: str) -> None:
    import asyncpg

    base = os.environ["TEST_POSTGRES_URL"]
    conn = await asyncpg.connect(base.replace("postgres://", "postgresql://", 1))
    await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await conn.close()


@pytest.fixture(scope="session")
def database_url(tmp_root: Path) -> str:
    if _backend() == "postgres":
        return "postgres-pending"
    return f"sqlite://{tmp_root / 'test.sqlite3'}"


@pytest.fixture(scope="session")
def settings(tmp_root: Path, meili: dict) -> Settings:
    values = {
        "MEILI_URL": meili["url"],
        "MEILI_MASTER_KEY": meili["key"],
        "MEILI_INDEX_PREFIX": f"t{uuid.uuid4().hex[:8]}",
        "SECRET_KEY": TEST_SECRET,
        "DEBUG": "false",
        "MEDIA_ROOT": str(tmp_root / "media"),
        "DATA_DIR": str(tmp_root / "data"),
        "RUN_WORKERS": "false",
        # Tests write through the ORM behind the API's back: no public read cache by default.
        "PUBLIC_CACHE_SECONDS": "0",
        "MIN_PASSWORD_LENGTH": "10",
    }
    return Settings.from_env(values, env_file=None)


@pytest_asyncio.fixture(scope="session")
async def db(settings: Settings, database_url: str) -> AsyncIterator[Settings]:
    """Connect and migrate a fresh database for the session; dropped at the end."""
    pg_name = None
    if _backend() == "postgres":
        url, pg_name = await _create_postgres_db()
    else:
        url = database_url
    settings = settings.replace(database_url=url)
    set_settings(settings)
    await init_db(settings)
    await migrate(settings)
    yield settings
    await close_db()
    if pg_name:
        await _drop_postgres_db(pg_name)


def _tables() -> list[str]:
    from tortoise import Tortoise

    tables = []
    for app in Tortoise.apps.values():
        for model in app.values():
            tables.append(model._meta.db_table)
    return sorted(set(tables))


async def truncate_all() -> None:
    conn = connection()
    tables = _tables()
    if conn.capabilities.dialect == "postgres":
        quoted = ", ".join(f'"{t}"' for t in tables)
        await conn.execute_script(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE")
    else:
        script = "PRAGMA foreign_keys=OFF;" + "".join(f'DELETE FROM "{t}";' for t in tables)
        script += "DELETE FROM sqlite_sequence;" if await _has_sqlite_sequence() else ""
        await conn.execute_script(script + "PRAGMA foreign_keys=ON;")
    from api.domain.engagement import badges

    badges.forget_counted_events(frozenset())  # no badge is left


async def _has_sqlite_sequence() -> bool:
    rows = await connection().execute_query_dict("SELECT name FROM sqlite_master WHERE name='sqlite_sequence'")
    return bool(rows)


# The media suite runs twice: media on local disk, and in an S3-compatible server.
MEDIA_SUITE = {
    "tests.media.test_serving",
    "tests.domain.test_media",
    "tests.domain.test_media_attachments",
    "tests.schema.test_media",
    "tests.schema.test_media_privacy",
    "tests.platform.test_backup",
}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "media_backend" in metafunc.fixturenames and metafunc.module.__name__ in MEDIA_SUITE:
        metafunc.parametrize("media_backend", ["disk", "s3"], indirect=True)


@pytest.fixture
def media_backend(request: pytest.FixtureRequest) -> str:
    return getattr(request, "param", "disk")


@pytest.fixture(scope="session")
def s3_server() -> Any:
    """moto's S3 server on a free loopback port, with one bucket; started when first needed."""
    from tests.s3_server import start_s3_server

    server = start_s3_server()
    server.bucket = server.create_bucket("guildhall-test")
    yield server
    server.stop()


def s3_settings(settings: Settings, server: Any) -> Settings:
    """`settings` with media in a fresh prefix of the test server's bucket."""
    from tests.s3_server import ACCESS_KEY, SECRET_KEY

    url = f"s3://{server.bucket}/{uuid.uuid4().hex[:12]}?endpoint={server.endpoint}"
    return settings.replace(media_storage_url=url, aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY)


@pytest_asyncio.fixture
async def clean_db(
    db: Settings, tmp_path: Path, media_backend: str, request: pytest.FixtureRequest
) -> AsyncIterator[Settings]:
    """Empty tables after the test; stored media go to a folder (or bucket prefix) of the
    test's own, since files outlive the truncated rows and content-addressed names repeat."""
    settings = db.replace(media_root=tmp_path / "media")
    if media_backend == "s3":
        settings = s3_settings(settings, request.getfixturevalue("s3_server"))
    yield settings
    await truncate_all()
    from api.domain.community import settings as community

    community.prime({})  # this process's copy of the (now emptied) community settings


@pytest.fixture(scope="session")
def _smtp_server() -> Any:
    from tests.smtp_server import SmtpServer

    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def smtp(_smtp_server: Any) -> Any:
    """A real SMTP server (aiosmtpd) on loopback, emptied for each test; `.messages` holds what
    arrived. Use `mail_settings` to send to it."""
    _smtp_server.clear()
    if _smtp_server.controller is None:  # a test stopped it (an outage) and failed before restarting
        _smtp_server.start()
    yield _smtp_server


@pytest.fixture
def mail_settings(clean_db: Settings, smtp: Any) -> Settings:
    """Settings whose mail goes to the `smtp` test server."""
    return clean_db.replace(email_url=smtp.url)


@pytest.fixture
def app_settings(clean_db: Settings) -> Settings:
    return clean_db


@pytest.fixture
def set_community(app_settings: Settings) -> Any:
    """Community settings as an admin would set them: stored, in force from the next request;
    returns the settings now in force (for domain calls)."""
    from api.domain.community import settings as community
    from api.models.community import CommunitySetting

    async def apply(**changes: Any) -> Settings:
        envs = {d.name: env for env, d in community.definitions().items()}
        for name, value in changes.items():
            await CommunitySetting.create(key=envs[name], value=community.as_text(value))
        community.forget()
        return app_settings.replace(**changes)

    return apply


@pytest_asyncio.fixture
async def app(app_settings: Settings) -> Any:
    from api.app import create_app
    from api.pubsub import MemoryBroker, set_broker

    set_broker(MemoryBroker())
    return create_app(app_settings, manage_db=False)


@pytest_asyncio.fixture
async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


class GraphQLClient:
    """Posts GraphQL documents; `token=` signs the request in."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def __call__(
        self, query: str, variables: dict | None = None, *, token: str | None = None, expect_errors: bool = False
    ) -> dict:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
        body = response.json()
        if not expect_errors:
            assert "errors" not in body, body.get("errors")
        return body if expect_errors else body["data"]


@pytest.fixture
def gql(client: httpx.AsyncClient) -> GraphQLClient:
    return GraphQLClient(client)


TEST_PASSWORD = "correct-horse-battery-staple"


@pytest_asyncio.fixture(scope="session")
async def _password_hash() -> str:
    from api.passwords import hash_password

    return await hash_password(TEST_PASSWORD)


class Factory:
    """Creates members (with a known password) and their tokens without going through GraphQL."""

    def __init__(self, settings: Settings, password_hash: str) -> None:
        self.settings = settings
        self.password_hash = password_hash
        self.count = 0

    async def user(self, username: str | None = None, role: str = "MEMBER", **fields: Any) -> Any:
        from api.domain.accounts.search import index_members
        from api.models.accounts import Role, User

        self.count += 1
        username = username or f"member{self.count}_{uuid.uuid4().hex[:4]}"
        from api.names import skeleton

        # Basic trust (level 1) unless a test asks otherwise: new members' limits have tests of their own.
        fields.setdefault("trust_level", 1)
        user = await User.create(
            username=username,
            username_key=username.casefold(),
            username_skeleton=skeleton(username),
            email=fields.pop("email", f"{username}@example.org"),
            password_hash=self.password_hash,
            display_name=fields.pop("display_name", username.title()),
            role=Role(role),
            **fields,
        )
        await index_members(user.id)  # as every account write does
        return user

    async def token(self, user: Any) -> str:
        from api.domain.accounts import issue_token

        return await issue_token(user, self.settings)

    async def member_with_token(self, role: str = "MEMBER", **fields: Any) -> tuple[Any, str]:
        user = await self.user(role=role, **fields)
        return user, await self.token(user)


@pytest.fixture
def factory(clean_db: Settings, _password_hash: str) -> Factory:
    return Factory(clean_db, _password_hash)


class QueryCounter(logging.Handler):
    """Counts SQL statements sent through Tortoise while active."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.statements: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.statements.append(str(record.args[0] if record.args else record.msg))

    @property
    def count(self) -> int:
        return len(self.statements)

    def __enter__(self) -> QueryCounter:
        self.statements.clear()
        self._logger = logging.getLogger("tortoise.db_client")
        self._level = self._logger.level
        self._logger.setLevel(logging.DEBUG)
        self._logger.addHandler(self)
        return self

    def __exit__(self, *exc: Any) -> None:
        self._logger.removeHandler(self)
        self._logger.setLevel(self._level)


@pytest.fixture
def count_queries() -> QueryCounter:
    return QueryCounter()
