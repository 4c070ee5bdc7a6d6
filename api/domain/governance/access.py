"""Who may see what in governance: one rule per node type (declared in the manifest).

Committees: PUBLIC to everyone, MEMBERS to signed-in members, PRIVATE to their members and admins;
their membership lists follow the committee. Proposals follow their committee (drafts only to its
members, their author and admins), and an eligible voter keeps seeing what they may vote on after
leaving a private committee; so do its ballot audit rows (voters named on open ballots only). A poll
in a forum topic is seen by whoever sees the topic; standalone polls and surveys are public.
Proposals, polls and surveys hidden by moderation show only to their author and staff; deleted
ones to nobody (`api.policies.shown_q`).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from tortoise.expressions import Q, Subquery
from tortoise.queryset import QuerySet

from api.db import column
from api.models.accounts import Committee, CommitteeMembership, User, Visibility
from api.models.governance import (
    EligibleVoter,
    Poll,
    Proposal,
    ProposalStatus,
    Survey,
    SurveyAudience,
    SurveyQuestion,
    VoteAuditEntry,
)
from api.policies import committee_seats, is_admin, is_shown, is_staff, shown_q
from api.policy import ReadPolicy, through, visible, visible_rows

Memo = dict[str, Any]


def committee_filter(viewer: User | None, seats: frozenset[int]) -> Q:
    if viewer is None:
        return Q(visibility=Visibility.PUBLIC)
    if is_admin(viewer):
        return Q()
    return Q(Q(visibility__in=[Visibility.PUBLIC, Visibility.MEMBERS]), Q(id__in=list(seats) or [0]), join_type="OR")


async def visible_committees(viewer: User | None, memo: Memo) -> QuerySet[Committee]:
    return Committee.filter(committee_filter(viewer, await committee_seats(viewer, memo)))


async def visible_proposals(viewer: User | None, memo: Memo) -> QuerySet[Proposal]:
    seats = await committee_seats(viewer, memo)
    in_committee = Q(committee_id__in=Subquery(Committee.filter(committee_filter(viewer, seats)).values("id")))
    shown = shown_q(viewer)  # moderation: hidden to author and staff, deleted to nobody
    if viewer is None:
        return Proposal.filter(in_committee, ~Q(status=ProposalStatus.DRAFT), shown)
    if is_admin(viewer):
        return Proposal.filter(shown)
    drafts_seen = Q(Q(committee_id__in=list(seats) or [0]), Q(author_id=viewer.id), join_type="OR")
    seen = Q(in_committee, Q(~Q(status=ProposalStatus.DRAFT), drafts_seen, join_type="OR"))
    eligible = Q(id__in=Subquery(EligibleVoter.filter(user_id=viewer.id).values("proposal_id")))
    return Proposal.filter(Q(seen, eligible, join_type="OR"), shown)


async def visible_polls(viewer: User | None, memo: Memo) -> QuerySet[Poll]:
    """Standalone polls are public; a topic's polls are seen by those who see the topic."""
    from api.models.forum import Topic

    topics = await visible(Topic, viewer, memo)
    return Poll.filter(
        Q(Q(topic_id__isnull=True), Q(topic_id__in=Subquery(topics.values("id"))), join_type="OR"), shown_q(viewer)
    )


async def filter_polls(viewer: User | None, rows: list[Poll], memo: Memo) -> list[Poll]:
    from api.models.forum import Topic

    topic_ids = {p.topic_id for p in rows if p.topic_id is not None}
    seen = (
        {t.id for t in await visible_rows(viewer, list(await Topic.filter(id__in=topic_ids)), memo)}
        if topic_ids
        else set()
    )
    return [p for p in rows if (p.topic_id is None or p.topic_id in seen) and is_shown(viewer, p)]


