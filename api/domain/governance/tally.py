"""Counting ballots: pure functions, no database.

A ballot is a list of strings: ["YES"], ["NO"] or ["ABSTAIN"] for YES_NO_ABSTAIN; option labels
for the other methods (in preference order for RANKED_CHOICE). An empty list is an abstention.

Quorum: at least `quorum_percent` % of the eligible members cast a ballot (abstentions count).
No eligible members, or too few ballots, gives NO_QUORUM.

Threshold, applied to the support of the leading answer (YES, the top option, or the ranked
choice winner in the final round) over a base:
- base = the ballots that expressed a choice; with AbstentionRule.COUNTED, abstentions join the
  base (so an abstention weighs like a vote against);
- SIMPLE_MAJORITY: support * 2 > base (exactly half fails);
- TWO_THIRDS: support * 3 >= base * 2;
- UNANIMITY: support == base (and base > 0).

Tie rule (an outcome never rests on chance):
1. YES_NO_ABSTAIN: YES must clear the threshold; a YES/NO tie is REJECTED.
2. SINGLE_CHOICE and APPROVAL: when two or more options share the top count, no option wins and
   the proposal is REJECTED; the tied options are reported in `tied`.
3. RANKED_CHOICE: a round with a candidate holding more than half of the continuing ballots
   ends the count. Otherwise the candidate with the fewest votes is eliminated. A tie for
   fewest is broken by looking back: the candidate with fewer votes in the latest earlier
   round where they differ is eliminated; if they were equal in every round, the one listed
   later among the proposal's options is eliminated. When every continuing candidate is tied
   (for example two candidates with equal votes), no candidate wins: REJECTED, with `tied`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from api.models.governance import AbstentionRule, Outcome, Threshold, VotingMethod

YES, NO, ABSTAIN = "YES", "NO", "ABSTAIN"


@dataclass(frozen=True)
class Rules:
    method: VotingMethod
    options: tuple[str, ...] = ()
    quorum_percent: int = 50
    threshold: Threshold = Threshold.SIMPLE_MAJORITY
    abstentions: AbstentionRule = AbstentionRule.EXCLUDED


@dataclass
class Round:
    number: int
    counts: dict[str, int]
    eliminated: list[str] = field(default_factory=list)
    exhausted: int = 0  # ballots with no continuing candidate left


@dataclass
class TallyResult:
    method: str
    eligible: int
    ballots: int
    abstentions: int
    counts: dict[str, int]  # first preferences for RANKED_CHOICE
    quorum_met: bool
    outcome: Outcome
    winner: str | None = None
    tied: list[str] = field(default_factory=list)
    support: int = 0  # votes of the leading answer the threshold was applied to
    base: int = 0
    rounds: list[Round] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready. Counts are stored as [option, votes] pairs: JSONB does not keep key order."""
        data = asdict(self)
        data["outcome"] = self.outcome.value
        data["counts"] = [[k, v] for k, v in self.counts.items()]
        for stored, current in zip(data["rounds"], self.rounds, strict=True):
            stored["counts"] = [[k, v] for k, v in current.counts.items()]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TallyResult:
        data = dict(data)
        data["outcome"] = Outcome(data["outcome"])
        data["counts"] = {k: v for k, v in data["counts"]}
        data["rounds"] = [Round(**{**r, "counts": {k: v for k, v in r["counts"]}}) for r in data.get("rounds", [])]
        return cls(**data)


def quorum_met(ballots: int, eligible: int, quorum_percent: int) -> bool:
    if eligible <= 0:
        return False
    return ballots * 100 >= quorum_percent * eligible


def threshold_met(support: int, base: int, threshold: Threshold) -> bool:
    if base <= 0 or support <= 0:
        return False
    if threshold is Threshold.SIMPLE_MAJORITY:
        return support * 2 > base
    if threshold is Threshold.TWO_THIRDS:
        return support * 3 >= base * 2
    return support == base


