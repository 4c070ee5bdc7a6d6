"""Search documents of members. Every write of a searched field (`SEARCHED_FIELDS`) calls
`index_members` in its transaction."""

from __future__ import annotations

from typing import Any

from api.db import column
from api.models.accounts import User
from search.documents import timestamp
from search.outbox import enqueue
from search.registry import DocumentKind

# Saves touching only other fields (password, last seen...) do not change the document.
SEARCHED_FIELDS = {"username", "display_name", "bio", "interest_tags", "role", "status"}


async def load_members(ids: list[int]) -> list[dict[str, Any]]:
    rows = await User.filter(id__in=ids)
    return [
        {
            "id": u.id,
            "kind": "member",
            "username": u.username,
            "display_name": u.display_name,
            "bio": u.bio,
            "tags": list(u.interest_tags or []),
            "role": u.role.value,
            "author_ids": [u.id],
            "visibility": "PUBLIC",
            "allowed_roles": [],
            "committee_ids": [],
            "created_at": timestamp(u.created_at),
        }
        for u in rows
    ]


async def all_member_ids() -> list[int]:
    return list(await column(User.all().order_by("id"), "id"))


async def index_members(user_ids: int | list[int]) -> None:
    """Record, in the current transaction, that these members' documents must be refreshed."""
    await enqueue("member", user_ids)


MEMBERS = DocumentKind(
    name="member",
    index="members",
    load=load_members,
    all_ids=all_member_ids,
    settings={
        "searchableAttributes": ["username", "display_name", "tags", "bio"],
        "sortableAttributes": ["username"],
    },
)
