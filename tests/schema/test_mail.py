"""Account mail and mail preferences through GraphQL and `/unsubscribe`: what a frontend calls,
refusals with nothing changed, and the one-click unsubscribe of bulk mail without signing in."""

from __future__ import annotations

import re

import pytest

from api.domain.mail import worker
from api.domain.mail.outbox import enqueue_for
from api.models.accounts import User
from api.models.mail import MailOutbox, MailPreference
from tests.conftest import TEST_PASSWORD
from tests.platform.test_mutations import _snapshot

REQUEST_RESET = "mutation($email: String!) { requestPasswordReset(input: {email: $email}) { errors { field code } } }"
RESET = """mutation($token: String!, $password: String!) {
  resetPassword(input: {token: $token, newPassword: $password}) { ok errors { field code } } }"""
VERIFY = (
    "mutation($token: String!) { verifyEmail(input: {token: $token}) { user { emailVerified } errors { field code } } }"
)
REQUEST_VERIFICATION = "mutation { requestEmailVerification(input: {}) { errors { field code } } }"
CHANGE = """mutation($email: String!, $password: String!) {
  changeEmail(input: {newEmail: $email, password: $password}) { errors { field code } } }"""
CONFIRM = "mutation($token: String!) { confirmEmailChange(input: {token: $token}) { ok errors { field code } } }"
PREFERENCES = "{ notificationPreferences { digest timezone bulkMail bounced kinds { kind delivery } } }"
SET_PREFERENCES = """mutation($input: SetNotificationPreferencesInput!) {
  setNotificationPreferences(input: $input) {
    preferences { digest timezone bulkMail kinds { kind delivery } } errors { field code } } }"""
VIEWER = "{ viewer { user { email emailVerified locale } } }"
PROFILE = 'mutation { updateProfile(input: {bio: "Hello"}) { errors { field code } } }'


def token_in(message) -> str:
    return re.search(r"token=([\w-]+)", message.get_body(("plain",)).get_content())[1]


async def test_reset_by_mail_from_request_to_new_password(gql, factory, mail_settings, smtp):
    member, token = await factory.member_with_token()
    known = await gql(REQUEST_RESET, {"email": member.email})
    unknown = await gql(REQUEST_RESET, {"email": "nobody@example.org"})
    assert known == {"requestPasswordReset": {"errors": []}}
    assert unknown == known  # no account enumeration
    await worker.drain(mail_settings)
    [mail] = smtp.messages
    assert mail["To"] == member.email
    reset = token_in(mail)
    data = await gql(RESET, {"token": reset, "password": "a brand new passphrase"})
    assert data["resetPassword"] == {"ok": True, "errors": []}
    assert (await gql(VIEWER, token=token))["viewer"] is None  # every session signed out
    again = await gql(RESET, {"token": reset, "password": "yet another passphrase"})
    assert again["resetPassword"] == {"ok": False, "errors": [{"field": "token", "code": "INVALID"}]}


async def test_bad_tokens_are_refused_and_nothing_changes(gql, factory):
    _member, token = await factory.member_with_token()
    await gql(VIEWER, token=token)
    before = await _snapshot()
    refused = {"field": "token", "code": "INVALID"}
    assert (await gql(RESET, {"token": "forged", "password": "a brand new passphrase"}))["resetPassword"]["errors"] == [
        refused
    ]
    assert (await gql(VERIFY, {"token": "forged"}))["verifyEmail"]["errors"] == [refused]
    assert (await gql(CONFIRM, {"token": "forged"}))["confirmEmailChange"]["errors"] == [refused]
    assert await _snapshot() == before


async def test_anonymous_visitors_cannot_change_addresses_or_preferences(gql, factory):
    await factory.user()
    before = await _snapshot()
    for document, variables in (
        (CHANGE, {"email": "x@example.org", "password": TEST_PASSWORD}),
        (REQUEST_VERIFICATION, {}),
        (SET_PREFERENCES, {"input": {"digest": "DAILY"}}),
    ):
        data = await gql(document, variables)
        [payload] = data.values()
        assert [e["code"] for e in payload["errors"]] == ["UNAUTHENTICATED"]
    body = await gql(PREFERENCES, expect_errors=True)
    assert body["data"] is None and body["errors"][0]["message"] == "Sign in to read your notification preferences."
    assert await _snapshot() == before


async def test_a_wrong_password_changes_no_address(gql, factory):
    _member, token = await factory.member_with_token()
    await gql(VIEWER, token=token)
    before = await _snapshot()
    data = await gql(CHANGE, {"email": "new@example.org", "password": "not my password"}, token=token)
    assert data["changeEmail"]["errors"] == [{"field": "password", "code": "INVALID"}]
    assert await _snapshot() == before


async def test_verify_and_change_the_address(gql, factory, mail_settings, smtp):
    _member, token = await factory.member_with_token()
    assert (await gql(VIEWER, token=token))["viewer"]["user"]["emailVerified"] is False
    assert (await gql(REQUEST_VERIFICATION, token=token))["requestEmailVerification"]["errors"] == []
    await worker.drain(mail_settings)
    data = await gql(VERIFY, {"token": token_in(smtp.messages[-1])})
    assert data["verifyEmail"] == {"user": {"emailVerified": None}, "errors": []}  # read anonymously
    assert (await gql(VIEWER, token=token))["viewer"]["user"]["emailVerified"] is True
    assert (await gql(CHANGE, {"email": "new@example.org", "password": TEST_PASSWORD}, token=token))["changeEmail"][
        "errors"
    ] == []
    await worker.drain(mail_settings)
    confirm = next(m for m in smtp.messages if m["To"] == "new@example.org")
    assert (await gql(CONFIRM, {"token": token_in(confirm)}))["confirmEmailChange"] == {"ok": True, "errors": []}
    assert (await gql(VIEWER, token=token))["viewer"]["user"]["email"] == "new@example.org"


