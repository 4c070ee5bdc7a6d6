"""Governance: committee proposals and their ballots, polls and surveys.

Committees and their membership history live in `api.models.accounts`.
"""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.manager import Manager
from tortoise.models import Model
from tortoise.queryset import QuerySet

if TYPE_CHECKING:
    from api.models.accounts import Committee, User
    from api.models.forum import Topic


class ProposalStatus(str, Enum):
    DRAFT = "DRAFT"
    OPEN = "OPEN"
    CLOSED = "CLOSED"
    WITHDRAWN = "WITHDRAWN"


class Outcome(str, Enum):
    PASSED = "PASSED"
    REJECTED = "REJECTED"
    NO_QUORUM = "NO_QUORUM"


class VotingMethod(str, Enum):
    YES_NO_ABSTAIN = "YES_NO_ABSTAIN"
    SINGLE_CHOICE = "SINGLE_CHOICE"
    APPROVAL = "APPROVAL"
    RANKED_CHOICE = "RANKED_CHOICE"


class Threshold(str, Enum):
    SIMPLE_MAJORITY = "SIMPLE_MAJORITY"  # more than half
    TWO_THIRDS = "TWO_THIRDS"  # at least two thirds
    UNANIMITY = "UNANIMITY"  # all of the counted votes


class AbstentionRule(str, Enum):
    EXCLUDED = "EXCLUDED"  # abstentions count towards quorum only
    COUNTED = "COUNTED"  # abstentions also count in the threshold's base (so they weigh like "no")


class Electorate(str, Enum):
    COMMITTEE = "COMMITTEE"  # the committee's members
    MEMBERS = "MEMBERS"  # every active member of the community
    ROLES = "ROLES"  # active members of the roles in `electorate_roles`
    TRUST_LEVEL = "TRUST_LEVEL"  # active members at or above `electorate_min_trust_level`
    TIER = "TIER"  # active members holding `electorate_min_tier_id` or a higher-ranked tier


class Proposal(Model):
    """A motion a committee runs. Rules (method, quorum, threshold...) and the voters (its electorate,
    snapshotted into `EligibleVoter`) are frozen at opening."""

    id = fields.IntField(primary_key=True)
    committee: fields.ForeignKeyRelation[Committee] = fields.ForeignKeyField(
        "accounts.Committee", related_name="proposals", on_delete=fields.CASCADE
    )
    committee_id: int
    author: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "accounts.User", related_name="authored_proposals", null=True, on_delete=fields.SET_NULL
    )
    author_id: int | None
    title = fields.CharField(max_length=300)
    body = fields.TextField(default="")
    body_html = fields.TextField(default="")
    status = fields.CharEnumField(ProposalStatus, max_length=16, default=ProposalStatus.DRAFT)
    method = fields.CharEnumField(VotingMethod, max_length=24, default=VotingMethod.YES_NO_ABSTAIN)
    # Labels of the options of SINGLE_CHOICE, APPROVAL and RANKED_CHOICE (in display order).
    options: fields.JSONField[list[Any]] = fields.JSONField(default=list)
    quorum_percent = fields.IntField(default=50)
    threshold = fields.CharEnumField(Threshold, max_length=24, default=Threshold.SIMPLE_MAJORITY)
    abstentions = fields.CharEnumField(AbstentionRule, max_length=16, default=AbstentionRule.EXCLUDED)
    secret = fields.BooleanField(default=False)
    results_while_open = fields.BooleanField(default=False)
    voting_minutes = fields.IntField(default=7 * 24 * 60)
    electorate = fields.CharEnumField(Electorate, max_length=16, default=Electorate.COMMITTEE)
    electorate_roles: fields.JSONField[list[str]] = fields.JSONField(default=list)  # Role values, for ROLES
    electorate_min_trust_level = fields.SmallIntField(null=True)  # for TRUST_LEVEL
    electorate_min_tier_id = fields.IntField(null=True)  # for TIER: a growth Tier's id (asked, not joined)
    # Moderation (api.domain.content): hidden shows only to its author and staff; deleted to nobody.
    hidden = fields.BooleanField(default=False)
    deleted_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)
    opened_at = fields.DatetimeField(null=True)
    closes_at = fields.DatetimeField(null=True)
    closed_at = fields.DatetimeField(null=True)
    eligible_count = fields.IntField(default=0)
    outcome = fields.CharEnumField(Outcome, max_length=16, null=True)
    # The tally computed once by the closer (see `api.domain.governance.tally.TallyResult.to_dict`).
    result: fields.JSONField[Any] = fields.JSONField(null=True)
    # Set when the outcome announcement is published (claimed by a conditional update: once only).
    announced_at = fields.DatetimeField(null=True)
    announcement_id = fields.IntField(null=True)
    # Deliberation (api.domain.governance.deliberation): the forum topic where it is discussed,
    # the chair's outcome statement published after close, and the claim of the non-voter reminder.
    discussion_topic: fields.ForeignKeyNullableRelation[Topic] = fields.ForeignKeyField(
        "forum.Topic", related_name="proposals", null=True, on_delete=fields.SET_NULL
    )
    discussion_topic_id: int | None
    outcome_statement = fields.TextField(default="")
    outcome_statement_html = fields.TextField(default="")
    outcome_published_at = fields.DatetimeField(null=True)
    outcome_announcement_id = fields.IntField(null=True)
    reminded_at = fields.DatetimeField(null=True)

    class Meta:
        table = "governance_proposals"
        ordering = ["-created_at", "-id"]
        indexes = (("status", "closes_at"),)


