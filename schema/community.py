"""Community settings: read and changed by admins at run time (`api.domain.community.settings`)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from api.domain.community import settings as domain
from api.errors import Invalid
from schema.accounts import Payload
from schema.context import Info
from schema.permissions import IsAdmin, Require, guard


@strawberry.type(description="A community policy setting: its value in force and the environment's default.")
class CommunitySetting:
    key: str = strawberry.field(description="Its name, as its environment variable (e.g. MAX_TITLE_LENGTH).")
    value: str = strawberry.field(description="The value in force, written as the environment variable would be.")
    default: str = strawberry.field(description="The value from the environment (used when not overridden).")
    description: str = strawberry.field(description="What it does.")
    overridden: bool = strawberry.field(description="Whether an admin set it (otherwise the default applies).")


@strawberry.input(description="A new value of one setting.")
class CommunitySettingChange:
    key: str = strawberry.field(description="The setting's name (see `communitySettings`).")
    value: str | None = strawberry.field(
        default=None, description="The value as the environment variable would hold it; null: back to the default."
    )


@strawberry.input(description="Changes to community settings, applied together or not at all.")
class UpdateCommunitySettingsInput:
    changes: list[CommunitySettingChange] = strawberry.field(description="The settings to change.")


@strawberry.type(description="Result of `updateCommunitySettings`.")
class UpdateCommunitySettingsPayload(Payload):
    settings: list[CommunitySetting] | None = strawberry.field(
        default=None, description="Every community setting, as now in force."
    )


def _views(views: list[domain.SettingView]) -> list[CommunitySetting]:
    return [
        CommunitySetting(
            key=v.key, value=v.value, default=v.default, description=v.description, overridden=v.overridden
        )
        for v in views
    ]


@strawberry.type
class Query:
    @strawberry.field(description="Every community policy setting (admins).", permission_classes=[IsAdmin])
    async def community_settings(self, info: Info) -> list[CommunitySetting]:
        return _views(await domain.current(info.context.base_settings))


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Change community settings (admins): validated, logged in the moderation "
        "log, effective at once in every app process."
    )
    @guard(Require.ADMIN)
    async def update_community_settings(
        self,
        info: Info,
        input: Annotated[UpdateCommunitySettingsInput, strawberry.argument(description="The changes.")],
    ) -> UpdateCommunitySettingsPayload:
        if not input.changes:
            raise Invalid("Give at least one change.", field="changes")
        await domain.update(
            info.context.viewer,
            [domain.Change(c.key, c.value) for c in input.changes],
            settings=info.context.base_settings,
        )
        return UpdateCommunitySettingsPayload(settings=_views(await domain.current(info.context.base_settings)))
