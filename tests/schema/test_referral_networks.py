"""The referral guard's network through HTTP (issue 17): tokens issued by `register` and `login`
carry the keyed hash of the client's network, X-Forwarded-For names the client only when the
peer is a trusted proxy (FORWARDED_ALLOW_IPS), and staff read "same network" in referralChain."""

from __future__ import annotations

from contextlib import AsyncExitStack
from datetime import date

import httpx

from api.domain.accounts import network_tag
from api.domain.growth import referrals
from api.models.accounts import AccessToken, MemberActivity, User
from api.models.moderation import Referral
from schema.relay import node_global_id
from tests.conftest import TEST_PASSWORD

LOGIN = "mutation($input: LoginInput!) { login(input: $input) { token errors { code } } }"
REGISTER = "mutation($input: RegisterInput!) { register(input: $input) { token errors { field code message } } }"
CHAIN = "query($id: ID!) { referralChain(userId: $id) { rewarded reason referral { inviter { username } } } }"


async def _post(http: httpx.AsyncClient, query: str, variables: dict, **headers: str) -> dict:
    response = await http.post("/graphql", json={"query": query, "variables": variables}, headers=headers)
    body = response.json()
    assert "errors" not in body, body
    return body["data"]


async def _networks(user_id: int) -> list[str]:
    return await AccessToken.filter(user_id=user_id).order_by("id").values_list("network", flat=True)


async def test_forwarded_for_counts_only_from_a_trusted_proxy(app_settings, factory):
    from api.app import create_app

    proxied = create_app(app_settings.replace(forwarded_allow_ips=("10.0.0.0/8",)), manage_db=False)
    direct = create_app(app_settings, manage_db=False)
    member = await factory.user("roamer")
    login = {"input": {"login": "roamer", "password": TEST_PASSWORD}}
    async with AsyncExitStack() as stack:

        async def client(app, peer: str) -> httpx.AsyncClient:
            transport = httpx.ASGITransport(app=app, client=(peer, 40000))
            return await stack.enter_async_context(httpx.AsyncClient(transport=transport, base_url="http://testserver"))

        via_proxy = await client(proxied, "10.0.0.5")
        stranger = await client(proxied, "1.1.1.1")
        no_proxy_setting = await client(direct, "10.0.0.5")
        assert (await _post(via_proxy, LOGIN, login, **{"X-Forwarded-For": "8.8.8.8"}))["login"]["token"]
        # An untrusted peer's header is ignored: the peer itself is the client.
        assert (await _post(stranger, LOGIN, login, **{"X-Forwarded-For": "8.8.8.8"}))["login"]["token"]
        # Without FORWARDED_ALLOW_IPS the header is ignored; the private peer stores nothing.
        assert (await _post(no_proxy_setting, LOGIN, login, **{"X-Forwarded-For": "8.8.8.8"}))["login"]["token"]
        assert (await _post(via_proxy, LOGIN, login, **{"X-Forwarded-For": "2001:4860::1"}))["login"]["token"]
    assert await _networks(member.id) == [
        network_tag("8.8.8.8", app_settings),
        network_tag("1.1.1.1", app_settings),
        "",
        network_tag("2001:4860::1", app_settings),
    ]


async def test_same_network_referrals_are_refused_and_staff_see_why(app_settings, factory):
    from api.app import create_app

    app = create_app(app_settings.replace(forwarded_allow_ips=("127.0.0.1",)), manage_db=False)
    _, mod_token = await factory.member_with_token(role="MODERATOR")
    host, far_host = await factory.user("host"), await factory.user("farhost")
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        await _post(
            http, LOGIN, {"input": {"login": "host", "password": TEST_PASSWORD}}, **{"X-Forwarded-For": "8.8.8.8"}
        )
        await _post(
            http, LOGIN, {"input": {"login": "farhost", "password": TEST_PASSWORD}}, **{"X-Forwarded-For": "9.9.9.9"}
        )
        for name in ("neighbour", "faraway"):
            data = await _post(
                http,
                REGISTER,
                {"input": {"username": name, "email": f"{name}@example.org", "password": TEST_PASSWORD}},
                **{"X-Forwarded-For": "8.8.8.200", "User-Agent": f"Browser/{name}"},
            )
            assert data["register"]["errors"] == [] and data["register"]["token"]
        guests = {u.username: u for u in await User.filter(username__in=["neighbour", "faraway"])}
        await Referral.create(inviter=host, invitee=guests["neighbour"])
        await Referral.create(inviter=far_host, invitee=guests["faraway"])
        for guest in guests.values():
            await MemberActivity.create(user=guest, day=date(2026, 3, 1))
        assert await referrals.reward_ripe(app_settings.replace(referral_active_days=1, referral_points=5)) == 1
        chains = {}
        for name, guest in guests.items():
            response = await http.post(
                "/graphql",
                json={"query": CHAIN, "variables": {"id": node_global_id("User", guest.id)}},
                headers={"Authorization": f"Bearer {mod_token}"},
            )
            chains[name] = response.json()["data"]["referralChain"]
    assert chains == {
        "neighbour": [{"rewarded": False, "reason": "same network", "referral": {"inviter": {"username": "host"}}}],
        "faraway": [{"rewarded": True, "reason": "", "referral": {"inviter": {"username": "farhost"}}}],
    }