def tally(rules: Rules, ballots: list[list[str]], eligible: int) -> TallyResult:
    """Count `ballots` under `rules` for a proposal with `eligible` voters."""
    abstentions = sum(1 for b in ballots if not b or b == [ABSTAIN])
    cast = len(ballots)
    has_quorum = quorum_met(cast, eligible, rules.quorum_percent)
    counted_abstentions = abstentions if rules.abstentions is AbstentionRule.COUNTED else 0
    expressed = [b for b in ballots if b and b != [ABSTAIN]]
    base = len(expressed) + counted_abstentions
    result = TallyResult(
        method=rules.method.value,
        eligible=eligible,
        ballots=cast,
        abstentions=abstentions,
        counts={},
        quorum_met=has_quorum,
        outcome=Outcome.REJECTED,
        base=base,
    )
    if rules.method is VotingMethod.YES_NO_ABSTAIN:
        _yes_no(result, ballots)
    elif rules.method is VotingMethod.RANKED_CHOICE:
        _ranked(result, rules, expressed)
    else:
        _plurality(result, rules, expressed)
    if not has_quorum:
        result.outcome = Outcome.NO_QUORUM
    elif result.winner is not None and threshold_met(result.support, result.base, rules.threshold):
        result.outcome = Outcome.PASSED
    else:
        result.outcome = Outcome.REJECTED
    return result


def _yes_no(result: TallyResult, ballots: list[list[str]]) -> None:
    counts = {YES: 0, NO: 0, ABSTAIN: 0}
    for ballot in ballots:
        counts[ballot[0] if ballot else ABSTAIN] += 1
    result.counts = counts
    result.support = counts[YES]
    result.winner = YES if counts[YES] > 0 else None


def _plurality(result: TallyResult, rules: Rules, expressed: list[list[str]]) -> None:
    counts = {option: 0 for option in rules.options}
    for ballot in expressed:
        for option in set(ballot):
            counts[option] += 1
    result.counts = counts
    top = max(counts.values(), default=0)
    leaders = [o for o, c in counts.items() if c == top and top > 0]
    if len(leaders) == 1:
        result.winner = leaders[0]
        result.support = top
    elif leaders:
        result.tied = leaders


def _ranked(result: TallyResult, rules: Rules, expressed: list[list[str]]) -> None:
    continuing = list(rules.options)
    history: list[dict[str, int]] = []
    while True:
        counts = {option: 0 for option in continuing}
        exhausted = 0
        for ballot in expressed:
            top = next((o for o in ballot if o in counts), None)
            if top is None:
                exhausted += 1
            else:
                counts[top] += 1
        current = Round(number=len(history) + 1, counts=counts, exhausted=exhausted)
        result.rounds.append(current)
        history.append(counts)
        if len(history) == 1:
            result.counts = dict(counts)
        active = sum(counts.values())
        leader = max(counts, key=lambda o: counts[o], default=None)
        if leader is not None and counts[leader] * 2 > active:
            result.winner = leader
            result.support = counts[leader]
            # The threshold is applied in the final round: exhausted ballots leave the base.
            result.base = active + (result.base - len(expressed))
            return
        if active == 0 or len(set(counts.values())) == 1:
            result.tied = list(continuing) if active else []
            return
        loser = _to_eliminate(continuing, history, rules.options)
        current.eliminated = [loser]
        continuing.remove(loser)


def _to_eliminate(continuing: list[str], history: list[dict[str, int]], options: tuple[str, ...]) -> str:
    latest = history[-1]
    fewest = min(latest[o] for o in continuing)
    tied = [o for o in continuing if latest[o] == fewest]
    for earlier in reversed(history[:-1]):
        if len(tied) == 1:
            break
        low = min(earlier[o] for o in tied)
        tied = [o for o in tied if earlier[o] == low]
    if len(tied) == 1:
        return tied[0]
    return max(tied, key=options.index)  # listed later goes first
