"""Account mail as plain rules, read from a real SMTP server: verification on sign-up, password
reset (single-use, expiring, hashed at rest, dead once the password changes, no account
enumeration, rate limited) and email change confirmed by the new address."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from api.domain import accounts
from api.domain.accounts import recovery
from api.domain.mail import worker
from api.errors import Conflict, DomainError, Invalid, RateLimited
from api.models.accounts import AccessToken, EmailToken, User
from api.models.mail import MailOutbox
from api.passwords import verify_password
from api.ratelimit import MemoryRateLimiter
from api.timeutil import now

NEW_PASSWORD = "a brand new passphrase"


async def delivered(settings, smtp, to: str) -> list:
    await worker.drain(settings)
    return [m for m in smtp.messages if m["To"] == to]


def token_in(message) -> str:
    text = message.get_body(("plain",)).get_content()
    return re.search(r"token=([\w-]+)", text)[1]


async def test_registering_mails_a_link_that_verifies_the_address_once(mail_settings, smtp):
    user = await accounts.register(
        accounts.RegistrationInput(
            username="ada", email="Ada@Example.org", password="correct horse battery", display_name="Ada"
        ),
        settings=mail_settings,
    )
    assert user.email_verified_at is None
    [mail] = await delivered(mail_settings, smtp, "Ada@example.org")
    assert mail["Subject"] == "Confirm your email address"
    token = token_in(mail)
    assert mail.get_body(("plain",)).get_content().count(f"http://localhost:3000/verify-email?token={token}") == 1
    assert not await EmailToken.filter(token_hash=token).exists()  # only its hash is stored
    verified = await recovery.verify_email(token, settings=mail_settings)
    assert verified.id == user.id and (await User.get(id=user.id)).email_verified_at is not None
    with pytest.raises(Invalid) as again:
        await recovery.verify_email(token, settings=mail_settings)
    assert again.value.field == "token"
    with pytest.raises(Invalid):
        await recovery.verify_email("forged-" + token, settings=mail_settings)
    with pytest.raises(Conflict):
        await recovery.request_email_verification(verified, settings=mail_settings)


async def test_a_reset_answers_the_same_for_unknown_addresses_and_mails_only_members(mail_settings, smtp, factory):
    member = await factory.user(email="ada@example.org")
    limiter = MemoryRateLimiter()
    assert await recovery.request_password_reset("nobody@example.org", settings=mail_settings, limiter=limiter) is None
    assert await MailOutbox.all().count() == 0 and await EmailToken.all().count() == 0
    assert await recovery.request_password_reset("ada@example.org", settings=mail_settings, limiter=limiter) is None
    [mail] = await delivered(mail_settings, smtp, "ada@example.org")
    assert mail["Subject"] == "Reset your password" and "60 minutes" in mail.get_body(("plain",)).get_content()
    assert smtp.messages == [mail]
    token = token_in(mail)
    row = await EmailToken.get(user_id=member.id)
    assert row.token_hash != token and token not in row.token_hash


async def test_reset_sets_the_password_signs_out_everywhere_and_works_once(mail_settings, smtp, factory):
    member = await factory.user(email="ada@example.org")
    await factory.token(member)
    await recovery.request_password_reset("ada@example.org", settings=mail_settings, limiter=MemoryRateLimiter())
    [mail] = await delivered(mail_settings, smtp, "ada@example.org")
    token = token_in(mail)
    with pytest.raises(Invalid) as weak:  # refused: the link still works afterwards
        await recovery.reset_password(token, "short", settings=mail_settings)
    assert weak.value.field == "newPassword"
    await recovery.reset_password(token, NEW_PASSWORD, settings=mail_settings)
    user = await User.get(id=member.id)
    assert await verify_password(user.password_hash, NEW_PASSWORD)
    assert user.email_verified_at is not None
    assert await AccessToken.filter(user_id=member.id, revoked_at__isnull=True).count() == 0
    with pytest.raises(Invalid):
        await recovery.reset_password(token, "another new passphrase", settings=mail_settings)
    assert await verify_password((await User.get(id=member.id)).password_hash, NEW_PASSWORD)


async def test_a_reset_link_expires_and_dies_when_the_password_changes(mail_settings, smtp, factory):
    from tests.conftest import TEST_PASSWORD

    member = await factory.user(email="ada@example.org")
    limiter = MemoryRateLimiter()
    await recovery.request_password_reset("ada@example.org", settings=mail_settings, limiter=limiter)
    await recovery.request_password_reset("ada@example.org", settings=mail_settings, limiter=limiter)
    first, second = [token_in(m) for m in await delivered(mail_settings, smtp, "ada@example.org")]
    await EmailToken.filter(token_hash=accounts.hash_token(first)).update(expires_at=now() - timedelta(seconds=1))
    with pytest.raises(Invalid):
        await recovery.reset_password(first, NEW_PASSWORD, settings=mail_settings)
    await accounts.change_password(member, TEST_PASSWORD, "changed by the member", settings=mail_settings)
    with pytest.raises(Invalid):
        await recovery.reset_password(second, NEW_PASSWORD, settings=mail_settings)
    assert await verify_password((await User.get(id=member.id)).password_hash, "changed by the member")


async def test_reset_requests_are_rate_limited_whether_or_not_the_account_exists(mail_settings, factory):
    await factory.user(email="ada@example.org")
    settings = mail_settings.replace(account_mails_per_hour=2)
    for address in ("ada@example.org", "nobody@example.org"):
        limiter = MemoryRateLimiter()
        for _ in range(2):
            await recovery.request_password_reset(address, settings=settings, limiter=limiter, client="c1")
        with pytest.raises(RateLimited):
            await recovery.request_password_reset(address, settings=settings, limiter=limiter, client="c2")
    assert await MailOutbox.all().count() == 2  # the member's two; nothing past the limit


async def test_a_new_address_is_confirmed_before_it_replaces_the_old_one(mail_settings, smtp, factory):
    from tests.conftest import TEST_PASSWORD

    member = await factory.user(email="ada@example.org")
    await factory.user(email="taken@example.org")
    with pytest.raises(Invalid) as wrong:
        await recovery.change_email(member, "new@example.org", "wrong password", settings=mail_settings)
    assert wrong.value.field == "password"
    with pytest.raises(Conflict):
        await recovery.change_email(member, "taken@example.org", TEST_PASSWORD, settings=mail_settings)
    assert await MailOutbox.all().count() == 0 and await EmailToken.all().count() == 0
    await recovery.change_email(member, "new@example.org", TEST_PASSWORD, settings=mail_settings)
    [confirm] = await delivered(mail_settings, smtp, "new@example.org")
    assert (await User.get(id=member.id)).email == "ada@example.org"  # not before it is confirmed
    user = await recovery.confirm_email_change(token_in(confirm), settings=mail_settings)
    assert user.email == "new@example.org" and user.email_verified_at is not None
    [notice] = await delivered(mail_settings, smtp, "ada@example.org")
    assert notice["Subject"] == "Your email address was changed"
    assert "new@example.org" in notice.get_body(("plain",)).get_content()
    with pytest.raises(Invalid):
        await recovery.confirm_email_change(token_in(confirm), settings=mail_settings)


async def test_a_reset_link_sent_to_an_old_address_dies_with_it(mail_settings, smtp, factory):
    from tests.conftest import TEST_PASSWORD

    member = await factory.user(email="ada@example.org")
    await recovery.request_password_reset("ada@example.org", settings=mail_settings, limiter=MemoryRateLimiter())
    await recovery.change_email(member, "new@example.org", TEST_PASSWORD, settings=mail_settings)
    await worker.drain(mail_settings)
    reset = token_in(next(m for m in smtp.messages if m["Subject"] == "Reset your password"))
    change = token_in(next(m for m in smtp.messages if m["To"] == "new@example.org"))
    await recovery.confirm_email_change(change, settings=mail_settings)
    with pytest.raises(Invalid):
        await recovery.reset_password(reset, NEW_PASSWORD, settings=mail_settings)


async def test_a_refused_sign_up_queues_no_mail(mail_settings):
    settings = mail_settings.replace(moderation_join_policy="INVITE_ONLY")
    with pytest.raises(DomainError):  # refused by the admission decider, inside register's transaction
        await accounts.register(
            accounts.RegistrationInput(
                username="eve", email="eve@example.org", password="correct horse battery", display_name="Eve"
            ),
            settings=settings,
            sign_up=True,
        )
    assert await User.all().count() == 0
    assert await MailOutbox.all().count() == 0 and await EmailToken.all().count() == 0