class ProposalRevision(Model):
    """The text of a draft before one of its changes (the current text is the proposal's)."""

    id = fields.IntField(primary_key=True)
    proposal: fields.ForeignKeyRelation[Proposal] = fields.ForeignKeyField(
        "governance.Proposal", related_name="revisions", on_delete=fields.CASCADE
    )
    proposal_id: int
    number = fields.IntField()  # 1 for the first text
    title = fields.CharField(max_length=300)
    body = fields.TextField(default="")
    options: fields.JSONField[list[str]] = fields.JSONField(default=list)
    edited_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "accounts.User", related_name="proposal_revisions", null=True, on_delete=fields.SET_NULL
    )
    edited_by_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)  # when this text was replaced

    class Meta:
        table = "governance_proposal_revisions"
        unique_together = (("proposal", "number"),)
        ordering = ["number"]


class EligibleVoter(Model):
    """Who may vote on a proposal: its electorate at the moment it opened."""

    id = fields.IntField(primary_key=True)
    proposal: fields.ForeignKeyRelation[Proposal] = fields.ForeignKeyField(
        "governance.Proposal", related_name="eligible", on_delete=fields.CASCADE
    )
    proposal_id: int
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "accounts.User", related_name="governance_eligibilities", on_delete=fields.CASCADE
    )
    user_id: int

    class Meta:
        table = "governance_eligible_voters"
        unique_together = (("proposal", "user"),)
        ordering = ["id"]


class Ballot(Model):
    """A member's current ballot. One per member and proposal (unique). A change replaces it.

    `choices`: ["YES"|"NO"|"ABSTAIN"] for YES_NO_ABSTAIN; option labels otherwise (ranked in
    preference order for RANKED_CHOICE); an empty list is an abstention. Never exposed with the
    voter for secret proposals: only (receipt, choices) pairs are published after close."""

    id = fields.IntField(primary_key=True)
    proposal: fields.ForeignKeyRelation[Proposal] = fields.ForeignKeyField(
        "governance.Proposal", related_name="ballots", on_delete=fields.CASCADE
    )
    proposal_id: int
    voter: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "accounts.User", related_name="governance_ballots", on_delete=fields.CASCADE
    )
    voter_id: int
    choices: fields.JSONField[list[Any]] = fields.JSONField(default=list)
    receipt = fields.CharField(max_length=64)
    cast_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "governance_ballots"
        unique_together = (("proposal", "voter"),)
        ordering = ["id"]


class AuditAction(str, Enum):
    CAST = "CAST"
    CHANGE = "CHANGE"
    RETRACT = "RETRACT"


class AppendOnly(Exception):
    """Raised on any attempt to change or remove an audit entry."""


class _AppendOnlyQuerySet(QuerySet[Any]):
    def update(self, **kwargs: Any) -> Any:
        raise AppendOnly("the vote audit log is append-only")

    def delete(self) -> Any:
        raise AppendOnly("the vote audit log is append-only")

    def select_for_update(self, *args: Any, **kwargs: Any) -> Any:
        raise AppendOnly("the vote audit log is append-only")


