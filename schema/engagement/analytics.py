"""Staff analytics (community statistics, retention, contributors, spaces) and inactive members."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry

from api.domain.engagement import analytics as domain
from api.domain.engagement import inactive as inactive_domain
from api.domain.engagement.analytics_csv import StatsTable, stats_csv
from api.models.accounts import User as UserModel
from schema.accounts import Payload, User
from schema.context import Info
from schema.engagement.enums import INPUT, StatsInterval
from schema.enums import described_enum
from schema.permissions import Require, guard
from schema.relay import After, Before, Connection, First, Last, node_global_id, paginate, parse_id

described_enum(
    StatsTable,
    name="StatsTable",
    description="An analytics table to export as CSV.",
    values={
        "BUCKETS": "communityStats buckets.",
        "RETENTION": "retentionCohorts (weeks from `from` to `to`).",
        "CONTRIBUTORS": "topContributors (100 members).",
        "SPACES": "spaceEngagement.",
    },
)


@strawberry.type(description="Figures of one bucket (day, week or month) of community statistics.")
class StatsBucket:
    start: date = strawberry.field(description="First community day of the bucket.")
    end: date = strawberry.field(description="Last community day of the bucket (inclusive).")
    new_members: int = strawberry.field(description="Members who joined.")
    active_members: int = strawberry.field(
        description="Distinct members with any request (read, write or sign-in) on a community day of the bucket."
    )
    returning_members: int = strawberry.field(description="Active members who joined before the bucket.")
    articles: int = strawberry.field(description="Knowledge-base articles first published.")
    resources: int = strawberry.field(description="Resource library entries added.")
    topics: int = strawberry.field(description="Topics (discussions and questions) started.")
    posts: int = strawberry.field(description="Replies written (answers included).")
    questions: int = strawberry.field(description="Questions asked.")
    answers: int = strawberry.field(description="Answers written.")
    accepted_questions: int = strawberry.field(
        description="Questions asked in the bucket that have an accepted answer."
    )
    acceptance_rate: float | None = strawberry.field(
        description="accepted_questions / questions; null without questions."
    )
    median_first_answer_seconds: float | None = strawberry.field(
        description="Median delay from question to first answer by someone else, for questions asked in the bucket."
    )
    votes: int = strawberry.field(description="Votes cast.")
    check_ins: int = strawberry.field(description="Daily check-ins.")
    event_attendance: int = strawberry.field(description="Event check-ins.")


@strawberry.type(description="Community statistics over a range of community days.")
class CommunityStats:
    start: date = strawberry.field(description="First day of the range.")
    end: date = strawberry.field(description="Last day of the range.")
    interval: StatsInterval = strawberry.field(description="Size of each bucket.")
    buckets: list[StatsBucket] = strawberry.field(description="Figures per bucket, in order.")
    daily_active: int = strawberry.field(description="Members active on the last day (DAU).")
    weekly_active: int = strawberry.field(description="Members active in the 7 days ending on the last day (WAU).")
    monthly_active: int = strawberry.field(description="Members active in the 30 days ending on the last day (MAU).")
    stickiness: float | None = strawberry.field(
        description="dailyActive / monthlyActive; null without monthly actives."
    )


@strawberry.type(description="Members who joined in one week, and how many were active in each later week.")
class RetentionCohort:
    week_start: date = strawberry.field(description="Monday of the join week.")
    size: int = strawberry.field(description="Members who joined that week.")
    active: list[int] = strawberry.field(description="Active members in week 0, 1, 2... after joining.")
    retention: list[float] = strawberry.field(description="`active` as shares of `size`.")


@strawberry.type(description="A member by points earned over a range.")
class TopContributor:
    points: int = strawberry.field(description="Points earned in the range (spending excluded).")
    posts: int = strawberry.field(description="Replies written in the range.")
    user_id: strawberry.Private[int]

    @strawberry.field(description="The member.")
    async def user(self, info: Info) -> User | None:
        return await info.context.loaders.by_id(UserModel).load(self.user_id)


@strawberry.type(description="Activity of one forum space over a range.")
class SpaceEngagement:
    name: str = strawberry.field(description="Name of the space.")
    topics: int = strawberry.field(description="Topics started.")
    posts: int = strawberry.field(description="Replies written.")
    contributors: int = strawberry.field(description="Distinct members who started topics or replied.")
    space_pk: strawberry.Private[int]

    @strawberry.field(description="Global id of the space.")
    def space_id(self) -> strawberry.ID:
        return strawberry.ID(node_global_id("Space", self.space_pk))


From = Annotated[date, strawberry.argument(name="from", description="First community day (inclusive).")]
To = Annotated[date, strawberry.argument(description="Last community day (inclusive).")]


@strawberry.type
class Query:
    @strawberry.field(description="Community statistics per day, week or month (staff only).")
    async def community_stats(
        self,
        info: Info,
        from_: From,
        to: To,
        interval: Annotated[StatsInterval, strawberry.argument(description="Bucket size.")] = domain.Interval.DAY,
    ) -> CommunityStats:
        stats = await domain.community_stats(
            info.context.viewer, from_, to, domain.Interval(interval), settings=info.context.settings
        )
        return CommunityStats(
            start=stats.start,
            end=stats.end,
            interval=stats.interval,
            daily_active=stats.daily_active,
            weekly_active=stats.weekly_active,
            monthly_active=stats.monthly_active,
            stickiness=stats.stickiness,
            buckets=[
                StatsBucket(
                    returning_members=b.returning_members,
                    articles=b.articles,
                    resources=b.resources,
                    start=b.start,
                    end=b.end,
                    new_members=b.new_members,
                    active_members=b.active_members,
                    topics=b.topics,
                    posts=b.posts,
                    questions=b.questions,
                    answers=b.answers,
                    accepted_questions=b.accepted_questions,
                    acceptance_rate=b.acceptance_rate,
                    median_first_answer_seconds=b.median_first_answer_seconds,
                    votes=b.votes,
                    check_ins=b.check_ins,
                    event_attendance=b.event_attendance,
                )
                for b in stats.buckets
            ],
        )

    @strawberry.field(description="One analytics table as CSV with a header row (staff only).")
    async def community_stats_csv(
        self,
        info: Info,
        from_: From,
        to: To,
        table: Annotated[StatsTable, strawberry.argument(description="Which table.")],
        interval: Annotated[
            StatsInterval, strawberry.argument(description="Bucket size (BUCKETS only).")
        ] = domain.Interval.DAY,
    ) -> str:
        return await stats_csv(
            info.context.viewer, StatsTable(table), from_, to, domain.Interval(interval), settings=info.context.settings
        )

    @strawberry.field(description="Weekly retention cohorts by join week (staff only).")
    async def retention_cohorts(
        self,
        info: Info,
        from_: From,
        weeks: Annotated[int, strawberry.argument(description="How many join weeks, from the week of `from`.")] = 8,
    ) -> list[RetentionCohort]:
        cohorts = await domain.retention_cohorts(info.context.viewer, from_, weeks, settings=info.context.settings)
        return [
            RetentionCohort(week_start=c.week_start, size=c.size, active=c.active, retention=c.retention)
            for c in cohorts
        ]

    @strawberry.field(description="Members by points earned over a range (staff only).")
    async def top_contributors(
        self,
        info: Info,
        from_: From,
        to: To,
        limit: Annotated[int, strawberry.argument(description="How many members (at most 100).")] = 10,
    ) -> list[TopContributor]:
        rows = await domain.top_contributors(info.context.viewer, from_, to, limit, settings=info.context.settings)
        return [TopContributor(points=r.points, posts=r.posts, user_id=r.user_id) for r in rows]

    @strawberry.field(description="Activity per forum space over a range (staff only).")
    async def space_engagement(self, info: Info, from_: From, to: To) -> list[SpaceEngagement]:
        rows = await domain.engagement_by_space(info.context.viewer, from_, to, settings=info.context.settings)
        return [
            SpaceEngagement(
                name=r.name, topics=r.topics, posts=r.posts, contributors=r.contributors, space_pk=r.space_id
            )
            for r in rows
        ]

    @strawberry.field(
        description="Members with no write or sign-in for `days` days, least recently seen first (staff only)."
    )
    async def inactive_members(
        self,
        info: Info,
        days: Annotated[int, strawberry.argument(description="Days without activity.")],
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[User]:
        query = inactive_domain.inactive_query(info.context.viewer, days)
        return await paginate(info, query, first=first, after=after, last=last, before=before)


@strawberry.input(description="Remind inactive members with a notification.")
class RemindInactiveMembersInput:
    days: int = strawberry.field(description="Days without activity.")
    user_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Only these members (if still inactive); omit for all of them."
    )
    message: str = strawberry.field(default="", description="The reminder; a friendly default when empty.")


@strawberry.type(description="Result of `remindInactiveMembers`.")
class RemindInactiveMembersPayload(Payload):
    reminded: int = strawberry.field(default=0, description="How many members were notified.")


@strawberry.input(description="Mark inactive members INACTIVE (their content stays).")
class MarkMembersInactiveInput:
    days: int = strawberry.field(description="Days without activity.")
    user_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Only these members (if still inactive); omit for all of them."
    )


@strawberry.type(description="Result of `markMembersInactive`.")
class MarkMembersInactivePayload(Payload):
    marked: int = strawberry.field(default=0, description="How many members changed to INACTIVE.")


def _ids(values: list[strawberry.ID] | None) -> list[int] | None:
    return None if values is None else [parse_id(v, "User", "userIds") for v in values]


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Notify inactive members (staff).")
    @guard(Require.MODERATOR)
    async def remind_inactive_members(
        self,
        info: Info,
        input: Annotated[RemindInactiveMembersInput, strawberry.argument(description=INPUT)],
    ) -> RemindInactiveMembersPayload:
        sent = await inactive_domain.remind(
            info.context.viewer, input.days, _ids(input.user_ids), input.message, settings=info.context.settings
        )
        return RemindInactiveMembersPayload(reminded=sent)

    @strawberry.mutation(description="Mark inactive members INACTIVE; nothing is deleted (admins).")
    @guard(Require.ADMIN)
    async def mark_members_inactive(
        self,
        info: Info,
        input: Annotated[MarkMembersInactiveInput, strawberry.argument(description=INPUT)],
    ) -> MarkMembersInactivePayload:
        marked = await inactive_domain.mark_inactive(info.context.viewer, input.days, _ids(input.user_ids))
        return MarkMembersInactivePayload(marked=marked)
