"""Search documents of members, kept in sync through model signals: account code stays
unaware of search, yet every save of a searchable field writes an outbox row in the same
transaction (signals run on the connection of the save)."""

from __future__ import annotations

from typing import Any

from tortoise.signals import post_delete, post_save

from api.models.accounts import User
from api.models.search import SearchOutbox
from search.kinds.common import timestamp
from search.registry import DocumentKind, register

# Saves touching only other fields (password, last seen...) do not change the document.
SEARCHED_FIELDS = {"username", "display_name", "bio", "interest_tags", "role", "status"}


async def load_members(ids: list[int]) -> list[dict[str, Any]]:
    rows = await User.filter(id__in=ids)
    return [
        {
            "id": u.id, "kind": "member", "username": u.username, "display_name": u.display_name,
            "bio": u.bio, "tags": list(u.interest_tags or []), "role": u.role.value,
            "author_ids": [u.id], "visibility": "PUBLIC", "allowed_roles": [], "committee_ids": [],
            "created_at": timestamp(u.created_at),
        }
        for u in rows
    ]


async def all_member_ids() -> list[int]:
    return list(await User.all().order_by("id").values_list("id", flat=True))


@post_save(User)
async def _member_saved(sender: type[User], instance: User, created: bool, using_db: Any,
                        update_fields: Any) -> None:
    if created or not update_fields or SEARCHED_FIELDS.intersection(update_fields):
        await SearchOutbox.create(kind="member", object_id=instance.id, using_db=using_db)


@post_delete(User)
async def _member_deleted(sender: type[User], instance: User, using_db: Any) -> None:
    await SearchOutbox.create(kind="member", object_id=instance.id, using_db=using_db)


register(DocumentKind(
    name="member", index="members", load=load_members, all_ids=all_member_ids,
    settings={
        "searchableAttributes": ["username", "display_name", "tags", "bio"],
        "sortableAttributes": ["username"],
    },
))