class _AppendOnlyManager(Manager):
    def get_queryset(self) -> QuerySet[Any]:
        return _AppendOnlyQuerySet(self._model)


class VoteAuditEntry(Model):
    """One cast, change or retraction. Append-only: the model refuses updates and deletes, and
    the migration adds database triggers that refuse them too. `choices` is kept only for open
    (non-secret) ballots."""

    id = fields.IntField(primary_key=True)
    proposal: fields.ForeignKeyRelation[Proposal] = fields.ForeignKeyField(
        "governance.Proposal", related_name="audit", on_delete=fields.CASCADE
    )
    proposal_id: int
    voter: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "accounts.User", related_name="governance_audit_entries", on_delete=fields.CASCADE
    )
    voter_id: int
    action = fields.CharEnumField(AuditAction, max_length=16)
    choices: fields.JSONField[Any] = fields.JSONField(null=True)
    at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "governance_vote_audit"
        ordering = ["id"]
        manager = _AppendOnlyManager()

    async def save(self, *args: Any, **kwargs: Any) -> None:
        if self._saved_in_db:
            raise AppendOnly("the vote audit log is append-only")
        await super().save(*args, **kwargs)

    async def delete(self, *args: Any, **kwargs: Any) -> None:
        raise AppendOnly("the vote audit log is append-only")


class PollStatus(str, Enum):
    OPEN = "OPEN"
    CLOSED = "CLOSED"


class PollResults(str, Enum):
    ALWAYS = "ALWAYS"
    AFTER_CLOSE = "AFTER_CLOSE"


class Poll(Model):
    """A quick question, attached to a forum topic or standalone."""

    id = fields.IntField(primary_key=True)
    author: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "accounts.User", related_name="authored_polls", null=True, on_delete=fields.SET_NULL
    )
    author_id: int | None
    # The forum topic the poll belongs to, if any (a standalone poll otherwise).
    topic: fields.ForeignKeyNullableRelation[Topic] = fields.ForeignKeyField(
        "forum.Topic", related_name="polls", null=True, on_delete=fields.SET_NULL
    )
    topic_id: int | None
    question = fields.CharField(max_length=300)
    options: fields.JSONField[list[Any]] = fields.JSONField(default=list)
    multiple = fields.BooleanField(default=False)
    max_choices = fields.IntField(default=1)
    anonymous = fields.BooleanField(default=False)
    results = fields.CharEnumField(PollResults, max_length=16, default=PollResults.ALWAYS)
    allow_change = fields.BooleanField(default=True)
    status = fields.CharEnumField(PollStatus, max_length=16, default=PollStatus.OPEN)
    # Moderation (api.domain.content): hidden shows only to its author and staff; deleted to nobody.
    hidden = fields.BooleanField(default=False)
    deleted_at = fields.DatetimeField(null=True)
    closes_at = fields.DatetimeField(null=True)
    closed_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "governance_polls"
        ordering = ["-created_at", "-id"]


class PollVote(Model):
    id = fields.IntField(primary_key=True)
    poll: fields.ForeignKeyRelation[Poll] = fields.ForeignKeyField(
        "governance.Poll", related_name="votes", on_delete=fields.CASCADE
    )
    poll_id: int
    voter: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "accounts.User", related_name="governance_poll_votes", on_delete=fields.CASCADE
    )
    voter_id: int
    choices: fields.JSONField[list[Any]] = fields.JSONField(default=list)  # option indexes
    cast_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "governance_poll_votes"
        unique_together = (("poll", "voter"),)
        ordering = ["id"]


class QuestionKind(str, Enum):
    SINGLE = "SINGLE"
    MULTIPLE = "MULTIPLE"
    TEXT = "TEXT"
    RATING = "RATING"  # 1 to 5


class SurveyAudience(str, Enum):
    EVERYONE = "EVERYONE"  # anyone may see it; members answer
    COMMITTEE = "COMMITTEE"  # the members of `audience_committee`
    ROLES = "ROLES"  # members of the roles in `audience_roles`
    TRUST_LEVEL = "TRUST_LEVEL"  # members at or above `audience_min_trust_level`
    SEGMENT = "SEGMENT"  # members the saved growth segment `audience_segment_id` matches at the time


