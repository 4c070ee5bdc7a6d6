"""One typed `Settings`, read from the environment and an optional `.env` file.

Nothing else in Guildhall reads `os.environ`. Every value is cast once; a missing or
malformed one raises `SettingsError` whose message names the key and the bad value, so
start-up fails with a single clear line.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Mapping
from contextvars import ContextVar, Token
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
    value = float(raw.strip())
    if not value >= 0:  # also refuses NaN
        raise ValueError("expected a number ≥ 0")
    return value


def _parse_interval(raw: str) -> float:
    value = float(raw.strip())
    if not value > 0:  # a zero or negative interval would busy-loop
        raise ValueError("expected a number of seconds > 0")
    return value


def _parse_list(raw: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in raw.split(",") if item.strip())


def _parse_networks(raw: str) -> tuple[str, ...]:
    """Comma-separated IP addresses or CIDR networks (e.g. `10.0.0.5, 172.16.0.0/12`), or `*`."""
    import ipaddress

    items = []
    for item in _parse_list(raw):
        if item == "*":
            items.append(item)
            continue
        try:
            items.append(
                str(ipaddress.ip_network(item, strict=False)) if "/" in item else str(ipaddress.ip_address(item))
            )
        except ValueError:
            raise ValueError(f"expected IP addresses, networks or *, got {item!r}") from None
    return tuple(items)


def _parse_dns_server(raw: str) -> str:
    """`ip` or `ip:port` (`[ip6]:port`) of a DNS server; empty: the system's resolver."""
    import ipaddress

    raw = raw.strip()
    if not raw:
        return ""
    host, port = raw, "53"
    if raw.startswith("["):
        host, _, rest = raw[1:].partition("]")
        port = rest.removeprefix(":") or "53"
    elif raw.count(":") == 1:
        host, port = raw.split(":")
    try:
        ipaddress.ip_address(host)
        if not 0 < int(port) < 65536:
            raise ValueError
    except ValueError:
        raise ValueError("expected an IP address, optionally with :port") from None
    return f"{host}:{int(port)}"


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


def _parse_storage_url(raw: str) -> str:
    from media.storage_s3 import parse_storage_url

    parse_storage_url(raw)
    return raw


TRUST_REQUIREMENTS = {
    "window_days",
    "days_visited",
    "likes_given",
    "likes_received",
    "replies",
    "topics_entered",
    "posts_read",
    "minutes_read",
    "sanction_free_days",
}


def _parse_requirements(raw: str) -> tuple[tuple[str, int], ...]:
    pairs = _parse_int_pairs(raw)
    unknown = sorted({k for k, _ in pairs} - TRUST_REQUIREMENTS)
    if unknown:
        raise ValueError(f"unknown requirement {', '.join(unknown)} (known: {', '.join(sorted(TRUST_REQUIREMENTS))})")
    if any(v < 0 for _, v in pairs):
        raise ValueError("requirements are numbers ≥ 0")
    return pairs


def _parse_trust_level(raw: str) -> int:
    value = _parse_int(raw)
    if value > 4:
        raise ValueError("expected a trust level from 0 to 4")
    return value


def _parse_join_policy(raw: str) -> str:
    value = raw.strip().upper()
    if value not in {"OPEN", "APPROVAL", "INVITE_ONLY"}:
        raise ValueError("expected OPEN, APPROVAL or INVITE_ONLY")
    return value


def _parse_log_format(raw: str) -> str:
    value = raw.strip().lower()
    if value not in {"text", "json"}:
        raise ValueError("expected text or json")
    return value


def _parse_email_url(raw: str) -> str:
    """`smtp://[user:pass@]host[:port][?starttls=true]`, `smtps://...` (implicit TLS) or `file://PATH`."""
    parsed = urlparse(raw.strip())
    if parsed.scheme == "file":
        if not raw.strip()[len("file://") :]:
            raise ValueError("expected file://PATH")
        return raw.strip()
    if parsed.scheme not in {"smtp", "smtps"} or not parsed.hostname:
        raise ValueError("expected smtp://host, smtps://host or file://PATH")
    _ = parsed.port  # raises ValueError on a bad port
    return raw.strip()


def _parse_email_address(raw: str) -> str:
    from email.utils import parseaddr

    _, address = parseaddr(raw)
    if "@" not in address or " " in address:
        raise ValueError("expected an address, e.g. Guildhall <noreply@example.org>")
    return raw.strip()


def _parse_link_template(raw: str) -> str:
    """A link to the frontend: absolute, or starting with `/` (joined to PUBLIC_URL)."""
    value = raw.strip()
    parsed = urlparse(value)
    if not (value.startswith("/") or (parsed.scheme in {"http", "https"} and parsed.netloc)):
        raise ValueError("expected an http(s):// URL or a path starting with /")
    return value


LOCALES = ("en", "zh-CN")


def _parse_locale(raw: str) -> str:
    value = raw.strip()
    if value not in LOCALES:
        raise ValueError(f"expected one of {', '.join(LOCALES)}")
    return value


