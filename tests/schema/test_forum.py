"""Forum through GraphQL: lists and ordering, visibility on every path, posts of a topic,
Q&A, reactions, reading state, and the query count of a topic page."""

from __future__ import annotations

from strawberry.relay import GlobalID

from api.models.accounts import Role, Visibility
from api.models.forum import Post, Topic
from tests.domain.forum_helpers import make_post, make_space, make_topic

TOPICS = """
query($spaceId: ID, $tag: String, $orderBy: TopicOrder, $first: Int, $after: String) {
  topics(spaceId: $spaceId, tag: $tag, orderBy: $orderBy, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes {
      id title kind replyCount reactionCount lastActivityAt pinned status
      author { username }
      tags { name }
      space { slug }
      viewerReadState { unreadCount lastReadPosition opened }
    }
  }
}"""
NODE = """query($id: ID!) { node(id: $id) { id ... on Topic { title } ... on Post { body } ... on Space { name } } }"""
TOPIC_POSTS = """
query($id: ID!) { node(id: $id) { ... on Topic {
  title bodyHtml acceptedAnswer { id }
  posts(first: 50) { totalCount nodes { id position status body bodyHtml accepted score quoteText
    replyTo { id } author { username } reactions { reaction count viewerReacted } viewerVote } }
} } }"""
SPACES = "{ spaces { nodes { slug children { slug } viewerCanStartTopic } } }"
CREATE_TOPIC = """
mutation($input: CreateTopicInput!) { createTopic(input: $input) {
  topic { id title bodyHtml status tags { name } } errors { field code message } } }"""
CREATE_POST = """
mutation($input: CreatePostInput!) { createPost(input: $input) {
  post { id position bodyHtml } errors { field code message } } }"""
ASK = """mutation($input: AskQuestionInput!) { askQuestion(input: $input) { question { id kind } errors { code } } }"""
ANSWER = """mutation($input: AnswerQuestionInput!) { answerQuestion(input: $input) {
  answer { id } errors { field code message } } }"""
VOTE = """mutation($input: VoteInput!) { vote(input: $input) {
  question { score viewerVote } answer { score viewerVote } errors { field code } } }"""
ACCEPT = """mutation($input: AcceptAnswerInput!) { acceptAnswer(input: $input) {
  question { acceptedAnswer { id } } answer { accepted } errors { code } } }"""
REACT = """mutation($input: ReactInput!) { react(input: $input) {
  changed post { reactions { reaction count viewerReacted } } errors { field code } } }"""
MARK_READ = """mutation($input: MarkTopicReadInput!) { markTopicRead(input: $input) {
  topic { viewerReadState { unreadCount lastReadPosition } } errors { code } } }"""
REPUTATION = "query($id: ID!) { reputation(userId: $id) }"


def gid(type_name: str, pk: int) -> str:
    return str(GlobalID(type_name, str(pk)))


async def _forum(factory, settings):
    """A public, a members-only and a private (moderators) space with one topic each."""
    admin = await factory.user("root", role="ADMIN")
    public = await make_space(admin, "Public")
    members = await make_space(admin, "Members", visibility=Visibility.MEMBERS)
    private = await make_space(admin, "Staff", visibility=Visibility.PRIVATE, roles=[Role.MODERATOR])
    child = await make_space(admin, "Staff Kids", parent=private)
    topics = {}
    for name, space in (("public", public), ("members", members), ("private", private), ("child", child)):
        topics[name] = await make_topic(admin, space, settings, title=f"{name} topic", body=f"{name} body")
    posts = {name: await make_post(admin, topic, settings, body=f"{name} reply") for name, topic in topics.items()}
    return admin, {"public": public, "members": members, "private": private, "child": child}, topics, posts