async def test_the_community_can_require_a_verified_address_before_posting(gql, factory, set_community):
    member, token = await factory.member_with_token()
    await set_community(require_verified_email=True)
    await gql(VIEWER, token=token)  # last-seen update happens now
    before = await _snapshot()
    data = await gql(PROFILE, token=token)
    assert data["updateProfile"]["errors"] == [{"field": "email", "code": "FORBIDDEN"}]
    assert await _snapshot() == before
    await User.filter(id=member.id).update(email_verified_at=member.created_at)
    assert (await gql(PROFILE, token=token))["updateProfile"]["errors"] == []
    _, staff = await factory.member_with_token(role="MODERATOR")  # staff are not held back
    assert (await gql(PROFILE, token=staff))["updateProfile"]["errors"] == []


async def test_preferences_are_read_and_set(gql, factory):
    _, token = await factory.member_with_token()
    prefs = (await gql(PREFERENCES, token=token))["notificationPreferences"]
    assert prefs["digest"] == "WEEKLY" and prefs["bulkMail"] is True and prefs["timezone"] == ""
    assert {"kind": "qa.accepted", "delivery": "EMAIL"} in prefs["kinds"]
    data = await gql(
        SET_PREFERENCES,
        {
            "input": {
                "digest": "DAILY",
                "timezone": "Asia/Shanghai",
                "kinds": [{"kind": "qa.accepted", "delivery": "IN_APP"}],
            }
        },
        token=token,
    )
    assert data["setNotificationPreferences"]["errors"] == []
    prefs = (await gql(PREFERENCES, token=token))["notificationPreferences"]
    assert (prefs["digest"], prefs["timezone"]) == ("DAILY", "Asia/Shanghai")
    assert {"kind": "qa.accepted", "delivery": "IN_APP"} in prefs["kinds"]
    bad = await gql(SET_PREFERENCES, {"input": {"timezone": "Mars/Olympus"}}, token=token)
    assert bad["setNotificationPreferences"]["errors"] == [{"field": "timezone", "code": "INVALID"}]


async def test_one_click_unsubscribe_works_without_signing_in(client, factory, mail_settings, smtp):
    member = await factory.user()
    await enqueue_for(member, "notification", {"title": "Hi", "message": "Something", "link": "x"}, bulk=True)
    await worker.drain(mail_settings)
    [mail] = smtp.messages
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = re.fullmatch(r"<(.+)>", mail["List-Unsubscribe"].strip())[1]  # (a long header is folded)
    assert url.startswith(f"{mail_settings.api_public_url}/unsubscribe?token=")
    path = url[len(mail_settings.api_public_url) :]
    page = await client.get(path)  # opening the link (or a scanner doing so) changes nothing
    assert page.status_code == 200 and "<form" in page.text
    assert not await MailPreference.filter(user_id=member.id, unsubscribed_at__isnull=False).exists()
    forged = await client.post(path[:-3] + "xyz")
    assert forged.status_code == 400
    done = await client.post(path, content=b"List-Unsubscribe=One-Click")
    assert done.status_code == 200
    assert await MailPreference.filter(user_id=member.id, unsubscribed_at__isnull=False).exists()
    await enqueue_for(member, "notification", {"title": "Hi", "message": "Again", "link": "x"}, bulk=True)
    await enqueue_for(member, "password_reset", {"minutes": 60, "link": "x"})  # account mail still goes
    await worker.drain(mail_settings)
    assert [m["Subject"] for m in smtp.messages] == ["Hi", "Reset your password"]
    assert await MailOutbox.all().count() == 0


@pytest.mark.parametrize("locale, code", [("zh-CN", None), ("fr", "INVALID")])
async def test_members_choose_the_language_of_their_mail(gql, factory, locale, code):
    _, token = await factory.member_with_token()
    data = await gql(
        f'mutation {{ updateProfile(input: {{locale: "{locale}"}}) {{ errors {{ field code }} }} }}', token=token
    )
    assert data["updateProfile"]["errors"] == ([] if code is None else [{"field": "locale", "code": code}])
    expected = locale if code is None else ""
    assert (await gql(VIEWER, token=token))["viewer"]["user"]["locale"] == expected


async def test_verification_mails_are_rate_limited_per_member(gql, factory, set_community):
    _, token = await factory.member_with_token()
    await set_community(account_mails_per_hour=2)
    for _ in range(2):
        assert (await gql(REQUEST_VERIFICATION, token=token))["requestEmailVerification"]["errors"] == []
    refused = await gql(REQUEST_VERIFICATION, token=token)
    assert [e["code"] for e in refused["requestEmailVerification"]["errors"]] == ["RATE_LIMITED"]
    assert await MailOutbox.filter(template="verify_email").count() == 2
