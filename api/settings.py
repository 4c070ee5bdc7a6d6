"""One typed `Settings`, read from the environment and an optional `.env` file.

Nothing else in Guildhall reads `os.environ`. Every value is cast once; a missing or
malformed one raises `SettingsError` whose message names the key and the bad value, so
start-up fails with a single clear line.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlparse
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

T = TypeVar("T")

ROOT = Path(__file__).resolve().parent.parent


class SettingsError(ValueError):
    """A setting is missing or malformed; the message is meant for the operator."""


def _parse_bool(raw: str) -> bool:
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError("expected true/false")


def _parse_int(raw: str) -> int:
    value = int(raw.strip())
    if value < 0:  # every count, size, limit and duration is ≥ 0; -1 is a typo, not "unlimited"
        raise ValueError("expected a whole number ≥ 0")
    return value


def _parse_float(raw: str) -> float:
    return float(raw.strip())


def _parse_list(raw: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in raw.split(",") if item.strip())


def _parse_db_url(raw: str) -> str:
    scheme = urlparse(raw).scheme
    if scheme not in {"sqlite", "postgres", "postgresql", "asyncpg"}:
        raise ValueError("expected a sqlite:// or postgres:// URL")
    return raw


def _parse_http_url(raw: str) -> str:
    parsed = urlparse(raw)
    if parsed.scheme not in {"http", "https"} or not parsed.netloc:
        raise ValueError("expected an http(s):// URL")
    return raw.rstrip("/")


def _parse_redis_url(raw: str) -> str:
    if urlparse(raw).scheme not in {"redis", "rediss", "unix"}:
        raise ValueError("expected a redis:// URL")
    return raw


def _parse_tz(raw: str) -> str:
    try:
        ZoneInfo(raw)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError("unknown time zone") from exc
    return raw


def _parse_json_map(raw: str) -> dict[str, int]:
    import json

    value = json.loads(raw)
    if not isinstance(value, dict) or not all(isinstance(v, int) for v in value.values()):
        raise ValueError("expected a JSON object of integers")
    return value


def _parse_int_pairs(raw: str) -> tuple[tuple[str, int], ...]:
    """`name=int,name=int` as a tuple of pairs (hashable, unlike a dict)."""
    pairs = []
    for item in _parse_list(raw):
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"expected name=integer, got {item!r}")
        pairs.append((key.strip(), int(value.strip())))
    return tuple(pairs)


def _parse_join_policy(raw: str) -> str:
    value = raw.strip().upper()
    if value not in {"OPEN", "APPROVAL", "INVITE_ONLY"}:
        raise ValueError("expected OPEN, APPROVAL or INVITE_ONLY")
    return value


def read_env_file(path: Path) -> dict[str, str]:
    """Parse a dotenv file: KEY=VALUE lines, `#` comments, optional quotes."""
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("export "):
            line = line[len("export ") :]
        key, sep, value = line.partition("=")
        if not sep:
            raise SettingsError(f"{path}:{number}: expected KEY=VALUE, got {line!r}")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        values[key.strip()] = value
    return values


def _setting(env: str, parse: Callable[[str], Any] | None = None, doc: str = "", **kw: Any) -> Any:
    metadata = {"env": env, "parse": parse, "doc": doc}
    return field(metadata=metadata, **kw)


@dataclass(frozen=True)
class Settings:
    """Every runtime setting of Guildhall. Build with `Settings.from_env()`."""

    database_url: str = _setting(
        "DATABASE_URL", _parse_db_url, "Database URL (sqlite:// or postgres://).",
        default=f"sqlite://{ROOT / 'data' / 'guildhall.sqlite3'}",
    )
    meili_url: str | None = _setting(
        "MEILI_URL", _parse_http_url, "Existing Meilisearch server; unset starts the bundled one.",
        default=None,
    )
    meili_master_key: str = _setting(
        "MEILI_MASTER_KEY", None, "Master key of Meilisearch (the bundled one is started with it).",
        default="guildhall-development-master-key",
    )
    meili_index_prefix: str = _setting(
        "MEILI_INDEX_PREFIX", None, "Prefix of every index name, so several installs share a server.",
        default="guildhall",
    )
    secret_key: str = _setting(
        "SECRET_KEY", None, "Signs media URLs and ballot receipts; at least 32 characters.",
        default="",
    )
    debug: bool = _setting("DEBUG", _parse_bool, "Show error details and GraphiQL.", default=False)
    media_root: Path = _setting(
        "MEDIA_ROOT", Path, "Folder of stored media files.", default=ROOT / "data" / "media"
    )
    data_dir: Path = _setting("DATA_DIR", Path, "Folder of local state (Meilisearch data).", default=ROOT / "data")
    redis_url: str | None = _setting(
        "REDIS_URL", _parse_redis_url,
        "Redis for pub/sub, rate limits and caches shared by several app processes.", default=None,
    )
    host: str = _setting("HOST", None, "Interface `guildhall serve` binds.", default="127.0.0.1")
    port: int = _setting("PORT", _parse_int, "Port `guildhall serve` binds.", default=8000)
    cors_origins: tuple[str, ...] = _setting(
        "CORS_ORIGINS", _parse_list, "Comma-separated origins allowed by CORS.", default=()
    )
    community_timezone: str = _setting(
        "COMMUNITY_TIMEZONE", _parse_tz, "Time zone of calendar days (check-ins, stats).", default="UTC"
    )
    # GraphQL limits
    max_query_depth: int = _setting("MAX_QUERY_DEPTH", _parse_int, "Deepest query accepted.", default=12)
    max_aliases: int = _setting("MAX_ALIASES", _parse_int, "Most aliases in one document.", default=30)
    max_tokens: int = _setting("MAX_TOKENS", _parse_int, "Most tokens in one document.", default=4000)
    max_body_bytes: int = _setting(
        "MAX_BODY_BYTES", _parse_int, "Largest non-upload request body.", default=1_000_000
    )
    max_upload_bytes: int = _setting(
        "MAX_UPLOAD_BYTES", _parse_int, "Largest multipart (upload) request body.", default=200_000_000
    )
    page_size_default: int = _setting("PAGE_SIZE_DEFAULT", _parse_int, "Default page size.", default=20)
    page_size_max: int = _setting("PAGE_SIZE_MAX", _parse_int, "Largest page size.", default=100)
    introspection: bool = _setting(
        "GRAPHQL_INTROSPECTION", _parse_bool, "Allow schema introspection.", default=True
    )
    field_suggestions: bool = _setting(
        "GRAPHQL_FIELD_SUGGESTIONS", _parse_bool, "Suggest field names in validation errors.", default=True
    )
    max_query_cost: int = _setting(
        "MAX_QUERY_COST", _parse_int,
        "Highest cost of one GraphQL operation (connections multiply nested selections; README).",
        default=10_000,
    )
    # Off-loop work (api/offload.py)
    cpu_workers: int = _setting(
        "CPU_WORKERS", _parse_int,
        "Worker processes per app process for Markdown rendering, revision diffs and images.",
        default=2,
    )
    password_hash_concurrency: int = _setting(
        "PASSWORD_HASH_CONCURRENCY", _parse_int,
        "Password hashes computed at once per app process (argon2id, 64 MiB each).", default=2,
    )
    # Accounts
    token_ttl_hours: int = _setting(
        "TOKEN_TTL_HOURS", _parse_int, "Lifetime of a login token.", default=24 * 30
    )
    login_attempts_per_minute: int = _setting(
        "LOGIN_ATTEMPTS_PER_MINUTE", _parse_int, "Failed logins per login name and per client per minute.",
        default=10,
    )
    writes_per_minute: int = _setting(
        "WRITES_PER_MINUTE", _parse_int, "Mutations per member per minute.", default=120
    )
    min_password_length: int = _setting("MIN_PASSWORD_LENGTH", _parse_int, "Shortest password.", default=10)
    # Content limits
    max_title_length: int = _setting("MAX_TITLE_LENGTH", _parse_int, "Longest title.", default=200)
    max_body_length: int = _setting("MAX_BODY_LENGTH", _parse_int, "Longest Markdown body.", default=100_000)
    # Reputation thresholds (privileges)
    reputation_to_downvote: int = _setting(
        "REPUTATION_TO_DOWNVOTE", _parse_int, "Reputation needed to downvote.", default=50
    )
    reputation_to_edit_others: int = _setting(
        "REPUTATION_TO_EDIT_OTHERS", _parse_int, "Reputation needed to edit others' posts and articles.",
        default=500,
    )
    # Forum and Q&A
    forum_reactions: tuple[str, ...] = _setting(
        "FORUM_REACTIONS", _parse_list, "Comma-separated emoji members may react with.",
        default=("👍", "❤️", "😂", "🎉", "😮", "🙏"),
    )
    forum_max_tags: int = _setting("FORUM_MAX_TAGS", _parse_int, "Most tags on one topic.", default=5)
    forum_max_tag_length: int = _setting(
        "FORUM_MAX_TAG_LENGTH", _parse_int, "Longest tag name.", default=30
    )
    # Governance
    governance_max_options: int = _setting(
        "GOVERNANCE_MAX_OPTIONS", _parse_int, "Most options of a proposal or poll.", default=20
    )
    governance_max_option_length: int = _setting(
        "GOVERNANCE_MAX_OPTION_LENGTH", _parse_int, "Longest option label of a proposal or poll.", default=200
    )
    governance_max_voting_days: int = _setting(
        "GOVERNANCE_MAX_VOTING_DAYS", _parse_int, "Longest voting period of a proposal, poll or survey.",
        default=90,
    )
    survey_max_questions: int = _setting(
        "SURVEY_MAX_QUESTIONS", _parse_int, "Most questions in one survey.", default=50
    )
    survey_max_answer_length: int = _setting(
        "SURVEY_MAX_ANSWER_LENGTH", _parse_int, "Longest text answer to a survey question.", default=5000
    )
    # Media
    media_max_image_bytes: int = _setting(
        "MEDIA_MAX_IMAGE_BYTES", _parse_int, "Largest image upload (bytes).", default=20_000_000
    )
    media_max_audio_bytes: int = _setting(
        "MEDIA_MAX_AUDIO_BYTES", _parse_int, "Largest audio upload (bytes).", default=50_000_000
    )
    media_max_video_bytes: int = _setting(
        "MEDIA_MAX_VIDEO_BYTES", _parse_int, "Largest video upload (bytes).", default=200_000_000
    )
    media_max_document_bytes: int = _setting(
        "MEDIA_MAX_DOCUMENT_BYTES", _parse_int, "Largest document (PDF) upload (bytes).", default=20_000_000
    )
    media_max_image_pixels: int = _setting(
        "MEDIA_MAX_IMAGE_PIXELS", _parse_int,
        "Most pixels (width x height) of an uploaded image; larger ones are refused as decompression bombs.",
        default=40_000_000,
    )
    media_quota_bytes: int = _setting(
        "MEDIA_QUOTA_BYTES", _parse_int, "Storage quota of one member: bytes of all their stored files.",
        default=500_000_000,
    )
    media_uploads_per_minute: int = _setting(
        "MEDIA_UPLOADS_PER_MINUTE", _parse_int, "Uploads per member per minute.", default=10
    )
    media_max_alt_length: int = _setting(
        "MEDIA_MAX_ALT_LENGTH", _parse_int, "Longest alternative text of an image.", default=500
    )
    media_url_prefix: str = _setting(
        "MEDIA_URL_PREFIX", None,
        "Prefix of media URLs handed to clients: `/media` or an absolute https://host/media.",
        default="/media",
    )
    media_signed_url_seconds: int = _setting(
        "MEDIA_SIGNED_URL_SECONDS", _parse_int, "Lifetime of signed URLs of private media.", default=3600
    )
    media_processing_concurrency: int = _setting(
        "MEDIA_PROCESSING_CONCURRENCY", _parse_int,
        "Images decoded at once per app process (each takes a few times its pixel count in memory).",
        default=2,
    )
    # Moderation
    moderation_join_policy: str = _setting(
        "MODERATION_JOIN_POLICY", _parse_join_policy,
        "Community join policy: OPEN, APPROVAL (moderators approve requests) or INVITE_ONLY.",
        default="OPEN",
    )
    moderation_rules_required: bool = _setting(
        "MODERATION_RULES_REQUIRED", _parse_bool,
        "Posting requires accepting the latest version of the community rules.", default=False,
    )
    moderation_premoderate_first_posts: int = _setting(
        "MODERATION_PREMODERATE_FIRST_POSTS", _parse_int,
        "Hold a member's content for review until this many of their items were approved (0: off).",
        default=0,
    )
    moderation_log_shows_moderator: bool = _setting(
        "MODERATION_LOG_SHOWS_MODERATOR", _parse_bool,
        "Show members which moderator acted in the moderation log (staff always see it).", default=False,
    )
    moderation_max_note_length: int = _setting(
        "MODERATION_MAX_NOTE_LENGTH", _parse_int,
        "Longest report note, join request message or moderation reason.", default=2000,
    )
    moderation_max_invite_uses: int = _setting(
        "MODERATION_MAX_INVITE_USES", _parse_int, "Most registrations one invite code may admit.",
        default=100,
    )
    # Knowledge base and search
    kb_max_summary_length: int = _setting(
        "KB_MAX_SUMMARY_LENGTH", _parse_int, "Longest article summary or resource description.", default=2000
    )
    kb_max_tags: int = _setting("KB_MAX_TAGS", _parse_int, "Most tags on one article or resource.", default=10)
    kb_max_tag_length: int = _setting("KB_MAX_TAG_LENGTH", _parse_int, "Longest knowledge-base tag.", default=40)
    kb_max_message_length: int = _setting(
        "KB_MAX_MESSAGE_LENGTH", _parse_int, "Longest revision message.", default=300
    )
    kb_diff_max_lines: int = _setting(
        "KB_DIFF_MAX_LINES", _parse_int,
        "Most lines (both revisions together) `revisionDiff` compares; larger diffs are refused.",
        default=20_000,
    )
    kb_diff_timeout_seconds: float = _setting(
        "KB_DIFF_TIMEOUT_SECONDS", _parse_float,
        "Longest time one revision diff may compute before it is stopped and refused.", default=5.0,
    )
    search_query_max_length: int = _setting(
        "SEARCH_QUERY_MAX_LENGTH", _parse_int, "Longest search query (characters).", default=200
    )
    search_token_ttl_seconds: int = _setting(
        "SEARCH_TOKEN_TTL_SECONDS", _parse_int, "Lifetime of a Meilisearch tenant token from `searchToken`.",
        default=900,
    )
    search_batch_size: int = _setting(
        "SEARCH_BATCH_SIZE", _parse_int, "Outbox rows the search worker claims per pass.", default=500
    )
    search_claim_seconds: int = _setting(
        "SEARCH_CLAIM_SECONDS", _parse_int, "How long a worker's claim on outbox rows lasts.", default=120
    )
    search_task_timeout_seconds: int = _setting(
        "SEARCH_TASK_TIMEOUT_SECONDS", _parse_int, "Longest wait for a Meilisearch task.", default=60
    )
    search_retry_max_seconds: int = _setting(
        "SEARCH_RETRY_MAX_SECONDS", _parse_int, "Longest back-off between retries of a failed push.",
        default=300,
    )
    # Background work
    scheduler_interval_seconds: float = _setting(
        "SCHEDULER_INTERVAL_SECONDS", _parse_float, "How often periodic jobs run.", default=2.0
    )
    ws_session_check_seconds: float = _setting(
        "WS_SESSION_CHECK_SECONDS", _parse_float,
        "How often an open WebSocket re-checks its token and ban (sign-outs close it at once).",
        default=30.0,
    )
    public_cache_seconds: int = _setting(
        "PUBLIC_CACHE_SECONDS", _parse_int,
        "How long anonymous query results are cached (0 disables); every write invalidates them.",
        default=10,
    )
    run_workers: bool = _setting(
        "RUN_WORKERS", _parse_bool, "Run background workers (outbox, scheduler) in this process.",
        default=True,
    )

    # Engagement (points, check-in, messages, feedback)
    points_rules: tuple[tuple[str, int], ...] = _setting(
        "POINTS_RULES", _parse_int_pairs,
        "Points per rule as name=points: post, answer, accepted_answer, reaction_received, "
        "daily_check_in, event_attendance.",
        default=(("post", 2), ("answer", 5), ("accepted_answer", 15), ("reaction_received", 1),
                 ("daily_check_in", 2), ("event_attendance", 10)),
    )
    points_daily_caps: tuple[tuple[str, int], ...] = _setting(
        "POINTS_DAILY_CAPS", _parse_int_pairs,
        "Most points a member earns per rule per community day, as name=points (absent: no cap).",
        default=(("post", 20), ("answer", 50), ("accepted_answer", 150), ("reaction_received", 30),
                 ("daily_check_in", 2), ("event_attendance", 30)),
    )
    check_in_streak_bonuses: tuple[tuple[str, int], ...] = _setting(
        "CHECK_IN_STREAK_BONUSES", _parse_int_pairs,
        "Bonus points on reaching a check-in streak, as days=points.",
        default=(("7", 10), ("30", 50), ("100", 200)),
    )
    point_levels: tuple[tuple[str, int], ...] = _setting(
        "POINT_LEVELS", _parse_int_pairs,
        "Titles reached by points earned, as title=points.",
        default=(("Newcomer", 0), ("Regular", 100), ("Contributor", 500), ("Expert", 2000),
                 ("Sage", 10000)),
    )
    max_message_length: int = _setting(
        "MAX_MESSAGE_LENGTH", _parse_int, "Longest private message or auto-reply.", default=5000
    )
    max_conversation_members: int = _setting(
        "MAX_CONVERSATION_MEMBERS", _parse_int, "Most members of a group conversation.", default=20
    )
    max_feedback_length: int = _setting(
        "MAX_FEEDBACK_LENGTH", _parse_int, "Longest feedback ticket or reply.", default=10000
    )
    max_reason_length: int = _setting(
        "MAX_REASON_LENGTH", _parse_int, "Longest reason of a points grant or badge award.", default=500
    )

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, env_file: Path | None = ROOT / ".env"
    ) -> Settings:
        """Read settings from `environ` (default `os.environ`) over the values of `env_file`."""
        source: dict[str, str] = dict(read_env_file(env_file)) if env_file else {}
        source.update(os.environ if environ is None else environ)
        values: dict[str, Any] = {}
        for f in fields(cls):
            env = f.metadata["env"]
            raw = source.get(env)
            if raw is None or raw == "":
                continue
            parse = f.metadata["parse"] or str
            try:
                values[f.name] = parse(raw)
            except (ValueError, TypeError) as exc:
                raise SettingsError(f"setting {env}={raw!r} is invalid: {exc}") from None
        settings = cls(**values)
        settings.validate()
        return settings

    def validate(self) -> None:
        if not self.secret_key:
            if not self.debug and self.is_production_like:
                raise SettingsError("setting SECRET_KEY is missing: set at least 32 random characters")
        elif len(self.secret_key) < 32:
            raise SettingsError("setting SECRET_KEY is too short: use at least 32 characters")
        if self.cpu_workers < 1:
            raise SettingsError("setting CPU_WORKERS must be at least 1")
        if self.page_size_default > self.page_size_max:
            raise SettingsError("setting PAGE_SIZE_DEFAULT is larger than PAGE_SIZE_MAX")

    @property
    def is_production_like(self) -> bool:
        """PostgreSQL deployments must bring their own SECRET_KEY; the embedded default may not."""
        return not self.database_url.startswith("sqlite")

    @property
    def signing_key(self) -> bytes:
        """Key for HMAC signatures. The embedded default derives a stable one under `data/`."""
        if self.secret_key:
            return self.secret_key.encode()
        key_file = self.data_dir / "secret_key"
        if not key_file.exists():
            key_file.parent.mkdir(parents=True, exist_ok=True)
            key_file.write_text(secrets.token_urlsafe(48))
        return key_file.read_text().strip().encode()

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def replace(self, **changes: Any) -> Settings:
        from dataclasses import replace

        return replace(self, **changes)


def documented_settings() -> list[tuple[str, str, Any]]:
    """(ENV_NAME, description, default) for every setting: feeds README and `.env.example` tests."""
    return [(f.metadata["env"], f.metadata["doc"], f.default) for f in fields(Settings)]


_current: Settings | None = None


def get_settings() -> Settings:
    """The process-wide settings (read once)."""
    global _current
    if _current is None:
        _current = Settings.from_env()
    return _current


def set_settings(settings: Settings) -> None:
    """Install settings for this process (tests and the CLI)."""
    global _current
    _current = settings