class Survey(Model):
    questions: fields.ReverseRelation[SurveyQuestion]
    id = fields.IntField(primary_key=True)
    author: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "accounts.User", related_name="authored_surveys", null=True, on_delete=fields.SET_NULL
    )
    author_id: int | None
    title = fields.CharField(max_length=300)
    description = fields.TextField(default="")
    status = fields.CharEnumField(PollStatus, max_length=16, default=PollStatus.OPEN)
    # Anonymous: answers are stored in `AnonymousSurveyResponse` with nothing that names the member.
    anonymous = fields.BooleanField(default=False)
    # Who sees and answers it (authors and staff always see it); see api.domain.governance.access.
    audience = fields.CharEnumField(SurveyAudience, max_length=16, default=SurveyAudience.EVERYONE)
    audience_committee: fields.ForeignKeyNullableRelation[Committee] = fields.ForeignKeyField(
        "accounts.Committee", related_name="surveys", null=True, on_delete=fields.SET_NULL
    )
    audience_committee_id: int | None
    audience_roles = fields.CharField(max_length=64, default="")  # ",MODERATOR,ADMIN,": matched with LIKE
    audience_min_trust_level = fields.SmallIntField(null=True)
    # A growth Segment's id (audience SEGMENT); no foreign key (governance's tables do not depend on
    # growth's): a deleted segment leaves the survey to its author and staff.
    audience_segment_id = fields.IntField(null=True)
    # Moderation (api.domain.content): hidden shows only to its author and staff; deleted to nobody.
    hidden = fields.BooleanField(default=False)
    deleted_at = fields.DatetimeField(null=True)
    closes_at = fields.DatetimeField(null=True)
    closed_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "governance_surveys"
        ordering = ["-created_at", "-id"]


class SurveyQuestion(Model):
    id = fields.IntField(primary_key=True)
    survey: fields.ForeignKeyRelation[Survey] = fields.ForeignKeyField(
        "governance.Survey", related_name="questions", on_delete=fields.CASCADE
    )
    survey_id: int
    position = fields.IntField()
    kind = fields.CharEnumField(QuestionKind, max_length=16)
    prompt = fields.TextField()
    options: fields.JSONField[list[Any]] = fields.JSONField(default=list)
    required = fields.BooleanField(default=False)

    class Meta:
        table = "governance_survey_questions"
        unique_together = (("survey", "position"),)
        ordering = ["position"]


class SurveyResponse(Model):
    """A member's answers to a survey: one per member, editable until the survey closes."""

    id = fields.IntField(primary_key=True)
    survey: fields.ForeignKeyRelation[Survey] = fields.ForeignKeyField(
        "governance.Survey", related_name="responses", on_delete=fields.CASCADE
    )
    survey_id: int
    respondent: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "accounts.User", related_name="governance_survey_responses", on_delete=fields.CASCADE
    )
    respondent_id: int
    # {question id (str): [option indexes] | "text" | rating}; unanswered questions are absent.
    answers: fields.JSONField[dict[str, Any]] = fields.JSONField(default=dict)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "governance_survey_responses"
        unique_together = (("survey", "respondent"),)
        ordering = ["id"]


class SurveyParticipant(Model):
    """That a member answered an anonymous survey (one response per member), kept apart from the
    answers: no link, no time, so the two tables cannot be joined."""

    id = fields.IntField(primary_key=True)
    survey: fields.ForeignKeyRelation[Survey] = fields.ForeignKeyField(
        "governance.Survey", related_name="participants", on_delete=fields.CASCADE
    )
    survey_id: int
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "accounts.User", related_name="governance_survey_participations", on_delete=fields.CASCADE
    )
    user_id: int

    class Meta:
        table = "governance_survey_participants"
        unique_together = (("survey", "user"),)


class AnonymousSurveyResponse(Model):
    """Answers to an anonymous survey: a random id (no insertion order), no respondent, no time.
    Final once given, since nothing can find it again for its author."""

    id = fields.UUIDField(primary_key=True)
    survey: fields.ForeignKeyRelation[Survey] = fields.ForeignKeyField(
        "governance.Survey", related_name="anonymous_responses", on_delete=fields.CASCADE
    )
    survey_id: int
    answers: fields.JSONField[dict[str, Any]] = fields.JSONField(default=dict)  # as `SurveyResponse.answers`

    class Meta:
        table = "governance_survey_anonymous_responses"
        ordering = ["id"]