async def test_visibility_holds_on_lists_node_and_fields(gql, factory, app_settings):
    _admin, spaces, topics, posts = await _forum(factory, app_settings)
    _member, member_token = await factory.member_with_token()
    _, mod_token = await factory.member_with_token(role="MODERATOR")

    async def titles(token=None, **variables):
        data = await gql(TOPICS, variables, token=token)
        return sorted(n["title"] for n in data["topics"]["nodes"])

    assert await titles() == ["public topic"]
    assert await titles(member_token) == ["members topic", "public topic"]
    assert await titles(mod_token) == ["child topic", "members topic", "private topic", "public topic"]
    # Asking for a private space by id is no way around it.
    body = await gql(TOPICS, {"spaceId": gid("Space", spaces["private"].id)}, token=member_token, expect_errors=True)
    assert body["data"] is None and body["errors"][0]["message"] == "No such space."
    assert await titles(mod_token, spaceId=gid("Space", spaces["private"].id)) == ["child topic", "private topic"]

    for name in ("private", "child"):
        for kind, obj in (("Topic", topics[name]), ("Post", posts[name]), ("Space", spaces[name])):
            assert (await gql(NODE, {"id": gid(kind, obj.id)}, token=member_token))["node"] is None
            assert (await gql(NODE, {"id": gid(kind, obj.id)}, token=mod_token))["node"] is not None
    assert (await gql(NODE, {"id": gid("Post", posts["members"].id)}))["node"] is None
    assert (await gql(NODE, {"id": gid("Post", posts["members"].id)}, token=member_token))["node"][
        "body"
    ] == "members reply"
    from api.domain.forum.topics import set_tags
    from api.models.forum import Tag

    await set_tags(topics["private"].id, ["layoffs"])
    await set_tags(topics["public"].id, ["hello"])
    tags_query = "{ tags { nodes { name } } }"
    assert [t["name"] for t in (await gql(tags_query, token=member_token))["tags"]["nodes"]] == ["hello"]
    assert [t["name"] for t in (await gql(tags_query, token=mod_token))["tags"]["nodes"]] == ["hello", "layoffs"]
    secret_tag = await Tag.get(name="layoffs")
    assert (
        await gql(
            NODE.replace("... on Space { name }", "... on Tag { name }"),
            {"id": gid("Tag", secret_tag.id)},
            token=member_token,
        )
    )["node"] is None
    assert (
        await gql(
            NODE.replace("... on Space { name }", "... on Tag { name }"),
            {"id": gid("Tag", secret_tag.id)},
            token=mod_token,
        )
    )["node"]["name"] == "layoffs"
    anon_spaces = [s["slug"] for s in (await gql(SPACES))["spaces"]["nodes"]]
    assert anon_spaces == ["public"]
    mod_spaces = (await gql(SPACES, token=mod_token))["spaces"]["nodes"]
    assert [s["slug"] for s in mod_spaces] == ["public", "members", "staff"]
    assert mod_spaces[2]["children"] == [{"slug": "staff-kids"}]


async def test_topic_list_orders_and_filters(gql, factory, app_settings):
    admin = await factory.user("root", role="ADMIN")
    space = await make_space(admin)
    author, fan = await factory.user(), await factory.user()
    quiet = await make_topic(author, space, app_settings, title="quiet", tags=["a"])
    busy = await make_topic(author, space, app_settings, title="busy", tags=["b"])
    await make_topic(author, space, app_settings, title="newest", tags=["a"])
    for _ in range(3):
        await make_post(fan, busy, app_settings)
    await Topic.filter(id=quiet.id).update(pinned=True)

    async def order(**variables):
        data = await gql(TOPICS, variables)
        return [n["title"] for n in data["topics"]["nodes"]]

    assert await order(orderBy="NEW") == ["quiet", "newest", "busy"]  # pinned first
    assert (await order(orderBy="HOT"))[:2] == ["quiet", "busy"]
    assert await order(orderBy="UNANSWERED") == ["newest", "quiet"]
    assert await order(orderBy="TOP") == ["busy", "newest", "quiet"]
    assert await order(orderBy="NEW", tag="A") == ["quiet", "newest"]
    page = (await gql(TOPICS, {"orderBy": "NEW", "first": 2}))["topics"]
    assert page["totalCount"] == 3 and page["pageInfo"]["hasNextPage"]
    rest = (await gql(TOPICS, {"orderBy": "NEW", "first": 2, "after": page["pageInfo"]["endCursor"]}))["topics"]
    assert [n["title"] for n in rest["nodes"]] == ["busy"]


