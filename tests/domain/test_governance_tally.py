"""Counting ballots: known answers for every method, ties, quorum and threshold edges."""

from __future__ import annotations

import pytest

from api.domain.governance.tally import Rules, quorum_met, tally, threshold_met
from api.models.governance import AbstentionRule, Outcome, Threshold, VotingMethod

YN = VotingMethod.YES_NO_ABSTAIN


def yes_no(yes: int, no: int, abstain: int = 0) -> list[list[str]]:
    return [["YES"]] * yes + [["NO"]] * no + [["ABSTAIN"]] * abstain


def test_yes_no_simple_majority_with_abstentions_excluded_or_counted():
    ballots = yes_no(3, 2, 1)
    excluded = tally(Rules(YN), ballots, eligible=6)
    assert excluded.counts == {"YES": 3, "NO": 2, "ABSTAIN": 1}
    assert (excluded.support, excluded.base, excluded.outcome) == (3, 5, Outcome.PASSED)
    counted = tally(Rules(YN, abstentions=AbstentionRule.COUNTED), ballots, eligible=6)
    assert (counted.base, counted.outcome) == (6, Outcome.REJECTED)  # 3 of 6 is not more than half


def test_yes_no_tie_is_rejected():
    result = tally(Rules(YN), yes_no(2, 2), eligible=4)
    assert result.outcome is Outcome.REJECTED and result.quorum_met


@pytest.mark.parametrize(
    ("yes", "no", "outcome"),
    [(4, 2, Outcome.PASSED), (3, 2, Outcome.REJECTED), (2, 1, Outcome.PASSED), (6, 4, Outcome.REJECTED)],
)
def test_two_thirds_edges(yes, no, outcome):
    rules = Rules(YN, threshold=Threshold.TWO_THIRDS, quorum_percent=0)
    assert tally(rules, yes_no(yes, no), eligible=yes + no).outcome is outcome


def test_unanimity_and_abstentions():
    rules = Rules(YN, threshold=Threshold.UNANIMITY)
    assert tally(rules, yes_no(5, 0, 1), eligible=6).outcome is Outcome.PASSED
    counted = Rules(YN, threshold=Threshold.UNANIMITY, abstentions=AbstentionRule.COUNTED)
    assert tally(counted, yes_no(5, 0, 1), eligible=6).outcome is Outcome.REJECTED
    assert tally(rules, yes_no(5, 1), eligible=6).outcome is Outcome.REJECTED
    assert tally(rules, yes_no(0, 0, 3), eligible=3).outcome is Outcome.REJECTED  # nobody in favour


def test_quorum_edges():
    assert quorum_met(5, 10, 50) and not quorum_met(4, 10, 50)
    assert quorum_met(0, 10, 0) and not quorum_met(0, 0, 0)  # no eligible voters: never a quorum
    assert not quorum_met(1, 3, 34) and quorum_met(2, 3, 34)
    assert tally(Rules(YN), yes_no(4, 0), eligible=10).outcome is Outcome.NO_QUORUM
    assert tally(Rules(YN), yes_no(5, 0), eligible=10).outcome is Outcome.PASSED
    # Abstentions count towards the quorum.
    assert tally(Rules(YN), yes_no(1, 0, 1), eligible=4).outcome is Outcome.PASSED
    assert tally(Rules(YN, quorum_percent=0), [], eligible=5).outcome is Outcome.REJECTED
    assert tally(Rules(YN, quorum_percent=100), yes_no(4, 0), eligible=5).outcome is Outcome.NO_QUORUM


def test_threshold_functions():
    assert threshold_met(3, 5, Threshold.SIMPLE_MAJORITY) and not threshold_met(3, 6, Threshold.SIMPLE_MAJORITY)
    assert threshold_met(2, 3, Threshold.TWO_THIRDS) and not threshold_met(3, 5, Threshold.TWO_THIRDS)
    assert threshold_met(4, 4, Threshold.UNANIMITY) and not threshold_met(0, 0, Threshold.UNANIMITY)


SINGLE = Rules(VotingMethod.SINGLE_CHOICE, options=("X", "Y", "Z"))


def test_single_choice_needs_a_majority_not_a_plurality():
    plurality = tally(SINGLE, [["X"]] * 3 + [["Y"]] * 2 + [["Z"]], eligible=6)
    assert plurality.counts == {"X": 3, "Y": 2, "Z": 1}
    assert plurality.winner == "X" and plurality.outcome is Outcome.REJECTED
    majority = tally(SINGLE, [["X"]] * 4 + [["Y"], ["Z"], []], eligible=8)
    assert (majority.winner, majority.abstentions, majority.base, majority.outcome) == ("X", 1, 6, Outcome.PASSED)


