"""Questions the engagement domain asks before (or while) spending points; other domains
decide them (growth: tier-only rewards, coupon codes, tiers for event audiences)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from api.events import Question


@dataclass(frozen=True)
class MayRedeem(Question[None]):
    """May this member redeem this reward (a tier-only item)? The decider raises when not."""

    user_id: int
    reward_id: int


@dataclass(frozen=True)
class IssueCoupon(Question["str | None"]):
    """Asked inside a redemption's transaction: the coupon code it issues (None for a reward
    without codes). The decider raises when the reward's codes are used up: nothing is spent."""

    user_id: int
    reward_id: int
    redemption_id: int


@dataclass(frozen=True)
class EarlySignupHours(Question[int]):
    """How many hours before an event's `signup_opens_at` this member may sign up (a tier benefit)."""

    default: ClassVar[int] = 0
    user_id: int


@dataclass(frozen=True)
class TiersReached(Question["frozenset[int]"]):
    """The tiers this member reaches: ids of their tier and every lower-ranked one (TIER events)."""

    default: ClassVar[frozenset[int]] = frozenset()
    user_id: int


@dataclass(frozen=True)
class TierRank(Question["int | None"]):
    """The rank of a tier (None: no such tier); with `user_id` instead, the rank of the tier that
    member holds (None: none)."""

    default: ClassVar[None] = None
    tier_id: int | None = None
    user_id: int | None = None
