"""Accounts: registration, login tokens, passwords, roles, profiles."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from tortoise.exceptions import IntegrityError

from api import text
from api.db import fetch_all
from api.domain.accounts.events import AdmitMember, MemberAccessChanged, MemberRegistered
from api.domain.accounts.search import index_members
from api.domain.activity import record_visit
from api.domain.content import gate
from api.domain.content.events import Submission
from api.errors import Conflict, DomainError, Invalid, NotFound, RateLimited, Unauthenticated, collect
from api.events import decide, emit
from api.models.accounts import AccessToken, Role, Sanction, SanctionKind, User
from api.names import clean_display_name, normalise_username, skeleton
from api.passwords import hash_password, password_problem, verify_password
from api.policies import (
    active_restrictions,
    remember_committee_seats,
    remember_restrictions,
    require_role,
    sanction_active,
)
from api.pubsub import publish
from api.ratelimit import RateLimiter
from api.settings import LOCALES, Settings
from api.timeutil import now
from api.transactions import transaction
from search.tokens import revoke_member_keys

# Letters of any script (Chinese names included), digits, '_', '-', '.'.
USERNAME_RE = re.compile(r"^[\w.\-]{2,32}$", re.UNICODE)
EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
TOKEN_PREFIX = "gh_"
MAX_INTEREST_TAGS = 20


def username_key(username: str) -> str:
    """The unique, case-insensitive key of a username as typed (NFKC, hidden characters gone)."""
    return normalise_username(username).casefold()


def normalise_email(email: str) -> str:
    local, _, domain = email.strip().partition("@")
    return f"{local}@{domain.lower()}"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def validate_username(username: str) -> str | None:
    if not USERNAME_RE.match(username):
        return "Use 2 to 32 letters, digits, '_', '-' or '.'."
    if username.strip(".-_") != username:
        return "The username must start and end with a letter or digit."
    return None


def validate_display_name(name: str) -> str | None:
    if not name.strip():
        return "Enter a display name."
    if len(name) > 64:
        return "Use at most 64 characters."
    return None


@dataclass(frozen=True)
class RegistrationInput:
    username: str
    email: str
    password: str
    display_name: str


async def register(
    data: RegistrationInput,
    *,
    role: Role = Role.MEMBER,
    invite_code: str | None = None,
    sign_up: bool = False,
    settings: Settings,
) -> User:
    """Create a member account. Raises field errors for every bad field at once.

    `sign_up` marks a public sign-up, subject to the community's join policy; `invite_code`
    is checked and used by the `member.admit` decider (moderation) in the same transaction."""
    username = normalise_username(data.username)
    email = normalise_email(data.email)
    display_name = clean_display_name(data.display_name or username)
    errors: list[DomainError] = []
    if problem := validate_username(username):
        errors.append(Invalid(problem, field="username"))
    if not EMAIL_RE.match(email) or len(email) > 254:
        errors.append(Invalid("Enter a valid email address.", field="email"))
    if problem := password_problem(
        data.password, min_length=settings.min_password_length, username=username, email=email
    ):
        errors.append(Invalid(problem, field="password"))
    if problem := validate_display_name(display_name):
        errors.append(Invalid(problem, field="displayName"))
    collect(errors)
    if await User.filter(username_key=username_key(username)).exists():
        raise Conflict("This username is taken.", field="username")
    if await User.filter(username_skeleton=skeleton(username)).exists():
        raise Conflict("This username looks too much like an existing member's; choose another.", field="username")
    if await User.filter(email=email).exists():
        raise Conflict("An account with this email exists.", field="email")
    password_hash = await hash_password(data.password)
    try:
        async with transaction():
            user = await User.create(
                username=username,
                username_key=username_key(username),
                username_skeleton=skeleton(username),
                email=email,
                password_hash=password_hash,
                display_name=display_name,
                role=role,
            )
            await decide(AdmitMember(user=user, invite_code=invite_code, sign_up=sign_up), settings)
            await index_members(user.id)
            from api.domain.accounts.recovery import send_verification

            await send_verification(user, settings=settings)
            await emit(MemberRegistered(user_id=user.id, sign_up=sign_up))
            return user
    except IntegrityError:  # lost a race with a concurrent registration
        raise Conflict("This username or email is taken.", field="username") from None


def network_tag(client: str, settings: Settings) -> str:
    """A keyed hash of the client's network (IPv4 /24, IPv6 /48), never the address: two tokens
    with the same tag were issued from the same network (the referral guard's "same network").
    Addresses that say nothing about the member (loopback, private, link-local, unspecified,
    reserved, "unknown": `is_global` false) give ""."""
    try:
        address = ipaddress.ip_address(client.strip())
    except ValueError:
        return ""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if not address.is_global:
        return ""
    prefix = 24 if address.version == 4 else 48
    network = ipaddress.ip_network(f"{address}/{prefix}", strict=False)
    return hmac.new(settings.signing_key, f"network:{network}".encode(), hashlib.sha256).hexdigest()[:32]


async def issue_token(user: User, settings: Settings, user_agent: str = "", client: str = "") -> str:
    """A new bearer token for the member; `client` (their address) is kept only as the keyed
    hash of its network (`network_tag`)."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    await AccessToken.create(
        user=user,
        token_hash=hash_token(token),
        expires_at=now() + timedelta(hours=settings.token_ttl_hours),
        user_agent=user_agent[:255],
        network=network_tag(client, settings),
    )
    return token


