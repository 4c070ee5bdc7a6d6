"""Every mutation by which a member writes text passes the content gate: this walks the schema's
mutations, finds every free-text field of their inputs, and runs each such mutation with the gate
watched. Staff-only mutations and texts addressed to staff alone are listed with the reason."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from graphql import GraphQLInputObjectType, GraphQLList, GraphQLNonNull, GraphQLScalarType
from strawberry.relay import GlobalID

from api.domain.content import gate
from api.domain.engagement import events as events_domain
from api.domain.engagement import feedback, messages
from api.domain.governance import closing, proposals, surveys
from api.domain.kb import articles, resources
from api.models.engagement import FeedbackCategory
from api.models.governance import QuestionKind, SurveyQuestion
from api.models.kb import ResourceKind
from api.timeutil import now
from schema import build_schema
from schema.permissions import Require
from tests.domain.forum_helpers import make_post, make_space, make_topic
from tests.domain.governance_helpers import committee_with
from tests.platform.test_mutations import _requirement

# Input fields that hold no member prose (identifiers, credentials, choices, addresses).
NOT_PROSE = {
    "password",
    "currentPassword",
    "newPassword",
    "code",
    "token",
    "email",
    "login",
    "username",
    "inviteCode",
    "receipt",
    "slug",
    "url",
    "choice",
    "choices",
    "key",
    "value",
    "reaction",
    "role",
    "query",
    "mediaId",
    "alt",
    "filename",
    "clientMutationId",
    "ranking",
    "tags",
    "interestTags",
    "newEmail",
    "timezone",
}
# Fields that are not prose in one input type only (the name is prose elsewhere): (type, field).
NOT_PROSE_IN = {
    ("KindDeliveryInput", "kind"): "a notification kind, kept in the member's own preferences, shown to nobody else",
}
# Member mutations with prose that does not go to the community, and why the gate does not apply.
EXEMPT = {
    "register": "sign-up: the display name is cleaned of invisible and bidi characters (api/names.py); "
    "changing it later is `updateProfile`, which the gate screens",
    "report": "a note to moderators about someone else's content",
    "requestToJoin": "a message to moderators, from someone the gate would refuse (not yet admitted)",
    "restoreRevision": "brings back a text that passed the gate when it was written; the message is a revision note",
}
# Input fields that are not published prose, and why.
FIELD_NOTES = {"message": "revision notes of the knowledge base, shown beside the history"}
STAFF = {Require.MODERATOR, Require.ADMIN}


def _prose_fields(gql_type: Any, prefix: str = "") -> list[str]:
    while isinstance(gql_type, (GraphQLNonNull, GraphQLList)):
        gql_type = gql_type.of_type
    found = []
    if isinstance(gql_type, GraphQLInputObjectType):
        for name, field in gql_type.fields.items():
            inner = field.type
            while isinstance(inner, (GraphQLNonNull, GraphQLList)):
                inner = inner.of_type
            if (
                isinstance(inner, GraphQLScalarType)
                and inner.name == "String"
                and name not in NOT_PROSE
                and (gql_type.name, name) not in NOT_PROSE_IN
                and name not in FIELD_NOTES
            ):
                found.append(prefix + name)
            elif isinstance(inner, GraphQLInputObjectType):
                found += _prose_fields(inner, f"{prefix}{name}.")
    return found


def member_text_mutations() -> dict[str, list[str]]:
    """Mutations members (not only staff) may call whose input holds prose."""
    found = {}
    for name, field in build_schema()._schema.mutation_type.fields.items():
        prose = [f for arg in field.args.values() for f in _prose_fields(arg.type)]
        if prose and _requirement(field) not in STAFF and name not in EXEMPT:
            found[name] = prose
    return found


def gid(type_name: str, pk: int) -> str:
    return str(GlobalID(type_name, str(pk)))


async def _world(factory, settings) -> dict[str, Any]:
    admin = await factory.user(role="ADMIN")
    member, token = await factory.member_with_token()
    friend = await factory.user()
    space = await make_space(admin, "Open")
    topic = await make_topic(member, space, settings)
    question = await make_topic(member, space, settings, title="How?", kind="QUESTION")
    post = await make_post(member, topic, settings)
    article = await articles.create_article(
        member, articles.ArticleInput(title="Guide", body="text"), settings=settings
    )
    resource = await resources.create_resource(
        member,
        resources.ResourceInput(title="Link", kind=ResourceKind.LINK, url="https://example.org"),
        settings=settings,
    )
    conversation, _ = await messages.start_conversation(member, [friend.id], "hello", settings=settings)
    ticket = await feedback.file_ticket(member, FeedbackCategory.BUG, "Broken", "Help", settings=settings)
    survey = await surveys.create_survey(
        admin, "Feedback", "", [surveys.QuestionInput(QuestionKind.TEXT, "Why?")], settings=settings
    )
    _, chair, _, committee = await committee_with(factory, settings, 1)
    chair_token = await factory.token(chair)
    draft = await proposals.create_proposal(
        chair, committee.id, proposals.ProposalInput(title="Idea"), settings=settings
    )
    event = await events_domain.create_event(
        admin,
        events_domain.EventInput(
            title="Meetup",
            starts_at=now() + timedelta(days=3),
            ends_at=now() + timedelta(days=3, hours=2),
            location="Hall",
        ),
        settings=settings,
    )
    await event.__class__.filter(id=event.id).update(organiser_id=member.id)
    survey_question = await SurveyQuestion.get(survey_id=survey.id)
    _, trusted_token = await factory.member_with_token(trust_level=settings.event_propose_min_trust_level)
    closed = await proposals.create_proposal(
        chair, committee.id, proposals.ProposalInput(title="Decided"), settings=settings
    )
    await proposals.open_proposal(chair, closed.id, settings=settings)
    await closing.close_proposal(closed.id, only_if_due=False, settings=settings)
    return {
        "member": token,
        "chair": chair_token,
        "trusted": trusted_token,
        "space": space,
        "topic": topic,
        "question": question,
        "post": post,
        "article": article,
        "resource": resource,
        "conversation": conversation,
        "ticket": ticket,
        "survey": survey,
        "proposal": draft,
        "committee": committee,
        "event": event,
        "friend": friend,
        "survey_question": survey_question.id,
        "closed": closed,
    }


def _inputs(w: dict[str, Any]) -> dict[str, tuple[str, dict[str, Any], str]]:
    """mutation -> (who calls it, its input, the content type the gate must see)."""
    text = "Some words"
    return {
        "createTopic": ("member", {"spaceId": gid("Space", w["space"].id), "title": text, "body": text}, "Topic"),
        "askQuestion": ("member", {"spaceId": gid("Space", w["space"].id), "title": text, "body": text}, "Topic"),
        "editTopic": ("member", {"topicId": gid("Topic", w["topic"].id), "body": "Edited words"}, "Topic"),
        "createPost": ("member", {"topicId": gid("Topic", w["topic"].id), "body": text}, "Post"),
        "answerQuestion": ("member", {"questionId": gid("Topic", w["question"].id), "body": text}, "Post"),
        "editPost": ("member", {"postId": gid("Post", w["post"].id), "body": "Edited words"}, "Post"),
        "createArticle": ("member", {"title": text, "body": text}, "Article"),
        "updateArticle": ("member", {"articleId": gid("Article", w["article"].id), "body": "More"}, "Article"),
        "createResource": ("member", {"title": text, "kind": "LINK", "url": "https://example.org/x"}, "Resource"),
        "updateResource": ("member", {"resourceId": gid("Resource", w["resource"].id), "title": "New"}, "Resource"),
        "startConversation": ("member", {"userIds": [gid("User", w["friend"].id)], "body": text}, "Message"),
        "sendMessage": (
            "member",
            {"conversationId": gid("Conversation", w["conversation"].id), "body": text},
            "Message",
        ),
        "setAutoReply": ("member", {"body": text, "enabled": True}, "AutoReply"),
        "fileFeedback": ("member", {"category": "BUG", "subject": text, "body": text}, "FeedbackTicket"),
        "replyToFeedback": (
            "member",
            {"ticketId": gid("FeedbackTicket", w["ticket"].id), "body": text},
            "FeedbackReply",
        ),
        "createPoll": ("member", {"question": text, "options": ["Yes", "No"]}, "Poll"),
        "createProposal": ("chair", {"committeeId": gid("Committee", w["committee"].id), "title": text}, "Proposal"),
        "publishProposalOutcome": (
            "chair",
            {"proposalId": gid("Proposal", w["closed"].id), "statement": text},
            "Proposal",
        ),
        "updateProposal": ("chair", {"proposalId": gid("Proposal", w["proposal"].id), "body": text}, "Proposal"),
        "updateProfile": ("member", {"bio": text}, "User"),
        "createCommunityEvent": (
            "trusted",
            {
                "event": {
                    "title": text,
                    "startsAt": (now() + timedelta(days=4)).isoformat(),
                    "endsAt": (now() + timedelta(days=4, hours=1)).isoformat(),
                    "location": "Hall",
                }
            },
            "Event",
        ),
        "updateCommunityEvent": (
            "member",
            {"eventId": gid("CommunityEvent", w["event"].id), "event": {"title": text}},
            "Event",
        ),
        "submitSurveyResponse": (
            "member",
            {
                "surveyId": gid("Survey", w["survey"].id),
                "answers": [{"questionId": gid("SurveyQuestion", w["survey_question"]), "text": text}],
            },
            "SurveyResponse",
        ),
    }


async def test_the_walk_knows_every_member_text_mutation(factory, app_settings):
    """A new mutation that writes member text must be added here (and pass the gate), or be
    exempt with a reason: nothing is left out silently."""
    covered = set(_inputs(await _world(factory, app_settings)))
    assert sorted(set(member_text_mutations()) - covered) == [], "member text that may skip the content gate"


async def test_every_member_text_mutation_passes_the_gate(gql, factory, app_settings, monkeypatch):
    world = await _world(factory, app_settings)
    seen: list[str] = []
    original = gate.check

    async def watched(submission, settings):
        seen.append(submission.content_type)
        return await original(submission, settings)

    monkeypatch.setattr(gate, "check", watched)
    tokens = {"member": world["member"], "chair": world["chair"], "trusted": world["trusted"]}
    mutations = build_schema()._schema.mutation_type.fields
    for name, (who, variables, content_type) in sorted(_inputs(world).items()):
        seen.clear()
        field = mutations[name]
        input_type = field.args["input"].type
        while isinstance(input_type, GraphQLNonNull):
            input_type = input_type.of_type
        document = (
            f"mutation($input: {input_type.name}!) {{ {name}(input: $input) {{ errors {{ field code message }} }} }}"
        )
        result = (await gql(document, {"input": variables}, token=tokens[who]))[name]
        assert result["errors"] == [], f"{name}: {result['errors']}"
        assert content_type in seen, f"{name} did not pass the content gate"
