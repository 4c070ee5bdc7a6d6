"""Referrals that reward (推荐制度): when a member invited with an invite
(`moderation.Referral`) has been active on REFERRAL_ACTIVE_DAYS community days, the inviter and
the invitee each get REFERRAL_POINTS, once.

The `growth.referrals` job finds ripe referrals with one aggregate query per batch, decides the
whole batch with two more (bans, then the tokens' devices and networks: `_refusals`) and records
the refused ones in one INSERT. It claims each payable referral with a unique `ReferralOutcome`
row (INSERT ... ON CONFLICT DO NOTHING RETURNING) right before paying it: only the process that
wrote it pays, and the point entries carry dedupe keys besides.

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

from api.db import execute, fetch_all
from api.domain.engagement import points
from api.domain.notifications import notify_many
from api.errors import NotFound
from api.models.accounts import AccessToken, Role, User
from api.models.growth import ReferralOutcome
from api.models.moderation import Referral
from api.policies import banned_ids, require_role
from api.settings import Settings
from api.timeutil import now

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


async def _record_refusals(refused: dict[int, str]) -> None:
    """The refused referrals' outcomes, in one INSERT (one another process wrote first stays)."""
    if not refused:
        return
    moment = now()
    await execute(
        "INSERT INTO growth_referral_outcomes (referral_id, rewarded, reason, points, created_at) VALUES "
        + ", ".join(["(?, ?, ?, ?, ?)"] * len(refused))
        + " ON CONFLICT (referral_id) DO NOTHING",
        [value for referral_id, reason in refused.items() for value in (referral_id, False, reason, 0, moment)],
    )


async def _claim(referral_id: int, rewarded: bool, reason: str, amount: int) -> bool:
    rows = await fetch_all(
        "INSERT INTO growth_referral_outcomes (referral_id, rewarded, reason, points, created_at) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT (referral_id) DO NOTHING RETURNING id",
        [referral_id, rewarded, reason, amount, now()],
    )
    return bool(rows)


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
        await _record_refusals(refused)
        for referral in ripe:
            if referral["id"] in refused:
                continue
            # Claimed one by one, each right before its payment (itself per referral), so a crash
            # between claiming and paying can leave at most one referral claimed but unpaid.
            if not await _claim(referral["id"], True, "", amount):
                continue  # another process decided it
            pair = (("inviter", referral["inviter_id"]), ("invitee", referral["invitee_id"]))
            for side, user_id in pair:
                await points.award(
                    settings,
                    user_id,
                    "referral",
                    amount=amount,
                    source_type="Referral",
                    source_id=referral["id"],
                    dedupe_key=f"referral:{referral['id']}:{side}",
                    reason="Referral reward",
                )
            await notify_many(
                [user_id for _, user_id in pair],
                "growth.referral_rewarded",
                subject_type="User",
                subject_id=referral["invitee_id"],
                message=f"You earned {amount} points for a referral.",
            )
            paid += 1


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
