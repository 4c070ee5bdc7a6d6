"""Per-request facts about the viewer and batched governance lookups (DataLoaders)."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from typing import Any

from tortoise.functions import Count

from api.models.accounts import CommitteeMembership, CommitteeRole
from api.models.governance import Ballot, EligibleVoter, PollVote
from api.policies import committee_seats
from schema.context import Info


async def _once(info: Info, key: str, make: Any) -> Any:
    """`make()` once per request; resolvers running side by side share the one pending result."""
    memo = info.context.memo
    pending = memo.get(key)
    if pending is None:
        pending = memo[key] = asyncio.ensure_future(make())
    return await pending


async def member_of(info: Info) -> frozenset[int]:
    """Ids of the committees the viewer sits on now (once per operation)."""
    return await committee_seats(info.context.viewer, info.context.memo)


async def chair_of(info: Info) -> set[int]:
    async def load() -> set[int]:
        viewer = info.context.viewer
        if viewer is None:
            return set()
        return set(
            await CommitteeMembership.filter(
                user_id=viewer.id, left_at__isnull=True, role=CommitteeRole.CHAIR
            ).values_list("committee_id", flat=True)
        )

    return await _once(info, "governance.chair_of", load)


def ballot_counts(info: Info) -> Any:
    async def batch(ids: list[int]) -> list[int]:
        rows = (
            await Ballot.filter(proposal_id__in=set(ids))
            .group_by("proposal_id")
            .annotate(n=Count("id"))
            .values_list("proposal_id", "n")
        )
        counts = dict(rows)
        return [counts.get(i, 0) for i in ids]

    return info.context.loaders.custom("governance.ballot_counts", batch)


def viewer_ballots(info: Info) -> Any:
    """The viewer's own ballot per proposal id (None when they have none)."""
    viewer_id = info.context.viewer.id if info.context.viewer else 0

    async def batch(ids: list[int]) -> list[Any]:
        rows = {b.proposal_id: b for b in await Ballot.filter(proposal_id__in=set(ids), voter_id=viewer_id)}
        return [rows.get(i) for i in ids]

    return info.context.loaders.custom(("governance.viewer_ballot", viewer_id), batch)


def viewer_eligible(info: Info) -> Any:
    viewer_id = info.context.viewer.id if info.context.viewer else 0

    async def batch(ids: list[int]) -> list[bool]:
        rows = set(
            await EligibleVoter.filter(proposal_id__in=set(ids), user_id=viewer_id).values_list(
                "proposal_id", flat=True
            )
        )
        return [i in rows for i in ids]

    return info.context.loaders.custom(("governance.viewer_eligible", viewer_id), batch)


def proposal_ballots(info: Info) -> Any:
    """Every ballot's choices per proposal id (for live tallies)."""

    async def batch(ids: list[int]) -> list[list[list[str]]]:
        grouped: dict[int, list[list[str]]] = defaultdict(list)
        for proposal_id, choices in (
            await Ballot.filter(proposal_id__in=set(ids)).order_by("id").values_list("proposal_id", "choices")
        ):
            grouped[proposal_id].append(list(choices))
        return [grouped.get(i, []) for i in ids]

    return info.context.loaders.custom("governance.proposal_ballots", batch)


def poll_counts(info: Info) -> Any:
    from api.domain.governance.polls import counts

    async def batch(ids: list[int]) -> list[dict[int, int]]:
        totals = await counts(list(set(ids)))
        return [totals.get(i, {}) for i in ids]

    return info.context.loaders.custom("governance.poll_counts", batch)


def viewer_poll_votes(info: Info) -> Any:
    viewer_id = info.context.viewer.id if info.context.viewer else 0

    async def batch(ids: list[int]) -> list[Any]:
        rows = {v.poll_id: v for v in await PollVote.filter(poll_id__in=set(ids), voter_id=viewer_id)}
        return [rows.get(i) for i in ids]

    return info.context.loaders.custom(("governance.viewer_poll_vote", viewer_id), batch)


def poll_voter_counts(info: Info) -> Any:
    async def batch(ids: list[int]) -> list[int]:
        rows = (
            await PollVote.filter(poll_id__in=set(ids))
            .group_by("poll_id")
            .annotate(n=Count("id"))
            .values_list("poll_id", "n")
        )
        counts = dict(rows)
        return [counts.get(i, 0) for i in ids]

    return info.context.loaders.custom("governance.poll_voter_counts", batch)