def _parse_digest_hour(raw: str) -> int:
    value = _parse_int(raw)
    if value > 23:
        raise ValueError("expected an hour from 0 to 23")
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


def _setting(
    env: str,
    parse: Callable[[str], Any] | None = None,
    doc: str = "",
    *,
    community: bool = False,
    bounds: tuple[str, ...] = (),
    **kw: Any,
) -> Any:
    """A setting read from `env`. `community`: a policy setting that admins may change at run time
    (`updateCommunitySettings`; the environment gives its default). `bounds`: "app.Model.field"
    columns whose length the value may not exceed (checked at start-up and on change)."""
    metadata = {"env": env, "parse": parse, "doc": doc, "community": community, "bounds": bounds}
    return field(metadata=metadata, **kw)


@dataclass(frozen=True)
class Settings:
    """Every runtime setting of Guildhall. Build with `Settings.from_env()`."""

    database_url: str = _setting(
        "DATABASE_URL",
        _parse_db_url,
        "Database URL (sqlite:// or postgres://).",
        default=f"sqlite://{ROOT / 'data' / 'guildhall.sqlite3'}",
    )
    meili_url: str | None = _setting(
        "MEILI_URL",
        _parse_http_url,
        "Existing Meilisearch server; unset starts the bundled one.",
        default=None,
    )
    meili_master_key: str = _setting(
        "MEILI_MASTER_KEY",
        None,
        "Master key of Meilisearch (the bundled one is started with it).",
        default="guildhall-development-master-key",
    )
    meili_index_prefix: str = _setting(
        "MEILI_INDEX_PREFIX",
        None,
        "Prefix of every index name, so several installs share a server.",
        default="guildhall",
    )
    secret_key: str = _setting(
        "SECRET_KEY",
        None,
        "Signs media URLs and ballot receipts; at least 32 characters.",
        default="",
    )
    debug: bool = _setting("DEBUG", _parse_bool, "Show error details and GraphiQL.", default=False)
    media_root: Path = _setting("MEDIA_ROOT", Path, "Folder of stored media files.", default=ROOT / "data" / "media")
    data_dir: Path = _setting("DATA_DIR", Path, "Folder of local state (Meilisearch data).", default=ROOT / "data")
    redis_url: str | None = _setting(
        "REDIS_URL",
        _parse_redis_url,
        "Redis for pub/sub, rate limits and caches shared by several app processes.",
        default=None,
    )
    host: str = _setting("HOST", None, "Interface `guildhall serve` binds.", default="127.0.0.1")
    port: int = _setting("PORT", _parse_int, "Port `guildhall serve` binds.", default=8000)
    cors_origins: tuple[str, ...] = _setting(
        "CORS_ORIGINS", _parse_list, "Comma-separated origins allowed by CORS.", default=()
    )
    forwarded_allow_ips: tuple[str, ...] = _setting(
        "FORWARDED_ALLOW_IPS",
        _parse_networks,
        "Comma-separated addresses or CIDR networks of trusted reverse proxies: their X-Forwarded-For and "
        "X-Forwarded-Proto name the client (sign-in limits, referral guard); * trusts every peer; empty: those "
        "headers are ignored.",
        default=(),
    )
    community_timezone: str = _setting(
        "COMMUNITY_TIMEZONE", _parse_tz, "Time zone of calendar days (check-ins, stats).", default="UTC", community=True
    )
    # Email (see README "Email")
    email_url: str = _setting(
        "EMAIL_URL",
        _parse_email_url,
        "Where mail goes: smtp://user:pass@host:587?starttls=true, smtps://user:pass@host:465 (implicit TLS) "
        "or file://PATH (each message written as an .eml file; relative paths are under the checkout).",
        default="file://data/mail",
    )
    email_from: str = _setting(
        "EMAIL_FROM",
        _parse_email_address,
        "Sender of every mail (From header).",
        default="Guildhall <noreply@localhost>",
    )
    email_dkim_selector: str = _setting(
        "EMAIL_DKIM_SELECTOR",
        None,
        "DKIM selector: with EMAIL_DKIM_KEY_FILE, outgoing mail is signed for EMAIL_FROM's domain; empty: unsigned.",
        default="",
    )
    email_dkim_key_file: Path | None = _setting(
        "EMAIL_DKIM_KEY_FILE",
        Path,
        "PEM private key (RSA or Ed25519) of the DKIM signature.",
        default=None,
    )
    email_timeout_seconds: float = _setting(
        "EMAIL_TIMEOUT_SECONDS",
        _parse_interval,
        "Longest wait for the SMTP server on one message.",
        default=30.0,
    )
    email_batch_size: int = _setting(
        "EMAIL_BATCH_SIZE",
        _parse_int,
        "Outbox messages the mail worker claims per pass.",
        default=100,
    )
    email_claim_seconds: int = _setting(
        "EMAIL_CLAIM_SECONDS",
        _parse_int,
        "How long a mail worker's claim on outbox messages lasts.",
        default=300,
    )
    email_retry_max_seconds: int = _setting(
        "EMAIL_RETRY_MAX_SECONDS",
        _parse_int,
        "Longest back-off between retries of a message that failed.",
        default=3600,
    )
    email_max_attempts: int = _setting(
        "EMAIL_MAX_ATTEMPTS",
        _parse_int,
        "Attempts before a message is given up (kept in the outbox with its error for operators).",
        default=20,
    )
    public_url: str = _setting(
        "PUBLIC_URL",
        _parse_http_url,
        "Address of the frontend; links in mail that start with / are joined to it.",
        default="http://localhost:3000",
    )
    api_public_url: str = _setting(
        "API_PUBLIC_URL",
        _parse_http_url,
        "Address at which this API is reached from outside (the one-click unsubscribe link of bulk mail).",
        default="http://127.0.0.1:8000",
    )
    password_reset_url: str = _setting(
        "PASSWORD_RESET_URL",
        _parse_link_template,
        "Frontend page that calls resetPassword; {token} is replaced.",
        default="/reset-password?token={token}",
    )
    email_verify_url: str = _setting(
        "EMAIL_VERIFY_URL",
        _parse_link_template,
        "Frontend page that calls verifyEmail; {token} is replaced.",
        default="/verify-email?token={token}",
    )
    email_change_url: str = _setting(
        "EMAIL_CHANGE_URL",
        _parse_link_template,
        "Frontend page that calls confirmEmailChange; {token} is replaced.",
        default="/confirm-email?token={token}",
    )
    notifications_url: str = _setting(
        "NOTIFICATIONS_URL",
        _parse_link_template,
        "Frontend page of the member's notifications (links in mail).",
        default="/notifications",
    )
    topic_url: str = _setting(
        "TOPIC_URL",
        _parse_link_template,
        "Frontend page of a topic (links in digests); {id}: its global id.",
        default="/topics/{id}",
    )
    proposal_url: str = _setting(
        "PROPOSAL_URL",
        _parse_link_template,
        "Frontend page of a proposal (open votes in digests); {id}: its global id.",
        default="/proposals/{id}",
    )
    announcement_url: str = _setting(
        "ANNOUNCEMENT_URL",
        _parse_link_template,
        "Frontend page of an announcement (mailed announcements); {id}.",
        default="/announcements/{id}",
    )
    password_reset_minutes: int = _setting(
        "PASSWORD_RESET_MINUTES",
        _parse_int,
        "Lifetime of a password reset link.",
        default=60,
    )
    email_verify_hours: int = _setting(
        "EMAIL_VERIFY_HOURS",
        _parse_int,
        "Lifetime of an email verification or email change link.",
        default=48,
    )
    account_mails_per_hour: int = _setting(
        "ACCOUNT_MAILS_PER_HOUR",
        _parse_int,
        "Account mails (password reset per address and per client; verification and email change per member) "
        "per hour; over it a reset request is refused the same whether or not the account exists.",
        default=5,
        community=True,
    )
    require_verified_email: bool = _setting(
        "REQUIRE_VERIFIED_EMAIL",
        _parse_bool,
        "Members must verify their email address before they post.",
        default=False,
        community=True,
    )
    default_locale: str = _setting(
        "DEFAULT_LOCALE",
        _parse_locale,
        "Language of mail to members who chose none (en or zh-CN).",
        default="en",
        community=True,
    )
    email_templates_dir: Path | None = _setting(
        "EMAIL_TEMPLATES_DIR",
        Path,
        "Folder of mail templates that replace the built-in ones (same names: <locale>/<template>.txt|.html).",
        default=None,
    )
    email_reply_domain: str = _setting(
        "EMAIL_REPLY_DOMAIN",
        None,
        "Domain of reply+<token>@ addresses: notification mails about a topic can be answered by mail; empty: off.",
        default="",
    )
    email_inbound_host: str = _setting(
        "EMAIL_INBOUND_HOST",
        None,
        "Interface the inbound SMTP listener (replies by mail) binds.",
        default="127.0.0.1",
    )
    email_inbound_port: int = _setting(
        "EMAIL_INBOUND_PORT",
        _parse_int,
        "Port of the inbound SMTP listener.",
        default=2525,
    )
    email_inbound_in_process: bool = _setting(
        "EMAIL_INBOUND_IN_PROCESS",
        _parse_bool,
        "Run the inbound listener inside the app (one process binds it) instead of `guildhall mail-in`.",
        default=False,
    )
    email_inbound_require_dkim: bool = _setting(
        "EMAIL_INBOUND_REQUIRE_DKIM",
        _parse_bool,
        "A reply by mail must carry a valid DKIM signature of the member's mail domain (or a parent "
        "domain of it) covering From, this reply address and Message-ID; false: only the From header "
        "is compared with the member's address.",
        default=True,
    )
    email_inbound_dns: str = _setting(
        "EMAIL_INBOUND_DNS",
        _parse_dns_server,
        "DNS server (ip or ip:port) DKIM keys of replies are looked up at; empty: the system's resolver.",
        default="",
    )
    email_inbound_max_bytes: int = _setting(
        "EMAIL_INBOUND_MAX_BYTES",
        _parse_int,
        "Largest inbound message accepted.",
        default=1_000_000,
    )
    event_reminder_minutes: int = _setting(
        "EVENT_REMINDER_MINUTES",
        _parse_int,
        "How long before an event starts its RSVPs are reminded (in the app and, as they choose, by mail); 0: never.",
        default=120,
        community=True,
    )
    digest_hour: int = _setting(
        "DIGEST_HOUR",
        _parse_digest_hour,
        "Local hour (community time zone) at which digests are sent.",
        default=7,
        community=True,
    )
    # GraphQL limits
    max_query_depth: int = _setting("MAX_QUERY_DEPTH", _parse_int, "Deepest query accepted.", default=12)
    max_aliases: int = _setting("MAX_ALIASES", _parse_int, "Most aliases in one document.", default=30)
    max_tokens: int = _setting("MAX_TOKENS", _parse_int, "Most tokens in one document.", default=4000)
    max_body_bytes: int = _setting("MAX_BODY_BYTES", _parse_int, "Largest non-upload request body.", default=1_000_000)
    max_upload_bytes: int = _setting(
        "MAX_UPLOAD_BYTES", _parse_int, "Largest multipart (upload) request body.", default=200_000_000
    )
    page_size_default: int = _setting("PAGE_SIZE_DEFAULT", _parse_int, "Default page size.", default=20)
    page_size_max: int = _setting("PAGE_SIZE_MAX", _parse_int, "Largest page size.", default=100)
    introspection: bool = _setting("GRAPHQL_INTROSPECTION", _parse_bool, "Allow schema introspection.", default=True)
    field_suggestions: bool = _setting(
        "GRAPHQL_FIELD_SUGGESTIONS", _parse_bool, "Suggest field names in validation errors.", default=True
    )
    max_query_cost: int = _setting(
        "MAX_QUERY_COST",
        _parse_int,
        "Highest cost of one GraphQL operation (connections multiply nested selections; README).",
        default=10_000,
    )
    # Off-loop work (api/offload.py)
    cpu_workers: int = _setting(
        "CPU_WORKERS",
        _parse_int,
        "Worker processes per app process for Markdown rendering, revision diffs and images.",
        default=2,
    )
    password_hash_concurrency: int = _setting(
        "PASSWORD_HASH_CONCURRENCY",
        _parse_int,
        "Password hashes computed at once per app process (argon2id, 64 MiB each).",
        default=2,
    )
    # Accounts
    token_ttl_hours: int = _setting("TOKEN_TTL_HOURS", _parse_int, "Lifetime of a login token.", default=24 * 30)
    login_attempts_per_minute: int = _setting(
        "LOGIN_ATTEMPTS_PER_MINUTE",
        _parse_int,
        "Failed logins per login name and per client per minute.",
        default=10,
        community=True,
    )
    writes_per_minute: int = _setting(
        "WRITES_PER_MINUTE", _parse_int, "Mutations per member per minute.", default=120, community=True
    )
    min_password_length: int = _setting(
        "MIN_PASSWORD_LENGTH", _parse_int, "Shortest password.", default=10, community=True
    )
    # Content limits
    max_title_length: int = _setting(
        "MAX_TITLE_LENGTH",
        _parse_int,
        "Longest title.",
        default=200,
        community=True,
        bounds=(
            "forum.Topic.title",
            "kb.Article.title",
            "kb.Resource.title",
            "moderation.Announcement.title",
            "engagement.Event.title",
            "engagement.Lottery.title",
            "engagement.Conversation.title",
            "engagement.FeedbackTicket.subject",
            "engagement.Reward.name",
        ),
    )
    max_body_length: int = _setting(
        "MAX_BODY_LENGTH", _parse_int, "Longest Markdown body.", default=100_000, community=True
    )
    # Reputation thresholds (privileges)
    reputation_to_downvote: int = _setting(
        "REPUTATION_TO_DOWNVOTE", _parse_int, "Reputation needed to downvote.", default=50, community=True
    )
    reputation_to_edit_others: int = _setting(
        "REPUTATION_TO_EDIT_OTHERS",
        _parse_int,
        "Reputation needed to edit others' posts and articles.",
        default=500,
        community=True,
    )
    # Forum and Q&A
    forum_reactions: tuple[str, ...] = _setting(
        "FORUM_REACTIONS",
        _parse_list,
        "Comma-separated emoji members may react with.",
        default=("👍", "❤️", "😂", "🎉", "😮", "🙏"),
        community=True,
    )
    forum_max_tags: int = _setting("FORUM_MAX_TAGS", _parse_int, "Most tags on one topic.", default=5, community=True)
    forum_max_tag_length: int = _setting(
        "FORUM_MAX_TAG_LENGTH", _parse_int, "Longest tag name.", default=30, community=True, bounds=("forum.Tag.name",)
    )
    # Governance
    governance_max_options: int = _setting(
        "GOVERNANCE_MAX_OPTIONS", _parse_int, "Most options of a proposal or poll.", default=20, community=True
    )
    governance_max_option_length: int = _setting(
        "GOVERNANCE_MAX_OPTION_LENGTH",
        _parse_int,
        "Longest option label of a proposal or poll.",
        default=200,
        community=True,
    )
    governance_vote_reminder_hours: int = _setting(
        "GOVERNANCE_VOTE_REMINDER_HOURS",
        _parse_int,
        "How long before a proposal's voting closes the eligible "
        "members who have not voted are reminded (in-app); 0 turns reminders off.",
        default=24,
        community=True,
    )
    governance_max_voting_days: int = _setting(
        "GOVERNANCE_MAX_VOTING_DAYS",
        _parse_int,
        "Longest voting period of a proposal, poll or survey.",
        default=90,
        community=True,
    )
    event_propose_min_trust_level: int = _setting(
        "EVENT_PROPOSE_MIN_TRUST_LEVEL",
        _parse_int,
        "Lowest trust level (0-4) at which members may propose "
        "events; staff approve them in the review queue before they show.",
        default=2,
        community=True,
    )
    event_propose_min_tier_rank: int | None = _setting(
        "EVENT_PROPOSE_MIN_TIER_RANK",
        _parse_int,
        "Members holding a tier of this rank or higher may also propose events, whatever their "
        "trust level; unset: only the trust level counts.",
        default=None,
        community=True,
    )
    survey_max_questions: int = _setting(
        "SURVEY_MAX_QUESTIONS", _parse_int, "Most questions in one survey.", default=50, community=True
    )
    survey_max_answer_length: int = _setting(
        "SURVEY_MAX_ANSWER_LENGTH",
        _parse_int,
        "Longest text answer to a survey question.",
        default=5000,
        community=True,
    )
    # Media
    media_max_image_bytes: int = _setting(
        "MEDIA_MAX_IMAGE_BYTES", _parse_int, "Largest image upload (bytes).", default=20_000_000, community=True
    )
    media_max_audio_bytes: int = _setting(
        "MEDIA_MAX_AUDIO_BYTES", _parse_int, "Largest audio upload (bytes).", default=50_000_000, community=True
    )
    media_max_video_bytes: int = _setting(
        "MEDIA_MAX_VIDEO_BYTES", _parse_int, "Largest video upload (bytes).", default=200_000_000, community=True
    )
    media_max_document_bytes: int = _setting(
        "MEDIA_MAX_DOCUMENT_BYTES",
        _parse_int,
        "Largest document (PDF) upload (bytes).",
        default=20_000_000,
        community=True,
    )
    media_max_image_pixels: int = _setting(
        "MEDIA_MAX_IMAGE_PIXELS",
        _parse_int,
        "Most pixels (width x height) of an uploaded image; larger ones are refused as decompression bombs.",
        default=40_000_000,
        community=True,
    )
    media_quota_bytes: int = _setting(
        "MEDIA_QUOTA_BYTES",
        _parse_int,
        "Storage quota of one member: bytes of all their stored files.",
        default=500_000_000,
        community=True,
    )
    media_uploads_per_minute: int = _setting(
        "MEDIA_UPLOADS_PER_MINUTE", _parse_int, "Uploads per member per minute.", default=10, community=True
    )
    media_max_alt_length: int = _setting(
        "MEDIA_MAX_ALT_LENGTH", _parse_int, "Longest alternative text of an image.", default=500, community=True
    )
    media_storage_url: str | None = _setting(
        "MEDIA_STORAGE_URL",
        _parse_storage_url,
        "Object storage for media, s3://bucket/prefix?endpoint=https://host&region=r; unset: MEDIA_ROOT on disk.",
        default=None,
    )
    aws_access_key_id: str = _setting(
        "AWS_ACCESS_KEY_ID",
        None,
        "Access key of MEDIA_STORAGE_URL's bucket (and backups sent to s3://).",
        default="",
    )
    aws_secret_access_key: str = _setting(
        "AWS_SECRET_ACCESS_KEY",
        None,
        "Secret key of MEDIA_STORAGE_URL's bucket.",
        default="",
    )
    media_url_prefix: str = _setting(
        "MEDIA_URL_PREFIX",
        None,
        "Prefix of media URLs handed to clients: `/media` or an absolute https://host/media.",
        default="/media",
    )
    media_signed_url_seconds: int = _setting(
        "MEDIA_SIGNED_URL_SECONDS", _parse_int, "Lifetime of signed URLs of private media.", default=3600
    )
    media_processing_concurrency: int = _setting(
        "MEDIA_PROCESSING_CONCURRENCY",
        _parse_int,
        "Images decoded at once per app process (each takes a few times its pixel count in memory).",
        default=2,
    )
    # Moderation
    moderation_join_policy: str = _setting(
        "MODERATION_JOIN_POLICY",
        _parse_join_policy,
        "Community join policy: OPEN, APPROVAL (moderators approve requests) or INVITE_ONLY.",
        default="OPEN",
        community=True,
    )
    moderation_rules_required: bool = _setting(
        "MODERATION_RULES_REQUIRED",
        _parse_bool,
        "Posting requires accepting the latest version of the community rules.",
        default=False,
        community=True,
    )
    moderation_premoderate_first_posts: int = _setting(
        "MODERATION_PREMODERATE_FIRST_POSTS",
        _parse_int,
        "Hold a member's content for review until this many of their items were approved (0: off).",
        default=0,
        community=True,
    )
    moderation_log_shows_moderator: bool = _setting(
        "MODERATION_LOG_SHOWS_MODERATOR",
        _parse_bool,
        "Show members which moderator acted in the moderation log (staff always see it).",
        default=False,
        community=True,
    )
    moderation_max_note_length: int = _setting(
        "MODERATION_MAX_NOTE_LENGTH",
        _parse_int,
        "Longest report note, join request message or moderation reason.",
        default=2000,
        community=True,
    )
    moderation_max_invite_uses: int = _setting(
        "MODERATION_MAX_INVITE_USES",
        _parse_int,
        "Most registrations one invite code may admit.",
        default=100,
        community=True,
    )
    # Knowledge base and search
    kb_max_summary_length: int = _setting(
        "KB_MAX_SUMMARY_LENGTH",
        _parse_int,
        "Longest article summary or resource description.",
        default=2000,
        community=True,
    )
    kb_max_tags: int = _setting(
        "KB_MAX_TAGS", _parse_int, "Most tags on one article or resource.", default=10, community=True
    )
    kb_max_tag_length: int = _setting(
        "KB_MAX_TAG_LENGTH", _parse_int, "Longest knowledge-base tag.", default=40, community=True
    )
    kb_max_message_length: int = _setting(
        "KB_MAX_MESSAGE_LENGTH",
        _parse_int,
        "Longest revision message.",
        default=300,
        community=True,
        bounds=("kb.ArticleRevision.message",),
    )
    kb_diff_max_lines: int = _setting(
        "KB_DIFF_MAX_LINES",
        _parse_int,
        "Most lines (both revisions together) `revisionDiff` compares; larger diffs are refused.",
        default=20_000,
    )
    kb_diff_timeout_seconds: float = _setting(
        "KB_DIFF_TIMEOUT_SECONDS",
        _parse_float,
        "Longest time one revision diff may compute before it is stopped and refused.",
        default=5.0,
    )
    search_query_max_length: int = _setting(
        "SEARCH_QUERY_MAX_LENGTH", _parse_int, "Longest search query (characters).", default=200, community=True
    )
    search_token_ttl_seconds: int = _setting(
        "SEARCH_TOKEN_TTL_SECONDS",
        _parse_int,
        "Lifetime of a Meilisearch tenant token from `searchToken` (a member's also die when their rights shrink).",
        default=300,
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
        "SEARCH_RETRY_MAX_SECONDS",
        _parse_int,
        "Longest back-off between retries of a failed push.",
        default=300,
    )
    # Background work
    scheduler_interval_seconds: float = _setting(
        "SCHEDULER_INTERVAL_SECONDS", _parse_interval, "How often periodic jobs run.", default=2.0
    )
    ws_session_check_seconds: float = _setting(
        "WS_SESSION_CHECK_SECONDS",
        _parse_interval,
        "How often an open WebSocket re-checks its token and ban (sign-outs close it at once).",
        default=30.0,
    )
    public_cache_seconds: int = _setting(
        "PUBLIC_CACHE_SECONDS",
        _parse_int,
        "How long anonymous query results are cached (0 disables); every write invalidates them.",
        default=10,
    )
    migration_lock_timeout_seconds: int = _setting(
        "MIGRATION_LOCK_TIMEOUT_SECONDS",
        _parse_int,
        "How long a starting process waits for another one's migrations before giving up.",
        default=900,
    )
    shutdown_grace_seconds: int = _setting(
        "SHUTDOWN_GRACE_SECONDS",
        _parse_int,
        "On SIGTERM, how long requests in flight may take to finish (WebSockets close at once with 1012).",
        default=30,
    )
    backup_to: str | None = _setting(
        "BACKUP_TO",
        None,
        "Where backups go: a folder or s3://bucket/prefix?endpoint=...; unset: DATA_DIR/backups.",
        default=None,
    )
    backup_interval_hours: int = _setting(
        "BACKUP_INTERVAL_HOURS",
        _parse_int,
        "Hours between scheduled backups (0: none scheduled).",
        default=24,
    )
    backup_keep: int = _setting(
        "BACKUP_KEEP",
        _parse_int,
        "Scheduled backups kept; older ones are deleted.",
        default=7,
    )
    workers: int = _setting(
        "WORKERS",
        _parse_int,
        "Serving processes started by `guildhall serve` (and the Docker image); 0 means one per CPU core.",
        default=1,
    )
    run_workers: bool = _setting(
        "RUN_WORKERS",
        _parse_bool,
        "Run background workers (outbox, scheduler) in this process.",
        default=True,
    )

    # Engagement (points, check-in, messages, feedback)
    points_rules: tuple[tuple[str, int], ...] = _setting(
        "POINTS_RULES",
        _parse_int_pairs,
        "Points per rule as name=points: post, answer, accepted_answer, reaction_received, "
        "daily_check_in, event_attendance, article_published.",
        default=(
            ("post", 2),
            ("answer", 5),
            ("accepted_answer", 15),
            ("reaction_received", 1),
            ("daily_check_in", 2),
            ("event_attendance", 10),
            ("article_published", 20),
        ),
        community=True,
    )
    points_daily_caps: tuple[tuple[str, int], ...] = _setting(
        "POINTS_DAILY_CAPS",
        _parse_int_pairs,
        "Most points a member earns per rule per community day, as name=points (absent: no cap).",
        default=(
            ("post", 20),
            ("answer", 50),
            ("accepted_answer", 150),
            ("reaction_received", 30),
            ("daily_check_in", 2),
            ("event_attendance", 30),
            ("article_published", 60),
        ),
        community=True,
    )
    check_in_streak_bonuses: tuple[tuple[str, int], ...] = _setting(
        "CHECK_IN_STREAK_BONUSES",
        _parse_int_pairs,
        "Bonus points on reaching a check-in streak, as days=points.",
        default=(("7", 10), ("30", 50), ("100", 200)),
        community=True,
    )
    point_levels: tuple[tuple[str, int], ...] = _setting(
        "POINT_LEVELS",
        _parse_int_pairs,
        "Titles reached by points earned, as title=points.",
        default=(("Newcomer", 0), ("Regular", 100), ("Contributor", 500), ("Expert", 2000), ("Sage", 10000)),
        community=True,
    )
    max_message_length: int = _setting(
        "MAX_MESSAGE_LENGTH", _parse_int, "Longest private message or auto-reply.", default=5000, community=True
    )
    max_conversation_members: int = _setting(
        "MAX_CONVERSATION_MEMBERS", _parse_int, "Most members of a group conversation.", default=20, community=True
    )
    max_feedback_length: int = _setting(
        "MAX_FEEDBACK_LENGTH", _parse_int, "Longest feedback ticket or reply.", default=10000, community=True
    )
    max_reason_length: int = _setting(
        "MAX_REASON_LENGTH", _parse_int, "Longest reason of a points grant or badge award.", default=500, community=True
    )

    # Trust levels (README "Trust levels and the content gate")
    trust_tl1_requirements: tuple[tuple[str, int], ...] = _setting(
        "TRUST_TL1_REQUIREMENTS",
        _parse_requirements,
        "What earns trust level 1 (basic), as name=number.",
        default=(("topics_entered", 5), ("posts_read", 30), ("minutes_read", 10)),
        community=True,
    )
    trust_tl2_requirements: tuple[tuple[str, int], ...] = _setting(
        "TRUST_TL2_REQUIREMENTS",
        _parse_requirements,
        "What earns trust level 2 (member), as name=number.",
        default=(
            ("days_visited", 15),
            ("likes_given", 1),
            ("likes_received", 1),
            ("replies", 3),
            ("topics_entered", 20),
            ("posts_read", 100),
            ("minutes_read", 60),
        ),
        community=True,
    )
    trust_tl3_requirements: tuple[tuple[str, int], ...] = _setting(
        "TRUST_TL3_REQUIREMENTS",
        _parse_requirements,
        "What earns (and keeps) trust level 3 (regular) within the last window_days, as name=number.",
        default=(
            ("window_days", 100),
            ("days_visited", 50),
            ("replies", 10),
            ("topics_entered", 25),
            ("posts_read", 250),
            ("likes_given", 30),
            ("likes_received", 20),
            ("sanction_free_days", 100),
        ),
        community=True,
    )
    new_member_max_links: int = _setting(
        "NEW_MEMBER_MAX_LINKS",
        _parse_int,
        "Most links in one text of a trust level 0 member.",
        default=2,
        community=True,
    )
    new_member_max_images: int = _setting(
        "NEW_MEMBER_MAX_IMAGES",
        _parse_int,
        "Most images in one text of a trust level 0 member.",
        default=1,
        community=True,
    )
    new_member_max_mentions: int = _setting(
        "NEW_MEMBER_MAX_MENTIONS",
        _parse_int,
        "Most @mentions in one text of a trust level 0 member.",
        default=2,
        community=True,
    )
    new_member_topics_per_day: int = _setting(
        "NEW_MEMBER_TOPICS_PER_DAY",
        _parse_int,
        "Topics a trust level 0 member may start per community day.",
        default=3,
        community=True,
    )
    new_member_posts_per_day: int = _setting(
        "NEW_MEMBER_POSTS_PER_DAY",
        _parse_int,
        "Replies a trust level 0 member may post per community day.",
        default=20,
        community=True,
    )
    new_member_messages_per_day: int = _setting(
        "NEW_MEMBER_MESSAGES_PER_DAY",
        _parse_int,
        "Private messages a trust level 0 member may send per day.",
        default=5,
        community=True,
    )
    trust_level_to_message: int = _setting(
        "TRUST_LEVEL_TO_MESSAGE",
        _parse_trust_level,
        "Trust level needed to write privately to members who are not staff.",
        default=1,
        community=True,
    )
    trust_level_to_invite: int = _setting(
        "TRUST_LEVEL_TO_INVITE", _parse_trust_level, "Trust level needed to create invites.", default=1, community=True
    )
    trust_level_to_edit_others: int = _setting(
        "TRUST_LEVEL_TO_EDIT_OTHERS",
        _parse_trust_level,
        "Trust level that lets members edit others' posts and articles (as REPUTATION_TO_EDIT_OTHERS does).",
        default=3,
        community=True,
    )
    flag_weights: tuple[tuple[str, int], ...] = _setting(
        "FLAG_WEIGHTS",
        _parse_int_pairs,
        "Weight of a report by trust level, as level=weight.",
        default=(("0", 1), ("1", 1), ("2", 2), ("3", 3), ("4", 4)),
        community=True,
    )
    flag_hide_threshold: int = _setting(
        "FLAG_HIDE_THRESHOLD",
        _parse_int,
        "Content is hidden pending review once the weights of its reporters reach this (0: never).",
        default=3,
        community=True,
    )
    trust_recompute_minutes: float = _setting(
        "TRUST_RECOMPUTE_MINUTES", _parse_interval, "How often trust levels are recomputed.", default=60.0
    )

    # Member lifecycle and growth (README "Member lifecycle and growth")
    lifecycle_at_risk_days: int = _setting(
        "LIFECYCLE_AT_RISK_DAYS",
        _parse_int,
        "Community days without any activity after which a member is AT_RISK (and reminded).",
        default=30,
        community=True,
    )
    lifecycle_inactive_days: int = _setting(
        "LIFECYCLE_INACTIVE_DAYS",
        _parse_int,
        "Community days without any activity after which an AT_RISK member is INACTIVE.",
        default=90,
        community=True,
    )
    referral_points: int = _setting(
        "REFERRAL_POINTS",
        _parse_int,
        "Points the inviter and the invited member each get once the invitee stayed active (0: none).",
        default=50,
        community=True,
    )
    referral_active_days: int = _setting(
        "REFERRAL_ACTIVE_DAYS",
        _parse_int,
        "Community days an invited member must be active on before the referral is rewarded.",
        default=7,
        community=True,
    )
    share_url_template: str = _setting(
        "SHARE_URL_TEMPLATE",
        None,
        "Frontend address a share link (/s/<global id>) redirects to: {type} and {id} (the global id) are filled in; "
        "empty: no redirect.",
        default="",
    )
    share_image_url: str = _setting(
        "SHARE_IMAGE_URL",
        None,
        "Image of share cards (Open Graph og:image), e.g. the community's logo; empty: none.",
        default="",
        community=True,
    )
    share_site_name: str = _setting(
        "SHARE_SITE_NAME", None, "Site name on share cards (og:site_name).", default="Guildhall", community=True
    )
    lifecycle_reminder: str = _setting(
        "LIFECYCLE_REMINDER",
        None,
        "What members hear when they become AT_RISK.",
        default="We miss you! See what is new in the community.",
        community=True,
    )

    # Operations: logs, metrics, tracing, persisted queries (README "Operations")
    log_format: str = _setting(
        "LOG_FORMAT",
        _parse_log_format,
        "Log lines as `text` or `json` (one JSON object a line).",
        default="text",
    )
    metrics_token: str = _setting(
        "METRICS_TOKEN",
        None,
        "Bearer token that opens /metrics to other hosts; without it only loopback may read it.",
        default="",
    )
    otel_exporter_otlp_endpoint: str | None = _setting(
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        _parse_http_url,
        "OTLP/HTTP collector; with the `tracing` extra installed, spans are sent there.",
        default=None,
    )
    persisted_queries_only: bool = _setting(
        "PERSISTED_QUERIES_ONLY",
        _parse_bool,
        "Run only operations registered with `guildhall persist-queries`.",
        default=False,
    )
    persisted_queries_cache_seconds: int = _setting(
        "PERSISTED_QUERIES_CACHE_SECONDS",
        _parse_int,
        "How long automatic persisted queries are kept (0: clients may not register any).",
        default=86400,
    )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, env_file: Path | None = ROOT / ".env") -> Settings:
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
        if self.workers < 0:
            raise SettingsError("setting WORKERS must be 0 (one per CPU core) or more")
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
# The settings in force for the current request, job or command: the process's settings with the
# community's overrides (see `api.community`). Domain code receives settings as arguments; event
# handlers receive these.
_effective: ContextVar[Settings | None] = ContextVar("guildhall_effective_settings", default=None)


def get_settings() -> Settings:
    """The process-wide settings (read once)."""
    global _current
    if _current is None:
        _current = Settings.from_env()
    return _current


def effective_settings() -> Settings:
    """The settings in force now: those installed for this request or job, else the process's."""
    return _effective.get() or get_settings()


def use_settings(settings: Settings) -> Token[Settings | None]:
    """Install `settings` as the effective settings of the current task (reset with the token)."""
    return _effective.set(settings)


def reset_settings(token: Token[Settings | None]) -> None:
    _effective.reset(token)


def set_settings(settings: Settings) -> None:
    """Install settings for this process (tests and the CLI)."""
    global _current
    _current = settings
