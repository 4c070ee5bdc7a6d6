"""Segments through GraphQL: staff save criteria and page through members with counts at a
fixed query cost; members are refused."""

from __future__ import annotations

SAVE = """mutation($input: SaveSegmentInput!) { saveSegment(input: $input) {
  segment { id name criteria { interestTags stages minTrustLevel } } errors { field code message } } }"""
MEMBERS = """query($id: ID!, $first: Int) { segmentMembers(segmentId: $id, first: $first) {
  totalCount nodes { username tier { name } } } }"""
SEGMENTS = "query { segments { totalCount nodes { name } } }"


async def test_staff_save_segments_and_list_their_members(gql, factory, count_queries):
    _, member_token = await factory.member_with_token()
    _, mod_token = await factory.member_with_token(role="MODERATOR")
    for n in range(12):
        await factory.user(f"hiker{n:02}", interest_tags=["Hiking"] if n % 3 else ["chess"])
    criteria = {"interestTags": ["hiking"], "stages": ["ACTIVE"]}
    refused = (await gql(SAVE, {"input": {"name": "Hikers", "criteria": criteria}}, token=member_token))["saveSegment"]
    assert refused["errors"][0]["code"] == "FORBIDDEN"
    saved = (await gql(SAVE, {"input": {"name": "Hikers", "criteria": criteria}}, token=mod_token))["saveSegment"]
    assert saved["errors"] == [] and saved["segment"]["criteria"] == {
        "interestTags": ["hiking"],
        "stages": ["ACTIVE"],
        "minTrustLevel": None,
    }
    segment_id = saved["segment"]["id"]
    bad = (await gql(SAVE, {"input": {"name": "Bad", "criteria": {"minTrustLevel": 9}}}, token=mod_token))[
        "saveSegment"
    ]
    assert bad["errors"][0]["field"] == "minTrustLevel"
    denied = await gql(MEMBERS, {"id": segment_id}, token=member_token, expect_errors=True)
    assert denied["data"] is None and denied["errors"][0]["message"] == "This needs the moderator role."
    assert (await gql(SEGMENTS, token=member_token))["segments"]["totalCount"] == 0
    assert (await gql(SEGMENTS, token=mod_token))["segments"]["nodes"] == [{"name": "Hikers"}]
    costs = []
    for first in (2, 8):
        with count_queries:
            page = (await gql(MEMBERS, {"id": segment_id, "first": first}, token=mod_token))["segmentMembers"]
        costs.append(count_queries.count)
        assert page["totalCount"] == 8 and len(page["nodes"]) == first
    assert costs[0] == costs[1]
