"""GraphQL enums of governance, each value described."""

from __future__ import annotations

from api.models import accounts as account_models
from api.models import governance as models
from schema.enums import described_enum

CommitteeRole = account_models.CommitteeRole
described_enum(
    CommitteeRole,
    name="CommitteeRole",
    description="A member's role on a committee.",
    values={
        "CHAIR": "Runs the committee: adds members, opens and closes votes.",
        "MEMBER": "Sits on the committee and votes.",
    },
)
ProposalStatus = models.ProposalStatus
described_enum(
    ProposalStatus,
    name="ProposalStatus",
    description="Where a proposal stands.",
    values={
        "DRAFT": "Being written; visible to the committee, changeable.",
        "OPEN": "Voting is open until `closesAt`.",
        "CLOSED": "Voting closed; the tally and outcome are stored.",
        "WITHDRAWN": "Withdrawn by its author or a chair; never tallied.",
    },
)
Outcome = models.Outcome
described_enum(
    Outcome,
    name="ProposalOutcome",
    description="The result of a closed proposal.",
    values={
        "PASSED": "Quorum reached and the leading answer cleared the threshold.",
        "REJECTED": "Quorum reached but nothing cleared the threshold (ties included).",
        "NO_QUORUM": "Too few eligible members voted.",
    },
)
SurveyAudience = models.SurveyAudience
described_enum(
    SurveyAudience,
    name="SurveyAudience",
    description="Who a survey is for (who sees and answers it).",
    values={
        "EVERYONE": "Everyone sees it; members answer.",
        "COMMITTEE": "The members of `audienceCommitteeId`.",
        "ROLES": "Members of the roles in `audienceRoles`.",
        "TRUST_LEVEL": "Members at or above `audienceMinTrustLevel`.",
        "SEGMENT": "Members the saved segment `audienceSegmentId` matches when they read or answer it.",
    },
)
Electorate = models.Electorate
described_enum(
    Electorate,
    name="Electorate",
    description="Who votes on a proposal (snapshotted when voting opens; banned and inactive members never vote).",
    values={
        "COMMITTEE": "The members of the proposal's committee.",
        "MEMBERS": "Every active member of the community.",
        "ROLES": "Active members of the roles in `electorateRoles`.",
        "TRUST_LEVEL": "Active members at or above `electorateMinTrustLevel`.",
        "TIER": "Active members holding the tier `electorateMinTierId` or a higher-ranked one.",
    },
)
VotingMethod = models.VotingMethod
described_enum(
    VotingMethod,
    name="VotingMethod",
    description="How ballots are cast and counted.",
    values={
        "YES_NO_ABSTAIN": "One of YES, NO or ABSTAIN.",
        "SINGLE_CHOICE": "One of the listed options (none to abstain).",
        "APPROVAL": "Any number of the listed options; the most approved leads.",
        "RANKED_CHOICE": "Options ranked by preference, counted by instant run-off.",
    },
)
Threshold = models.Threshold
described_enum(
    Threshold,
    name="Threshold",
    description="Support the leading answer needs to pass.",
    values={
        "SIMPLE_MAJORITY": "More than half of the counted votes.",
        "TWO_THIRDS": "At least two thirds of the counted votes.",
        "UNANIMITY": "All of the counted votes.",
    },
)
AbstentionRule = models.AbstentionRule
described_enum(
    AbstentionRule,
    name="AbstentionRule",
    description="How abstentions count.",
    values={
        "EXCLUDED": "Towards quorum only; not in the threshold's base.",
        "COUNTED": "Towards quorum and in the threshold's base (weighing like a vote against).",
    },
)
AuditAction = models.AuditAction
described_enum(
    AuditAction,
    name="VoteAuditAction",
    description="What a voter did.",
    values={"CAST": "Cast a first ballot.", "CHANGE": "Replaced their ballot.", "RETRACT": "Withdrew their ballot."},
)
OpenState = models.PollStatus
described_enum(
    OpenState,
    name="OpenState",
    description="Whether a poll or survey takes answers.",
    values={"OPEN": "Takes answers until closed or until its closing time.", "CLOSED": "Closed; answers are final."},
)
PollResults = models.PollResults
described_enum(
    PollResults,
    name="PollResultsVisibility",
    description="When a poll's results show.",
    values={"ALWAYS": "Always, also while the poll is open.", "AFTER_CLOSE": "Only once the poll closed."},
)
QuestionKind = models.QuestionKind
described_enum(
    QuestionKind,
    name="SurveyQuestionKind",
    description="The kind of answer a question takes.",
    values={
        "SINGLE": "One of the listed options.",
        "MULTIPLE": "Any of the listed options.",
        "TEXT": "Free text.",
        "RATING": "A rating from 1 to 5.",
    },
)
