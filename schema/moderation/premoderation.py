"""Pre-moderation: the admins' filter rules and the moderators' decisions on held content."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry import relay

from api.domain.moderation import premoderation as domain
from api.models import moderation as models
from api.models.accounts import Role
from api.policies import require_role
from schema.accounts import Payload
from schema.context import Info
from schema.moderation.enums import FilterKind, WatchAction
from schema.moderation.reports import ReviewItem
from schema.permissions import Require, guard
from schema.relay import After, Before, Connection, First, Last, ModelNode, paginate, parse_id


@strawberry.type(description="A watched word or linked domain, and what it does to content.")
class FilterRule(ModelNode):
    model = models.FilterRule

    id: relay.NodeID[int]
    kind: FilterKind = strawberry.field(description="Word or link rule.")
    action: WatchAction = strawberry.field(description="What it does to content containing it.")
    pattern: str = strawberry.field(description="The word, phrase or domain (lower-case).")
    note: str = strawberry.field(description="Why the rule exists.")
    created_at: datetime = strawberry.field(description="When it was added.")


@strawberry.input(description="A new watched word or linked domain.")
class AddFilterRuleInput:
    kind: FilterKind = strawberry.field(description="WORD or LINK.")
    action: WatchAction = strawberry.field(
        default=models.WatchAction.REQUIRE_APPROVAL, description="What it does to content (default: hold for approval)."
    )
    pattern: str = strawberry.field(description="The word or phrase, or the domain (`*`: any link).")
    note: str = strawberry.field(default="", description="Why the rule exists (staff only).")


@strawberry.type(description="Result of `addFilterRule`.")
class AddFilterRulePayload(Payload):
    rule: FilterRule | None = strawberry.field(default=None, description="The new rule.")


@strawberry.input(description="Remove a pre-moderation rule.")
class RemoveFilterRuleInput:
    rule_id: strawberry.ID = strawberry.field(description="Global id of the FilterRule.")


@strawberry.type(description="Result of `removeFilterRule`.")
class RemoveFilterRulePayload(Payload):
    removed_rule_id: strawberry.ID | None = strawberry.field(default=None, description="Global id of the removed rule.")


@strawberry.input(description="Publish content held by pre-moderation.")
class ApproveHeldContentInput:
    item_id: strawberry.ID = strawberry.field(description="Global id of the held ReviewItem.")


@strawberry.input(description="Refuse content held by pre-moderation (it is deleted).")
class RejectHeldContentInput:
    item_id: strawberry.ID = strawberry.field(description="Global id of the held ReviewItem.")
    reason: str = strawberry.field(description="Why; the author sees it.")


@strawberry.type(description="Result of `approveHeldContent` and `rejectHeldContent`.")
class DecideHeldContentPayload(Payload):
    item: ReviewItem | None = strawberry.field(default=None, description="The decided item.")


@strawberry.type
class Query:
    @strawberry.field(description="The pre-moderation rules (moderators).")
    async def filter_rules(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[FilterRule]:
        require_role(info.context.viewer, Role.MODERATOR)
        return await paginate(info, domain.filter_rules(), first=first, after=after, last=last, before=before)


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Add a watched word or link rule with its action: BLOCK, CENSOR, REQUIRE_APPROVAL or FLAG (admins)."
    )
    @guard(Require.ADMIN)
    async def add_filter_rule(
        self,
        info: Info,
        input: Annotated[AddFilterRuleInput, strawberry.argument(description="The rule to add.")],
    ) -> AddFilterRulePayload:
        rule = await domain.add_filter_rule(
            info.context.viewer,
            models.FilterKind(input.kind),
            input.pattern,
            input.note,
            action=models.WatchAction(input.action),
            settings=info.context.settings,
        )
        return AddFilterRulePayload(rule=rule)

    @strawberry.mutation(description="Remove a watched word or link rule (admins).")
    @guard(Require.ADMIN)
    async def remove_filter_rule(
        self,
        info: Info,
        input: Annotated[RemoveFilterRuleInput, strawberry.argument(description="The rule to remove.")],
    ) -> RemoveFilterRulePayload:
        rule = await domain.remove_filter_rule(info.context.viewer, parse_id(input.rule_id, "FilterRule", "ruleId"))
        return RemoveFilterRulePayload(removed_rule_id=input.rule_id if rule else None)

    @strawberry.mutation(description="Approve held content: it is published (moderators).")
    @guard(Require.MODERATOR)
    async def approve_held_content(
        self,
        info: Info,
        input: Annotated[ApproveHeldContentInput, strawberry.argument(description="The held item to publish.")],
    ) -> DecideHeldContentPayload:
        item = await domain.approve_held(info.context.viewer, parse_id(input.item_id, "ReviewItem", "itemId"))
        return DecideHeldContentPayload(item=item)

    @strawberry.mutation(description="Reject held content with a reason the author sees (moderators).")
    @guard(Require.MODERATOR)
    async def reject_held_content(
        self,
        info: Info,
        input: Annotated[RejectHeldContentInput, strawberry.argument(description="The held item to refuse and why.")],
    ) -> DecideHeldContentPayload:
        item = await domain.reject_held(
            info.context.viewer,
            parse_id(input.item_id, "ReviewItem", "itemId"),
            input.reason,
            settings=info.context.settings,
        )
        return DecideHeldContentPayload(item=item)
