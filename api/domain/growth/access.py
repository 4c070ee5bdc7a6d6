"""Who may see what in growth: tiers are public; a coupon code its holder's and staff's; segments staff's."""

from __future__ import annotations

from api.models.growth import Coupon, Segment, Tier
from api.policy import everyone, owner_or_staff, staff_only

READ_POLICIES = (
    everyone(Tier),
    owner_or_staff(Coupon, doc="The member it was issued to, and staff (unissued codes: staff only)."),
    staff_only(Segment),
)
