"""Accounts through GraphQL: sign-up, sign-in, tokens, roles, refusals."""

from __future__ import annotations

from datetime import timedelta

from api.models.accounts import AccessToken, Role, User
from api.timeutil import now

REGISTER = """
mutation($input: RegisterInput!) {
  register(input: $input) { user { id username displayName role email } token errors { field code message } }
}"""
LOGIN = """
mutation($input: LoginInput!) { login(input: $input) { token user { username } errors { field code message } } }
"""
VIEWER = "{ viewer { user { id username email role } unreadNotificationCount } }"
SET_ROLE = """
mutation($input: SetUserRoleInput!) { setUserRole(input: $input) { user { role } errors { field code message } } }
"""


async def test_register_login_and_viewer(gql):
    data = await gql(
        REGISTER,
        {
            "input": {
                "username": "Alice",
                "email": "alice@example.org",
                "password": "a-good-long-passphrase",
                "displayName": "Alice",
            }
        },
    )
    payload = data["register"]
    assert payload["errors"] == []
    assert payload["user"]["username"] == "Alice"
    assert payload["user"]["email"] == "alice@example.org"  # the member sees their own email
    assert payload["token"].startswith("gh_")

    login = (await gql(LOGIN, {"input": {"login": "ALICE", "password": "a-good-long-passphrase"}}))["login"]
    assert login["errors"] == [] and login["user"]["username"] == "Alice"
    viewer = (await gql(VIEWER, token=login["token"]))["viewer"]
    assert viewer["user"]["username"] == "Alice"
    assert viewer["unreadNotificationCount"] == 0
    assert (await gql(VIEWER))["viewer"] is None


async def test_register_reports_every_bad_field(gql):
    data = await gql(REGISTER, {"input": {"username": "x", "email": "not-an-email", "password": "short"}})
    fields = {e["field"]: e["code"] for e in data["register"]["errors"]}
    assert fields == {"username": "INVALID", "email": "INVALID", "password": "INVALID"}
    assert data["register"]["user"] is None
    assert await User.all().count() == 0


async def test_usernames_are_unique_case_insensitively_and_chinese_is_allowed(gql, factory):
    await factory.user("李明")
    data = await gql(
        REGISTER, {"input": {"username": "李明", "email": "li@example.org", "password": "a-good-long-passphrase"}}
    )
    assert data["register"]["errors"][0]["code"] == "CONFLICT"
    await factory.user("Bob")
    data = await gql(
        REGISTER, {"input": {"username": "bob", "email": "b@example.org", "password": "a-good-long-passphrase"}}
    )
    assert data["register"]["errors"][0] == {
        "field": "username",
        "code": "CONFLICT",
        "message": "This username is taken.",
    }
    data = await gql(
        REGISTER, {"input": {"username": "王芳", "email": "wf@example.org", "password": "a-good-long-passphrase"}}
    )
    assert data["register"]["errors"] == []


async def test_login_failure_does_not_say_which_part_was_wrong(gql, factory):
    await factory.user("carol")
    wrong_password = (await gql(LOGIN, {"input": {"login": "carol", "password": "nope-nope-nope"}}))["login"]
    unknown_user = (await gql(LOGIN, {"input": {"login": "nobody", "password": "nope-nope-nope"}}))["login"]
    assert wrong_password["errors"] == unknown_user["errors"]
    assert wrong_password["errors"][0]["code"] == "UNAUTHENTICATED"
    assert wrong_password["token"] is None


async def test_login_failures_are_rate_limited(gql, factory, app_settings, monkeypatch):
    from api import ratelimit
    from tests.conftest import TEST_PASSWORD

    # One fixed window for the whole test: slow hashing must not let it straddle a minute.
    monkeypatch.setattr(ratelimit, "_window", lambda window_seconds: 0)
    await factory.user("dave")
    for _ in range(app_settings.login_attempts_per_minute):
        await gql(LOGIN, {"input": {"login": "dave", "password": "wrong-password!"}})
    blocked = (await gql(LOGIN, {"input": {"login": "dave", "password": TEST_PASSWORD}}))["login"]
    assert blocked["errors"][0]["code"] == "RATE_LIMITED"
    assert blocked["token"] is None


