"""Referrals that reward (推荐制度): when a member invited with an invite
(`moderation.Referral`) has been active on REFERRAL_ACTIVE_DAYS community days, the inviter and
the invitee each get REFERRAL_POINTS, once.

The `growth.referrals` job finds ripe referrals with one aggregate query per batch, decides the
whole batch with two more (bans, then the tokens' devices and networks: `_refusals`) and records
the refused ones in one INSERT. The payable ones are claimed with unique `ReferralOutcome` rows
(one INSERT ... ON CONFLICT DO NOTHING RETURNING) and paid (`points.award_many`) in the same
transaction: only the process that wrote a claim pays it, the point entries carry dedupe keys
besides, and a crash leaves no referral claimed but unpaid.

Abuse guard (a refused referral is recorded with its reason and never paid):
- self-referral: the inviter is the invitee, or the inviter's account is gone;
- a banned inviter or invitee (an active BAN sanction);
- the same device: the two accounts signed in with the same browser (identical, non-empty user
  agent on their tokens) — a heuristic, so staff see the reason in `referralChain` and may grant
  points by hand;
- the same network: both accounts were issued a token from the same public network (IPv4 /24,
  IPv6 /48). Only a keyed hash of the network is stored on each token (`AccessToken.network`,
  HMAC with SECRET_KEY), never an address; loopback, private and other non-global addresses store
  nothing and never match. Behind a reverse proxy, set FORWARDED_ALLOW_IPS so the address is the
  member's, not the proxy's. Also a heuristic (a household, an office, a campus): staff see
  "same network" in `referralChain` and may grant points by hand.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from api.db import fetch_all
from api.domain.engagement import points
from api.domain.notifications import notify_many
from api.errors import NotFound
from api.models.accounts import AccessToken, Role, User
from api.models.growth import ReferralOutcome
from api.models.moderation import Referral
from api.policies import banned_ids, require_role
from api.settings import Settings
from api.timeutil import now
from api.transactions import transaction

BATCH = 200
MAX_CHAIN = 20


async def _refusals(ripe: list[dict[str, Any]]) -> dict[int, str]:
    """Why each of these referrals may not be paid, by referral id (absent: it may), in two
    queries for the lot."""
    refused: dict[int, str] = {}
    pairs: dict[int, tuple[int, int]] = {}
    for referral in ripe:
        inviter, invitee = referral["inviter_id"], referral["invitee_id"]
        if inviter is None or inviter == invitee:
            refused[referral["id"]] = "self-referral"
        else:
            pairs[referral["id"]] = (inviter, invitee)
    if not pairs:
        return refused
    members = sorted({member for pair in pairs.values() for member in pair})
    banned = await banned_ids(members)
    agents: dict[int, set[str]] = defaultdict(set)
    networks: dict[int, set[str]] = defaultdict(set)
    tokens = AccessToken.filter(user_id__in=members).distinct()
    for user_id, agent, network in await tokens.values_list("user_id", "user_agent", "network"):
        if agent:
            agents[user_id].add(agent)
        if network:
            networks[user_id].add(network)
    for referral_id, (inviter, invitee) in pairs.items():
        if inviter in banned or invitee in banned:
            refused[referral_id] = "banned"
        elif agents[inviter] & agents[invitee]:
            refused[referral_id] = "same device"
        elif networks[inviter] & networks[invitee]:
            refused[referral_id] = "same network"
    return refused


async def _record_outcomes(outcomes: dict[int, tuple[bool, str, int]]) -> set[int]:
    """Outcomes (rewarded, reason, points) by referral id, in one INSERT; the ids this call wrote
    (an outcome another process wrote first stays)."""
    if not outcomes:
        return set()
    moment = now()
    rows = await fetch_all(
        "INSERT INTO growth_referral_outcomes (referral_id, rewarded, reason, points, created_at) VALUES "
        + ", ".join(["(?, ?, ?, ?, ?)"] * len(outcomes))
        + " ON CONFLICT (referral_id) DO NOTHING RETURNING referral_id",
        [value for referral_id, outcome in outcomes.items() for value in (referral_id, *outcome, moment)],
    )
    return {int(row["referral_id"]) for row in rows}


async def _pay(settings: Settings, payable: list[dict[str, Any]], amount: int) -> list[dict[str, Any]]:
    """Claim and pay these referrals in one transaction: a crash leaves them all undecided (the
    next run pays them), never claimed but unpaid. Returns those this call paid."""
    async with transaction():
        claimed = await _record_outcomes({r["id"]: (True, "", amount) for r in payable})
        won = [r for r in payable if r["id"] in claimed]
        await points.award_many(
            settings,
            "referral",
            [
                points.Award(r[f"{side}_id"], amount, f"referral:{r['id']}:{side}", "Referral", r["id"])
                for r in won
                for side in ("inviter", "invitee")
            ],
            reason="Referral reward",
        )
    return won


async def _announce(won: list[dict[str, Any]], amount: int) -> None:
    """Tell both sides of each paid referral, each about the invitee: all invitees at once, and the
    inviters in as many calls as one inviter has referrals among these."""
    message = f"You earned {amount} points for a referral."
    await notify_many(
        [r["invitee_id"] for r in won],
        "growth.referral_rewarded",
        subject_type="User",
        subject_is_member=True,
        message=message,
    )
    rounds: list[dict[int, int]] = []  # inviter -> invitee, each inviter once a round
    for r in won:
        free = next((round_ for round_ in rounds if r["inviter_id"] not in round_), None)
        if free is None:
            rounds.append(free := {})
        free[r["inviter_id"]] = r["invitee_id"]
    for round_ in rounds:
        await notify_many(round_, "growth.referral_rewarded", subject_type="User", subject_of=round_, message=message)


async def reward_ripe(settings: Settings) -> int:
    """Decide every referral whose invitee has been active long enough; how many were paid."""
    amount = settings.referral_points
    if amount <= 0:
        return 0
    paid = 0
    last_id = 0
    while True:
        ripe = await fetch_all(
            "SELECT r.id AS id, r.inviter_id AS inviter_id, r.invitee_id AS invitee_id FROM moderation_referrals r "
            "WHERE r.id > ? AND NOT EXISTS (SELECT 1 FROM growth_referral_outcomes o WHERE o.referral_id = r.id) "
            "AND (SELECT COUNT(*) FROM member_activity a WHERE a.user_id = r.invitee_id) >= ? "
            "ORDER BY r.id LIMIT ?",
            [last_id, settings.referral_active_days, BATCH],
        )
        if not ripe:
            return paid
        last_id = ripe[-1]["id"]
        refused = await _refusals(ripe)
        await _record_outcomes({referral_id: (False, reason, 0) for referral_id, reason in refused.items()})
        payable = [r for r in ripe if r["id"] not in refused]
        if payable:
            won = await _pay(settings, payable, amount)
            await _announce(won, amount)
            paid += len(won)


async def referrals_job(settings: Settings) -> bool:
    """Background job: reward ripe referrals (correct with several processes: claimed rows)."""
    return bool(await reward_ripe(settings))


@dataclass
class Referrer:
    user_id: int
    rewarded: int


async def leaderboard(limit: int = 10) -> list[Referrer]:
    """Members by referrals rewarded (public: it names only inviters and their counts)."""
    limit = max(1, min(limit, 100))
    rows = await fetch_all(
        "SELECT r.inviter_id AS user_id, COUNT(*) AS n FROM growth_referral_outcomes o "
        "JOIN moderation_referrals r ON r.id = o.referral_id WHERE o.rewarded = ? AND r.inviter_id IS NOT NULL "
        "GROUP BY r.inviter_id ORDER BY n DESC, r.inviter_id LIMIT ?",
        [True, limit],
    )
    return [Referrer(user_id=int(r["user_id"]), rewarded=int(r["n"])) for r in rows]


@dataclass
class ChainLink:
    referral: Referral
    outcome: ReferralOutcome | None


async def chain(actor: User | None, user_id: int) -> list[ChainLink]:
    """Who invited this member, who invited them, and so on (staff): nearest first."""
    require_role(actor, Role.MODERATOR)
    if not await User.filter(id=user_id).exists():
        raise NotFound("No such member.", field="userId")
    links: list[ChainLink] = []
    seen = {user_id}
    current = user_id
    for _ in range(MAX_CHAIN):
        referral = (
            await Referral.filter(invitee_id=current, inviter_id__isnull=False).order_by("created_at", "id").first()
        )
        if referral is None:
            break
        links.append(ChainLink(referral, await ReferralOutcome.filter(referral_id=referral.id).first()))
        if referral.inviter_id is None or referral.inviter_id in seen:
            break
        seen.add(referral.inviter_id)
        current = referral.inviter_id
    return links
