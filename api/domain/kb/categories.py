"""The category tree shared by articles and resources (staff edit it)."""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.exceptions import IntegrityError

from api import text
from api.db import column
from api.domain.kb.text import check_summary, slugify
from api.errors import Conflict, DomainError, Invalid, NotFound, collect
from api.models.accounts import Role, User
from api.models.kb import Article, Category, Resource
from api.policies import require_role
from api.settings import Settings
from api.transactions import transaction
from search.outbox import enqueue

MAX_NAME = 100
MAX_DEPTH = 5


@dataclass(frozen=True)
class CategoryInput:
    name: str | None = None
    description: str | None = None
    parent_id: int | None = None
    clear_parent: bool = False  # move to the top level
    position: int | None = None
    slug: str | None = None


async def _ancestors(category_id: int | None) -> list[int]:
    """Ids from `category_id` up to its root (the tree is small and shallow)."""
    parents = dict(await Category.all().values_list("id", "parent_id"))
    chain, current = [], category_id
    while current is not None and current not in chain:
        chain.append(current)
        current = parents.get(current)
    return chain


async def _check_parent(parent_id: int, moving_id: int | None) -> None:
    if not await Category.filter(id=parent_id).exists():
        raise NotFound("No such parent category.", field="parentId")
    chain = await _ancestors(parent_id)
    if moving_id is not None and moving_id in chain:
        raise Invalid("A category cannot be moved under itself.", field="parentId")
    if len(chain) >= MAX_DEPTH:
        raise Invalid(f"Categories nest at most {MAX_DEPTH} levels deep.", field="parentId")


def _clean_name(name: str, errors: list[DomainError]) -> str:
    return text.line(name, "name", MAX_NAME, what="a name", errors=errors)


async def create_category(actor: User | None, data: CategoryInput, *, settings: Settings) -> Category:
    require_role(actor, Role.MODERATOR)
    errors: list[DomainError] = []
    name = _clean_name(data.name or "", errors)
    description = check_summary(data.description or "", settings, errors, field="description")
    slug = slugify(data.slug or name)
    if name and not slug:
        errors.append(Invalid("Enter a slug of letters or digits.", field="slug"))
    collect(errors)
    if data.parent_id is not None:
        await _check_parent(data.parent_id, None)
    if await Category.filter(slug=slug).exists():
        raise Conflict("A category with this slug exists.", field="slug")
    try:
        return await Category.create(
            name=name, slug=slug, description=description, parent_id=data.parent_id, position=data.position or 0
        )
    except IntegrityError:
        raise Conflict("A category with this slug exists.", field="slug") from None


async def update_category(actor: User | None, category_id: int, data: CategoryInput, *, settings: Settings) -> Category:
    require_role(actor, Role.MODERATOR)
    category = await Category.filter(id=category_id).first()
    if category is None:
        raise NotFound("No such category.", field="categoryId")
    errors: list[DomainError] = []
    if data.name is not None:
        category.name = _clean_name(data.name, errors)
    if data.description is not None:
        category.description = check_summary(data.description, settings, errors, field="description")
    if data.slug is not None:
        category.slug = slugify(data.slug)
        if not category.slug:
            errors.append(Invalid("Enter a slug of letters or digits.", field="slug"))
    if data.position is not None:
        category.position = data.position
    collect(errors)
    if data.clear_parent:
        category.parent_id = None
    elif data.parent_id is not None:
        await _check_parent(data.parent_id, category.id)
        category.parent_id = data.parent_id
    if await Category.filter(slug=category.slug).exclude(id=category.id).exists():
        raise Conflict("A category with this slug exists.", field="slug")
    await category.save()
    return category


async def delete_category(actor: User | None, category_id: int) -> int:
    """Delete an empty-of-children category; its articles and resources become uncategorised."""
    require_role(actor, Role.MODERATOR)
    async with transaction():
        category = await Category.filter(id=category_id).select_for_update().first()
        if category is None:
            raise NotFound("No such category.", field="categoryId")
        if await Category.filter(parent_id=category_id).exists():
            raise Conflict("Move or delete its subcategories first.", field="categoryId")
        article_ids = await column(Article.filter(category_id=category_id), "id")
        resource_ids = await column(Resource.filter(category_id=category_id), "id")
        await Article.filter(category_id=category_id).update(category_id=None)
        await Resource.filter(category_id=category_id).update(category_id=None)
        await category.delete()
        await enqueue("article", list(article_ids))
        await enqueue("resource", list(resource_ids))
    return category_id
