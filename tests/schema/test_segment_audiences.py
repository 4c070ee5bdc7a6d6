"""Announcements and surveys addressed to a saved segment through GraphQL (issue 17): staff
only, seen (and answered) by the segment's members only."""

from __future__ import annotations

from api.models.governance import Survey
from api.models.moderation import Announcement

SAVE = """mutation($input: SaveSegmentInput!) { saveSegment(input: $input) { segment { id } errors { code } } }"""
PUBLISH = """mutation($input: PublishAnnouncementInput!) { publishAnnouncement(input: $input) {
  announcement { id audience audienceSegmentId } errors { field code } } }"""
LIST = "query { announcements { totalCount nodes { title } } }"
CREATE = """mutation($input: CreateSurveyInput!) { createSurvey(input: $input) {
  survey { id audience audienceSegmentId } errors { field code } } }"""
SURVEYS = "query { surveys { totalCount nodes { title } } }"


async def test_staff_address_a_segment_and_only_its_members_see_it(gql, factory):
    _, mod_token = await factory.member_with_token(role="MODERATOR")
    _, hiker_token = await factory.member_with_token(interest_tags=["hiking"])
    _, other_token = await factory.member_with_token(interest_tags=["chess"])
    saved = (await gql(SAVE, {"input": {"name": "Hikers", "criteria": {"interestTags": ["hiking"]}}}, token=mod_token))[
        "saveSegment"
    ]
    segment_id = saved["segment"]["id"]
    note = {"title": "Trail day", "body": "Boots on.", "audience": "SEGMENT", "audienceSegmentId": segment_id}
    refused = (await gql(PUBLISH, {"input": note}, token=hiker_token))["publishAnnouncement"]
    assert refused["errors"][0]["code"] == "FORBIDDEN" and await Announcement.all().count() == 0
    missing = (await gql(PUBLISH, {"input": {**note, "audienceSegmentId": None}}, token=mod_token))[
        "publishAnnouncement"
    ]
    assert [e["field"] for e in missing["errors"]] == ["audienceSegmentId"]
    published = (await gql(PUBLISH, {"input": note}, token=mod_token))["publishAnnouncement"]
    assert published["errors"] == [] and published["announcement"]["audience"] == "SEGMENT"
    assert published["announcement"]["audienceSegmentId"] == segment_id
    assert (await gql(LIST, token=hiker_token))["announcements"]["nodes"] == [{"title": "Trail day"}]
    assert (await gql(LIST, token=other_token))["announcements"]["totalCount"] == 0
    assert (await gql(LIST))["announcements"]["totalCount"] == 0

    survey = {
        "title": "Trails",
        "audience": "SEGMENT",
        "audienceSegmentId": segment_id,
        "questions": [{"kind": "TEXT", "prompt": "Where next?"}],
    }
    refused = (await gql(CREATE, {"input": survey}, token=hiker_token))["createSurvey"]
    assert refused["errors"][0]["code"] == "FORBIDDEN" and await Survey.all().count() == 0
    created = (await gql(CREATE, {"input": survey}, token=mod_token))["createSurvey"]
    assert created["errors"] == [] and created["survey"]["audienceSegmentId"] == segment_id
    assert (await gql(SURVEYS, token=hiker_token))["surveys"]["nodes"] == [{"title": "Trails"}]
    assert (await gql(SURVEYS, token=other_token))["surveys"]["totalCount"] == 0
