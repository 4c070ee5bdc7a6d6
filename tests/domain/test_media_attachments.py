"""Privacy of media files used by knowledge-base and forum content, without GraphQL: a file is
private while only content that is not public uses it, and the readers let those who may read
that content read the file."""

from __future__ import annotations

import io

import api.domain.kb.moderation  # noqa: F401 - registers articles and resources as content
from api.domain import content, media
from api.domain.forum import spaces
from api.domain.forum.moderation import hide_post, unhide_post
from api.domain.forum.posts import edit_post
from api.domain.kb.articles import ArticleInput, create_article, publish_article, update_article
from api.domain.kb.resources import ResourceInput, create_resource, delete_resource, update_resource
from api.models.accounts import Role, Visibility
from api.models.attachments import Attachment
from api.models.kb import ResourceKind
from api.models.media import MediaFile, MediaPurpose
from media.urls import media_url
from tests.domain.forum_helpers import make_post, make_space, make_topic
from tests.media import samples

_colours = iter(range(1, 250))


async def upload(user, settings, purpose=MediaPurpose.POST) -> MediaFile:
    """A distinct small PNG of the user's (distinct bytes, so no two uploads share blobs)."""
    data = samples.image_bytes(colour=(next(_colours), 90, 160))
    return await media.upload(user, media.UploadedFile("p.png", io.BytesIO(data)), purpose, "", settings=settings)


def embed(settings, media_file: MediaFile) -> str:
    return f"![picture]({media_url(settings, media_file.sha256, 'png')})"


async def private(*files: MediaFile) -> list[bool]:
    rows = dict(await MediaFile.filter(id__in=[f.id for f in files]).values_list("id", "private"))
    return [rows[f.id] for f in files]


def resource(media_file: MediaFile, visibility: Visibility, **fields) -> ResourceInput:
    return ResourceInput(
        **{"title": "Slides", "kind": ResourceKind.IMAGE, "media_id": media_file.id, "visibility": visibility, **fields}
    )


async def test_a_resource_file_is_private_while_the_resource_is_not_public(factory, app_settings):
    alice, bob, mod = await factory.user(), await factory.user(), await factory.user(role="MODERATOR")
    file = await upload(alice, app_settings, MediaPurpose.RESOURCE)
    item = await create_resource(alice, resource(file, Visibility.MEMBERS), settings=app_settings)
    assert await private(file) == [True]
    assert await media.readable(None, [await MediaFile.get(id=file.id)]) == set()
    assert await media.readable(bob, [await MediaFile.get(id=file.id)]) == {file.id}  # bob may read it

    await update_resource(
        alice,
        item.id,
        ResourceInput(visibility=Visibility.PRIVATE, allowed_roles=[Role.MODERATOR]),
        settings=app_settings,
    )
    assert await private(file) == [True]
    assert await media.readable(bob, [await MediaFile.get(id=file.id)]) == set()  # not a moderator

    await update_resource(mod, item.id, ResourceInput(visibility=Visibility.PUBLIC), settings=app_settings)
    assert await private(file) == [False]
    resources = content.get("Resource")  # registered by api.domain.kb.moderation
    await resources.hide(item.id, mod.id)
    assert await private(file) == [True]
    await resources.unhide(item.id, mod.id)
    assert await private(file) == [False]


async def test_a_file_is_public_while_any_public_record_uses_it(factory, app_settings):
    alice = await factory.user()
    file = await upload(alice, app_settings, MediaPurpose.RESOURCE)
    public = await create_resource(alice, resource(file, Visibility.PUBLIC), settings=app_settings)
    await create_resource(alice, resource(file, Visibility.MEMBERS, title="Copy"), settings=app_settings)
    assert await private(file) == [False]
    await delete_resource(alice, public.id)
    assert await private(file) == [True]  # only the members-only one uses it now
    assert await Attachment.filter(media_file_id=file.id).count() == 1


async def test_article_embeds_follow_the_article_and_only_the_authors_own_uploads(factory, app_settings):
    alice, bob = await factory.user(), await factory.user()
    mine, theirs, avatar = (
        await upload(alice, settings=app_settings),
        await upload(bob, settings=app_settings),
        await upload(alice, app_settings, MediaPurpose.AVATAR),
    )
    await media.set_avatar(alice, avatar.id)
    body = "\n\n".join(embed(app_settings, f) for f in (mine, theirs, avatar))
    article = await create_article(alice, ArticleInput(title="Guide", body=body), settings=app_settings)
    # A draft: alice's upload is private; bob's is unused (so private, as fresh uploads are) and not
    # hers to use; an avatar stays public.
    assert await private(mine, theirs, avatar) == [True, True, False]
    assert await media.readable(bob, [await MediaFile.get(id=mine.id)]) == set()

    await publish_article(alice, article.id, settings=app_settings)
    assert await private(mine) == [False]
    await update_article(alice, article.id, ArticleInput(visibility=Visibility.MEMBERS), settings=app_settings)
    assert await private(mine) == [True]
    assert await media.readable(bob, [await MediaFile.get(id=mine.id)]) == {mine.id}
    assert await media.readable(None, [await MediaFile.get(id=mine.id)]) == set()

    # The image leaves the text: the file keeps its state (what was private stays private).
    await update_article(alice, article.id, ArticleInput(body="No pictures."), settings=app_settings)
    assert await private(mine) == [True]
    assert await Attachment.filter(subject_type="Article").count() == 0


