"""Articles: create, edit (every save is a revision), publish, archive, restore, delete."""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.exceptions import IntegrityError

from api.db import column
from api.domain.content import gate
from api.domain.content.events import Submission
from api.domain.forum.text import render_body
from api.domain.kb import access
from api.domain.kb.events import ArticlePublished
from api.domain.kb.media import sync_articles
from api.domain.kb.text import (
    check_body,
    check_message,
    check_summary,
    check_tags,
    check_title,
    roles_field,
    slugify,
)
from api.errors import Conflict, DomainError, Forbidden, Invalid, NotFound, collect
from api.events import emit
from api.models.accounts import Committee, User, Visibility
from api.models.kb import Article, ArticleAuthor, ArticleRevision, ArticleStatus, Category
from api.policies import is_staff, require_can_act
from api.settings import Settings
from api.timeutil import now
from api.transactions import transaction
from search.outbox import enqueue


@dataclass(frozen=True)
class ArticleInput:
    """Fields of an article; None leaves a field unchanged on update."""

    title: str | None = None
    body: str | None = None
    summary: str | None = None
    tags: list[str] | None = None
    category_id: int | None = None
    clear_category: bool = False
    slug: str | None = None
    visibility: Visibility | None = None
    allowed_roles: list[str] | None = None
    committee_id: int | None = None
    clear_committee: bool = False
    message: str = ""
    # The revision number the editor started from: a save on top of a newer one is refused.
    base_revision: int | None = None


async def _html(body: str) -> str:
    """Rendered as forum posts are: sanitized, with `@name` of existing members linked."""
    return (await render_body(body)).html


async def _unique_slug(wanted: str, article_id: int | None = None) -> str:
    base = wanted or "article"
    taken = set(await column(Article.filter(slug__startswith=base).exclude(id=article_id or 0), "slug"))
    if base not in taken:
        return base
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"


async def _check_refs(data: ArticleInput) -> None:
    if data.category_id is not None and not await Category.filter(id=data.category_id).exists():
        raise NotFound("No such category.", field="categoryId")
    if data.committee_id is not None and not await Committee.filter(id=data.committee_id).exists():
        raise NotFound("No such committee.", field="committeeId")


def _apply(article: Article, data: ArticleInput, settings: Settings, errors: list[DomainError]) -> None:
    if data.title is not None:
        article.title = check_title(data.title, settings, errors)
    if data.body is not None:
        article.body = check_body(data.body, settings, errors)
    if data.summary is not None:
        article.summary = check_summary(data.summary, settings, errors)
    if data.tags is not None:
        article.tags = check_tags(data.tags, settings, errors)
    if data.clear_category:
        article.category_id = None
    elif data.category_id is not None:
        article.category_id = data.category_id
    if data.visibility is not None:
        article.visibility = Visibility(data.visibility)
    if data.allowed_roles is not None:
        try:
            article.allowed_roles = roles_field(data.allowed_roles)
        except ValueError:
            errors.append(Invalid("Unknown role.", field="allowedRoles"))
    if data.clear_committee:
        article.committee_id = None
    elif data.committee_id is not None:
        article.committee_id = data.committee_id


async def _revision(article: Article, author: User, message: str, *, restored_from: int | None = None) -> None:
    article.revision_number += 1
    await ArticleRevision.create(
        article_id=article.id,
        number=article.revision_number,
        title=article.title,
        body=article.body,
        summary=article.summary,
        tags=list(article.tags),
        category_id_at_save=article.category_id,
        author_id=author.id,
        message=message,
        restored_from=restored_from,
    )
    await article.save(update_fields=["revision_number"])
    await ArticleAuthor.get_or_create(article_id=article.id, user_id=author.id)


async def create_article(actor: User | None, data: ArticleInput, *, settings: Settings) -> Article:
    """A new draft by `actor` (its first author), saved as revision 1."""
    author = await require_can_act(actor)
    errors: list[DomainError] = []
    article = Article(title="", body="", created_by_id=author.id)
    _apply(
        article, ArticleInput(**{**data.__dict__, "title": data.title or "", "body": data.body or ""}), settings, errors
    )
    message = check_message(data.message or "Created", settings, errors)
    collect(errors)
    await _check_refs(data)
    verdict = await _gate(author, article, settings, editing=False)
    article.body_html = await _html(verdict.text("body", article.body))
    slug = slugify(data.slug or article.title)
    async with transaction():
        article.slug = await _unique_slug(slug)
        try:
            await article.save()
        except IntegrityError:
            raise Conflict("An article with this slug exists.", field="slug") from None
        await _revision(article, author, message)
        await sync_articles([article.id])  # a draft: the uploads it embeds are private
        await gate.announce(verdict, "Article", article.id, author.id)
    return article


async def _gate(
    author: User,
    article: Article,
    settings: Settings,
    *,
    editing: bool,
    texts: tuple[str, ...] = ("title", "body", "summary"),
) -> gate.Verdict:
    """The content gate over the article's texts; censored title and summary are stored as
    shown (the body is kept as written and rendered censored)."""
    written = {name: getattr(article, name) for name in texts}
    verdict = await gate.check(
        Submission(
            author=author,
            content_type="Article",
            texts=written,
            editing=editing,
            **gate.measure(written.get("body", "")),
        ),
        settings,
    )
    for name in ("title", "summary"):
        if name in written:
            setattr(article, name, verdict.text(name, written[name]))
    return verdict


