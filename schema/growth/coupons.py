"""Coupons (优惠券): codes of rewards, generated or imported; `myCoupons`; staff mark them used."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry import relay

from api.domain.growth import coupons as domain
from api.models import growth as models
from api.models.engagement import Reward as RewardModel
from schema.accounts import Payload
from schema.context import Info
from schema.engagement.incentive_types import Reward
from schema.permissions import Require, guard
from schema.relay import After, Before, Connection, First, Last, ModelNode, paginate, parse_id


@strawberry.type(description="A coupon code of a reward: issued to one redemption, marked used by staff.")
class Coupon(ModelNode):
    model = models.Coupon

    id: relay.NodeID[int]
    code: str = strawberry.field(description="The code to show at the counter or enter at the partner.")
    batch: str = strawberry.field(description="Where the code came from (e.g. the partner).")
    expires_at: datetime | None = strawberry.field(description="Valid until (null: no expiry).")
    issued_at: datetime | None = strawberry.field(description="When it was issued (null: not yet).")
    used_at: datetime | None = strawberry.field(description="When staff marked it used (null: not yet).")

    @strawberry.field(description="The reward it belongs to.")
    def reward(self, info: Info) -> Reward:
        return info.context.loaders.by_id(RewardModel).load(self.reward_id)  # type: ignore[attr-defined]


@strawberry.input(description="Generate coupon codes for a reward (its stock grows by as many).")
class GenerateCouponsInput:
    reward_id: strawberry.ID = strawberry.field(description="Global id of the reward.")
    count: int = strawberry.field(description="How many codes (1 to 10,000).")
    batch: str = strawberry.field(default="", description="A label for these codes.")
    expires_at: datetime | None = strawberry.field(default=None, description="Valid until (null: no expiry).")


@strawberry.input(description="Import a partner's coupon codes for a reward (its stock grows by as many).")
class ImportCouponsInput:
    reward_id: strawberry.ID = strawberry.field(description="Global id of the reward.")
    codes: list[str] = strawberry.field(description="The codes (1 to 10,000, each 1 to 64 characters, no repeats).")
    batch: str = strawberry.field(default="", description="A label for these codes (e.g. the partner).")
    expires_at: datetime | None = strawberry.field(default=None, description="Valid until (null: no expiry).")


@strawberry.input(description="Mark an issued code used (at the counter).")
class MarkCouponUsedInput:
    reward_id: strawberry.ID = strawberry.field(description="Global id of the reward.")
    code: str = strawberry.field(description="The code.")


@strawberry.type(description="Result of adding coupon codes.")
class AddCouponsPayload(Payload):
    added: int = strawberry.field(default=0, description="How many codes were added.")
    reward: Reward | None = strawberry.field(default=None, description="The reward, with its new stock.")


@strawberry.type(description="Result of `markCouponUsed`.")
class MarkCouponUsedPayload(Payload):
    coupon: Coupon | None = strawberry.field(default=None, description="The coupon, as now.")


@strawberry.type
class Query:
    @strawberry.field(description="The viewer's coupons, newest first (signed-in members).")
    async def my_coupons(
        self, info: Info, first: First = None, after: After = None, last: Last = None, before: Before = None
    ) -> Connection[Coupon]:
        query = domain.my_coupons(info.context.viewer)
        return await paginate(info, query, first=first, after=after, last=last, before=before)

    @strawberry.field(description="Every code of a reward, issued or not (staff only).")
    async def reward_coupons(
        self,
        info: Info,
        reward_id: Annotated[strawberry.ID, strawberry.argument(description="The reward.")],
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Coupon]:
        query = domain.reward_coupons(info.context.viewer, parse_id(reward_id, "Reward", "rewardId"))
        return await paginate(info, query, first=first, after=after, last=last, before=before)


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Generate coupon codes for a reward (admins).")
    @guard(Require.ADMIN)
    async def generate_coupons(
        self,
        info: Info,
        input: Annotated[GenerateCouponsInput, strawberry.argument(description="How many, and their expiry.")],
    ) -> AddCouponsPayload:
        reward_id = parse_id(input.reward_id, "Reward", "rewardId")
        added = await domain.generate_codes(
            info.context.viewer, reward_id, input.count, batch=input.batch, expires_at=input.expires_at
        )
        return AddCouponsPayload(added=added, reward=await RewardModel.get(id=reward_id))

    @strawberry.mutation(description="Import a partner's coupon codes for a reward (admins).")
    @guard(Require.ADMIN)
    async def import_coupons(
        self, info: Info, input: Annotated[ImportCouponsInput, strawberry.argument(description="The codes.")]
    ) -> AddCouponsPayload:
        reward_id = parse_id(input.reward_id, "Reward", "rewardId")
        added = await domain.import_codes(
            info.context.viewer, reward_id, input.codes, batch=input.batch, expires_at=input.expires_at
        )
        return AddCouponsPayload(added=added, reward=await RewardModel.get(id=reward_id))

    @strawberry.mutation(description="Mark an issued coupon code used (moderators and admins).")
    @guard(Require.MODERATOR)
    async def mark_coupon_used(
        self, info: Info, input: Annotated[MarkCouponUsedInput, strawberry.argument(description="The code.")]
    ) -> MarkCouponUsedPayload:
        coupon = await domain.mark_used(
            info.context.viewer, parse_id(input.reward_id, "Reward", "rewardId"), input.code
        )
        return MarkCouponUsedPayload(coupon=coupon)
