"""Account mail: address verification, password reset and email change, by single-use tokens.

A token is 32 random bytes mailed to the member; only its SHA-256 is stored (`EmailToken`). It
expires, is spent by one conditional update (two concurrent uses cannot both succeed), and a
reset token also dies when the password changes (it records a mark of the password hash it was
issued under). `requestPasswordReset` answers the same whether or not an account has the
address, so it tells nobody which addresses have accounts.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from tortoise.exceptions import IntegrityError

from api.domain.accounts import (
    EMAIL_RE,
    hash_token,
    normalise_email,
    revoke_all_tokens,
)
from api.domain.mail import links
from api.domain.mail.outbox import enqueue_for
from api.errors import Conflict, Invalid, RateLimited
from api.models.accounts import EmailToken, EmailTokenPurpose, SanctionKind, User
from api.passwords import hash_password, password_problem, verify_password
from api.policies import active_restrictions
from api.ratelimit import RateLimiter
from api.settings import Settings
from api.timeutil import now
from api.transactions import transaction

BAD_LINK = "This link is not valid or has expired; ask for a new one."


def password_mark(password_hash: str) -> str:
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


async def _issue(user: User, purpose: EmailTokenPurpose, email: str, lifetime: timedelta) -> str:
    token = secrets.token_urlsafe(32)
    await EmailToken.create(
        user=user,
        purpose=purpose,
        token_hash=hash_token(token),
        email=email,
        password_mark=password_mark(user.password_hash),
        expires_at=now() + lifetime,
    )
    return token


async def _spend(token: str, purpose: EmailTokenPurpose) -> EmailToken:
    """Use a token once, inside the caller's transaction; refuses unknown, used or expired ones."""
    if not token or len(token) > 100:
        raise Invalid(BAD_LINK, field="token")
    moment = now()
    row = await EmailToken.filter(token_hash=hash_token(token), purpose=purpose).select_related("user").first()
    if row is None or row.used_at is not None or row.expires_at <= moment:
        raise Invalid(BAD_LINK, field="token")
    spent = await EmailToken.filter(id=row.id, used_at__isnull=True).update(used_at=moment)
    if not spent:  # used concurrently
        raise Invalid(BAD_LINK, field="token")
    return row


async def send_verification(user: User, *, settings: Settings) -> None:
    """Mail a verification link for the member's address (call inside the transaction)."""
    token = await _issue(user, EmailTokenPurpose.VERIFY, user.email, timedelta(hours=settings.email_verify_hours))
    await enqueue_for(
        user,
        "verify_email",
        {
            "email": user.email,
            "hours": settings.email_verify_hours,
            "link": links.page("email_verify_url", token=token),
        },
    )


async def _limit_member(actor: User, settings: Settings, limiter: RateLimiter | None) -> None:
    if limiter is not None and not await limiter.hit(
        f"account-mail:user:{actor.id}", settings.account_mails_per_hour, 3600
    ):
        raise RateLimited("Too many mails asked for; wait an hour and try again.")


async def request_email_verification(actor: User, *, settings: Settings, limiter: RateLimiter | None = None) -> None:
    if actor.email_verified_at is not None:
        raise Conflict("Your address is already verified.", field="email")
    await _limit_member(actor, settings, limiter)
    async with transaction():
        await send_verification(actor, settings=settings)


async def verify_email(token: str, *, settings: Settings) -> User:
    async with transaction():
        row = await _spend(token, EmailTokenPurpose.VERIFY)
        user = row.user
        if row.email != user.email:  # the address changed since the link was sent
            raise Invalid(BAD_LINK, field="token")
        if user.email_verified_at is None:
            user.email_verified_at = now()
            await user.save(update_fields=["email_verified_at"])
    return user


