"""The four holes of the authorization review, each written as the attack (over real HTTP and
WebSocket connections where the attack used them): every one must fail, change nothing and leak
nothing."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from api.domain.accounts import set_role
from api.domain.engagement import messages as messages_domain
from api.domain.governance import ballots, closing
from api.domain.kb import articles
from api.domain.moderation import admission, invites, sanctions
from api.errors import Conflict, Forbidden, Invalid
from api.models.accounts import Role, SanctionKind, User, Visibility
from api.models.engagement import Message
from api.models.governance import ProposalStatus, VotingMethod
from api.models.media import MediaPurpose
from api.models.moderation import Admission, Invite, JoinPolicy
from api.models.search import SearchKey
from api.timeutil import now
from tests.domain.forum_helpers import make_space, make_topic
from tests.domain.governance_helpers import committee_with, open_proposal
from tests.media import samples
from tests.media.test_serving import stored
from tests.schema.test_forum_live import CREATE_POST, _listening, _post, gid, serve, subscribe

SET_ROLE = """mutation($input: SetUserRoleInput!) {
  setUserRole(input: $input) { user { role } errors { field code message } } }"""
SEND = """mutation($input: SendMessageInput!) { sendMessage(input: $input) { message { id } errors { code } } }"""
MOVE = """mutation($input: MoveTopicInput!) { moveTopic(input: $input) { topic { id } errors { code } } }"""


async def _ws_operation(ws, op_id: str, query: str, variables: dict) -> dict:
    """Run one query or mutation over an open graphql-transport-ws socket; its `next` payload."""
    await ws.ws.send(
        json.dumps({"id": op_id, "type": "subscribe", "payload": {"query": query, "variables": variables}})
    )
    while True:
        message = await ws.receive()
        if message.get("id") == op_id and message["type"] in {"next", "error"}:
            return message


# 1. A WebSocket keeps nothing of connect time ----------------------------------------------------


async def test_a_demoted_admin_cannot_promote_themself_again_over_their_open_socket(factory, app_settings):
    root = await factory.user("root", role="ADMIN")
    climber, token = await factory.member_with_token(role="ADMIN")
    async with (
        serve(app_settings.replace(redis_url=None)) as (app, address),
        subscribe(address, "subscription { notificationAdded { kind } }", {}, token) as ws,
    ):
        await _listening(app, f"notifications:{climber.id}")
        await set_role(root, climber.id, Role.MEMBER)  # the demotion (HTTP would refuse them now)
        answer = await _ws_operation(ws, "2", SET_ROLE, {"input": {"userId": gid("User", climber.id), "role": "ADMIN"}})
        assert answer["type"] == "next"
        assert answer["payload"]["data"]["setUserRole"]["errors"][0]["code"] == "FORBIDDEN"
    assert (await User.get(id=climber.id)).role == Role.MEMBER


async def test_a_demoted_moderator_stops_receiving_a_staff_spaces_posts_at_once(factory, app_settings):
    root = await factory.user("root", role="ADMIN")
    staff = await make_space(root, "Staff", visibility=Visibility.PRIVATE, roles=[Role.MODERATOR])
    public = await make_space(root, "Public")
    topic = await make_topic(root, staff, app_settings, title="Plans")
    mod, mod_token = await factory.member_with_token(role="MODERATOR")
    root_token = await factory.token(root)
    async with (
        serve(app_settings.replace(redis_url=None)) as (app, address),
        subscribe(
            address,
            "subscription($id: ID!) { postAdded(topicId: $id) { body } }",
            {"id": gid("Topic", topic.id)},
            mod_token,
        ) as posts,
    ):
        await _listening(app, f"forum:topic:{topic.id}")
        await set_role(root, mod.id, Role.MEMBER)
        await _post(
            address, CREATE_POST, {"input": {"topicId": gid("Topic", topic.id), "body": "secret plan"}}, root_token
        )
        # The topic then goes public and gets a post the member may read: it must be the first
        # thing the subscription delivers (events are handled in order), so the secret was withheld.
        await _post(
            address,
            MOVE,
            {"input": {"topicId": gid("Topic", topic.id), "spaceId": gid("Space", public.id)}},
            root_token,
        )
        await _post(
            address, CREATE_POST, {"input": {"topicId": gid("Topic", topic.id), "body": "now public"}}, root_token
        )
        first = await posts.receive()
        assert first["payload"]["data"]["postAdded"]["body"] == "now public"


async def test_a_muted_member_cannot_send_messages_over_an_open_socket(factory, app_settings):
    moderator = await factory.user(role="MODERATOR")
    sender, token = await factory.member_with_token()
    friend = await factory.user()
    conversation, _ = await messages_domain.start_conversation(sender, [friend.id], "hi", settings=app_settings)
    async with (
        serve(app_settings.replace(redis_url=None)) as (app, address),
        subscribe(address, "subscription { notificationAdded { kind } }", {}, token) as ws,
    ):
        await _listening(app, f"notifications:{sender.id}")
        await sanctions.sanction_member(
            moderator,
            sender.id,
            SanctionKind.MUTE,
            duration=timedelta(days=1),
            reason="cool off",
            settings=app_settings,
        )
        answer = await _ws_operation(
            ws, "2", SEND, {"input": {"conversationId": gid("Conversation", conversation.id), "body": "still here"}}
        )
        assert answer["payload"]["data"]["sendMessage"]["errors"][0]["code"] == "SANCTIONED"
    assert await Message.filter(conversation_id=conversation.id).count() == 1


async def test_search_tokens_of_a_member_whose_rights_shrank_are_revoked(factory, app_settings, gql):
    root = await factory.user("root", role="ADMIN")
    mod, token = await factory.member_with_token(role="MODERATOR")
    query = "{ searchToken { token } }"
    first = (await gql(query, token=token))["searchToken"]["token"]
    key = await SearchKey.get(user_id=mod.id)
    assert key.revoked_at is None
    await set_role(root, mod.id, Role.MEMBER)
    key = await SearchKey.get(id=key.id)
    assert key.revoked_at is not None and key.deleted  # deleted in Meilisearch: its tokens are dead
    second = (await gql(query, token=token))["searchToken"]["token"]
    assert second != first
    assert await SearchKey.filter(user_id=mod.id, revoked_at__isnull=True).count() == 1


# 2. Signed URLs only for files the viewer may read ------------------------------------------------

UPLOAD_FIELDS = "id sha256 filename owner { id }"


async def test_embedding_someone_elses_private_file_signs_nothing(factory, app_settings, gql, client):
    victim = await factory.user()
    attacker, token = await factory.member_with_token()
    secret = await stored(victim, app_settings, samples.pdf_bytes(), "salary.pdf", MediaPurpose.RESOURCE, public=False)
    body = f"Look: ![x](/media/{secret.sha256}.pdf)"
    article = await articles.create_article(
        attacker, articles.ArticleInput(title="Notes", body=body, visibility=Visibility.MEMBERS), settings=app_settings
    )
    data = await gql(
        "query($id: ID!) { node(id: $id) { ... on Article { bodyHtml } } }",
        {"id": gid("Article", article.id)},
        token=token,
    )
    html = data["node"]["bodyHtml"]
    assert f"/media/{secret.sha256}.pdf" in html and "sig=" not in html
    assert (await client.get(f"/media/{secret.sha256}.pdf")).status_code == 403


async def test_fresh_uploads_are_private_to_their_owner_and_staff(factory, app_settings, gql):
    owner, owner_token = await factory.member_with_token()
    _other, other_token = await factory.member_with_token()
    _, mod_token = await factory.member_with_token(role="MODERATOR")
    upload = await stored(owner, app_settings, samples.image_bytes(), "me.png", MediaPurpose.POST, public=False)
    ids = [gid("MediaFile", upload.id), gid("MediaFile", upload.id + 1000)]
    query = f"query($ids: [ID!]!) {{ nodes(ids: $ids) {{ ... on MediaFile {{ {UPLOAD_FIELDS} }} }} }}"
    assert (await gql(query, {"ids": ids}))["nodes"] == [None, None]  # anonymous
    assert (await gql(query, {"ids": ids}, token=other_token))["nodes"] == [None, None]
    assert (await gql(query, {"ids": ids}, token=owner_token))["nodes"][0]["sha256"] == upload.sha256
    assert (await gql(query, {"ids": ids}, token=mod_token))["nodes"][0]["filename"] == "me.png"


# 3. Invites cannot admit their own maker ----------------------------------------------------------


async def test_members_cannot_admit_themselves_through_their_own_invites(factory, app_settings):
    admin = await factory.user(role="ADMIN")
    space = await make_space(admin, "Inner circle")
    await admission.set_space_policy(admin, space.id, JoinPolicy.INVITE_ONLY, settings=app_settings)
    member = await factory.user()
    later = now() + timedelta(days=1)
    try:
        await invites.create_invite(member, max_uses=5, expires_at=later, space_id=space.id, settings=app_settings)
        raise AssertionError("a member invited into an invite-only space")
    except Forbidden:
        pass
    assert await Invite.all().count() == 0
    # Staff's invite to the space: its maker cannot use it, and it admits to the space only.
    mod = await factory.user(role="MODERATOR")
    _, code = await invites.create_invite(mod, max_uses=5, expires_at=later, space_id=space.id, settings=app_settings)
    try:
        await invites.redeem_invite(mod, code)
        raise AssertionError("an invite was used by its own maker")
    except Invalid:
        pass
    await invites.redeem_invite(member, code)
    assert await admission.is_admitted(member, space.id, settings=app_settings)
    assert not await Admission.filter(user_id=member.id, scope=admission.COMMUNITY).exists()
    # A space that allows member invites.
    await admission.set_space_policy(
        admin, space.id, JoinPolicy.INVITE_ONLY, members_may_invite=True, settings=app_settings
    )
    invite, _ = await invites.create_invite(
        member, max_uses=1, expires_at=later, space_id=space.id, settings=app_settings
    )
    assert not invite.admits_to_community


async def test_members_cannot_invite_past_a_community_approval_policy(factory, app_settings):
    approval = app_settings.replace(moderation_join_policy="APPROVAL")
    member = await factory.user()
    with pytest.raises(Forbidden):
        await invites.create_invite(member, max_uses=1, expires_at=now() + timedelta(days=1), settings=approval)
    assert await Invite.all().count() == 0


# 4. Secret ballots single nobody out --------------------------------------------------------------


async def test_a_chair_cannot_single_out_a_secret_ballot(factory, app_settings, gql):
    _, chair, (voter, other), committee = await committee_with(factory, app_settings, 2)
    chair_token = await factory.token(chair)
    proposal = await open_proposal(
        chair, committee, settings=app_settings, method=VotingMethod.YES_NO_ABSTAIN, secret=True
    )
    await ballots.cast_vote(voter, proposal.id, ["YES"], settings=app_settings)
    try:
        await closing.close_early(chair, proposal.id, settings=app_settings)
        raise AssertionError("a secret ballot closed early with one vote in")
    except Conflict:
        pass
    data = await gql(
        """query($id: ID!) { node(id: $id) { ... on Proposal {
        status ballotCount tally { outcome } voters { totalCount nodes { user { id } } }
        auditLog { nodes { voter { id } } } } } }""",
        {"id": gid("Proposal", proposal.id)},
        token=chair_token,
    )
    node = data["node"]
    assert node["status"] == "OPEN" and node["ballotCount"] == 1 and node["tally"] is None
    assert node["voters"] == {"totalCount": 0, "nodes": []}
    assert all(entry["voter"] is None for entry in node["auditLog"]["nodes"])
    _root, root_token = await factory.member_with_token(role="ADMIN")
    data = await gql(
        "query($id: ID!) { node(id: $id) { ... on Proposal { voters { totalCount } } } }",
        {"id": gid("Proposal", proposal.id)},
        token=root_token,
    )
    assert data["node"]["voters"]["totalCount"] == 0  # admins included
    for member in (chair, other):
        await ballots.cast_vote(member, proposal.id, ["NO"], settings=app_settings)
    closed = await closing.close_early(
        chair, proposal.id, settings=app_settings
    )  # everyone voted: nobody is singled out
    assert closed.status == ProposalStatus.CLOSED