async def login(
    login_name: str,
    password: str,
    settings: Settings,
    limiter: RateLimiter,
    *,
    client: str = "",
    user_agent: str = "",
) -> tuple[User, str]:
    """Check credentials and issue a token. Failures never say which part was wrong.

    Every attempt is counted (atomically, per login name and per client) before the slow
    password check, so concurrent attempts cannot all slip under the limit; past it, even the
    right password waits for the window to pass. A successful sign-in gives its count back:
    the limit is on failures."""
    key = username_key(login_name)
    keys = [f"login:name:{key}", f"login:client:{client}"]
    limit = settings.login_attempts_per_minute
    if not await limiter.hit_all(keys, limit, 60):
        raise RateLimited("Too many failed sign-ins; wait a minute and try again.")
    user = await User.filter(username_key=key).first()
    if user is None and "@" in key:
        user = await User.filter(email=normalise_email(login_name)).first()
    ok = await verify_password(user.password_hash if user else None, password)
    if not ok or user is None:
        raise Unauthenticated("Wrong login or password.")
    await limiter.hit_all(keys, limit, 60, cost=-1)
    if any(s.kind == SanctionKind.BAN for s in await active_restrictions(user.id)):
        raise Unauthenticated("This account is banned.", code=None)
    token = await issue_token(user, settings, user_agent, client)
    await record_visit(user, sign_in=True, settings=settings)
    return user, token


def _prefixed(model: type[Any], alias: str) -> str:
    return ", ".join(f'{alias}."{c}" AS "{alias}__{c}"' for c in model._meta.fields_db_projection.values())


def _split(row: dict[str, Any], alias: str) -> dict[str, Any]:
    start = len(alias) + 2
    return {k[start:]: v for k, v in row.items() if k.startswith(alias + "__")}


# The token, its member, the member's unrevoked mutes and bans and the committees they sit on in
# one statement (one row per sanction and seat, NULL columns where there is none): authentication
# runs on every request, and building ORM queries cost more CPU than the rest of a light request
# (issue 14). The seats are what search and governance reads ask next (`committee_seats`).
_AUTHENTICATE = (
    f"SELECT {_prefixed(AccessToken, 't')}, {_prefixed(User, 'u')}, {_prefixed(Sanction, 's')}, "
    'c."committee_id" AS "c__committee_id" '
    "FROM access_tokens t JOIN users u ON u.id = t.user_id "
    "LEFT JOIN sanctions s ON s.user_id = t.user_id AND s.kind IN (?, ?) AND s.revoked_at IS NULL "
    "LEFT JOIN committee_memberships c ON c.user_id = t.user_id AND c.left_at IS NULL "
    "WHERE t.token_hash = ? AND t.revoked_at IS NULL AND t.expires_at > ?"
)


async def authenticate(token: str | None, memo: dict[Any, Any] | None = None) -> tuple[User, AccessToken] | None:
    """The member a bearer token belongs to, or None for a missing, expired, revoked or
    banned one. Bans take effect at once because this runs on every request. The member's
    restrictions, read for that, are kept in `memo` (the operation's) for the guard and the
    domain (`api.policies.restrictions_of`)."""
    if not token or not token.startswith(TOKEN_PREFIX) or len(token) > 128:
        return None
    moment = now()
    rows = await fetch_all(_AUTHENTICATE, [SanctionKind.MUTE.value, SanctionKind.BAN.value, hash_token(token), moment])
    if not rows:
        return None
    record = AccessToken._init_from_db(**_split(rows[0], "t"))
    user = User._init_from_db(**_split(rows[0], "u"))
    record.user = user  # as `select_related("user")` would
    sanction_rows = {row["s__id"]: row for row in rows if row["s__id"] is not None}
    sanctions = [Sanction._init_from_db(**_split(row, "s")) for row in sanction_rows.values()]
    restrictions = [s for s in sanctions if sanction_active(s, moment)]
    if any(s.kind == SanctionKind.BAN for s in restrictions):
        return None
    remember_restrictions(memo, record.user_id, restrictions)
    seats = frozenset(row["c__committee_id"] for row in rows if row["c__committee_id"] is not None)
    remember_committee_seats(memo, record.user_id, seats)
    if user.last_seen_at is None or moment - user.last_seen_at > timedelta(minutes=5):
        user.last_seen_at = moment
        await User.filter(id=user.id).update(last_seen_at=moment)
    return user, record


async def token_still_valid(token_record: AccessToken) -> bool:
    """Whether a token checked earlier is still unrevoked, unexpired and its member not banned.
    A WebSocket authenticates once, at connection_init; its long-lived subscriptions re-check."""
    alive = await AccessToken.filter(id=token_record.id, revoked_at__isnull=True, expires_at__gt=now()).exists()
    if not alive:
        return False
    return not any(s.kind == SanctionKind.BAN for s in await active_restrictions(token_record.user_id))


