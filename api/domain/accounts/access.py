"""Who may see what in accounts: member profiles are public (their private fields are guarded
field by field: `IsSelfOrAdmin`); notifications are their recipient's alone."""

from __future__ import annotations

from api.models.accounts import User
from api.models.notifications import Notification
from api.policy import everyone, owner_only

READ_POLICIES = (
    everyone(User, "Everyone: profiles are public; email and the like only to the member and admins."),
    owner_only(Notification),
)
