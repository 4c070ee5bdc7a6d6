"""Helpers of the engagement node types: who may see a row, members through the loader."""

from __future__ import annotations

from api.models.accounts import User as UserModel
from api.policies import is_staff
from schema.accounts import User
from schema.context import Info


async def load_user(info: Info, user_id: int | None) -> User | None:
    if user_id is None:
        return None
    return await info.context.loaders.by_id(UserModel).load(user_id)


def own_or_staff(info: Info, rows: list, owner: str = "user_id") -> list:
    viewer = info.context.viewer
    if viewer is None:
        return []
    return [r for r in rows if getattr(r, owner) == viewer.id or is_staff(viewer)]


def signed_in(info: Info, rows: list) -> list:
    return rows if info.context.viewer is not None else []
