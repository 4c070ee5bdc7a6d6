"""Knowledge-base rules without GraphQL: revisions, edit rights, drafts, restore, diff,
categories and resources."""

from __future__ import annotations

import pytest

from api.domain.kb import access
from api.domain.kb.articles import (
    ArticleInput,
    archive_article,
    create_article,
    delete_article,
    publish_article,
    restore_revision,
    update_article,
)
from api.domain.kb.categories import CategoryInput, create_category, delete_category, update_category
from api.domain.kb.resources import ResourceInput, create_resource, update_resource
from api.domain.kb.revisions import LineChange, diff_revisions
from api.errors import Conflict, Forbidden, Invalid, NotFound, ValidationErrors
from api.models.accounts import Visibility
from api.models.forum import ReputationEvent
from api.models.kb import Article, ArticleRevision, ArticleStatus, Resource, ResourceKind
from api.models.search import SearchOutbox


async def new_article(author, settings, **fields):
    data = {"title": "Welcome guide", "body": "Line one\nLine two", **fields}
    return await create_article(author, ArticleInput(**data), settings=settings)


async def test_every_save_is_a_revision_and_authors_accumulate(factory, app_settings):
    alice, mod = await factory.user(), await factory.user(role="MODERATOR")
    article = await new_article(alice, app_settings, tags=["Guide", "guide", " Onboarding "])
    assert article.status == ArticleStatus.DRAFT and article.revision_number == 1
    assert article.tags == ["guide", "onboarding"] and article.slug == "welcome-guide"
    await update_article(
        alice, article.id, ArticleInput(body="Line one\nLine 2", message="typo"), settings=app_settings
    )
    await update_article(mod, article.id, ArticleInput(title="Welcome handbook"), settings=app_settings)
    revisions = await ArticleRevision.filter(article_id=article.id).order_by("number")
    assert [(r.number, r.author_id, r.message) for r in revisions] == [
        (1, alice.id, "Created"),
        (2, alice.id, "typo"),
        (3, mod.id, ""),
    ]
    assert revisions[2].title == "Welcome handbook" and revisions[1].title == "Welcome guide"
    assert await access.author_ids_of(article.id) == {alice.id, mod.id}
    assert (await Article.get(id=article.id)).slug == "welcome-guide"  # stable when the title changes
    thanked = await update_article(
        alice, article.id, ArticleInput(body=f"Thanks @{mod.username} <script>x</script>"), settings=app_settings
    )
    assert f'<a class="mention" href="/members/{mod.username}"' in thanked.body_html
    assert "<script>" not in thanked.body_html


async def test_validation_reports_every_bad_field(factory, app_settings):
    alice = await factory.user()
    with pytest.raises(ValidationErrors) as caught:
        await new_article(
            alice,
            app_settings,
            title=" ",
            body="x" * (app_settings.max_body_length + 1),
            tags=[f"t{i}" for i in range(app_settings.kb_max_tags + 1)],
        )
    assert {e.field for e in caught.value.errors} == {"title", "body", "tags"}
    with pytest.raises(Invalid) as caught:
        await new_article(alice, app_settings, body="   ")
    assert caught.value.field == "body"
    assert await Article.all().count() == 0


async def test_slugs_are_unique_and_keep_chinese(factory, app_settings):
    alice = await factory.user()
    first = await new_article(alice, app_settings, title="社群 活动 指南")
    second = await new_article(alice, app_settings, title="社群 活动 指南")
    assert (first.slug, second.slug) == ("社群-活动-指南", "社群-活动-指南-2")


async def test_edit_rights_authors_staff_and_reputation(factory, app_settings):
    alice, bob = await factory.user(), await factory.user()
    article = await new_article(alice, app_settings)
    # Drafts: only authors and staff even see them.
    with pytest.raises(NotFound):
        await update_article(bob, article.id, ArticleInput(body="mine now"), settings=app_settings)
    await publish_article(alice, article.id, settings=app_settings)
    with pytest.raises(Forbidden):
        await update_article(bob, article.id, ArticleInput(body="mine now"), settings=app_settings)
    await ReputationEvent.create(user_id=bob.id, amount=app_settings.reputation_to_edit_others - 1, reason="test")
    with pytest.raises(Forbidden):
        await update_article(bob, article.id, ArticleInput(body="mine now"), settings=app_settings)
    await ReputationEvent.create(user_id=bob.id, amount=1, reason="test")
    edited = await update_article(bob, article.id, ArticleInput(body="better text"), settings=app_settings)
    assert edited.revision_number == 2 and edited.body == "better text"
    carol = await factory.user()
    await ReputationEvent.create(user_id=carol.id, amount=app_settings.reputation_to_edit_others, reason="test")
    with pytest.raises(Forbidden) as caught:  # reputation opens the text, not the audience
        await update_article(carol, article.id, ArticleInput(visibility=Visibility.MEMBERS), settings=app_settings)
    assert caught.value.field == "visibility"
    assert (await Article.get(id=article.id)).visibility == Visibility.PUBLIC