async def test_a_page_of_50_topics_costs_the_same_queries_as_a_page_of_5(gql, factory, app_settings, count_queries):
    admin = await factory.user("root", role="ADMIN")
    space = await make_space(admin)
    authors = [await factory.user() for _ in range(5)]
    reader, token = await factory.member_with_token()
    for i in range(50):
        topic = await make_topic(authors[i % 5], space, app_settings, title=f"Topic {i}", tags=[f"t{i % 7}", "all"])
        if i % 3 == 0:
            await make_post(authors[(i + 1) % 5], topic, app_settings)
    from api.domain.forum.reading import mark_read

    for topic in await Topic.all().limit(10):
        await mark_read(reader, topic.id)

    await gql(TOPICS, {"first": 1}, token=token)  # sign-in bookkeeping (last seen) happens once
    counts = {}
    for size in (5, 50):
        with count_queries as counter:
            data = await gql(TOPICS, {"first": size}, token=token)
        assert len(data["topics"]["nodes"]) == size
        counts[size] = counter.count
    assert counts[5] == counts[50], counts
    assert counts[50] <= 10, counts
    node = data["topics"]["nodes"][0]
    assert node["author"]["username"] and {t["name"] for t in node["tags"]} >= {"all"}
    assert node["viewerReadState"] is not None


async def test_create_topic_and_post_through_graphql(gql, factory, app_settings):
    admin = await factory.user("root", role="ADMIN")
    space = await make_space(admin)
    _author, token = await factory.member_with_token(username="writer")
    await factory.user("friend")
    data = (
        await gql(
            CREATE_TOPIC,
            {
                "input": {
                    "spaceId": gid("Space", space.id),
                    "title": "你好，世界",
                    "body": "Hi @friend <img src=x onerror=alert(1)>",
                    "tags": ["中文", "Intro"],
                }
            },
            token=token,
        )
    )["createTopic"]
    assert data["errors"] == [] and data["topic"]["status"] == "PUBLISHED"
    assert "<img" not in data["topic"]["bodyHtml"] and 'class="mention"' in data["topic"]["bodyHtml"]
    assert sorted(t["name"] for t in data["topic"]["tags"]) == ["intro", "中文"]
    topic_id = data["topic"]["id"]
    bad = await gql(
        CREATE_TOPIC,
        {"input": {"spaceId": gid("Space", space.id), "title": "", "body": "x" * (app_settings.max_body_length + 1)}},
        token=token,
    )
    assert {(e["field"], e["code"]) for e in bad["createTopic"]["errors"]} == {
        ("title", "INVALID"),
        ("body", "INVALID"),
    }
    post = (await gql(CREATE_POST, {"input": {"topicId": topic_id, "body": "Reply"}}, token=token))["createPost"]
    assert post["errors"] == [] and post["post"]["position"] == 1
    empty = (await gql(CREATE_POST, {"input": {"topicId": topic_id, "body": "  "}}, token=token))["createPost"]
    assert empty["errors"][0]["field"] == "body" and await Post.all().count() == 1
    await Topic.filter(id=int(GlobalID.from_id(topic_id).node_id)).update(locked=True)
    locked = (await gql(CREATE_POST, {"input": {"topicId": topic_id, "body": "More"}}, token=token))["createPost"]
    assert locked["errors"][0]["code"] == "LOCKED" and locked["post"] is None


async def test_posts_of_a_topic_keep_deleted_places_and_show_threads(gql, factory, app_settings):
    from api.domain.forum import posts as posts_domain

    admin = await factory.user("root", role="ADMIN")
    space = await make_space(admin)
    author, other = await factory.user(), await factory.user()
    _, token = await factory.member_with_token()
    topic = await make_topic(author, space, app_settings)
    first = await make_post(other, topic, app_settings, body="first")
    await make_post(author, topic, app_settings, body="second", reply_to_id=first.id, quote_id=first.id)
    await posts_domain.delete_post(other, first.id)
    data = (await gql(TOPIC_POSTS, {"id": gid("Topic", topic.id)}, token=token))["node"]
    nodes = data["posts"]["nodes"]
    assert [(n["position"], n["status"], n["body"]) for n in nodes] == [
        (1, "DELETED", None),
        (2, "PUBLISHED", "second"),
    ]
    # The reply still points at its parent, but the deleted post's words are not quoted any more.
    assert nodes[1]["replyTo"]["id"] == gid("Post", first.id) and nodes[1]["quoteText"] is None
    assert (await Post.get(position=2, topic_id=topic.id)).quote_text == "first"


