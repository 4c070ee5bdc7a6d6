"""Forum object types: Space, Tag, Topic, Post, their revisions, reactions and read state."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import relay

from api.domain.forum import access
from api.domain.forum.media import post_is_public, topic_is_public
from api.domain.forum.reading import unread_count
from api.models import forum as models
from api.models.accounts import User as UserModel
from api.policies import is_staff
from schema.accounts import Role, User
from schema.context import Info
from schema.enums import Visibility
from schema.forum import loaders
from schema.forum.enums import ContentStatus, PostingPolicy, SubscriptionLevel, TopicKind, VoteValue
from schema.loaders import now_or_later, pending, then
from schema.media import embedded_html, embedded_html_now
from schema.relay import After, Before, Connection, First, Last, ModelNode, paginate, paginate_list, row_type

if TYPE_CHECKING:
    from schema.growth.share import OpenGraph


# A topic's posts are only displayed: read with `values()` into these rows (see `schema.relay.Row`).
PostRow = row_type(models.Post)


def _status(item: models.Topic | models.Post) -> models.ContentStatus:
    if item.deleted_at is not None:
        return models.ContentStatus.DELETED
    if item.hidden:
        return models.ContentStatus.HIDDEN
    if item.held:
        return models.ContentStatus.HELD
    return models.ContentStatus.PUBLISHED


def _author(info: Info, author_id: int | None) -> Any:
    return None if author_id is None else now_or_later(info.context.loaders.by_id(UserModel), author_id)


@strawberry.type(description="The count of one reaction on a topic or post.")
class ReactionCount:
    reaction: str = strawberry.field(description="The emoji.")
    count: int = strawberry.field(description="How many members reacted so.")
    viewer_reacted: bool = strawberry.field(description="Whether the viewer is one of them.")


def _reactions(info: Info, subject_type: str, subject_id: int) -> Any:
    """Reaction counts with the viewer's own; synchronous when the list prefetched them."""
    counts = now_or_later(loaders.reaction_counts(info, subject_type), subject_id)
    if not counts and not pending(counts):
        return []  # most posts: no reaction, nothing more to read
    mine: Any = set()
    if info.context.viewer is not None:
        mine = now_or_later(loaders.viewer_reactions(info, subject_type), subject_id)
    order = list(info.context.settings.forum_reactions)

    def build(counts: dict[str, int], mine: set[str]) -> list[ReactionCount]:
        kinds = sorted(counts, key=lambda r: order.index(r) if r in order else len(order))
        return [ReactionCount(reaction=r, count=counts[r], viewer_reacted=r in mine) for r in kinds]

    if pending(counts) or pending(mine):

        async def later() -> list[ReactionCount]:
            return build(
                await counts if pending(counts) else counts,
                await mine if pending(mine) else mine,
            )

        return later()
    return build(counts, mine)


def _viewer_vote(info: Info, subject_type: str, subject_id: int) -> Any:
    if info.context.viewer is None:
        return None
    return then(now_or_later(loaders.viewer_votes(info, subject_type), subject_id), VoteValue)


@strawberry.type(description="A tag shared by the whole community.")
class Tag(ModelNode):
    model = models.Tag

    id: relay.NodeID[int]
    name: str = strawberry.field(description="The tag, lower-case.")