async def test_stale_base_revision_is_refused(factory, app_settings):
    alice = await factory.user()
    article = await new_article(alice, app_settings)
    await update_article(alice, article.id, ArticleInput(body="v2", base_revision=1), settings=app_settings)
    with pytest.raises(Conflict) as caught:
        await update_article(alice, article.id, ArticleInput(body="v2 bis", base_revision=1), settings=app_settings)
    assert caught.value.field == "baseRevision"
    assert (await Article.get(id=article.id)).body == "v2"


async def test_publish_archive_and_outbox_rows(factory, app_settings):
    alice = await factory.user()
    article = await new_article(alice, app_settings)
    await SearchOutbox.all().delete()
    published = await publish_article(alice, article.id, settings=app_settings)
    assert published.status == ArticleStatus.PUBLISHED and published.published_at is not None
    with pytest.raises(Conflict):
        await publish_article(alice, article.id, settings=app_settings)
    await archive_article(alice, article.id, settings=app_settings)
    rows = await SearchOutbox.filter(kind="article").values_list("object_id", flat=True)
    assert rows == [article.id, article.id]


async def test_restore_creates_a_new_revision(factory, app_settings):
    alice = await factory.user()
    article = await new_article(alice, app_settings, summary="first summary")
    await update_article(alice, article.id, ArticleInput(body="Rewritten", summary="second"), settings=app_settings)
    first = await ArticleRevision.get(article_id=article.id, number=1)
    restored = await restore_revision(alice, first.id, "", settings=app_settings)
    assert restored.revision_number == 3 and restored.body == "Line one\nLine two"
    assert restored.summary == "first summary"
    latest = await ArticleRevision.get(article_id=article.id, number=3)
    assert latest.restored_from == 1 and latest.message == "Restored revision 1"
    with pytest.raises(Conflict):
        await restore_revision(alice, latest.id, "", settings=app_settings)


async def test_diff_between_revisions(factory, app_settings):
    alice, stranger = await factory.user(), await factory.user()
    article = await new_article(alice, app_settings, tags=["a"])
    await update_article(
        alice,
        article.id,
        ArticleInput(title="New title", body="Line one\nLine 2\nLine three", tags=["b"]),
        settings=app_settings,
    )
    one, two = await ArticleRevision.filter(article_id=article.id).order_by("number")
    diff = await diff_revisions(alice, one.id, two.id)
    assert [(line.change, line.text) for line in diff.lines] == [
        (LineChange.SAME, "Line one"),
        (LineChange.REMOVED, "Line two"),
        (LineChange.ADDED, "Line 2"),
        (LineChange.ADDED, "Line three"),
    ]
    assert (diff.added, diff.removed, diff.title_changed) == (2, 1, True)
    assert (diff.tags_added, diff.tags_removed) == (["b"], ["a"])
    assert "-Line two" in diff.unified and "+Line three" in diff.unified
    with pytest.raises(NotFound):  # a draft's history is as private as the draft
        await diff_revisions(stranger, one.id, two.id)


async def test_private_articles_and_delete_rules(factory, app_settings):
    admin, alice, member = await factory.user(role="ADMIN"), await factory.user(), await factory.user()
    article = await new_article(admin, app_settings, visibility=Visibility.PRIVATE, allowed_roles=["MODERATOR"])
    await publish_article(admin, article.id, settings=app_settings)
    with pytest.raises(NotFound):
        await access.readable_article(member, article.id)
    moderator = await factory.user(role="MODERATOR")
    assert (await access.readable_article(moderator, article.id)).id == article.id
    public = await new_article(alice, app_settings, title="Public")
    await publish_article(alice, public.id, settings=app_settings)
    with pytest.raises(Forbidden):  # published: only staff delete it, authors archive it
        await delete_article(alice, public.id)
    draft = await new_article(alice, app_settings, title="Scratch")
    with pytest.raises(NotFound):
        await delete_article(member, draft.id)
    await delete_article(alice, draft.id)
    assert not await Article.filter(id=draft.id).exists()
    await delete_article(moderator, public.id)
    assert await Article.filter(id=public.id).count() == 0