async def test_expired_and_revoked_tokens_are_refused(gql, factory):
    user, token = await factory.member_with_token()
    assert (await gql(VIEWER, token=token))["viewer"]["user"]["username"] == user.username
    await AccessToken.filter(user=user).update(expires_at=now() - timedelta(seconds=1))
    assert (await gql(VIEWER, token=token))["viewer"] is None

    token2 = await factory.token(user)
    data = await gql("mutation { logout(input: {}) { revoked errors { code } } }", token=token2)
    assert data["logout"] == {"revoked": 1, "errors": []}
    assert (await gql(VIEWER, token=token2))["viewer"] is None


async def test_change_password_signs_out_other_sessions(gql, factory):
    from tests.conftest import TEST_PASSWORD

    user, token = await factory.member_with_token()
    other = await factory.token(user)
    data = await gql(
        """mutation($input: ChangePasswordInput!) {
        changePassword(input: $input) { errors { field code } } }""",
        {"input": {"currentPassword": TEST_PASSWORD, "newPassword": "another-long-passphrase"}},
        token=token,
    )
    assert data["changePassword"]["errors"] == []
    assert (await gql(VIEWER, token=token))["viewer"] is not None
    assert (await gql(VIEWER, token=other))["viewer"] is None
    login = await gql(LOGIN, {"input": {"login": user.username, "password": "another-long-passphrase"}})
    assert login["login"]["token"]


async def test_email_is_hidden_from_other_members(gql, factory):
    await factory.user("erin")
    _, token = await factory.member_with_token()
    data = await gql('{ user(username: "ERIN") { username email } }', token=token)
    assert data["user"] == {"username": "erin", "email": None}
    _, admin_token = await factory.member_with_token(role="ADMIN")
    data = await gql('{ user(username: "erin") { email } }', token=admin_token)
    assert data["user"]["email"] == "erin@example.org"


async def test_set_user_role_is_for_admins_only(gql, factory):
    target = await factory.user()
    target_id = (await gql("query($u: String!) { user(username: $u) { id } }", {"u": target.username}))["user"]["id"]
    variables = {"input": {"userId": target_id, "role": "MODERATOR"}}
    anonymous = (await gql(SET_ROLE, variables))["setUserRole"]
    assert anonymous["errors"][0]["code"] == "UNAUTHENTICATED"
    for role in ("MEMBER", "MODERATOR"):
        _, token = await factory.member_with_token(role=role)
        refused = (await gql(SET_ROLE, variables, token=token))["setUserRole"]
        assert refused["errors"][0]["code"] == "FORBIDDEN" and refused["user"] is None
    assert (await User.get(id=target.id)).role == Role.MEMBER

    _, admin_token = await factory.member_with_token(role="ADMIN")
    done = (await gql(SET_ROLE, variables, token=admin_token))["setUserRole"]
    assert done == {"user": {"role": "MODERATOR"}, "errors": []}


async def test_last_admin_cannot_be_demoted(gql, factory):
    _admin, token = await factory.member_with_token(role="ADMIN")
    admin_id = (await gql(VIEWER, token=token))["viewer"]["user"]["id"]
    data = await gql(SET_ROLE, {"input": {"userId": admin_id, "role": "MEMBER"}}, token=token)
    assert data["setUserRole"]["errors"][0]["code"] == "CONFLICT"


async def test_node_lookup_returns_members(gql, factory):
    user = await factory.user("frank")
    user_id = (await gql('{ user(username: "frank") { id } }'))["user"]["id"]
    data = await gql("query($id: ID!) { node(id: $id) { id ... on User { username } } }", {"id": user_id})
    assert data["node"] == {"id": user_id, "username": "frank"}
    assert user.id


async def test_public_reads_are_cached_and_every_write_invalidates(client, factory, app_settings):
    import httpx

    from api.app import create_app
    from tests.conftest import GraphQLClient

    app = create_app(app_settings.replace(public_cache_seconds=60), manage_db=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        gql = GraphQLClient(http)
        await factory.user("gina")
        query = "{ users(first: 10) { totalCount } }"
        assert (await gql(query))["users"]["totalCount"] == 1
        await factory.user("hank")  # written behind the API's back: the cached read stands
        assert (await gql(query))["users"]["totalCount"] == 1
        _, token = await factory.member_with_token()
        assert (await gql(query, token=token))["users"]["totalCount"] == 3  # members are never served from cache
        data = await gql('mutation { updateProfile(input: {bio: "hi"}) { errors { code } } }', token=token)
        assert data["updateProfile"]["errors"] == []
        assert (await gql(query))["users"]["totalCount"] == 3  # the write invalidated the cache