async def test_forum_embeds_follow_the_space_and_the_post_state(factory, app_settings):
    admin = await factory.user(role="ADMIN")
    alice, bob, mod = await factory.user(), await factory.user(), await factory.user(role="MODERATOR")
    inner = await make_space(admin, "Inner circle", visibility=Visibility.PRIVATE, roles=[Role.MEMBER])
    staff = await make_space(admin, "Staff room", visibility=Visibility.PRIVATE, roles=[Role.MODERATOR])
    open_space = await make_space(admin, "Open")
    in_topic, in_post, staff_file, open_file = [
        await upload(u, settings=app_settings) for u in (alice, alice, mod, alice)
    ]

    topic = await make_topic(alice, inner, app_settings, body=embed(app_settings, in_topic))
    post = await make_post(alice, topic, app_settings, body="Also " + embed(app_settings, in_post))
    await make_topic(mod, staff, app_settings, body=embed(app_settings, staff_file))
    open_topic = await make_topic(alice, open_space, app_settings, body="Hi")
    open_post = await make_post(alice, open_topic, app_settings, body=embed(app_settings, open_file))
    assert await private(in_topic, in_post, staff_file, open_file) == [True, True, True, False]

    files = list(await MediaFile.filter(id__in=[in_topic.id, in_post.id, staff_file.id]).order_by("id"))
    assert await media.readable(bob, files) == {in_topic.id, in_post.id}  # bob may read the inner circle
    assert await media.readable(None, files) == set()

    # A post hidden by a moderator is not public, and bob may no longer read its body.
    await hide_post(open_post.id, mod.id)
    assert await private(open_file) == [True]
    assert await media.readable(bob, [await MediaFile.get(id=open_file.id)]) == set()
    await unhide_post(open_post.id, mod.id)
    assert await private(open_file) == [False]

    # Opening the space to everyone makes its uploads public.
    await spaces.update_space(admin, inner.id, spaces.SpaceInput(visibility=Visibility.PUBLIC))
    assert await private(in_topic, in_post) == [False, False]

    # An edit that embeds another upload records it with the post's publicness.
    extra = await upload(alice, settings=app_settings)
    await spaces.update_space(admin, inner.id, spaces.SpaceInput(visibility=Visibility.MEMBERS))
    await edit_post(alice, post.id, embed(app_settings, extra), settings=app_settings)
    assert await private(extra, in_post, in_topic) == [True, True, True]


async def test_backfill_records_content_written_before_uses_were_recorded(factory, app_settings):
    from api.domain.attachments.backfill import backfill
    from api.models.forum import Topic
    from api.models.kb import Resource
    from api.timeutil import now

    admin, alice = await factory.user(role="ADMIN"), await factory.user()
    in_resource, in_topic, in_public_topic = [await upload(alice, settings=app_settings) for _ in range(3)]
    members = await make_space(admin, "Members", visibility=Visibility.MEMBERS)
    public = await make_space(admin, "Open")
    # Written behind the domain's back: nothing recorded, every file still private (fresh uploads).
    await Resource.create(
        title="Old",
        kind=ResourceKind.IMAGE,
        media_id=in_resource.id,
        visibility=Visibility.MEMBERS,
        created_by_id=alice.id,
    )
    for space, file in ((members, in_topic), (public, in_public_topic)):
        await Topic.create(
            space_id=space.id, author_id=alice.id, title="Old", body=embed(app_settings, file), last_activity_at=now()
        )
    assert await private(in_resource, in_topic, in_public_topic) == [True, True, True]

    counts = await backfill(batch=1)
    assert counts == {"Resource": 1, "Article": 0, "Topic": 2, "Post": 0}
    assert await private(in_resource, in_topic, in_public_topic) == [True, True, False]
    assert await backfill() == counts and await Attachment.all().count() == 3  # safe to run again


async def test_concurrent_changes_of_one_files_uses_decide_in_turn(factory, app_settings):
    import asyncio

    from api.domain import attachments
    from api.transactions import transaction

    file = await upload(await factory.user(), app_settings, MediaPurpose.RESOURCE)
    await attachments.record("Resource", {2: attachments.Use(False, {file.id})})
    assert await private(file) == [True]
    a_inside, b_started = asyncio.Event(), asyncio.Event()

    async def add_a_public_use() -> None:
        async with transaction():
            await attachments.record("Resource", {1: attachments.Use(True, {file.id})})
            a_inside.set()
            await b_started.wait()
            await asyncio.sleep(0.2)  # the other writer now waits for the file's row lock

    async def add_a_private_use() -> None:
        await a_inside.wait()
        b_started.set()
        async with transaction():
            # Deciding before the public use commits would make the file private again.
            await attachments.record("Resource", {3: attachments.Use(False, {file.id})})

    await asyncio.gather(add_a_public_use(), add_a_private_use())
    assert await private(file) == [False]
    assert await Attachment.filter(media_file_id=file.id).count() == 3
