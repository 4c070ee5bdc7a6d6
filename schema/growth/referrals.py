"""Referrals that reward: the referral leaderboard and, for staff, referral chains."""

from __future__ import annotations

from typing import Annotated

import strawberry

from api.domain.growth import referrals as domain
from api.models.accounts import User as UserModel
from schema.accounts import User
from schema.context import Info
from schema.moderation.admission import Referral
from schema.relay import parse_id


@strawberry.type(description="A member by referrals rewarded.")
class Referrer:
    rewarded: int = strawberry.field(description="Referrals of theirs that were rewarded.")
    user_id: strawberry.Private[int]

    @strawberry.field(description="The inviter.")
    def user(self, info: Info) -> User | None:
        return info.context.loaders.by_id(UserModel).load(self.user_id)


@strawberry.type(description="One step of a referral chain, with how the referral was decided.")
class ReferralLink:
    referral: Referral = strawberry.field(description="Who invited whom.")
    rewarded: bool | None = strawberry.field(description="Whether it was rewarded; null while undecided.")
    reason: str = strawberry.field(description="Why it was not rewarded (self-referral, banned, same device).")


@strawberry.type
class Query:
    @strawberry.field(description="Members by referrals rewarded, most first.")
    async def referral_leaderboard(
        self,
        info: Info,
        limit: Annotated[int, strawberry.argument(description="How many members (at most 100).")] = 10,
    ) -> list[Referrer]:
        return [Referrer(rewarded=r.rewarded, user_id=r.user_id) for r in await domain.leaderboard(limit)]

    @strawberry.field(description="Who invited a member, who invited them, and so on, nearest first (staff only).")
    async def referral_chain(
        self,
        info: Info,
        user_id: Annotated[strawberry.ID, strawberry.argument(description="The member.")],
    ) -> list[ReferralLink]:
        links = await domain.chain(info.context.viewer, parse_id(user_id, "User", "userId"))
        return [
            ReferralLink(
                referral=link.referral,
                rewarded=link.outcome.rewarded if link.outcome else None,
                reason=link.outcome.reason if link.outcome else "",
            )
            for link in links
        ]
