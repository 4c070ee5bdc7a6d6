"""Member lifecycle and growth: lifecycle stages (ACTIVE, AT_RISK, INACTIVE), tiers and their
benefits, coupons."""