async def update_article(actor: User | None, article_id: int, data: ArticleInput, *, settings: Settings) -> Article:
    """Save a new revision of the article (authors, staff, members with enough reputation)."""
    editor = await require_can_act(actor)
    errors: list[DomainError] = []
    message = check_message(data.message, settings, errors)
    collect(errors)
    await _check_refs(data)
    async with transaction():
        article = await access.readable_article(editor, article_id, for_update=True)
        await access.require_edit_article(editor, article, settings=settings)
        changes_audience = (
            data.visibility is not None
            or data.allowed_roles is not None
            or data.committee_id is not None
            or data.clear_committee
        )
        if changes_audience and not (is_staff(editor) or editor.id in await access.author_ids_of(article.id)):
            # Reputation lets members improve the text, not decide who may read it.
            raise Forbidden("Only the article's authors and staff may change who can read it.", field="visibility")
        if data.base_revision is not None and data.base_revision != article.revision_number:
            raise Conflict(
                f"The article changed since revision {data.base_revision} (now {article.revision_number}).",
                field="baseRevision",
            )
        _apply(article, data, settings, errors)
        collect(errors)
        changed = tuple(name for name in ("title", "body", "summary") if getattr(data, name) is not None)
        verdict = await _gate(editor, article, settings, editing=True, texts=changed)
        if data.body is not None:
            article.body_html = await _html(verdict.text("body", article.body))
        if data.slug is not None:
            wanted = slugify(data.slug)
            if not wanted:
                raise Invalid("Enter a slug of letters or digits.", field="slug")
            if await Article.filter(slug=wanted).exclude(id=article.id).exists():
                raise Conflict("An article with this slug exists.", field="slug")
            article.slug = wanted
        await article.save()
        await _revision(article, editor, message)
        await sync_articles([article.id])
        await enqueue("article", article.id)
        await gate.announce(verdict, "Article", article.id, editor.id)
    return article


async def _set_status(actor: User | None, article_id: int, status: ArticleStatus, settings: Settings) -> Article:
    editor = await require_can_act(actor)
    async with transaction():
        article = await access.readable_article(editor, article_id, for_update=True)
        await access.require_edit_article(editor, article, settings=settings)
        if article.status == status:
            raise Conflict(f"The article is already {status.value.lower()}.", field="articleId")
        if status == ArticleStatus.PUBLISHED:  # publishing is posting: the gate's admission applies
            await _gate(editor, article, settings, editing=True, texts=())
        article.status = status
        fields = ["status", "updated_at"]
        if status == ArticleStatus.PUBLISHED and article.published_at is None:
            article.published_at = now()
            fields.append("published_at")
        await article.save(update_fields=fields)
        await sync_articles([article.id], body_changed=False)
        await enqueue("article", article.id)
    return article


async def publish_article(actor: User | None, article_id: int, *, settings: Settings) -> Article:
    article = await _set_status(actor, article_id, ArticleStatus.PUBLISHED, settings)
    await emit(ArticlePublished(article_id=article.id, actor_id=actor.id if actor else None))
    return article


async def archive_article(actor: User | None, article_id: int, *, settings: Settings) -> Article:
    return await _set_status(actor, article_id, ArticleStatus.ARCHIVED, settings)


async def restore_revision(actor: User | None, revision_id: int, message: str, *, settings: Settings) -> Article:
    """Make an old revision's content current again, as a new revision (history is kept)."""
    editor = await require_can_act(actor)
    errors: list[DomainError] = []
    revision = await ArticleRevision.filter(id=revision_id).first()
    if revision is None:
        raise NotFound("No such revision.", field="revisionId")
    message = check_message(message or f"Restored revision {revision.number}", settings, errors)
    collect(errors)
    async with transaction():
        article = await access.readable_article(editor, revision.article_id, field="revisionId", for_update=True)
        await access.require_edit_article(editor, article, settings=settings)
        if revision.number == article.revision_number:
            raise Conflict("This revision is already the current one.", field="revisionId")
        article.title, article.body, article.summary = revision.title, revision.body, revision.summary
        article.tags = list(revision.tags)
        article.body_html = await _html(article.body)
        if revision.category_id_at_save is None or await Category.filter(id=revision.category_id_at_save).exists():
            article.category_id = revision.category_id_at_save
        await article.save()
        await _revision(article, editor, message, restored_from=revision.number)
        await sync_articles([article.id])
        await enqueue("article", article.id)
    return article


async def delete_article(actor: User | None, article_id: int) -> int:
    """Delete an article with its history: staff, or its only author while it is a draft."""
    user = await require_can_act(actor)
    async with transaction():
        article = await access.readable_article(user, article_id, for_update=True)
        authors = await access.author_ids_of(article.id)
        own_draft = article.status == ArticleStatus.DRAFT and authors == {user.id}
        if not (is_staff(user) or own_draft):
            raise Forbidden("Only moderators, or the only author of a draft, may delete an article.")
        await article.delete()
        await sync_articles([article_id])
        await enqueue("article", article_id)
    return article_id