def test_single_choice_tie_has_no_winner():
    result = tally(SINGLE, [["X"], ["X"], ["Y"], ["Y"], ["Z"]], eligible=5)
    assert result.winner is None and result.tied == ["X", "Y"] and result.outcome is Outcome.REJECTED


def test_approval():
    rules = Rules(VotingMethod.APPROVAL, options=("X", "Y", "Z"))
    result = tally(rules, [["X", "Y"], ["X"], ["Y", "Z"], ["X", "Z"]], eligible=4)
    assert result.counts == {"X": 3, "Y": 2, "Z": 2}
    assert (result.winner, result.support, result.base, result.outcome) == ("X", 3, 4, Outcome.PASSED)
    tie = tally(rules, [["X", "Y"], ["X", "Y"]], eligible=2)
    assert tie.tied == ["X", "Y"] and tie.outcome is Outcome.REJECTED


def test_ranked_choice_against_a_hand_worked_example():
    # 9 ballots over A, B, C, D.
    # Round 1: A3 B2 C2 D2 - no majority (needs > 4.5). B, C, D tie for fewest with no earlier
    #          round to look back at, so D (listed last) is eliminated.
    # Round 2: [D, C, B] moves to C, [D] is exhausted: A3 B2 C3, 8 continuing. B is eliminated.
    # Round 3: both [B, C, A] move to C: A3 C5 of 8 continuing - C wins with a majority.
    rules = Rules(VotingMethod.RANKED_CHOICE, options=("A", "B", "C", "D"))
    ballots = [["A", "B", "C"]] * 3 + [["B", "C", "A"]] * 2 + [["C", "B", "A"]] * 2 + [["D", "C", "B"], ["D"]]
    result = tally(rules, ballots, eligible=10)
    rounds = [(r.counts, r.eliminated, r.exhausted) for r in result.rounds]
    assert rounds == [
        ({"A": 3, "B": 2, "C": 2, "D": 2}, ["D"], 0),
        ({"A": 3, "B": 2, "C": 3}, ["B"], 1),
        ({"A": 3, "C": 5}, [], 1),
    ]
    assert result.counts == {"A": 3, "B": 2, "C": 2, "D": 2}  # first preferences
    assert (result.winner, result.support, result.base, result.outcome) == ("C", 5, 8, Outcome.PASSED)


def test_ranked_choice_elimination_tie_looks_back_before_option_order():
    # Options listed A, C, B, D. Round 1: A6 B4 C3 D2, D out. Round 2: A6 B4 C4 - B and C tie;
    # in round 1 C had fewer, so C goes (option order alone would have removed B).
    rules = Rules(VotingMethod.RANKED_CHOICE, options=("A", "C", "B", "D"))
    ballots = [["A"]] * 6 + [["B"]] * 4 + [["C", "B"]] * 3 + [["D", "C"], ["D"]]
    result = tally(rules, ballots, eligible=15)
    assert [r.eliminated for r in result.rounds] == [["D"], ["C"], []]
    assert result.rounds[-1].counts == {"A": 6, "B": 7}
    assert result.winner == "B" and result.outcome is Outcome.PASSED


def test_ranked_choice_final_tie_has_no_winner():
    rules = Rules(VotingMethod.RANKED_CHOICE, options=("A", "B", "C"))
    result = tally(rules, [["A", "C"], ["B", "C"], ["C", "A"], ["C", "B"], ["A"], ["B"]], eligible=6)
    # Round 1: A2 B2 C2, all tied: nobody can be eliminated by rule, so nobody wins.
    assert result.winner is None and result.tied == ["A", "B", "C"] and result.outcome is Outcome.REJECTED
    two = tally(rules, [["A", "C"], ["B"], ["C", "A"], ["B", "A"]], eligible=4)
    # Round 1: A1 B2 C1 -> A and C tie, equal history, C listed later goes; round 2: A2 B2 tie.
    assert [r.eliminated for r in two.rounds] == [["C"], []]
    assert two.tied == ["A", "B"] and two.outcome is Outcome.REJECTED


def test_ranked_choice_two_thirds_applies_to_the_final_round():
    rules = Rules(VotingMethod.RANKED_CHOICE, options=("A", "B"), threshold=Threshold.TWO_THIRDS)
    assert tally(rules, [["A"]] * 2 + [["B"]], eligible=3).outcome is Outcome.PASSED
    assert tally(rules, [["A"]] * 3 + [["B"]] * 2, eligible=5).outcome is Outcome.REJECTED


def test_result_round_trips_through_json():
    from api.domain.governance.tally import TallyResult

    rules = Rules(VotingMethod.RANKED_CHOICE, options=("A", "B", "C", "D"))
    result = tally(rules, [["A", "B"], ["B"], ["C", "B"]], eligible=3)
    assert TallyResult.from_dict(result.to_dict()) == result
