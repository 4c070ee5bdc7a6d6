"""Moderation: community rules, admission, invites, reports and the review queue, sanctions,
pre-moderation, the moderation log and announcements (one module each)."""