@strawberry.type(description="A category of topics. Spaces nest one level.")
class Space(ModelNode):
    model = models.Space

    id: relay.NodeID[int]
    name: str = strawberry.field(description="Display name.")
    slug: str = strawberry.field(description="Unique URL name.")
    description: str = strawberry.field(description="What the space is for.")
    position: int = strawberry.field(description="Sort key among its siblings (ascending).")
    visibility: Visibility = strawberry.field(description="Who may see the space and its content.")
    posting_policy: PostingPolicy = strawberry.field(description="Who may start topics here.")
    created_at: datetime = strawberry.field(description="When the space was created.")

    @strawberry.field(description="Roles that may see a PRIVATE space (admins always may).")
    @staticmethod
    def allowed_roles(root: strawberry.Parent[models.Space]) -> list[Role]:
        return list(root.allowed_roles or [])

    @strawberry.field(description="The parent space, for a child space.")
    @staticmethod
    async def parent(root: strawberry.Parent[models.Space], info: Info) -> Space | None:
        if root.parent_id is None:
            return None
        index = await loaders.spaces(info)
        parent = index.get(root.parent_id)
        return parent if parent is not None and index.can_view(info.context.viewer, parent.id) else None

    @strawberry.field(description="The child spaces the viewer may see, by position.")
    @staticmethod
    async def children(root: strawberry.Parent[models.Space], info: Info) -> list[Space]:
        index = await loaders.spaces(info)
        viewer = info.context.viewer
        return sorted(
            (s for s in index.by_id.values() if s.parent_id == root.id and index.can_view(viewer, s.id)),  # type: ignore[misc]  # a Tortoise row stands for its ModelNode type
            key=lambda s: (s.position, s.id),
        )

    @strawberry.field(description="Whether the viewer may start a topic here.")
    async def viewer_can_start_topic(self, info: Info) -> bool:
        return access.can_start_topic(info.context.viewer, self, await loaders.spaces(info))


@strawberry.type(description="How far the viewer has read a topic.")
class TopicReadState:
    last_read_position: int = strawberry.field(description="Position of the last reply read (0: none).")
    unread_count: int = strawberry.field(description="Replies after it.")
    opened: bool = strawberry.field(description="Whether the viewer ever opened the topic.")


@strawberry.type(description="A previous version of a topic, kept on each edit.")
class TopicRevision(ModelNode):
    model = models.TopicRevision

    id: relay.NodeID[int]
    title: str = strawberry.field(description="The title before the edit.")
    body: str = strawberry.field(description="The Markdown body before the edit.")
    created_at: datetime = strawberry.field(description="When the edit replaced this version.")

    @strawberry.field(description="Who made the edit.")
    @staticmethod
    async def editor(root: strawberry.Parent[models.TopicRevision], info: Info) -> User | None:
        return await _author(info, root.editor_id)


@strawberry.type(description="A previous version of a post, kept on each edit.")
class PostRevision(ModelNode):
    model = models.PostRevision

    id: relay.NodeID[int]
    body: str = strawberry.field(description="The Markdown body before the edit.")
    created_at: datetime = strawberry.field(description="When the edit replaced this version.")

    @strawberry.field(description="Who made the edit.")
    @staticmethod
    async def editor(root: strawberry.Parent[models.PostRevision], info: Info) -> User | None:
        return await _author(info, root.editor_id)