def sessions_channel(user_id: int) -> str:
    return f"sessions:{user_id}"


async def sessions_changed(user_id: int) -> None:
    """Tell open WebSockets of the member to re-check their token now (sign-out, ban...)."""
    await publish(sessions_channel(user_id), {"user_id": user_id})


async def recheck_sessions(event: MemberAccessChanged, settings: Settings) -> None:
    await sessions_changed(event.user_id)


async def revoke_search_tokens(event: MemberAccessChanged, settings: Settings) -> None:
    await revoke_member_keys(settings, event.user_id)


async def logout(token_record: AccessToken) -> None:
    await AccessToken.filter(id=token_record.id, revoked_at__isnull=True).update(revoked_at=now())
    await sessions_changed(token_record.user_id)


async def revoke_all_tokens(user_id: int, *, except_token_id: int | None = None) -> int:
    query = AccessToken.filter(user_id=user_id, revoked_at__isnull=True)
    if except_token_id is not None:
        query = query.exclude(id=except_token_id)
    revoked = await query.update(revoked_at=now())
    await sessions_changed(user_id)
    return revoked


async def change_password(
    user: User,
    current_password: str,
    new_password: str,
    *,
    keep_token_id: int | None = None,
    settings: Settings,
) -> User:
    """Change the password and sign out every other session."""
    if not await verify_password(user.password_hash, current_password):
        raise Invalid("The current password is wrong.", field="currentPassword")
    if problem := password_problem(
        new_password, min_length=settings.min_password_length, username=user.username, email=user.email
    ):
        raise Invalid(problem, field="newPassword")
    async with transaction():
        user.password_hash = await hash_password(new_password)
        await user.save(update_fields=["password_hash"])
        await revoke_all_tokens(user.id, except_token_id=keep_token_id)
    return user


async def set_role(actor: User | None, user_id: int, role: Role) -> User:
    """Admins change a member's role. The last admin cannot demote themself."""
    require_role(actor, Role.ADMIN)
    async with transaction():
        user = await User.filter(id=user_id).select_for_update().first()
        if user is None:
            raise NotFound("No such member.", field="userId")
        if user.role == Role.ADMIN and role != Role.ADMIN:
            admins = await User.filter(role=Role.ADMIN).count()
            if admins <= 1:
                raise Conflict("The community needs at least one admin.", field="role")
        if user.role != role:
            user.role = role
            await user.save(update_fields=["role"])
            await index_members(user.id)
            await emit(MemberAccessChanged(user_id=user.id, reason="role"))
    return user


@dataclass(frozen=True)
class ProfileInput:
    display_name: str | None = None
    bio: str | None = None
    interest_tags: list[str] | None = None
    locale: str | None = None  # of mail to the member; "" = the community's default


async def update_profile(user: User, data: ProfileInput, *, settings: Settings) -> User:
    errors: list[DomainError] = []
    update: list[str] = []
    if data.display_name is not None:
        name = clean_display_name(data.display_name)
        if problem := validate_display_name(name):
            errors.append(Invalid(problem, field="displayName"))
        user.display_name = name
        update.append("display_name")
    if data.bio is not None:
        user.bio = text.block(data.bio, "bio", 2000, required=False, errors=errors)
        update.append("bio")
    if data.interest_tags is not None:
        user.interest_tags = text.tags(
            data.interest_tags, "interestTags", max_count=MAX_INTEREST_TAGS, max_length=40, errors=errors
        )
        update.append("interest_tags")
    if data.locale is not None:
        if data.locale and data.locale not in LOCALES:
            errors.append(Invalid(f"Choose one of {', '.join(LOCALES)}.", field="locale"))
        user.locale = data.locale
        update.append("locale")
    collect(errors)
    # The texts as they will be stored (cleaned above).
    written = {
        name: value
        for name, value, given in (("displayName", user.display_name, data.display_name), ("bio", user.bio, data.bio))
        if given is not None
    }
    if written:  # a profile is member text too: the content gate screens it
        verdict = await gate.check(
            Submission(
                author=user, content_type="User", texts=written, editing=True, **gate.measure(written.get("bio", ""))
            ),
            settings,
        )
        if "displayName" in written:
            user.display_name = verdict.text("displayName", user.display_name)
        if "bio" in written:
            user.bio = verdict.text("bio", user.bio)
    if update:
        async with transaction():
            await user.save(update_fields=update)
            await index_members(user.id)
    return user


async def create_admin(username: str, email: str, password: str, settings: Settings) -> User:
    """Create an admin account, or promote an existing account with that username."""
    existing = await User.filter(username_key=username_key(username)).first()
    if existing:
        async with transaction():
            existing.role = Role.ADMIN
            await existing.save(update_fields=["role"])
            await index_members(existing.id)
        return existing
    return await register(
        RegistrationInput(username=username, email=email, password=password, display_name=username),
        settings=settings,
        role=Role.ADMIN,
    )
