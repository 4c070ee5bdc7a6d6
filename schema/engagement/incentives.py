"""Points, badges, titles, rewards and daily check-in."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from api.domain.engagement import badges, checkin, points, rewards, titles
from api.domain.engagement.common import stats_for
from api.models import engagement as models
from api.models.accounts import User as UserModel
from schema.accounts import Payload, User
from schema.context import Info
from schema.engagement.enums import INPUT, BadgeCriterion, BadgeTier, LeaderboardPeriod, RedemptionStatus
from schema.engagement.types import (
    Badge,
    BadgeAward,
    CheckIn,
    LeaderboardEntry,
    PointEntry,
    Redemption,
    Reward,
    Title,
)
from schema.errors import PublicError
from schema.permissions import Require, guard
from schema.relay import (
    After,
    Before,
    Connection,
    First,
    Last,
    _page,
    _window,
    paginate,
    paginate_list,
    parse_id,
)


@strawberry.type(description="The viewer's points, streaks, badges, titles and redemptions.")
class MyEngagement:
    user_id: strawberry.Private[int]

    @strawberry.field(description="Points available to spend (the sum of the ledger).")
    async def balance(self) -> int:
        return await points.balance(self.user_id)

    @strawberry.field(description="Points ever earned (spending excluded): the base of point-level titles.")
    async def earned(self) -> int:
        account = await models.PointAccount.filter(user_id=self.user_id).first()
        return account.earned if account else 0

    @strawberry.field(description="Current daily check-in streak (0 if the last check-in is older than yesterday).")
    async def current_streak(self, info: Info) -> int:
        return checkin.live_streak(await models.MemberStats.filter(user_id=self.user_id).first(), info.context.settings)

    @strawberry.field(description="Longest daily check-in streak ever.")
    async def longest_streak(self) -> int:
        stats = await models.MemberStats.filter(user_id=self.user_id).first()
        return stats.longest_streak if stats else 0

    @strawberry.field(description="Whether the viewer has checked in today (community time zone).")
    async def checked_in_today(self, info: Info) -> bool:
        from api.domain.engagement.common import community_day

        return await models.CheckIn.filter(user_id=self.user_id, day=community_day(info.context.settings)).exists()

    @strawberry.field(description="The ledger, newest first.")
    async def ledger(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[PointEntry]:
        query = models.PointEntry.filter(user_id=self.user_id).order_by("-id")
        return await paginate(info, query, first=first, after=after, last=last, before=before)

    @strawberry.field(description="Check-ins, newest first.")
    async def check_ins(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[CheckIn]:
        query = models.CheckIn.filter(user_id=self.user_id).order_by("-day")
        return await paginate(info, query, first=first, after=after, last=last, before=before)

    @strawberry.field(description="Redemptions, newest first.")
    async def redemptions(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Redemption]:
        query = models.Redemption.filter(user_id=self.user_id).order_by("-id")
        return await paginate(info, query, first=first, after=after, last=last, before=before)

    @strawberry.field(description="Titles the viewer may show (granted or reached by points).")
    async def available_titles(self, info: Info) -> list[Title]:
        return await titles.available_titles(info.context.settings, self.user_id)


@strawberry.type
class Query:
    @strawberry.field(description="The viewer's points, streaks and redemptions; null when anonymous.")
    def my_engagement(self, info: Info) -> MyEngagement | None:
        viewer = info.context.viewer
        return MyEngagement(user_id=viewer.id) if viewer else None

    @strawberry.field(description="Members by points earned in a period, most first.")
    async def points_leaderboard(
        self,
        info: Info,
        period: Annotated[LeaderboardPeriod, strawberry.argument(description="Week, month or all time.")],
        first: First = None,
        after: After = None,
    ) -> Connection[LeaderboardEntry]:
        start, stop, _ = _window(info, first, after, None, None)
        limit = (stop or start + info.context.settings.page_size_default) - start
        standings, total = await points.leaderboard(info.context.settings, period, offset=start, limit=limit)
        rows = [LeaderboardEntry(rank=s.rank, points=s.points, user_id=s.user_id) for s in standings]
        info.context.loaders.prime(UserModel, await UserModel.filter(id__in=[r.user_id for r in rows]))
        return _page(rows, start, start + len(rows) < total, start > 0, total)

    @strawberry.field(description="Badge definitions, by name.")
    async def badges(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Badge]:
        return await paginate(
            info, models.Badge.all().order_by("name"), first=first, after=after, last=last, before=before
        )

    @strawberry.field(description="Badges a member holds, newest first.")
    async def member_badges(
        self,
        info: Info,
        user_id: Annotated[strawberry.ID, strawberry.argument(description="Global id of the member.")],
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[BadgeAward]:
        from schema.relay import decode_global_id

        pk = decode_global_id(user_id, "User")[1]
        query = models.BadgeAward.filter(user_id=pk, revoked_at__isnull=True).order_by("-id")
        return await paginate(info, query, first=first, after=after, last=last, before=before)

    @strawberry.field(description="Every title: point levels first, then granted ones.")
    async def titles(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Title]:
        await titles.sync_level_titles(info.context.settings)
        rows = sorted(await models.Title.all(), key=lambda t: (t.min_points is None, t.min_points or 0, t.name))
        return paginate_list(info, rows, first=first, after=after, last=last, before=before)

    @strawberry.field(description="The rewards catalogue, cheapest first.")
    async def rewards(
        self,
        info: Info,
        available_only: Annotated[
            bool, strawberry.argument(description="Only active rewards in stock within their window.")
        ] = True,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Reward]:
        query = models.Reward.all().order_by("cost", "id")
        if available_only:
            from tortoise.expressions import Q

            from api.timeutil import now

            at = now()
            query = (
                query.filter(active=True, stock__gt=0)
                .filter(Q(starts_at__isnull=True) | Q(starts_at__lte=at))
                .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=at))
            )
        return await paginate(info, query, first=first, after=after, last=last, before=before)

    @strawberry.field(description="Redemptions to handle, oldest first (staff only).")
    async def redemptions(
        self,
        info: Info,
        status: Annotated[RedemptionStatus | None, strawberry.argument(description="Only in this state.")] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Redemption]:
        from api.policies import is_staff

        if not is_staff(info.context.viewer):
            raise PublicError("Only moderators and admins may see redemptions.")
        query = models.Redemption.all().order_by("id")
        if status is not None:
            query = query.filter(status=status)
        return await paginate(info, query, first=first, after=after, last=last, before=before)


# --- Inputs and payloads ------------------------------------------------------------------------


@strawberry.input(description="Grant or deduct points.")
class GrantPointsInput:
    user_id: strawberry.ID = strawberry.field(description="Global id of the member.")
    amount: int = strawberry.field(description="Positive to grant, negative to deduct.")
    reason: str = strawberry.field(description="Why (kept in the ledger).")


@strawberry.type(description="Result of `grantPoints`.")
class GrantPointsPayload(Payload):
    entry: PointEntry | None = strawberry.field(default=None, description="The ledger entry.")


@strawberry.input(description="A new badge.")
class CreateBadgeInput:
    name: str = strawberry.field(description="Unique name.")
    tier: BadgeTier = strawberry.field(description="Bronze, silver or gold.")
    description: str = strawberry.field(default="", description="What it rewards.")
    criterion: BadgeCriterion = strawberry.field(
        default=models.BadgeCriterion.MANUAL, description="What earns it automatically."
    )
    threshold: int = strawberry.field(default=0, description="Count the criterion must reach.")
    event_name: str | None = strawberry.field(
        default=None,
        description='For EVENT: the catalogue name of the event counted ("forum.topic_created"). Events with a '
        "badge history (docs/events.md) count the past too and the badge reaches members who already qualify "
        "within minutes (a background job); others are counted from the badge's creation on.",
    )
    icon_id: strawberry.ID | None = strawberry.field(default=None, description="Global id of an uploaded image.")


@strawberry.type(description="Result of `createBadge`.")
class CreateBadgePayload(Payload):
    badge: Badge | None = strawberry.field(default=None, description="The new badge.")


@strawberry.input(description="Award a badge by hand.")
class AwardBadgeInput:
    badge_id: strawberry.ID = strawberry.field(description="Global id of the badge.")
    user_id: strawberry.ID = strawberry.field(description="Global id of the member.")
    reason: str = strawberry.field(default="", description="Why.")


@strawberry.type(description="Result of `awardBadge`.")
class AwardBadgePayload(Payload):
    award: BadgeAward | None = strawberry.field(default=None, description="The award.")


@strawberry.input(description="Take a badge back from a member, with a reason they are told.")
class RevokeBadgeInput:
    badge_id: strawberry.ID = strawberry.field(description="Global id of the badge.")
    user_id: strawberry.ID = strawberry.field(description="Global id of the member.")
    reason: str = strawberry.field(description="Why (required; the member is told).")


@strawberry.type(description="Result of `revokeBadge`.")
class RevokeBadgePayload(Payload):
    award: BadgeAward | None = strawberry.field(default=None, description="The revoked award.")


@strawberry.input(description="A new title that admins grant.")
class CreateTitleInput:
    name: str = strawberry.field(description="The title, unique.")
    description: str = strawberry.field(default="", description="What it stands for.")


@strawberry.type(description="Result of `createTitle`.")
class CreateTitlePayload(Payload):
    title: Title | None = strawberry.field(default=None, description="The new title.")


@strawberry.input(description="Grant a title to a member.")
class GrantTitleInput:
    title_id: strawberry.ID = strawberry.field(description="Global id of the title.")
    user_id: strawberry.ID = strawberry.field(description="Global id of the member.")


@strawberry.type(description="Result of `grantTitle`.")
class GrantTitlePayload(Payload):
    title: Title | None = strawberry.field(default=None, description="The title granted.")
    user: User | None = strawberry.field(default=None, description="The member.")


@strawberry.input(description="Pick the title shown beside the viewer's name.")
class SelectTitleInput:
    title_id: strawberry.ID | None = strawberry.field(
        description="Global id of a title the viewer holds; null for none."
    )


@strawberry.type(description="Result of `selectTitle`.")
class SelectTitlePayload(Payload):
    user: User | None = strawberry.field(default=None, description="The viewer, with the title.")


@strawberry.input(description="A reward of the catalogue; omitted fields keep their value when updating.")
class RewardFields:
    name: str | None = strawberry.field(default=None, description="What the member gets.")
    description: str | None = strawberry.field(default=None, description="Details.")
    cost: int | None = strawberry.field(default=None, description="Points it costs (at least 1).")
    stock: int | None = strawberry.field(default=None, description="Items left.")
    per_member_limit: int | None = strawberry.field(default=None, description="Most per member; 0 for no limit.")
    starts_at: datetime | None = strawberry.field(default=None, description="Redeemable from.")
    ends_at: datetime | None = strawberry.field(default=None, description="Redeemable until.")
    active: bool | None = strawberry.field(default=None, description="Offered at all.")


def _reward_input(data: RewardFields) -> rewards.RewardInput:
    return rewards.RewardInput(
        name=data.name,
        description=data.description,
        cost=data.cost,
        stock=data.stock,
        per_member_limit=data.per_member_limit,
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        active=data.active,
    )


@strawberry.input(description="Add a reward to the catalogue.")
class CreateRewardInput:
    reward: RewardFields = strawberry.field(description="Its fields (name, cost and stock required).")


@strawberry.type(description="Result of `createReward` and `updateReward`.")
class RewardPayload(Payload):
    reward: Reward | None = strawberry.field(default=None, description="The reward.")


@strawberry.input(description="Change a reward.")
class UpdateRewardInput:
    reward_id: strawberry.ID = strawberry.field(description="Global id of the reward.")
    reward: RewardFields = strawberry.field(description="The fields to change.")


@strawberry.input(description="Spend points on a reward.")
class RedeemRewardInput:
    reward_id: strawberry.ID = strawberry.field(description="Global id of the reward.")


@strawberry.type(description="Result of `redeemReward`, `fulfilRedemption` and `refundRedemption`.")
class RedemptionPayload(Payload):
    redemption: Redemption | None = strawberry.field(default=None, description="The redemption.")
    balance: int | None = strawberry.field(default=None, description="The member's balance afterwards.")


@strawberry.input(description="Mark a redemption delivered, or refund it.")
class HandleRedemptionInput:
    redemption_id: strawberry.ID = strawberry.field(description="Global id of the redemption.")
    note: str = strawberry.field(default="", description="A note for the member.")


@strawberry.input(description="Check in for today.")
class DailyCheckInInput:
    client_mutation_id: str | None = strawberry.field(
        default=None, description="Echoed back, for clients that track calls."
    )


@strawberry.type(description="Result of `dailyCheckIn`.")
class DailyCheckInPayload(Payload):
    check_in: CheckIn | None = strawberry.field(default=None, description="Today's check-in.")
    longest_streak: int | None = strawberry.field(default=None, description="The viewer's longest streak.")
    balance: int | None = strawberry.field(default=None, description="Points available afterwards.")
    client_mutation_id: str | None = strawberry.field(default=None, description="As given.")


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Grant or deduct points with a reason (admins).")
    @guard(Require.ADMIN)
    async def grant_points(
        self,
        info: Info,
        input: Annotated[GrantPointsInput, strawberry.argument(description=INPUT)],
    ) -> GrantPointsPayload:
        entry = await points.grant(
            info.context.viewer,
            parse_id(input.user_id, "User", "userId"),
            input.amount,
            input.reason,
            settings=info.context.settings,
        )
        return GrantPointsPayload(entry=entry)

    @strawberry.mutation(description="Define a badge (admins).")
    @guard(Require.ADMIN)
    async def create_badge(
        self,
        info: Info,
        input: Annotated[CreateBadgeInput, strawberry.argument(description=INPUT)],
    ) -> CreateBadgePayload:
        badge = await badges.create_badge(
            info.context.viewer,
            name=input.name,
            description=input.description,
            tier=models.BadgeTier(input.tier),
            criterion=models.BadgeCriterion(input.criterion),
            threshold=input.threshold,
            event_name=input.event_name,
            icon_id=parse_id(input.icon_id, "MediaFile", "iconId") if input.icon_id else None,
            settings=info.context.settings,
        )
        return CreateBadgePayload(badge=badge)

    @strawberry.mutation(description="Award a badge by hand (staff); each member holds a badge once.")
    @guard(Require.MODERATOR)
    async def award_badge(
        self,
        info: Info,
        input: Annotated[AwardBadgeInput, strawberry.argument(description=INPUT)],
    ) -> AwardBadgePayload:
        award = await badges.award_badge(
            info.context.viewer,
            parse_id(input.badge_id, "Badge", "badgeId"),
            parse_id(input.user_id, "User", "userId"),
            input.reason,
            settings=info.context.settings,
        )
        return AwardBadgePayload(award=award)

    @strawberry.mutation(description="Revoke a member's badge with a reason (staff); rules never give it back.")
    @guard(Require.MODERATOR)
    async def revoke_badge(
        self,
        info: Info,
        input: Annotated[RevokeBadgeInput, strawberry.argument(description=INPUT)],
    ) -> RevokeBadgePayload:
        award = await badges.revoke_award(
            info.context.viewer,
            parse_id(input.badge_id, "Badge", "badgeId"),
            parse_id(input.user_id, "User", "userId"),
            input.reason,
            settings=info.context.settings,
        )
        return RevokeBadgePayload(award=award)

    @strawberry.mutation(description="Define a title that admins grant.")
    @guard(Require.ADMIN)
    async def create_title(
        self,
        info: Info,
        input: Annotated[CreateTitleInput, strawberry.argument(description=INPUT)],
    ) -> CreateTitlePayload:
        title = await titles.create_title(
            info.context.viewer, input.name, input.description, settings=info.context.settings
        )
        return CreateTitlePayload(title=title)

    @strawberry.mutation(description="Grant a title to a member (admins).")
    @guard(Require.ADMIN)
    async def grant_title(
        self,
        info: Info,
        input: Annotated[GrantTitleInput, strawberry.argument(description=INPUT)],
    ) -> GrantTitlePayload:
        user_id = parse_id(input.user_id, "User", "userId")
        grant = await titles.grant_title(info.context.viewer, parse_id(input.title_id, "Title", "titleId"), user_id)
        return GrantTitlePayload(title=await models.Title.get(id=grant.title_id), user=await UserModel.get(id=user_id))

    @strawberry.mutation(description="Pick the title shown beside the viewer's name.")
    @guard(Require.MEMBER)
    async def select_title(
        self,
        info: Info,
        input: Annotated[SelectTitleInput, strawberry.argument(description=INPUT)],
    ) -> SelectTitlePayload:
        title_id = parse_id(input.title_id, "Title", "titleId") if input.title_id else None
        await titles.select_title(info.context.viewer, title_id, settings=info.context.settings)
        return SelectTitlePayload(user=info.context.viewer)

    @strawberry.mutation(description="Add a reward to the catalogue (staff).")
    @guard(Require.MODERATOR)
    async def create_reward(
        self,
        info: Info,
        input: Annotated[CreateRewardInput, strawberry.argument(description=INPUT)],
    ) -> RewardPayload:
        reward = await rewards.create_reward(
            info.context.viewer, _reward_input(input.reward), settings=info.context.settings
        )
        return RewardPayload(reward=reward)

    @strawberry.mutation(description="Change a reward of the catalogue (staff).")
    @guard(Require.MODERATOR)
    async def update_reward(
        self,
        info: Info,
        input: Annotated[UpdateRewardInput, strawberry.argument(description=INPUT)],
    ) -> RewardPayload:
        reward = await rewards.update_reward(
            info.context.viewer,
            parse_id(input.reward_id, "Reward", "rewardId"),
            _reward_input(input.reward),
            settings=info.context.settings,
        )
        return RewardPayload(reward=reward)

    @strawberry.mutation(description="Spend points on a reward: debit and stock are taken in one transaction.")
    @guard(Require.MEMBER)
    async def redeem_reward(
        self,
        info: Info,
        input: Annotated[RedeemRewardInput, strawberry.argument(description=INPUT)],
    ) -> RedemptionPayload:
        viewer = info.context.member
        redemption = await rewards.redeem(
            viewer, parse_id(input.reward_id, "Reward", "rewardId"), settings=info.context.settings
        )
        return RedemptionPayload(redemption=redemption, balance=await points.balance(viewer.id))

    @strawberry.mutation(description="Mark a redemption delivered (staff).")
    @guard(Require.MODERATOR)
    async def fulfil_redemption(
        self,
        info: Info,
        input: Annotated[HandleRedemptionInput, strawberry.argument(description=INPUT)],
    ) -> RedemptionPayload:
        redemption = await rewards.fulfil(
            info.context.viewer,
            parse_id(input.redemption_id, "Redemption", "redemptionId"),
            input.note,
            settings=info.context.settings,
        )
        return RedemptionPayload(redemption=redemption, balance=await points.balance(redemption.user_id))

    @strawberry.mutation(description="Refund a pending redemption: points back, item restocked (staff).")
    @guard(Require.MODERATOR)
    async def refund_redemption(
        self,
        info: Info,
        input: Annotated[HandleRedemptionInput, strawberry.argument(description=INPUT)],
    ) -> RedemptionPayload:
        redemption = await rewards.refund(
            info.context.viewer,
            parse_id(input.redemption_id, "Redemption", "redemptionId"),
            input.note,
            settings=info.context.settings,
        )
        return RedemptionPayload(redemption=redemption, balance=await points.balance(redemption.user_id))

    @strawberry.mutation(description="Check in for today (once per community day): points, streak, bonuses.")
    @guard(Require.MEMBER)
    async def daily_check_in(
        self,
        info: Info,
        input: Annotated[DailyCheckInInput, strawberry.argument(description=INPUT)],
    ) -> DailyCheckInPayload:
        viewer = info.context.member
        check_in = await checkin.daily_check_in(viewer, settings=info.context.settings)
        stats = await stats_for(viewer.id)
        return DailyCheckInPayload(
            check_in=check_in,
            longest_streak=stats.longest_streak,
            balance=await points.balance(viewer.id),
            client_mutation_id=input.client_mutation_id,
        )