async def test_questions_answers_votes_and_acceptance(gql, factory, app_settings):
    admin = await factory.user("root", role="ADMIN")
    space = await make_space(admin)
    _asker, asker_token = await factory.member_with_token()
    answerer, answerer_token = await factory.member_with_token()
    _voter, voter_token = await factory.member_with_token()
    question = (
        await gql(
            ASK, {"input": {"spaceId": gid("Space", space.id), "title": "Why?", "body": "Because?"}}, token=asker_token
        )
    )["askQuestion"]["question"]
    assert question["kind"] == "QUESTION"
    answers = []
    for body in ("one", "two"):
        answers.append(
            (await gql(ANSWER, {"input": {"questionId": question["id"], "body": body}}, token=answerer_token))[
                "answerQuestion"
            ]["answer"]["id"]
        )
    vote = (await gql(VOTE, {"input": {"subjectId": answers[0], "value": "UP"}}, token=voter_token))["vote"]
    assert vote["answer"] == {"score": 1, "viewerVote": "UP"} and vote["errors"] == []
    own = (await gql(VOTE, {"input": {"subjectId": answers[0], "value": "UP"}}, token=answerer_token))["vote"]
    assert own["errors"][0]["code"] == "FORBIDDEN"
    down = (await gql(VOTE, {"input": {"subjectId": question["id"], "value": "DOWN"}}, token=voter_token))["vote"]
    assert down["errors"] == [{"field": "value", "code": "FORBIDDEN"}]
    refused = (await gql(ACCEPT, {"input": {"answerId": answers[1]}}, token=voter_token))["acceptAnswer"]
    assert refused["errors"][0]["code"] == "FORBIDDEN"
    accepted = (await gql(ACCEPT, {"input": {"answerId": answers[1]}}, token=asker_token))["acceptAnswer"]
    assert accepted["answer"]["accepted"] and accepted["question"]["acceptedAnswer"]["id"] == answers[1]
    data = (await gql(TOPIC_POSTS, {"id": question["id"]}, token=voter_token))["node"]
    # The accepted answer sorts first, then by score.
    assert [n["id"] for n in data["posts"]["nodes"]] == [answers[1], answers[0]]
    assert data["posts"]["nodes"][1]["viewerVote"] == "UP"
    reputation = (await gql(REPUTATION, {"id": gid("User", answerer.id)}))["reputation"]
    assert reputation == 10 + 15


async def test_reactions_and_read_state(gql, factory, app_settings):
    admin = await factory.user("root", role="ADMIN")
    space = await make_space(admin)
    author = await factory.user()
    _fan, token = await factory.member_with_token()
    topic = await make_topic(author, space, app_settings)
    post = await make_post(author, topic, app_settings)
    await make_post(author, topic, app_settings)
    thumbs = app_settings.forum_reactions[0]
    data = (await gql(REACT, {"input": {"subjectId": gid("Post", post.id), "reaction": thumbs}}, token=token))["react"]
    assert data["changed"] and data["post"]["reactions"] == [{"reaction": thumbs, "count": 1, "viewerReacted": True}]
    bad = (await gql(REACT, {"input": {"subjectId": gid("Post", post.id), "reaction": "x"}}, token=token))["react"]
    assert bad["errors"] == [{"field": "reaction", "code": "INVALID"}]
    state = (await gql(TOPICS, {}, token=token))["topics"]["nodes"][0]["viewerReadState"]
    assert state == {"unreadCount": 2, "lastReadPosition": 0, "opened": False}
    marked = await gql(MARK_READ, {"input": {"topicId": gid("Topic", topic.id), "position": 1}}, token=token)
    assert marked["markTopicRead"]["topic"]["viewerReadState"] == {"unreadCount": 1, "lastReadPosition": 1}
    assert (await gql(TOPICS, {}))["topics"]["nodes"][0]["viewerReadState"] is None


