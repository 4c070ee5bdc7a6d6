"""The resource library: media files or links with a title, category and tags."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlparse

from api.domain.content import gate
from api.domain.content.events import Submission
from api.domain.kb import access
from api.domain.kb.media import sync_resources
from api.domain.kb.text import check_summary, check_tags, check_title, roles_field
from api.errors import DomainError, Forbidden, Invalid, NotFound, collect
from api.models.accounts import User, Visibility
from api.models.kb import Category, Resource, ResourceKind
from api.models.media import MediaFile
from api.policies import is_staff, require_can_act
from api.settings import Settings
from api.transactions import transaction
from search.outbox import enqueue

MAX_URL = 2000


@dataclass(frozen=True)
class ResourceInput:
    """Fields of a resource; None leaves a field unchanged on update."""

    title: str | None = None
    description: str | None = None
    kind: ResourceKind | None = None
    url: str | None = None
    media_id: int | None = None
    clear_media: bool = False
    tags: list[str] | None = None
    category_id: int | None = None
    clear_category: bool = False
    visibility: Visibility | None = None
    allowed_roles: list[str] | None = None


def _check_url(url: str, errors: list[DomainError]) -> str:
    url = url.strip()
    if not url:
        return ""
    parsed = urlparse(url)
    if parsed.scheme not in {"http", "https"} or not parsed.netloc or len(url) > MAX_URL:
        errors.append(Invalid("Enter an http(s) URL.", field="url"))
    return url


async def _apply(resource: Resource, data: ResourceInput, actor: User, settings: Settings) -> None:
    errors: list[DomainError] = []
    if data.title is not None:
        resource.title = check_title(data.title, settings, errors)
    if data.description is not None:
        resource.description = check_summary(data.description, settings, errors, field="description")
    if data.kind is not None:
        resource.kind = ResourceKind(data.kind)
    if data.url is not None:
        resource.url = _check_url(data.url, errors)
    if data.tags is not None:
        resource.tags = check_tags(data.tags, settings, errors)
    if data.visibility is not None:
        resource.visibility = Visibility(data.visibility)
    if data.allowed_roles is not None:
        try:
            resource.allowed_roles = roles_field(data.allowed_roles)
        except ValueError:
            errors.append(Invalid("Unknown role.", field="allowedRoles"))
    collect(errors)
    if data.clear_category:
        resource.category_id = None
    elif data.category_id is not None:
        if not await Category.filter(id=data.category_id).exists():
            raise NotFound("No such category.", field="categoryId")
        resource.category_id = data.category_id
    if data.clear_media:
        resource.media_id = None
    elif data.media_id is not None:
        media = await MediaFile.filter(id=data.media_id).first()
        if media is None:
            raise NotFound("No such media file.", field="mediaId")
        if media.owner_id != actor.id and not is_staff(actor):
            raise Forbidden("Attach your own uploads only.", field="mediaId")
        resource.media_id = media.id
    if resource.kind == ResourceKind.LINK and not resource.url:
        raise Invalid("A link needs a URL.", field="url")
    if resource.kind != ResourceKind.LINK and not (resource.media_id or resource.url):
        raise Invalid("Attach a media file or give a URL.", field="mediaId")


async def create_resource(actor: User | None, data: ResourceInput, *, settings: Settings) -> Resource:
    author = await require_can_act(actor)
    if data.kind is None:
        raise Invalid("Choose the kind of resource.", field="kind")
    resource = Resource(title="", kind=data.kind, created_by_id=author.id)
    await _apply(resource, ResourceInput(**{**data.__dict__, "title": data.title or ""}), author, settings)
    verdict = await _gate(author, resource, data, settings, editing=False)
    async with transaction():
        await resource.save()
        await sync_resources([resource.id])
        await enqueue("resource", resource.id)
        await gate.announce(verdict, "Resource", resource.id, author.id)
    return resource


async def _gate(
    author: User, resource: Resource, data: ResourceInput, settings: Settings, *, editing: bool
) -> gate.Verdict:
    """The content gate over the texts written (title, description, the link's address); censored
    texts are stored as shown."""
    written = {
        name: getattr(resource, name) for name in ("title", "description", "url") if getattr(data, name) is not None
    }
    verdict = await gate.check(
        Submission(
            author=author, content_type="Resource", texts=written, editing=editing, links=1 if written.get("url") else 0
        ),
        settings,
    )
    for name in ("title", "description"):
        if name in written:
            setattr(resource, name, verdict.text(name, written[name]))
    return verdict


async def _editable(actor: User, resource_id: int) -> Resource:
    resource = await Resource.filter(id=resource_id).select_for_update().first()
    if resource is None or not access.visibility_allows(actor, resource, set()):
        raise NotFound("No such resource.", field="resourceId")
    if not access.may_edit_resource(actor, resource):
        raise Forbidden("Only the member who added it and moderators may change a resource.")
    return resource


async def update_resource(actor: User | None, resource_id: int, data: ResourceInput, *, settings: Settings) -> Resource:
    editor = await require_can_act(actor)
    async with transaction():
        resource = await _editable(editor, resource_id)
        await _apply(resource, data, editor, settings)
        verdict = await _gate(editor, resource, data, settings, editing=True)
        await resource.save()
        await sync_resources([resource.id])
        await enqueue("resource", resource.id)
        await gate.announce(verdict, "Resource", resource.id, editor.id)
    return resource


async def delete_resource(actor: User | None, resource_id: int) -> int:
    editor = await require_can_act(actor)
    async with transaction():
        resource = await _editable(editor, resource_id)
        await resource.delete()
        await sync_resources([resource_id])
        await enqueue("resource", resource_id)
    return resource_id
