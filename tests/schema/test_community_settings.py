"""Community settings through GraphQL: admins only, validated with field errors, effective at once
(in this process, and in others through the broker)."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from api.domain.community import settings as community
from api.models.community import CommunitySetting
from api.pubsub import RedisBroker
from tests.domain.forum_helpers import make_space
from tests.platform.test_redis import REDIS_URL, _connect
from tests.schema.test_forum_live import gid, serve

SETTINGS = "{ communitySettings { key value default overridden description } }"
UPDATE = """mutation($input: UpdateCommunitySettingsInput!) { updateCommunitySettings(input: $input) {
  settings { key value overridden } errors { field code message } } }"""
CREATE_TOPIC = """mutation($input: CreateTopicInput!) { createTopic(input: $input) {
  topic { id } errors { field code } } }"""


async def test_admins_read_and_change_settings_effective_at_once(gql, factory, app_settings):
    _, admin_token = await factory.member_with_token(role="ADMIN")
    member, member_token = await factory.member_with_token()
    space = await make_space(await factory.user(role="ADMIN"), "Open")
    rows = {r["key"]: r for r in (await gql(SETTINGS, token=admin_token))["communitySettings"]}
    assert rows["MAX_TITLE_LENGTH"] == {
        "key": "MAX_TITLE_LENGTH",
        "value": "200",
        "default": "200",
        "overridden": False,
        "description": "Longest title.",
    }
    changed = (
        await gql(UPDATE, {"input": {"changes": [{"key": "MAX_TITLE_LENGTH", "value": "10"}]}}, token=admin_token)
    )["updateCommunitySettings"]
    assert changed["errors"] == []
    assert {"key": "MAX_TITLE_LENGTH", "value": "10", "overridden": True} in changed["settings"]
    refused = (
        await gql(
            CREATE_TOPIC,
            {"input": {"spaceId": gid("Space", space.id), "title": "Far too long a title", "body": "b"}},
            token=member_token,
        )
    )["createTopic"]
    assert refused["errors"] == [{"field": "title", "code": "INVALID"}]
    await gql(UPDATE, {"input": {"changes": [{"key": "MAX_TITLE_LENGTH", "value": None}]}}, token=admin_token)
    created = (
        await gql(
            CREATE_TOPIC,
            {"input": {"spaceId": gid("Space", space.id), "title": "Far too long a title", "body": "b"}},
            token=member_token,
        )
    )["createTopic"]
    assert created["errors"] == [] and member is not None


async def test_members_and_moderators_are_refused_and_nothing_changes(gql, factory):
    for role in ("MEMBER", "MODERATOR"):
        _, token = await factory.member_with_token(role=role)
        body = await gql(SETTINGS, token=token, expect_errors=True)
        assert body["data"] is None and body["errors"]
        result = (await gql(UPDATE, {"input": {"changes": [{"key": "MAX_TITLE_LENGTH", "value": "50"}]}}, token=token))[
            "updateCommunitySettings"
        ]
        assert result["errors"][0]["code"] == "FORBIDDEN" and result["settings"] is None
    assert await CommunitySetting.all().count() == 0


async def test_bad_values_come_back_as_field_errors(gql, factory):
    _, token = await factory.member_with_token(role="ADMIN")
    result = (
        await gql(
            UPDATE,
            {
                "input": {
                    "changes": [{"key": "MAX_TITLE_LENGTH", "value": "many"}, {"key": "SECRET_KEY", "value": "x" * 40}]
                }
            },
            token=token,
        )
    )["updateCommunitySettings"]
    assert {e["field"] for e in result["errors"]} == {"changes.0.value", "changes.1.key"}
    assert await CommunitySetting.all().count() == 0


async def test_another_process_changing_settings_is_heard_at_once(factory, app_settings, monkeypatch):
    """A change made by another app process reaches this one through Redis: its copy is dropped
    when the message arrives, so the next request reads the new values."""
    monkeypatch.setattr(RedisBroker, "PREFIX", f"guildhall-test-{uuid.uuid4().hex[:8]}:events:")
    redis_settings = app_settings.replace(redis_url=REDIS_URL)
    other_process = await _connect()
    try:
        async with serve(redis_settings) as (_app, _):
            assert await community.overrides() == {}  # this process's copy, cached
            await CommunitySetting.create(key="MAX_TITLE_LENGTH", value="42")  # written by the other process
            assert await community.overrides() == {}  # still the cached copy
            channel = RedisBroker.PREFIX + community.CHANNEL
            for _ in range(500):  # the app subscribes once its lifespan started
                if (await other_process.pubsub_numsub(channel))[0][1] > 0:
                    break
                await asyncio.sleep(0.01)
            await other_process.publish(channel, '{"by": 1}')
            for _ in range(500):
                if community._cache.overrides is None:
                    break
                await asyncio.sleep(0.01)
            assert (await community.effective(app_settings)).max_title_length == 42
    finally:
        await other_process.aclose()


@pytest.fixture(autouse=True)
def _fresh_cache():
    community.forget()
    yield
    community.prime({})