async def test_category_tree_rules(factory, app_settings):
    mod, member = await factory.user(role="MODERATOR"), await factory.user()
    with pytest.raises(Forbidden):
        await create_category(member, CategoryInput(name="Guides"), settings=app_settings)
    root = await create_category(mod, CategoryInput(name="Guides"), settings=app_settings)
    child = await create_category(mod, CategoryInput(name="Onboarding", parent_id=root.id), settings=app_settings)
    with pytest.raises(Invalid):
        await update_category(mod, root.id, CategoryInput(parent_id=child.id), settings=app_settings)
    with pytest.raises(Conflict):
        await create_category(mod, CategoryInput(name="guides"), settings=app_settings)
    with pytest.raises(Conflict):
        await delete_category(mod, root.id)
    article = await new_article(member, app_settings, category_id=child.id)
    await delete_category(mod, child.id)
    assert (await Article.get(id=article.id)).category_id is None


async def test_resources_need_a_url_or_a_file_and_owner_rights(factory, app_settings):
    alice, bob = await factory.user(), await factory.user()
    with pytest.raises(Invalid) as caught:
        await create_resource(alice, ResourceInput(title="Slides", kind=ResourceKind.DOCUMENT), settings=app_settings)
    assert caught.value.field == "mediaId"
    with pytest.raises(Invalid) as caught:
        await create_resource(
            alice, ResourceInput(title="Site", kind=ResourceKind.LINK, url="javascript:alert(1)"), settings=app_settings
        )
    assert caught.value.field == "url"
    link = await create_resource(
        alice,
        ResourceInput(title="Site", kind=ResourceKind.LINK, url="https://example.org", tags=["Web"]),
        settings=app_settings,
    )
    assert link.tags == ["web"]
    with pytest.raises(Forbidden):
        await update_resource(bob, link.id, ResourceInput(title="Mine"), settings=app_settings)
    assert (await Resource.get(id=link.id)).title == "Site"
    assert await SearchOutbox.filter(kind="resource", object_id=link.id).count() == 1


async def test_moderators_hide_and_unhide_articles_and_resources(factory, app_settings):
    from api.domain import content

    alice, member, mod = await factory.user(), await factory.user(), await factory.user(role="MODERATOR")
    article = await new_article(alice, app_settings)
    await publish_article(alice, article.id, settings=app_settings)
    link = await create_resource(
        alice, ResourceInput(title="Site", kind=ResourceKind.LINK, url="https://example.org"), settings=app_settings
    )
    article_type, resource_type = content.get("Article"), content.get("Resource")
    refs = await article_type.load([article.id])
    assert refs[article.id].author_id == alice.id and refs[article.id].hidden is False
    await SearchOutbox.all().delete()
    await article_type.hide(article.id, mod.id)
    await resource_type.hide(link.id, mod.id)
    with pytest.raises(NotFound):
        await access.readable_article(member, article.id)
    assert (await access.readable_article(mod, article.id)).hidden is True
    assert not await Resource.filter(access.readable_resources_q(member), id=link.id).exists()
    assert sorted(await SearchOutbox.all().values_list("kind", flat=True)) == ["article", "resource"]
    await article_type.unhide(article.id, mod.id)
    assert (await access.readable_article(member, article.id)).id == article.id
    await resource_type.delete(link.id, mod.id)
    assert not await Resource.filter(id=link.id).exists()


async def test_resources_attach_only_the_members_own_uploads(factory, app_settings):
    from api.models.media import MediaFile, MediaKind, MediaPurpose

    alice, bob = await factory.user(), await factory.user()
    upload = await MediaFile.create(
        owner=alice,
        purpose=MediaPurpose.RESOURCE,
        kind=MediaKind.DOCUMENT,
        mime_type="application/pdf",
        size=10,
        sha256="a" * 64,
        source_sha256="a" * 64,
    )
    with pytest.raises(Forbidden) as caught:
        await create_resource(
            bob, ResourceInput(title="Stolen", kind=ResourceKind.DOCUMENT, media_id=upload.id), settings=app_settings
        )
    assert caught.value.field == "mediaId"
    assert await Resource.all().count() == 0
    with pytest.raises(NotFound):
        await create_resource(
            alice,
            ResourceInput(title="Gone", kind=ResourceKind.DOCUMENT, media_id=upload.id + 99),
            settings=app_settings,
        )
    slides = await create_resource(
        alice, ResourceInput(title="Slides", kind=ResourceKind.DOCUMENT, media_id=upload.id), settings=app_settings
    )
    assert slides.media_id == upload.id and slides.url == ""
