"""Demo forum: spaces (public, members-only, private to staff, a child space, announcements),
discussions in Chinese and English, questions with answers, votes, an accepted answer, reactions."""

from __future__ import annotations

from typing import Any, TypeVar

from api.domain.content import get as content_type
from api.domain.forum import posts, qa, reactions, spaces, topics
from api.models.accounts import Role, Visibility
from api.models.forum import Post, PostingPolicy, Space, Topic, TopicKind
from api.settings import Settings

SPACES = [
    # slug, name, description, visibility, roles, policy, parent slug
    (
        "announcements",
        "Announcements",
        "News from the team.",
        Visibility.PUBLIC,
        [],
        PostingPolicy.MODERATORS_ONLY,
        None,
    ),
    ("general", "General", "Anything about the community.", Visibility.PUBLIC, [], PostingPolicy.ANYONE, None),
    ("chinese", "中文讨论区", "用中文交流。", Visibility.PUBLIC, [], PostingPolicy.ANYONE, "general"),
    ("help", "Help & Questions", "Ask and answer.", Visibility.PUBLIC, [], PostingPolicy.ANYONE, None),
    ("lounge", "Members lounge", "Only for signed-in members.", Visibility.MEMBERS, [], PostingPolicy.ANYONE, None),
    ("staff", "Staff room", "Moderators and admins.", Visibility.PRIVATE, [Role.MODERATOR], PostingPolicy.ANYONE, None),
]

DISCUSSIONS = [
    # space, author, title, body, tags, replies [(author, body)]
    (
        "announcements",
        "mod",
        "Welcome to Guildhall!",
        "Read the **rules**, say hello, and have fun. @alice @李明",
        ["welcome"],
        [("alice", "Thanks, happy to be here!"), ("李明", "大家好！")],
    ),
    (
        "general",
        "bob",
        "What are you reading this month?",
        "I'm into *The Dispossessed*. You?",
        ["books"],
        [("carol", "Re-reading **Dune**."), ("alice", "@bob a poetry collection by Mary Oliver.")],
    ),
    (
        "chinese",
        "王芳",
        "周末去哪里爬山？",
        "北京附近有什么适合新手的路线吗？",
        ["户外", "北京"],
        [("张伟", "香山不错，人少的时候去。"), ("李明", "推荐百望山，交通方便。")],
    ),
    (
        "lounge",
        "carol",
        "Members-only meetup planning",
        "Let's plan the spring meetup here.",
        ["meetup"],
        [("bob", "Count me in.")],
    ),
    (
        "staff",
        "mod",
        "Moderation notes",
        "Spam wave last weekend, keep an eye on new accounts.",
        ["moderation"],
        [("admin", "Noted, thanks.")],
    ),
]

QUESTIONS = [
    # author, title, body, tags, answers [(author, body, upvoters)], accepted answer index
    (
        "alice",
        "How do I reset my password?",
        "I forgot it and the email does not arrive.",
        ["account"],
        [
            ("mod", "Check your spam folder, then use **Forgot password** again.", ["bob", "carol", "李明"]),
            ("bob", "It took ten minutes for me.", ["carol"]),
        ],
        0,
    ),
    (
        "李明",
        "如何在帖子里插入代码？",
        "想分享一段 Python 代码，格式总是乱。",
        ["markdown", "中文"],
        [("张伟", "用三个反引号包住代码：\n\n```python\nprint('你好')\n```", ["王芳", "alice"])],
        0,
    ),
    (
        "carol",
        "Can I edit a post after publishing?",
        "Is the history visible?",
        ["editing"],
        [("alice", "Yes, and earlier versions stay readable.", ["bob"])],
        None,
    ),
]

REACTIONS = [
    ("general", "What are you reading this month?", ["alice", "李明", "王芳"]),
    ("chinese", "周末去哪里爬山？", ["张伟", "carol"]),
]


Held = TypeVar("Held", Topic, Post)


async def _published(kind: str, item: Held) -> Held:
    """Demo content never waits for moderation."""
    if item.held:
        found = content_type(kind)
        assert found is not None and found.publish is not None, kind  # topics and posts can be held
        await found.publish(item.id, None)
    return item


async def seed(settings: Settings, state: dict[str, Any]) -> None:
    users = state["users"]
    admin = users["admin"]
    by_slug: dict[str, Space] = {}
    for slug, name, description, visibility, roles, policy, parent in SPACES:
        existing = await Space.filter(slug=slug).first()
        by_slug[slug] = existing or await spaces.create_space(
            admin,
            spaces.SpaceInput(
                name=name,
                slug=slug,
                description=description,
                visibility=visibility,
                allowed_roles=roles,
                posting_policy=policy,
                parent_id=by_slug[parent].id if parent else None,
                position=len(by_slug),
            ),
        )
    titles = {}
    for slug, author, title, body, tags, replies in DISCUSSIONS:
        topic = await _published(
            "Topic",
            await topics.create_topic(
                users[author],
                topics.TopicInput(space_id=by_slug[slug].id, title=title, body=body, tags=tags),
                settings=settings,
            ),
        )
        titles[title] = topic
        for replier, text in replies:
            await _published(
                "Post",
                await posts.create_post(
                    users[replier], posts.PostInput(topic_id=topic.id, body=text), settings=settings
                ),
            )
    for author, title, body, tags, answers, accepted in QUESTIONS:
        question = await _published(
            "Topic",
            await topics.create_topic(
                users[author],
                topics.TopicInput(
                    space_id=by_slug["help"].id, title=title, body=body, tags=tags, kind=TopicKind.QUESTION
                ),
                settings=settings,
            ),
        )
        made = []
        for answerer, text, voters in answers:
            answer = await _published(
                "Post",
                await posts.create_post(
                    users[answerer], posts.PostInput(topic_id=question.id, body=text), settings=settings, answer=True
                ),
            )
            made.append(answer)
            for voter in voters:
                await qa.vote(users[voter], "Post", answer.id, 1, settings=settings)
        await qa.vote(users["bob"] if author != "bob" else users["alice"], "Topic", question.id, 1, settings=settings)
        if accepted is not None:
            await qa.accept_answer(users[author], made[accepted].id)
    for _, title, fans in REACTIONS:
        for index, fan in enumerate(fans):
            emoji = settings.forum_reactions[index % len(settings.forum_reactions)]
            await reactions.react(users[fan], "Topic", titles[title].id, emoji, settings=settings)
    state["forum_spaces"] = by_slug