async def test_bookmarks_and_topic_subscriptions(gql, factory, app_settings):
    admin = await factory.user("root", role="ADMIN")
    space = await make_space(admin)
    staff = await make_space(admin, "Staff", visibility=Visibility.PRIVATE, roles=[Role.MODERATOR])
    _, token = await factory.member_with_token()
    first = await make_topic(admin, space, app_settings, title="first")
    second = await make_topic(admin, space, app_settings, title="second")
    hidden_later = await make_topic(admin, space, app_settings, title="moved away")
    bookmark = """mutation($input: SetBookmarkInput!) { setBookmark(input: $input) {
      topic { viewerBookmarked } errors { code } } }"""
    listed = "{ bookmarkedTopics { nodes { title viewerBookmarked viewerSubscription } } }"
    for topic in (first, second, hidden_later):
        data = (await gql(bookmark, {"input": {"topicId": gid("Topic", topic.id)}}, token=token))["setBookmark"]
        assert data == {"topic": {"viewerBookmarked": True}, "errors": []}
    await Topic.filter(id=hidden_later.id).update(space_id=staff.id)  # no longer visible to the member
    watch = """mutation($input: SetTopicSubscriptionInput!) { setTopicSubscription(input: $input) {
      topic { viewerSubscription } errors { code } } }"""
    data = await gql(watch, {"input": {"topicId": gid("Topic", first.id), "level": "WATCH"}}, token=token)
    assert data["setTopicSubscription"]["topic"]["viewerSubscription"] == "WATCH"
    await gql(bookmark, {"input": {"topicId": gid("Topic", second.id), "bookmarked": False}}, token=token)
    nodes = (await gql(listed, token=token))["bookmarkedTopics"]["nodes"]
    assert nodes == [{"title": "first", "viewerBookmarked": True, "viewerSubscription": "WATCH"}]
    assert (await gql(listed))["bookmarkedTopics"]["nodes"] == []


async def test_a_page_of_50_posts_costs_the_same_queries_as_a_page_of_5(gql, factory, app_settings, count_queries):
    admin = await factory.user("root", role="ADMIN")
    space = await make_space(admin)
    authors = [await factory.user() for _ in range(4)]
    _, token = await factory.member_with_token()
    topic = await make_topic(authors[0], space, app_settings)
    from api.models.forum import Reaction

    for i in range(50):
        post = await make_post(authors[i % 4], topic, app_settings, body=f"reply {i}")
        await Reaction.create(
            user_id=authors[(i + 1) % 4].id,
            subject_type="Post",
            subject_id=post.id,
            reaction=app_settings.forum_reactions[0],
        )
    query = """query($id: ID!, $first: Int) { node(id: $id) { ... on Topic { posts(first: $first) { nodes {
      id body author { username } replyTo { id } reactions { count viewerReacted } viewerVote } } } } }"""
    await gql(query, {"id": gid("Topic", topic.id), "first": 1}, token=token)
    counts = {}
    for size in (5, 50):
        with count_queries as counter:
            data = await gql(query, {"id": gid("Topic", topic.id), "first": size}, token=token)
        assert len(data["node"]["posts"]["nodes"]) == size
        counts[size] = counter.count
    assert counts[5] == counts[50], counts


async def test_admins_manage_spaces(gql, factory):
    _, token = await factory.member_with_token(role="ADMIN")
    create = """mutation($input: CreateSpaceInput!) { createSpace(input: $input) {
      space { id slug visibility allowedRoles postingPolicy parent { slug } } errors { field code } } }"""
    parent = (await gql(create, {"input": {"name": "Help Desk"}}, token=token))["createSpace"]["space"]
    assert parent["slug"] == "help-desk" and parent["visibility"] == "PUBLIC"
    child = (
        await gql(
            create,
            {
                "input": {
                    "name": "Staff",
                    "visibility": "PRIVATE",
                    "allowedRoles": ["MODERATOR"],
                    "postingPolicy": "MODERATORS_ONLY",
                    "parentId": parent["id"],
                }
            },
            token=token,
        )
    )["createSpace"]["space"]
    assert child["allowedRoles"] == ["MODERATOR"] and child["parent"] == {"slug": "help-desk"}
    update = """mutation($input: UpdateSpaceInput!) { updateSpace(input: $input) {
      space { slug parent { slug } visibility } errors { field code } } }"""
    moved = (
        await gql(update, {"input": {"spaceId": child["id"], "parentId": None, "visibility": "MEMBERS"}}, token=token)
    )["updateSpace"]
    assert moved == {"space": {"slug": "staff", "parent": None, "visibility": "MEMBERS"}, "errors": []}
    delete = """mutation($input: DeleteSpaceInput!) { deleteSpace(input: $input) { deletedSpaceId errors { code } } }"""
    assert (await gql(delete, {"input": {"spaceId": child["id"]}}, token=token))["deleteSpace"] == {
        "deletedSpaceId": child["id"],
        "errors": [],
    }
