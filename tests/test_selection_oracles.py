"""Agreement with abcvoting (open-source exact backends only, never Gurobi)."""

import numpy as np
import pytest

from sklweights.selection import FairCommitteeSelector, committee_score

abcvoting = pytest.importorskip("abcvoting")
from abcvoting import abcrules, scores  # noqa: E402
from abcvoting.preferences import Profile, Voter  # noqa: E402


def _positions(rng, n, m):
    return np.argsort(rng.random((n, m)), axis=1).argsort(axis=1)


def _top_t_profile(P, t):
    m = P.shape[1]
    prof = Profile(m)
    for row in P:
        prof.add_voter(Voter(np.flatnonzero(row < t).tolist()))
    return prof


def _nested_profile(P, s):
    """Weighted top-r ballots whose Thiele score equals the OWA rule's score."""
    m = P.shape[1]
    prof = Profile(m)
    for row in P:
        for r in range(1, m):
            d = s[r - 1] - s[r]
            if d > 0:
                prof.add_voter(Voter(np.flatnonzero(row < r).tolist(), weight=d))
    return prof


def _abc_best(rule_id, prof, k, algorithm):
    (committee,) = abcrules.compute(
        rule_id, prof, k, algorithm=algorithm, resolute=True
    )
    return sorted(committee), scores.thiele_score(rule_id, prof, committee)


@pytest.mark.parametrize(
    ("ours", "abc", "algorithm"),
    [
        ("approval_cc", "cc", "brute-force"),
        ("pav", "pav", "brute-force"),
        ("approval_cc", "cc", "pulp-highs"),
        ("pav", "pav", "pulp-highs"),
    ],
)
def test_approval_rules_match_abcvoting(ours, abc, algorithm):
    rng = np.random.default_rng(10)
    for _ in range(8 if algorithm == "pulp-highs" else 15):
        n, m = int(rng.integers(3, 15)), int(rng.integers(4, 9))
        k, t = int(rng.integers(1, m)), int(rng.integers(1, m))
        P = _positions(rng, n, m)
        prof = _top_t_profile(P, t)
        sel = FairCommitteeSelector(k, rule=ours, approval_top=t).fit(P)
        # same committee, same score
        assert sel.objective_ == pytest.approx(
            scores.thiele_score(abc, prof, sel.selected_.tolist()), abs=1e-9
        )
        # optimal scores agree (committees may differ on ties)
        _, best = _abc_best(abc, prof, k, algorithm)
        assert sel.objective_ == pytest.approx(best, abs=1e-9)


@pytest.mark.parametrize(
    ("rule", "abc"),
    [("borda_cc", "cc"), ("harmonic", "pav"), ("borda", "av")],
)
def test_ranking_rules_match_abcvoting_nested_expansion(rule, abc):
    rng = np.random.default_rng(11)
    for _ in range(10):
        n, m, k = int(rng.integers(2, 10)), int(rng.integers(4, 8)), 3
        P = _positions(rng, n, m)
        borda = np.arange(m - 1, -1, -1, dtype=float)
        if rule == "harmonic":
            kw = dict(rule="owa", positional=borda, owa=1 / np.arange(1, k + 1))
        else:
            kw = dict(rule=rule)
        sel = FairCommitteeSelector(k, **kw).fit(P)
        prof = _nested_profile(P, borda)
        assert sel.objective_ == pytest.approx(
            scores.thiele_score(abc, prof, sel.selected_.tolist()), abs=1e-9
        )
        algo = "standard" if abc == "av" else "brute-force"
        _, best = _abc_best(abc, prof, k, algo)
        assert sel.objective_ == pytest.approx(best, abs=1e-9)


def test_committee_score_matches_abcvoting_on_any_committee():
    rng = np.random.default_rng(12)
    P = _positions(rng, 12, 7)
    prof = _top_t_profile(P, 3)
    for _ in range(20):
        W = sorted(rng.choice(7, 3, replace=False).tolist())
        assert committee_score(P, W, rule="pav", approval_top=3) == pytest.approx(
            scores.thiele_score("pav", prof, W)
        )
        assert committee_score(
            P, W, rule="approval_cc", approval_top=3
        ) == pytest.approx(scores.thiele_score("cc", prof, W))
