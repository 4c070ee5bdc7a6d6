"""Community rules: the current charter, its versions, publishing and accepting."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry import relay

from api.domain.moderation import rules as domain
from api.models import moderation as models
from schema.accounts import Payload
from schema.context import Info
from schema.permissions import Require, guard
from schema.relay import After, Before, Connection, First, Last, ModelNode, paginate


@strawberry.type(name="CommunityRules", description="One version of the community charter.")
class CommunityRules(ModelNode):
    model = models.RulesVersion

    id: relay.NodeID[int]
    version: int = strawberry.field(description="1 for the first version, then 2, 3...")
    body: str = strawberry.field(description="The rules as Markdown.")
    body_html: str = strawberry.field(description="The rules rendered to sanitized HTML.")
    change_note: str = strawberry.field(description="What changed since the previous version.")
    created_at: datetime = strawberry.field(description="When this version was published.")

    @strawberry.field(description="Whether the viewer has accepted this version.")
    @staticmethod
    async def accepted_by_viewer(root: strawberry.Parent[models.RulesVersion], info: Info) -> bool:
        viewer = info.context.viewer
        if viewer is None:
            return False

        async def batch(ids: list[int]) -> list[bool]:
            accepted = set(
                await models.RulesAcceptance.filter(user_id=viewer.id, rules_id__in=ids).values_list(
                    "rules_id", flat=True
                )
            )
            return [i in accepted for i in ids]

        return await info.context.loaders.custom("moderation.rules_accepted", batch).load(root.id)


@strawberry.input(description="A new version of the community rules.")
class PublishRulesInput:
    body: str = strawberry.field(description="The whole charter as Markdown (at most MAX_BODY_LENGTH).")
    change_note: str = strawberry.field(default="", description="What changed, for the log and the members.")


@strawberry.type(description="Result of `publishRules`.")
class PublishRulesPayload(Payload):
    rules: CommunityRules | None = strawberry.field(default=None, description="The new current version.")


@strawberry.input(description="Accept the current community rules.")
class AcceptRulesInput:
    version: int | None = strawberry.field(
        default=None, description="The version read; refused if it is no longer the current one."
    )


@strawberry.type(description="Result of `acceptRules`.")
class AcceptRulesPayload(Payload):
    rules: CommunityRules | None = strawberry.field(default=None, description="The version accepted.")


@strawberry.type
class Query:
    @strawberry.field(description="The current community rules (null before the first version).")
    async def community_rules(self) -> CommunityRules | None:
        return await domain.current_rules()

    @strawberry.field(description="Every version of the rules, newest first.")
    async def community_rules_versions(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[CommunityRules]:
        query = models.RulesVersion.all().order_by("-version")
        return await paginate(info, query, first=first, after=after, last=last, before=before)

    @strawberry.field(description="Whether posting requires accepting the latest rules (MODERATION_RULES_REQUIRED).")
    def rules_acceptance_required(self, info: Info) -> bool:
        return info.context.settings.moderation_rules_required


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Publish a new version of the community rules (admins).")
    @guard(Require.ADMIN)
    async def publish_rules(
        self,
        info: Info,
        input: Annotated[PublishRulesInput, strawberry.argument(description="The new version.")],
    ) -> PublishRulesPayload:
        rules = await domain.publish_rules(
            info.context.viewer, input.body, input.change_note, settings=info.context.settings
        )
        return PublishRulesPayload(rules=rules)

    @strawberry.mutation(description="Accept the current community rules.")
    @guard(Require.MEMBER)
    async def accept_rules(
        self,
        info: Info,
        input: Annotated[AcceptRulesInput, strawberry.argument(description="The version accepted.")],
    ) -> AcceptRulesPayload:
        acceptance = await domain.accept_rules(info.context.viewer, input.version)
        return AcceptRulesPayload(rules=await models.RulesVersion.get(id=acceptance.rules_id))