async def visible_surveys(viewer: User | None, memo: Memo) -> QuerySet[Survey]:
    """EVERYONE surveys to all; targeted ones to their audience (a committee, roles, a trust level, a segment),
    their author and staff. Moderation: see `shown_q`."""
    shown = shown_q(viewer)
    if is_staff(viewer):
        return Survey.filter(shown)
    if viewer is None:
        return Survey.filter(shown, audience=SurveyAudience.EVERYONE)
    seats = await committee_seats(viewer, memo)
    segments = await survey_segments(viewer, memo)
    audience = Q(
        Q(audience=SurveyAudience.EVERYONE),
        Q(audience=SurveyAudience.SEGMENT, audience_segment_id__in=segments or [0]),
        Q(audience=SurveyAudience.COMMITTEE, audience_committee_id__in=list(seats) or [0]),
        Q(audience=SurveyAudience.ROLES, audience_roles__contains=f",{viewer.role.value},"),
        Q(audience=SurveyAudience.TRUST_LEVEL, audience_min_trust_level__lte=viewer.trust_level),
        Q(author_id=viewer.id),
        join_type="OR",
    )
    return Survey.filter(shown, audience)


async def survey_segments(viewer: User | None, memo: Memo) -> list[int]:
    """The segments addressed by some survey that the viewer is in now, asked of the growth domain
    once per operation (`memo`)."""
    from api.domain.moderation.questions import SegmentsContaining
    from api.events import decide

    if viewer is None:
        return []
    key = f"survey_segments:{viewer.id}"
    if key not in memo:
        addressed = await column(
            Survey.filter(audience=SurveyAudience.SEGMENT, audience_segment_id__isnull=False)
            .order_by("audience_segment_id")
            .distinct(),
            "audience_segment_id",
        )
        memo[key] = (
            await decide(SegmentsContaining(user_id=viewer.id, segment_ids=tuple(addressed))) if addressed else []
        )
    return list(memo[key])


def in_survey_audience(
    viewer: User | None, survey: Survey, seats: frozenset[int], segments: Collection[int] = ()
) -> bool:
    audience = SurveyAudience(survey.audience)
    if is_staff(viewer) or audience is SurveyAudience.EVERYONE:
        return True
    if viewer is None:
        return False
    if survey.author_id == viewer.id:
        return True
    if audience is SurveyAudience.COMMITTEE:
        return survey.audience_committee_id in seats
    if audience is SurveyAudience.ROLES:
        return f",{viewer.role.value}," in survey.audience_roles
    if audience is SurveyAudience.SEGMENT:
        return survey.audience_segment_id in segments
    return survey.audience_min_trust_level is not None and viewer.trust_level >= survey.audience_min_trust_level


async def filter_surveys(viewer: User | None, rows: list[Survey], memo: Memo) -> list[Survey]:
    seats = await committee_seats(viewer, memo)
    targeted = any(s.audience == SurveyAudience.SEGMENT for s in rows) and not is_staff(viewer)
    segments = await survey_segments(viewer, memo) if targeted else []
    return [s for s in rows if is_shown(viewer, s) and in_survey_audience(viewer, s, seats, segments)]


READ_POLICIES = (
    ReadPolicy(
        Committee,
        visible_committees,
        doc="PUBLIC to everyone, MEMBERS to signed-in members, PRIVATE to its members and admins.",
    ),
    through(CommitteeMembership, Committee, "committee_id"),
    ReadPolicy(
        Proposal,
        visible_proposals,
        doc="Its committee is visible (drafts: its members, the author, admins), or the viewer may vote on it.",
    ),
    through(VoteAuditEntry, Proposal, "proposal_id"),
    ReadPolicy(Poll, visible_polls, filter_polls, "Standalone: everyone; in a topic: whoever sees the topic."),
    ReadPolicy(
        Survey,
        visible_surveys,
        filter_surveys,
        "Its audience (everyone, a committee, roles, a trust level), its author and staff; hidden: its "
        "author and staff; deleted: nobody.",
    ),
    through(SurveyQuestion, Survey, "survey_id"),
)
