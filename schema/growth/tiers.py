"""Tiers and benefits (会员等级与权益): admins define tiers and grant them; `User.tier`."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry import relay

from api.domain.growth import tiers as domain
from api.models import growth as models
from api.policy import visible
from schema.accounts import Payload, User
from schema.context import Info
from schema.engagement.incentive_types import Reward
from schema.permissions import Require, guard
from schema.relay import After, Before, Connection, First, Last, ModelNode, paginate, parse_id


@strawberry.type(description="A member tier (会员等级) and its benefits.")
class Tier(ModelNode):
    model = models.Tier

    id: relay.NodeID[int]
    name: str = strawberry.field(description="The tier's name.")
    description: str = strawberry.field(description="What it stands for and gives.")
    rank: int = strawberry.field(description="Order of tiers: higher is better.")
    min_points: int | None = strawberry.field(
        description="Lifetime points earned that reach it (null: not a condition)."
    )
    min_trust_level: int | None = strawberry.field(description="Trust level that reaches it (null: not a condition).")
    manual_only: bool = strawberry.field(description="Only granted by admins (`grantTier`).")
    flair: str = strawberry.field(description="Shown beside the names of its members.")
    extra_upload_bytes: int = strawberry.field(description="Storage added to MEDIA_QUOTA_BYTES for its members.")
    early_signup_hours: int = strawberry.field(description="Hours before others its members may sign up for events.")


def tier_of_user(info: Info, user_id: int):
    return info.context.loaders.custom("growth.member_tier", domain.load_member_tiers).load(user_id)


def tier_of_reward(info: Info, reward_id: int):
    return info.context.loaders.custom("growth.reward_tier", domain.load_reward_tiers).load(reward_id)


@strawberry.input(description="A tier: its conditions (all set ones must hold) and benefits.")
class TierFields:
    name: str = strawberry.field(description="Unique name, at most 64 characters.")
    rank: int = strawberry.field(description="Unique rank; higher is better.")
    description: str = strawberry.field(default="", description="What it stands for and gives.")
    min_points: int | None = strawberry.field(default=None, description="Lifetime points earned needed.")
    min_trust_level: int | None = strawberry.field(default=None, description="Trust level needed (0-4).")
    manual_only: bool = strawberry.field(default=False, description="Only granted by admins.")
    flair: str = strawberry.field(default="", description="Flair beside members' names, at most 32 characters.")
    extra_upload_bytes: int = strawberry.field(default=0, description="Extra storage for its members (bytes).")
    early_signup_hours: int = strawberry.field(default=0, description="Earlier event sign-up (hours, 0-720).")

    def to_domain(self) -> domain.TierInput:
        return domain.TierInput(
            name=self.name,
            rank=self.rank,
            description=self.description,
            min_points=self.min_points,
            min_trust_level=self.min_trust_level,
            manual_only=self.manual_only,
            flair=self.flair,
            extra_upload_bytes=self.extra_upload_bytes,
            early_signup_hours=self.early_signup_hours,
        )


@strawberry.input(description="A new tier.")
class CreateTierInput(TierFields):
    pass


@strawberry.input(description="A tier's new definition (every field is replaced).")
class UpdateTierInput(TierFields):
    tier_id: strawberry.ID = strawberry.field(description="Global id of the tier.")


@strawberry.input(description="The tier to delete; its members get the next one they reach.")
class DeleteTierInput:
    tier_id: strawberry.ID = strawberry.field(description="Global id of the tier.")


@strawberry.input(description="A tier given by hand, or the member handed back to the rules.")
class GrantTierInput:
    user_id: strawberry.ID = strawberry.field(description="Global id of the member.")
    tier_id: strawberry.ID | None = strawberry.field(
        default=None, description="The tier; null hands the member back to points and trust level."
    )
    reason: str = strawberry.field(default="", description="Why (kept with the grant).")


@strawberry.input(description="Restrict a reward to members of a tier and above.")
class SetRewardTierInput:
    reward_id: strawberry.ID = strawberry.field(description="Global id of the reward.")
    tier_id: strawberry.ID | None = strawberry.field(default=None, description="The tier; null lifts the restriction.")


@strawberry.type(description="Result of a tier change.")
class TierPayload(Payload):
    tier: Tier | None = strawberry.field(default=None, description="The tier, as now.")


@strawberry.type(description="Result of `deleteTier`.")
class DeleteTierPayload(Payload):
    deleted: bool = strawberry.field(default=False, description="Whether the tier was deleted.")


@strawberry.type(description="Result of `grantTier`.")
class GrantTierPayload(Payload):
    user: User | None = strawberry.field(default=None, description="The member, as now.")


@strawberry.type(description="Result of `setRewardTier`.")
class SetRewardTierPayload(Payload):
    reward: Reward | None = strawberry.field(default=None, description="The reward.")


def _tier_id(value: strawberry.ID | None) -> int | None:
    return None if value is None else parse_id(value, "Tier", "tierId")


@strawberry.type
class Query:
    @strawberry.field(description="The tiers, lowest rank first.")
    async def tiers(
        self, info: Info, first: First = None, after: After = None, last: Last = None, before: Before = None
    ) -> Connection[Tier]:
        query = (await visible(models.Tier, info.context.viewer, info.context.memo)).order_by("rank", "id")
        return await paginate(info, query, first=first, after=after, last=last, before=before)


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Define a tier (admins).")
    @guard(Require.ADMIN)
    async def create_tier(
        self, info: Info, input: Annotated[CreateTierInput, strawberry.argument(description="The tier.")]
    ) -> TierPayload:
        return TierPayload(
            tier=await domain.create_tier(info.context.viewer, input.to_domain(), settings=info.context.settings)
        )

    @strawberry.mutation(description="Change a tier (admins); members move on the next tiers run.")
    @guard(Require.ADMIN)
    async def update_tier(
        self, info: Info, input: Annotated[UpdateTierInput, strawberry.argument(description="The tier.")]
    ) -> TierPayload:
        tier = await domain.update_tier(
            info.context.viewer,
            parse_id(input.tier_id, "Tier", "tierId"),
            input.to_domain(),
            settings=info.context.settings,
        )
        return TierPayload(tier=tier)

    @strawberry.mutation(description="Delete a tier (admins); its members are told.")
    @guard(Require.ADMIN)
    async def delete_tier(
        self, info: Info, input: Annotated[DeleteTierInput, strawberry.argument(description="The tier.")]
    ) -> DeleteTierPayload:
        return DeleteTierPayload(
            deleted=await domain.delete_tier(info.context.viewer, parse_id(input.tier_id, "Tier", "tierId"))
        )

    @strawberry.mutation(description="Give a member a tier by hand, or hand them back to the rules (admins).")
    @guard(Require.ADMIN)
    async def grant_tier(
        self, info: Info, input: Annotated[GrantTierInput, strawberry.argument(description="The grant.")]
    ) -> GrantTierPayload:
        user_id = parse_id(input.user_id, "User", "userId")
        await domain.grant_tier(
            info.context.viewer, user_id, _tier_id(input.tier_id), input.reason, settings=info.context.settings
        )
        from api.models.accounts import User as UserModel

        return GrantTierPayload(user=await UserModel.get(id=user_id))

    @strawberry.mutation(description="Restrict a reward to members of a tier and above (admins).")
    @guard(Require.ADMIN)
    async def set_reward_tier(
        self, info: Info, input: Annotated[SetRewardTierInput, strawberry.argument(description="The restriction.")]
    ) -> SetRewardTierPayload:
        reward = await domain.set_reward_tier(
            info.context.viewer, parse_id(input.reward_id, "Reward", "rewardId"), _tier_id(input.tier_id)
        )
        return SetRewardTierPayload(reward=reward)
