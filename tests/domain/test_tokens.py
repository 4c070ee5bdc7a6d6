"""Login tokens without GraphQL: hashed storage, expiry, revocation, bans, malformed tokens."""

from __future__ import annotations

from datetime import timedelta

from api.domain.accounts import (
    TOKEN_PREFIX,
    authenticate,
    change_password,
    hash_token,
    issue_token,
    logout,
    revoke_all_tokens,
)
from api.models.accounts import AccessToken, Sanction, SanctionKind
from api.timeutil import now


async def test_tokens_are_random_stored_only_as_hashes_and_expire_after_the_ttl(factory, app_settings):
    user = await factory.user()
    settings = app_settings.replace(token_ttl_hours=2)
    first, second = await issue_token(user, settings), await issue_token(user, settings)
    assert first != second and first.startswith(TOKEN_PREFIX) and len(first) > 40
    stored = await AccessToken.filter(user=user).order_by("id")
    assert [t.token_hash for t in stored] == [hash_token(first), hash_token(second)]
    assert all(first not in repr(t.__dict__) for t in stored)
    lifetime = stored[0].expires_at - stored[0].created_at
    assert timedelta(hours=2) - timedelta(seconds=5) < lifetime <= timedelta(hours=2)


async def test_an_expired_token_is_refused_and_a_valid_one_accepted(factory):
    user, token = await factory.member_with_token()
    found = await authenticate(token)
    assert found is not None and found[0].id == user.id
    await AccessToken.filter(user=user).update(expires_at=now() + timedelta(seconds=30))
    assert await authenticate(token) is not None
    await AccessToken.filter(user=user).update(expires_at=now() - timedelta(seconds=1))
    assert await authenticate(token) is None


async def test_logout_revokes_only_that_token(factory):
    user, token = await factory.member_with_token()
    other = await factory.token(user)
    _, record = await authenticate(token)
    await logout(record)
    assert await authenticate(token) is None
    assert await authenticate(other) is not None
    assert (await AccessToken.get(id=record.id)).revoked_at is not None


async def test_revoke_all_keeps_the_current_session_when_asked(factory):
    user, token = await factory.member_with_token()
    others = [await factory.token(user) for _ in range(2)]
    _stranger, stranger_token = await factory.member_with_token()
    _, current = await authenticate(token)
    assert await revoke_all_tokens(user.id, except_token_id=current.id) == 2
    assert await authenticate(token) is not None
    assert [await authenticate(t) for t in others] == [None, None]
    assert await authenticate(stranger_token) is not None
    assert await revoke_all_tokens(user.id) == 1
    assert await authenticate(token) is None


async def test_change_password_revokes_the_other_sessions(factory, app_settings):
    from tests.conftest import TEST_PASSWORD

    user, token = await factory.member_with_token()
    other = await factory.token(user)
    _, current = await authenticate(token)
    await change_password(
        user, TEST_PASSWORD, "a-brand-new-passphrase", settings=app_settings, keep_token_id=current.id
    )
    assert await authenticate(token) is not None and await authenticate(other) is None


async def test_a_ban_refuses_the_token_at_once_and_its_end_restores_it(factory):
    user, token = await factory.member_with_token()
    ban = await Sanction.create(user=user, kind=SanctionKind.BAN, ends_at=now() + timedelta(days=1))
    assert await authenticate(token) is None
    await Sanction.filter(id=ban.id).update(ends_at=now() - timedelta(seconds=1))
    assert await authenticate(token) is not None
    await Sanction.create(user=user, kind=SanctionKind.MUTE)  # muted members stay signed in
    assert await authenticate(token) is not None


async def test_malformed_and_unknown_tokens_are_refused_without_a_lookup(factory, count_queries):
    await factory.member_with_token()
    with count_queries as counter:
        for token in (None, "", "Bearer x", "gh_" + "a" * 200, "nope_" + "a" * 40):
            assert await authenticate(token) is None
    assert counter.count == 0
    assert await authenticate(TOKEN_PREFIX + "unknown-but-well-formed") is None


async def test_authenticate_updates_last_seen_at_most_every_five_minutes(factory, count_queries):
    user, token = await factory.member_with_token()
    await authenticate(token)
    with count_queries as counter:
        await authenticate(token)
    seen = (await type(user).get(id=user.id)).last_seen_at
    assert seen is not None and now() - seen < timedelta(minutes=1)
    assert not any(s.lstrip().upper().startswith("UPDATE") for s in counter.statements)


async def test_token_still_valid_follows_revocation_expiry_and_bans(factory):
    from api.domain.accounts import token_still_valid

    user, token = await factory.member_with_token()
    _, record = await authenticate(token)
    assert await token_still_valid(record)
    ban = await Sanction.create(user=user, kind=SanctionKind.BAN)
    assert not await token_still_valid(record)
    await Sanction.filter(id=ban.id).update(revoked_at=now())
    assert await token_still_valid(record)
    await AccessToken.filter(id=record.id).update(expires_at=now() - timedelta(seconds=1))
    assert not await token_still_valid(record)
    await AccessToken.filter(id=record.id).update(expires_at=now() + timedelta(hours=1))
    await logout(record)
    assert not await token_still_valid(record)


async def test_authentication_reads_restrictions_and_committee_seats_once_each(factory, app_settings, count_queries):
    """The one statement returns a row per sanction and seat: each counted once, and the operation
    then asks no query for them (search and governance reads use the seats)."""
    from api.models.accounts import Committee, CommitteeMembership, Visibility
    from api.policies import committee_seats, restrictions_of

    user, token = await factory.member_with_token()
    boards = [
        await Committee.create(name=f"Board {i}", description="-", visibility=Visibility.PUBLIC) for i in range(3)
    ]
    for board in boards:
        await CommitteeMembership.create(committee_id=board.id, user_id=user.id, joined_at=now())
    await CommitteeMembership.filter(committee_id=boards[2].id).update(left_at=now())  # left: no seat
    mutes = [await Sanction.create(user_id=user.id, kind=SanctionKind.MUTE, reason=f"mute {i}") for i in range(2)]
    memo: dict = {}
    with count_queries as counted:
        found = await authenticate(token, memo)
        assert found is not None and found[0].id == user.id
        assert await committee_seats(found[0], memo) == {boards[0].id, boards[1].id}
        assert sorted(s.id for s in await restrictions_of(found[0], memo)) == sorted(m.id for m in mutes)
    assert [q for q in counted.statements if q.lstrip().upper().startswith("SELECT")] == counted.statements[:1]
    outsider, outsider_token = await factory.member_with_token()
    memo = {}
    found = await authenticate(outsider_token, memo)
    assert found is not None and await committee_seats(outsider, memo) == frozenset()