@strawberry.type(description="A discussion or a question. Its body is the opening post; replies are posts.")
class Topic(ModelNode):
    model = models.Topic

    id: relay.NodeID[int]

    @strawberry.field(description="Open Graph share card; null unless anonymous visitors may read it.")
    async def og(self, info: Info) -> Annotated[OpenGraph, strawberry.lazy("schema.growth.share")] | None:
        from schema.growth.share import og_of

        return await og_of(info, self, "Topic")

    kind: TopicKind = strawberry.field(description="DISCUSSION or QUESTION.")
    title: str = strawberry.field(description="The title.")
    body: str = strawberry.field(description="The opening post, Markdown as written.")
    pinned: bool = strawberry.field(description="Pinned topics list first.")
    locked: bool = strawberry.field(description="A locked topic takes no new replies.")
    reply_count: int = strawberry.field(description="Published replies (answers for a question).")
    reaction_count: int = strawberry.field(description="Reactions on the opening post.")
    score: int = strawberry.field(description="Sum of votes (questions).")
    last_activity_at: datetime = strawberry.field(description="Time of the latest published reply, or creation.")
    created_at: datetime = strawberry.field(description="When the topic was started.")
    edited_at: datetime | None = strawberry.field(description="When the topic was last edited.")

    @strawberry.field(description="Whether the topic is published, held, hidden or deleted.")
    def status(self) -> ContentStatus:
        return _status(self)

    @strawberry.field(
        description="The opening post rendered to sanitized HTML. In content that is not "
        "public (a members-only or private space...), media URLs are signed and expire."
    )
    async def body_html(self, info: Info) -> str:
        public = topic_is_public(self, await loaders.spaces(info))
        return await embedded_html(info, self.body_html, "Topic", self.id, public)

    @strawberry.field(description="Who started the topic.")
    @staticmethod
    def author(root: strawberry.Parent[models.Topic], info: Info) -> User | None:
        return _author(info, root.author_id)

    @strawberry.field(description="The space of the topic.")
    @staticmethod
    async def space(root: strawberry.Parent[models.Topic], info: Info) -> Space:
        return (await loaders.spaces(info)).get(root.space_id)

    @strawberry.field(description="The topic's tags, by name.")
    @staticmethod
    def tags(root: strawberry.Parent[models.Topic], info: Info) -> list[Tag]:
        return now_or_later(loaders.tags(info), root.id)

    @strawberry.field(description="Reactions on the opening post, per emoji.")
    @staticmethod
    def reactions(root: strawberry.Parent[models.Topic], info: Info) -> list[ReactionCount]:
        return _reactions(info, "Topic", root.id)

    @strawberry.field(description="The viewer's vote on the question (null when anonymous).")
    @staticmethod
    def viewer_vote(root: strawberry.Parent[models.Topic], info: Info) -> VoteValue | None:
        return _viewer_vote(info, "Topic", root.id)

    @strawberry.field(description="The accepted answer of a question.")
    @staticmethod
    async def accepted_answer(root: strawberry.Parent[models.Topic], info: Info) -> Post | None:
        if root.accepted_post_id is None:
            return None
        return await info.context.loaders.by_id(models.Post).load(root.accepted_post_id)

    @strawberry.field(description="How far the viewer has read (null when anonymous).")
    def viewer_read_state(self, info: Info) -> TopicReadState | None:
        if info.context.viewer is None:
            return None
        return then(
            now_or_later(loaders.read_positions(info), self.id),
            lambda position: TopicReadState(
                last_read_position=position or 0, opened=position is not None, unread_count=unread_count(self, position)
            ),
        )

    @strawberry.field(description="Whether the viewer bookmarked the topic.")
    @staticmethod
    async def viewer_bookmarked(root: strawberry.Parent[models.Topic], info: Info) -> bool:
        return info.context.viewer is not None and await loaders.bookmarked(info).load(root.id)

    @strawberry.field(description="How the viewer follows the topic (null: the default).")
    @staticmethod
    async def viewer_subscription(root: strawberry.Parent[models.Topic], info: Info) -> SubscriptionLevel | None:
        if info.context.viewer is None:
            return None
        return await loaders.subscription_levels(info).load(root.id)

    @strawberry.field(description="Replies in order; for a question, the accepted answer first, then by score.")
    @staticmethod
    async def posts(
        root: strawberry.Parent[models.Topic],
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Post]:
        query = models.Post.filter(access.post_filter(info.context.viewer), topic_id=root.id)
        if root.kind == models.TopicKind.QUESTION:
            query = query.order_by("-accepted", "-score", "position")
        else:
            query = query.order_by("position")
        info.context.loaders.prime(models.Topic, [root])
        page = await paginate(info, query, first=first, after=after, last=last, before=before, rows=PostRow)
        await loaders.prefetch(info, "Post", page.items())
        return page

    @strawberry.field(description="Earlier versions, newest first.")
    @staticmethod
    async def revisions(
        root: strawberry.Parent[models.Topic],
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[TopicRevision]:
        query = models.TopicRevision.filter(topic_id=root.id).order_by("-id")
        return await paginate(info, query, first=first, after=after, last=last, before=before)


@strawberry.type(
    description="A reply in a topic (an answer in a question). Deleted and hidden posts keep "
    "their place without their body."
)
class Post(ModelNode):
    model = models.Post

    id: relay.NodeID[int]
    position: int = strawberry.field(description="1, 2, ... in creation order within the topic.")
    score: int = strawberry.field(description="Sum of votes (answers).")
    accepted: bool = strawberry.field(description="Whether this is the accepted answer.")
    reaction_count: int = strawberry.field(description="Reactions on the post.")
    created_at: datetime = strawberry.field(description="When the post was written.")
    edited_at: datetime | None = strawberry.field(description="When the post was last edited.")

    @strawberry.field(description="Whether the post is published, held, hidden or deleted.")
    def status(self) -> ContentStatus:
        return _status(self)

    @strawberry.field(description="Markdown as written; null for a deleted or hidden post.")
    def body(self, info: Info) -> str | None:
        return self.body if access.can_read_post_body(info.context.viewer, self) else None

    @strawberry.field(
        description="Sanitized HTML; null for a deleted or hidden post. In content that is not "
        "public (a members-only or private space...), media URLs are signed and expire."
    )
    @staticmethod
    def body_html(root: strawberry.Parent[models.Post], info: Info) -> str | None:
        if not access.can_read_post_body(info.context.viewer, root):
            return None
        topic = now_or_later(info.context.loaders.by_id(models.Topic), root.topic_id)
        spaces = access.space_index_now(info.context.memo)
        if spaces is None or pending(topic):
            return _post_body_html_later(root, info, topic)  # an awaitable: graphql-core completes it
        public = topic is not None and post_is_public(root, topic, spaces)
        return embedded_html_now(info, root.body_html, "Post", root.id, public)

    @strawberry.field(
        description="The quoted excerpt, as it was when quoted; null once the quoted post is deleted or hidden."
    )
    @staticmethod
    async def quote_text(root: strawberry.Parent[models.Post], info: Info) -> str | None:
        text = root.quote_text
        viewer = info.context.viewer
        if not text or not access.can_read_post_body(viewer, root):
            return None
        quoted = await info.context.loaders.by_id(models.Post).load(root.quote_id)
        return text if quoted is not None and access.can_read_post_body(viewer, quoted) else None

    @strawberry.field(description="Who wrote the post.")
    @staticmethod
    def author(root: strawberry.Parent[models.Post], info: Info) -> User | None:
        return _author(info, root.author_id)

    @strawberry.field(description="The topic of the post.")
    @staticmethod
    async def topic(root: strawberry.Parent[models.Post], info: Info) -> Topic:
        return await info.context.loaders.by_id(models.Topic).load(root.topic_id)

    @strawberry.field(description="The post this one replies to (threading).")
    @staticmethod
    async def reply_to(root: strawberry.Parent[models.Post], info: Info) -> Post | None:
        return await _same_topic_post(info, root.reply_to_id)

    @strawberry.field(description="The post quoted by this one.")
    @staticmethod
    async def quoted_post(root: strawberry.Parent[models.Post], info: Info) -> Post | None:
        return await _same_topic_post(info, root.quote_id)

    @strawberry.field(description="Reactions on the post, per emoji.")
    @staticmethod
    def reactions(root: strawberry.Parent[models.Post], info: Info) -> list[ReactionCount]:
        return _reactions(info, "Post", root.id)

    @strawberry.field(description="The viewer's vote on the answer (null when anonymous).")
    @staticmethod
    def viewer_vote(root: strawberry.Parent[models.Post], info: Info) -> VoteValue | None:
        return _viewer_vote(info, "Post", root.id)

    @strawberry.field(description="Earlier versions, newest first (none for a deleted or hidden post).")
    async def revisions(
        self, info: Info, first: First = None, after: After = None, last: Last = None, before: Before = None
    ) -> Connection[PostRevision]:
        if not access.can_read_post_body(info.context.viewer, self):
            return paginate_list(info, [], first=first, after=after, last=last, before=before)
        query = models.PostRevision.filter(post_id=self.id).order_by("-id")
        return await paginate(info, query, first=first, after=after, last=last, before=before)


async def _post_body_html_later(root: models.Post, info: Info, topic: Any) -> str:
    """`Post.bodyHtml` when its topic or the space index was not prefetched."""
    if pending(topic):
        topic = await topic
    public = topic is not None and post_is_public(root, topic, await loaders.spaces(info))
    return await embedded_html(info, root.body_html, "Post", root.id, public)


async def _same_topic_post(info: Info, post_id: int | None) -> models.Post | None:
    """A related post of the same topic, unless held from this viewer."""
    if post_id is None:
        return None
    post = await info.context.loaders.by_id(models.Post).load(post_id)
    if post is None or (
        post.held
        and not is_staff(info.context.viewer)
        and (info.context.viewer is None or info.context.viewer.id != post.author_id)
    ):
        return None
    return post