async def request_password_reset(email: str, *, settings: Settings, limiter: RateLimiter, client: str = "") -> None:
    """Mail a reset link if an account has this address. The answer is the same either way;
    the limit counts requests per address and per client whether or not an account exists."""
    address = normalise_email(email)
    keys = [f"reset:email:{address.casefold()}", f"reset:client:{client}"]
    if not await limiter.hit_all(keys, settings.account_mails_per_hour, 3600):
        raise RateLimited("Too many reset requests; wait an hour and try again.")
    if not EMAIL_RE.match(address):
        return
    user = await User.filter(email=address).first()
    if user is None or any(s.kind == SanctionKind.BAN for s in await active_restrictions(user.id)):
        return
    async with transaction():
        token = await _issue(
            user, EmailTokenPurpose.RESET, user.email, timedelta(minutes=settings.password_reset_minutes)
        )
        await enqueue_for(
            user,
            "password_reset",
            {
                "minutes": settings.password_reset_minutes,
                "link": links.page("password_reset_url", token=token),
            },
        )


async def reset_password(token: str, new_password: str, *, settings: Settings) -> User:
    """Set a new password from a reset link; every session of the member is signed out."""
    async with transaction():
        row = await _spend(token, EmailTokenPurpose.RESET)
        user = row.user
        if row.password_mark != password_mark(user.password_hash) or row.email != user.email:
            raise Invalid(BAD_LINK, field="token")  # the password or address changed since
        if problem := password_problem(
            new_password, min_length=settings.min_password_length, username=user.username, email=user.email
        ):
            raise Invalid(problem, field="newPassword")  # rolls back: the link still works
        user.password_hash = await hash_password(new_password)
        fields = ["password_hash"]
        if user.email_verified_at is None:  # following the link proved the address
            user.email_verified_at = now()
            fields.append("email_verified_at")
        await user.save(update_fields=fields)
        await EmailToken.filter(user_id=user.id, purpose=EmailTokenPurpose.RESET, used_at__isnull=True).update(
            used_at=now()
        )
        await revoke_all_tokens(user.id)
    return user


async def change_email(
    actor: User, new_email: str, password: str, *, settings: Settings, limiter: RateLimiter | None = None
) -> None:
    """Mail a confirmation link to the new address; the old one stays until it is followed."""
    if not await verify_password(actor.password_hash, password):
        raise Invalid("The password is wrong.", field="password")
    address = normalise_email(new_email)
    if not EMAIL_RE.match(address) or len(address) > 254:
        raise Invalid("Enter a valid email address.", field="newEmail")
    if address == actor.email:
        raise Invalid("This is already your address.", field="newEmail")
    if await User.filter(email=address).exists():
        raise Conflict("An account with this email exists.", field="newEmail")
    await _limit_member(actor, settings, limiter)
    async with transaction():
        token = await _issue(actor, EmailTokenPurpose.CHANGE, address, timedelta(hours=settings.email_verify_hours))
        await enqueue_for(
            actor,
            "email_change",
            {
                "email": address,
                "hours": settings.email_verify_hours,
                "link": links.page("email_change_url", token=token),
            },
            to_address=address,
        )


async def confirm_email_change(token: str, *, settings: Settings) -> User:
    """Follow the link sent to the new address: it replaces the old one, which is told."""
    try:
        async with transaction():
            row = await _spend(token, EmailTokenPurpose.CHANGE)
            user = await User.filter(id=row.user_id).select_for_update().first()
            if user is None or await User.filter(email=row.email).exclude(id=user.id).exists():
                raise Conflict("An account with this email exists.", field="token")
            old = user.email
            user.email, user.email_verified_at = row.email, now()
            await user.save(update_fields=["email", "email_verified_at"])
            # Links sent to the old address die with it.
            await (
                EmailToken.filter(user_id=user.id, used_at__isnull=True).exclude(email=row.email).update(used_at=now())
            )
            await enqueue_for(user, "email_changed", {"new_email": row.email}, to_address=old)
    except IntegrityError:  # lost a race with a registration of the same address
        raise Conflict("An account with this email exists.", field="token") from None
    return user
