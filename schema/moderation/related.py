"""Loading what moderation objects refer to: members, subjects, committees (batched per request)."""

from __future__ import annotations

import strawberry

from api.domain.content import ContentRef
from api.domain.moderation.reports import load_subjects
from api.models import accounts as account_models
from schema.accounts import User
from schema.context import Info
from schema.relay import node_global_id


async def user_of(info: Info, user_id: int | None) -> User | None:
    if user_id is None:
        return None
    return await info.context.loaders.by_id(account_models.User).load(user_id)


def subject_loader(info: Info):
    async def batch(keys: list[tuple[str, int]]) -> list[ContentRef | None]:
        found = await load_subjects(list(set(keys)))
        return [found.get(key) for key in keys]

    return info.context.loaders.custom("moderation.subjects", batch)


def global_id(type_name: str, pk: int | None) -> strawberry.ID | None:
    if not type_name or pk is None:
        return None
    return strawberry.ID(node_global_id(type_name, pk))
