"""Types of points, badges, titles, rewards and check-ins."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import relay

from api.db import fetch_all
from api.models import engagement as models
from schema.accounts import User
from schema.context import Info
from schema.engagement.access import load_user
from schema.engagement.enums import BadgeCriterion, BadgeTier, RedemptionStatus
from schema.relay import ModelNode, node_global_id

if TYPE_CHECKING:
    from schema.growth.tiers import Tier
    from schema.media import MediaFile


@strawberry.type(description="One award or deduction of points (the ledger is append-only).")
class PointEntry(ModelNode):
    model = models.PointEntry

    id: relay.NodeID[int]
    amount: int = strawberry.field(description="Points added (positive) or taken (negative).")
    rule: str = strawberry.field(
        description="Why: a POINTS_RULES name, `streak_bonus`, `grant`, `redemption` or `refund`."
    )
    reason: str = strawberry.field(description="Free text, e.g. the reason of an admin grant.")
    source_type: str = strawberry.field(description="GraphQL type of the object it is about, if any.")
    day: date = strawberry.field(description="The community day it counts for (daily caps, leaderboards).")
    created_at: datetime = strawberry.field(description="When it was recorded.")

    @strawberry.field(description="Global id of the object it is about, if any.")
    @staticmethod
    def source_id(root: strawberry.Parent[models.PointEntry]) -> strawberry.ID | None:
        if not root.source_type or root.source_id is None:
            return None
        return strawberry.ID(node_global_id(root.source_type, root.source_id))

    @strawberry.field(description="The member whose balance it moves.")
    @staticmethod
    async def user(root: strawberry.Parent[models.PointEntry], info: Info) -> User | None:
        return await load_user(info, root.user_id)


@strawberry.type(description="A badge members can earn.")
class Badge(ModelNode):
    model = models.Badge

    id: relay.NodeID[int]
    name: str = strawberry.field(description="Unique name.")
    description: str = strawberry.field(description="What it rewards.")
    tier: BadgeTier = strawberry.field(description="Bronze, silver or gold.")
    criterion: BadgeCriterion = strawberry.field(description="What earns it automatically (MANUAL: by hand).")
    threshold: int = strawberry.field(description="The count the criterion must reach (0 for MANUAL).")
    event_name: str | None = strawberry.field(description="For EVENT: the catalogue name of the event counted.")
    created_at: datetime = strawberry.field(description="When it was defined.")

    @strawberry.field(description="The badge's icon, if any.")
    @staticmethod
    async def icon(
        root: strawberry.Parent[models.Badge], info: Info
    ) -> Annotated[MediaFile, strawberry.lazy("schema.media")] | None:
        if root.icon_id is None:
            return None
        from api.models.media import MediaFile as MediaFileModel

        return await info.context.loaders.by_id(MediaFileModel).load(root.icon_id)

    @strawberry.field(description="How many members hold it.")
    @staticmethod
    async def holder_count(root: strawberry.Parent[models.Badge], info: Info) -> int:
        return await info.context.loaders.custom("engagement.badge_holders", _badge_holders).load(root.id)


async def _badge_holders(badge_ids: list[int]) -> list[int]:
    marks = ", ".join("?" for _ in badge_ids)
    rows = await fetch_all(
        f"SELECT badge_id, COUNT(*) AS n FROM engagement_badge_awards WHERE badge_id IN ({marks}) AND revoked_at IS NULL GROUP BY badge_id",
        badge_ids,
    )
    counts = {r["badge_id"]: int(r["n"]) for r in rows}
    return [counts.get(i, 0) for i in badge_ids]


@strawberry.type(description="A badge held by a member.")
class BadgeAward(ModelNode):
    model = models.BadgeAward

    id: relay.NodeID[int]
    reason: str = strawberry.field(description="Why staff awarded it (empty when earned by a rule).")
    created_at: datetime = strawberry.field(description="When it was earned.")
    revoked_at: datetime | None = strawberry.field(
        description="When staff took it back (only staff see revoked awards)."
    )
    revoked_reason: str = strawberry.field(description="Why it was taken back.")

    @strawberry.field(description="The badge.")
    @staticmethod
    async def badge(root: strawberry.Parent[models.BadgeAward], info: Info) -> Badge:
        return await info.context.loaders.by_id(models.Badge).load(root.badge_id)

    @strawberry.field(description="The member holding it.")
    @staticmethod
    async def user(root: strawberry.Parent[models.BadgeAward], info: Info) -> User | None:
        return await load_user(info, root.user_id)


@strawberry.type(description="A title (头衔) shown beside a member's name.")
class Title(ModelNode):
    model = models.Title

    id: relay.NodeID[int]
    name: str = strawberry.field(description="The title.")
    description: str = strawberry.field(description="What it stands for.")
    min_points: int | None = strawberry.field(
        description="Points earned that reach it (a POINT_LEVELS level); null when only granted by admins."
    )


@strawberry.type(description="An item of the rewards catalogue (积分兑换).")
class Reward(ModelNode):
    model = models.Reward

    id: relay.NodeID[int]
    name: str = strawberry.field(description="What the member gets.")
    description: str = strawberry.field(description="Details.")
    cost: int = strawberry.field(description="Points it costs.")
    stock: int = strawberry.field(description="Items left.")
    per_member_limit: int | None = strawberry.field(description="Most redemptions per member; null: no limit.")
    starts_at: datetime | None = strawberry.field(description="Redeemable from (null: now).")
    ends_at: datetime | None = strawberry.field(description="Redeemable until (null: no end).")
    active: bool = strawberry.field(description="Whether staff offer it at all.")
    created_at: datetime = strawberry.field(description="When it was added.")

    @strawberry.field(description="The tier (and those above) it is restricted to; null: every member.")
    def required_tier(self, info: Info) -> Annotated[Tier, strawberry.lazy("schema.growth.tiers")] | None:
        from schema.growth.tiers import tier_of_reward

        return tier_of_reward(info, self.id)


@strawberry.type(description="Points spent on a reward.")
class Redemption(ModelNode):
    model = models.Redemption

    id: relay.NodeID[int]
    cost: int = strawberry.field(description="Points spent.")
    status: RedemptionStatus = strawberry.field(description="Pending, fulfilled or refunded.")
    note: str = strawberry.field(description="Staff note on delivery or refund.")
    created_at: datetime = strawberry.field(description="When it was redeemed.")
    handled_at: datetime | None = strawberry.field(description="When staff fulfilled or refunded it.")

    @strawberry.field(description="The reward.")
    @staticmethod
    async def reward(root: strawberry.Parent[models.Redemption], info: Info) -> Reward:
        return await info.context.loaders.by_id(models.Reward).load(root.reward_id)

    @strawberry.field(description="The member who redeemed it.")
    @staticmethod
    async def user(root: strawberry.Parent[models.Redemption], info: Info) -> User | None:
        return await load_user(info, root.user_id)


@strawberry.type(description="A daily check-in.")
class CheckIn(ModelNode):
    model = models.CheckIn

    id: relay.NodeID[int]
    day: date = strawberry.field(description="The community day checked in.")
    streak: int = strawberry.field(description="Consecutive days up to and including this one.")
    points: int = strawberry.field(description="Points earned by it, streak bonus included.")
    created_at: datetime = strawberry.field(description="When it happened.")


@strawberry.type(description="A member's place on a points leaderboard.")
class LeaderboardEntry:
    rank: int = strawberry.field(description="1 for the most points.")
    points: int = strawberry.field(description="Points earned in the period (spending excluded).")
    user_id: strawberry.Private[int]

    @strawberry.field(description="The member.")
    async def user(self, info: Info) -> User | None:
        return await load_user(info, self.user_id)
