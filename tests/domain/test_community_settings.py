"""Community settings: admins change policy settings at run time; values parse as their
environment variables do, limits respect their columns, changes are logged and effective at once."""

from __future__ import annotations

import pytest

from api.domain.community import settings as community
from api.errors import Forbidden, Invalid, ValidationErrors
from api.models.community import CommunitySetting
from api.models.moderation import LogAction, ModerationLogEntry
from api.settings import Settings, SettingsError


async def test_admins_change_settings_which_apply_over_the_environment(factory, app_settings):
    admin = await factory.user(role="ADMIN")
    now_in_force = await community.update(
        admin,
        [
            community.Change("MAX_TITLE_LENGTH", "120"),
            community.Change("MODERATION_JOIN_POLICY", "approval"),
            community.Change("FORUM_REACTIONS", "👍,🎉"),
            community.Change("POINTS_RULES", "post=3,answer=6"),
        ],
        settings=app_settings,
    )
    assert now_in_force.max_title_length == 120 and now_in_force.moderation_join_policy == "APPROVAL"
    effective = await community.effective(app_settings)
    assert (effective.max_title_length, effective.forum_reactions) == (120, ("👍", "🎉"))
    assert dict(effective.points_rules) == {"post": 3, "answer": 6}
    views = {v.key: v for v in await community.current(app_settings)}
    assert views["MAX_TITLE_LENGTH"].value == "120" and views["MAX_TITLE_LENGTH"].default == "200"
    assert views["MAX_TITLE_LENGTH"].overridden and not views["MAX_BODY_LENGTH"].overridden
    assert "DATABASE_URL" not in views and "SECRET_KEY" not in views  # deployment settings stay in the environment
    entry = await ModerationLogEntry.get(action=LogAction.SETTINGS_CHANGED)
    assert entry.actor_id == admin.id and "MAX_TITLE_LENGTH=120" in entry.reason
    await community.update(admin, [community.Change("MAX_TITLE_LENGTH", None)], settings=app_settings)
    assert (await community.effective(app_settings)).max_title_length == app_settings.max_title_length
    assert not await CommunitySetting.filter(key="MAX_TITLE_LENGTH").exists()


@pytest.mark.parametrize(
    "key, value, field",
    [
        ("MAX_TITLE_LENGTH", "-1", "changes.0.value"),
        ("MAX_TITLE_LENGTH", "lots", "changes.0.value"),
        ("MAX_TITLE_LENGTH", "5000", "changes"),  # beyond the 200-character title columns
        ("MODERATION_JOIN_POLICY", "WHOEVER", "changes.0.value"),
        ("DATABASE_URL", "sqlite:///x", "changes.0.key"),  # not a community setting
        ("NO_SUCH_THING", "1", "changes.0.key"),
    ],
)
async def test_bad_values_are_refused_and_nothing_is_stored(factory, app_settings, key, value, field):
    admin = await factory.user(role="ADMIN")
    with pytest.raises((Invalid, ValidationErrors)) as refused:
        await community.update(
            admin, [community.Change("MAX_BODY_LENGTH", "5000"), community.Change(key, value)], settings=app_settings
        )
    errors = getattr(refused.value, "errors", [refused.value])
    assert any(e.field in {field, field.replace("0", "1")} for e in errors)
    assert await CommunitySetting.all().count() == 0


async def test_only_admins_change_settings(factory, app_settings):
    for role in ("MEMBER", "MODERATOR"):
        with pytest.raises(Forbidden):
            await community.update(
                await factory.user(role=role), [community.Change("MAX_TITLE_LENGTH", "50")], settings=app_settings
            )
    assert await CommunitySetting.all().count() == 0


async def test_limits_beyond_their_columns_stop_start_up(db):
    with pytest.raises(SettingsError, match="MAX_TITLE_LENGTH=500"):
        community.check_bounds(db.replace(max_title_length=500))
    community.check_bounds(db)


def test_negative_numbers_and_zero_intervals_are_refused():
    for env in (
        {"SCHEDULER_INTERVAL_SECONDS": "-1"},
        {"SCHEDULER_INTERVAL_SECONDS": "0"},
        {"WS_SESSION_CHECK_SECONDS": "nan"},
    ):
        with pytest.raises(SettingsError):
            Settings.from_env(env, env_file=None)
