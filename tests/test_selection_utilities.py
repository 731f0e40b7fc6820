"""Utility input, every tied committee and exact ties, with abcvoting as the oracle.

Approval ballots of any size (empty ones included) and weighted voters, as
``input="utilities"`` 0/1 matrices. abcvoting runs with its exact pure-Python
algorithms only ("brute-force" for the Thiele rules, "standard" for AV, SAV
and the sequential rules), which compute with fractions.
"""

import itertools
import warnings
from fractions import Fraction

import numpy as np
import pytest

from sklweights.selection import FairCommitteeSelector, committee_score
from sklweights.selection._rules import (
    marginal_gain_matrix,
    owa_vector,
    owa_vector_exact,
)

abcvoting = pytest.importorskip("abcvoting")
from abcvoting import abcrules, scores  # noqa: E402
from abcvoting.preferences import Profile, Voter  # noqa: E402

# abcvoting rule id -> our rule keywords for a committee of size k
OURS = {
    "av": lambda k: {"rule": "av"},
    "sav": lambda k: {"rule": "sav"},
    "pav": lambda k: {"rule": "pav"},
    "cc": lambda k: {"rule": "cc"},
    "slav": lambda k: {"rule": "slav"},
    "geom2": lambda k: {"rule": "owa", "owa": 0.5 ** np.arange(k)},
}


def _ballots(rng, n, m, p_empty=0.15):
    """0/1 approval matrix with ballots of random sizes (some empty)."""
    A = np.zeros((n, m), dtype=int)
    for v in range(n):
        if rng.random() < p_empty:
            continue
        A[v, rng.choice(m, int(rng.integers(1, m + 1)), replace=False)] = 1
    return A


def _tie_heavy(rng, n, m):
    """Few distinct ballots and cloned candidates: many optimal committees."""
    kinds = _ballots(rng, int(rng.integers(1, 4)), int(rng.integers(2, m)), 0.0)
    cols = np.sort(rng.integers(0, kinds.shape[1], m))  # clones of columns
    return kinds[rng.integers(0, kinds.shape[0], n)][:, cols]


def _weights(rng, n):
    """Integer or dyadic weights (exact in floating point and as fractions)."""
    if rng.random() < 0.5:
        return rng.integers(1, 4, n).astype(float)
    return rng.integers(1, 7, n) / 2.0


def _profile(A, w):
    prof = Profile(A.shape[1])
    for row, wt in zip(A, w):
        prof.add_voter(Voter(np.flatnonzero(row).tolist(), weight=Fraction(wt)))
    return prof


def _algorithm(rule_id):
    return "standard" if rule_id in ("av", "sav") else "brute-force"


def _abc_committees(rule_id, prof, k):
    out = abcrules.compute(
        rule_id,
        prof,
        k,
        algorithm=_algorithm(rule_id),
        resolute=False,
        max_num_of_committees=None,
    )
    return sorted(tuple(sorted(c)) for c in out)


def _abc_score(rule_id, A, w, W):
    """Exact score: abcvoting's Thiele score, or SAV's by its definition."""
    if rule_id != "sav":
        return scores.thiele_score(rule_id, _profile(A, w), list(W))
    return sum(
        Fraction(wt) * Fraction(int(row[list(W)].sum()), int(row.sum()))
        for row, wt in zip(A, w)
        if row.sum()
    )


@pytest.mark.parametrize("solver", ["auto", "milp", "brute_force", "bnb"])
@pytest.mark.parametrize("rule_id", list(OURS))
def test_committee_is_among_abcvoting_winners(rule_id, solver):
    # 30 random profiles per (rule, solver); objective equal to the exact optimum
    rng = np.random.default_rng(sum(map(ord, rule_id + solver)))
    for _ in range(30):
        n, m = int(rng.integers(1, 14)), int(rng.integers(3, 8))
        k = int(rng.integers(1, m + 1))
        A, w = _ballots(rng, n, m), _weights(rng, n)
        winners = _abc_committees(rule_id, _profile(A, w), k)
        sel = FairCommitteeSelector(
            k, input="utilities", solver=solver, **OURS[rule_id](k)
        ).fit(A, sample_weight=w)
        assert sel.optimal_
        assert tuple(sel.selected_) in winners
        best = float(_abc_score(rule_id, A, w, winners[0]))
        assert sel.objective_ == pytest.approx(best, rel=1e-12, abs=1e-12)
        if rule_id in ("av", "sav") and solver == "auto":
            # the sorting path breaks exact ties by the lower index, as
            # abcvoting's resolute AV and SAV do
            (res,) = abcrules.compute(rule_id, _profile(A, w), k, resolute=True)
            assert tuple(sel.selected_) == tuple(sorted(res))


@pytest.mark.parametrize("rule_id", list(OURS))
def test_committees_equal_abcvoting_list_on_tie_heavy_profiles(rule_id):
    rng = np.random.default_rng(sum(map(ord, rule_id)) + 1)
    n_ties = 0
    for _ in range(25):
        n, m = int(rng.integers(2, 10)), int(rng.integers(4, 9))
        k = int(rng.integers(1, m))
        A, w = _tie_heavy(rng, n, m), _weights(rng, n)
        winners = _abc_committees(rule_id, _profile(A, w), k)
        sel = FairCommitteeSelector(
            k, input="utilities", max_committees=10_000, **OURS[rule_id](k)
        ).fit(A, sample_weight=w)
        assert [tuple(c) for c in sel.committees_] == winners
        assert sel.committees_complete_
        assert tuple(sel.selected_) in winners
        n_ties += len(winners) > 1
    assert n_ties >= 15  # the profiles are tie-heavy, so the lists are long


def _float_argmax_misleads(A, w, k, rule):
    """Whether a float argmax of the gains (lower index on float ties) picks
    another candidate than the exact argmax at some step of the exact greedy."""
    U, lam, lam_x, chosen = (
        A.astype(float),
        owa_vector(rule, k),
        owa_vector_exact(rule, k),
        [],
    )
    for step in range(k):
        g = w @ marginal_gain_matrix(U, chosen, lam[: step + 1])
        g[chosen] = -np.inf
        counts = A[:, chosen].sum(axis=1)
        exact = [
            None
            if c in chosen
            else sum(Fraction(w[v]) * lam_x[counts[v]] for v in np.flatnonzero(A[:, c]))
            for c in range(A.shape[1])
        ]
        best = max(e for e in exact if e is not None)
        pick = exact.index(best)
        if int(np.argmax(g)) != pick:
            return True
        chosen.append(pick)
    return False


@pytest.mark.parametrize(
    ("rule_id", "rule"),
    [("seqpav", "pav"), ("seqslav", "slav"), ("seqcc", "cc"), ("seqav", "av")],
)
def test_greedy_equals_abcvoting_sequential_rules(rule_id, rule):
    # solver="greedy" is the sequential Thiele rule; exact ties go to the
    # lower index, which needs exact arithmetic: a float argmax disagrees
    # with abcvoting (fractions) on some of these profiles
    rng = np.random.default_rng(sum(map(ord, rule_id)))
    float_wrong = 0
    for _ in range(120):
        n, m = int(rng.integers(1, 16)), int(rng.integers(3, 9))
        k = int(rng.integers(1, m + 1))
        A = (rng.random((n, m)) < rng.uniform(0.2, 0.8)).astype(int)
        A[rng.random(n) < 0.1] = 0  # empty ballots
        w = rng.integers(1, 4, n).astype(float)
        prof = _profile(A, w)
        (res,) = abcrules.compute(rule_id, prof, k, resolute=True)
        sel = FairCommitteeSelector(
            k, rule=rule, input="utilities", solver="greedy"
        ).fit(A, sample_weight=w)
        assert tuple(sel.selected_) == tuple(sorted(res))
        assert not sel.optimal_ and sel.solver_status_ == "inaccurate"
        float_wrong += _float_argmax_misleads(A, w, k, rule)
    if rule_id in ("seqpav", "seqslav"):
        assert float_wrong > 0  # the exact arithmetic is not vacuous


def test_cap_on_the_number_of_committees():
    # 6 identical candidates approved by everyone: C(6, 3) = 20 optimal
    A = np.ones((4, 6), dtype=int)
    A[0, 0] = 0
    sel = FairCommitteeSelector(3, rule="pav", input="utilities", max_committees=5)
    sel.fit(A)
    assert sel.committees_.shape == (5, 3) and not sel.committees_complete_
    winners = _abc_committees("pav", _profile(A, np.ones(4)), 3)
    assert len(winners) == 10  # candidate 0 is approved by one voter fewer
    assert {tuple(c) for c in sel.committees_} <= set(winners)
    full = FairCommitteeSelector(
        3, rule="pav", input="utilities", max_committees=10
    ).fit(A)
    assert [tuple(c) for c in full.committees_] == winners
    assert full.committees_complete_
    # by default only the selected committee, and no claim of completeness
    one = FairCommitteeSelector(3, rule="pav", input="utilities").fit(A)
    np.testing.assert_array_equal(one.committees_, one.selected_[None, :])
    assert not one.committees_complete_


def _rank_pairs(rng, P, k):
    """(ranking keywords, utility matrix, utility keywords) for the same rule."""
    m = P.shape[1]
    t = int(rng.integers(1, m + 1))
    top = (P < t).astype(float)
    borda = (m - 1 - P).astype(float)
    harmonic = 1 / np.arange(1, k + 1)
    pos = np.sort(rng.integers(0, 6, m))[::-1].astype(float)
    return [
        ({"rule": "bloc", "approval_top": t}, top, {"rule": "av"}),
        ({"rule": "approval_cc", "approval_top": t}, top, {"rule": "cc"}),
        ({"rule": "pav", "approval_top": t}, top, {"rule": "pav"}),
        ({"rule": "slav", "approval_top": t}, top, {"rule": "slav"}),
        ({"rule": "borda"}, borda, {"rule": "av"}),
        ({"rule": "borda_cc"}, borda, {"rule": "cc"}),
        (
            {"rule": "owa", "positional": pos, "owa": harmonic},
            pos[P],
            {"rule": "owa", "owa": harmonic},
        ),
    ]


@pytest.mark.parametrize("solver", ["auto", "milp", "brute_force", "greedy"])
def test_utilities_path_equals_rankings_path(solver):
    rng = np.random.default_rng(21)
    for _ in range(12):
        n, m = int(rng.integers(2, 15)), int(rng.integers(3, 8))
        k = int(rng.integers(1, m + 1))
        P = np.argsort(rng.random((n, m)), axis=1).argsort(axis=1)
        w = _weights(rng, n)
        groups = rng.integers(0, 2, m)
        gb = {int(groups[0]): (1, None)}
        for rank_kw, U, util_kw in _rank_pairs(rng, P, k):
            for bounds in (None, gb):
                g = None if bounds is None else groups
                a = FairCommitteeSelector(
                    k, solver=solver, candidate_groups=g, group_bounds=bounds, **rank_kw
                ).fit(P, sample_weight=w)
                b = FairCommitteeSelector(
                    k,
                    input="utilities",
                    solver=solver,
                    candidate_groups=g,
                    group_bounds=bounds,
                    **util_kw,
                ).fit(U, sample_weight=w)
                assert b.objective_ == pytest.approx(a.objective_, abs=1e-9)
                if solver in ("greedy", "brute_force") or "approval_top" not in rank_kw:
                    # same rule, same tie-breaking
                    np.testing.assert_array_equal(a.selected_, b.selected_)
                assert committee_score(
                    U, b.selected_, input="utilities", sample_weight=w, **util_kw
                ) == pytest.approx(b.objective_)


@pytest.mark.parametrize("rule_id", ["av", "sav", "pav", "cc", "slav"])
def test_group_bounds_with_utility_input(rule_id):
    # abcvoting has no group constraints: its exact scores of every committee
    # within the bounds are the oracle (enumerated here)
    rng = np.random.default_rng(sum(map(ord, rule_id)) + 7)
    for it in range(15):
        n, m = int(rng.integers(2, 12)), int(rng.integers(4, 8))
        k = int(rng.integers(2, m))
        A = _ballots(rng, n, m) if it % 2 else _tie_heavy(rng, n, m)
        w = _weights(rng, n)
        if it % 3 == 2:  # overlapping groups: a membership matrix
            groups = rng.random((m, 2)) < 0.5
            bounds = {0: (1, k), 1: (0, max(1, k - 1))}
            member = groups.T
        else:
            groups = rng.integers(0, 2, m)
            bounds = {0: (1, k - 1)} if (groups == 0).any() else {1: (1, k)}
            member = np.stack([groups == 0, groups == 1])
        lo = {g: b[0] for g, b in bounds.items()}
        hi = {g: b[1] for g, b in bounds.items()}
        ok = [
            W
            for W in itertools.combinations(range(m), k)
            if all(lo[g] <= member[g][list(W)].sum() <= hi[g] for g in bounds)
        ]
        kw = dict(
            input="utilities",
            candidate_groups=groups,
            group_bounds=bounds,
            max_committees=10_000,
            **OURS[rule_id](k),
        )
        if not ok:
            with pytest.raises(ValueError, match="infeasible"):
                FairCommitteeSelector(k, **kw).fit(A, sample_weight=w)
            continue
        vals = [_abc_score(rule_id, A, w, W) for W in ok]
        best = max(vals)
        winners = [W for W, v in zip(ok, vals) if v == best]
        sel = FairCommitteeSelector(k, **kw).fit(A, sample_weight=w)
        assert tuple(sel.selected_) in winners
        assert sel.objective_ == pytest.approx(float(best), abs=1e-12)
        assert [tuple(c) for c in sel.committees_] == winners
        assert sel.committees_complete_
        for solver in ("milp", "brute_force"):
            other = FairCommitteeSelector(k, solver=solver, **kw).fit(
                A, sample_weight=w
            )
            assert tuple(other.selected_) in winners


def test_weights_equal_repeated_voters_and_sav_equals_normalised_av():
    rng = np.random.default_rng(3)
    for _ in range(10):
        n, m, k = 9, 6, 3
        A = _ballots(rng, n, m)
        reps = rng.integers(0, 4, n)
        a = FairCommitteeSelector(k, rule="pav", input="utilities").fit(
            A, sample_weight=reps
        )
        b = FairCommitteeSelector(k, rule="pav", input="utilities").fit(
            np.repeat(A, reps, axis=0)
        )
        assert a.objective_ == pytest.approx(b.objective_)
        sav = FairCommitteeSelector(k, rule="sav", input="utilities").fit(A)
        norm = A / np.maximum(A.sum(axis=1, keepdims=True), 1)
        av = FairCommitteeSelector(k, rule="av", input="utilities").fit(norm)
        assert sav.objective_ == pytest.approx(av.objective_)


def test_uneven_ballots_as_scores_are_an_error_not_a_silent_change():
    # the case that used to be silently wrong: a 0/1 matrix with uneven row
    # sums, read as rankings and cut at the top t
    A = np.array([[1, 1, 0, 0, 0], [0, 0, 1, 1, 1], [1, 0, 0, 0, 1]])
    with pytest.raises(ValueError, match="tie-break decides who is approved"):
        FairCommitteeSelector(2, rule="pav", input="scores").fit(A)
    with pytest.raises(ValueError, match="input='utilities'"):
        committee_score(A, [0, 1], rule="approval_cc", input="scores")
    with pytest.warns(UserWarning, match="tied values in 3 of its 3 rows"):
        FairCommitteeSelector(2, rule="borda", input="scores").fit(A)
    # distinct values per row: no warning, rankings as before
    U = np.array([[3.0, 2.0, 1.0], [1.0, 3.0, 2.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        FairCommitteeSelector(1, rule="pav", approval_top=1, input="scores").fit(U)
    # the utility reading gives abcvoting's committees
    sel = FairCommitteeSelector(2, rule="pav", input="utilities").fit(A)
    assert tuple(sel.selected_) in _abc_committees("pav", _profile(A, np.ones(3)), 2)


def test_utility_input_errors():
    A = np.array([[1, 0, 1], [0, 1, 0]])
    with pytest.raises(ValueError, match="rule='borda' scores positions"):
        FairCommitteeSelector(1, input="utilities").fit(A)
    with pytest.raises(ValueError, match=r"rule='av' scores utilities"):
        FairCommitteeSelector(1, rule="av").fit(np.array([[0, 1, 2]]))
    with pytest.raises(ValueError, match="approval_top is only used"):
        FairCommitteeSelector(1, rule="pav", input="utilities", approval_top=1).fit(A)
    with pytest.raises(ValueError, match="positional is not used"):
        FairCommitteeSelector(
            2, rule="owa", input="utilities", owa=[1, 0.5], positional=[1, 0, 0]
        ).fit(A)
    with pytest.raises(ValueError, match="needs an owa vector"):
        FairCommitteeSelector(2, rule="owa", input="utilities").fit(A)
    with pytest.raises(ValueError, match=r"must be non-negative; X\[1, 2\] = -1"):
        FairCommitteeSelector(1, rule="sav", input="utilities").fit(
            np.array([[1, 0, 1], [0, 1, -1]])
        )
    with pytest.raises(ValueError, match="NaN or infinity"):
        committee_score(np.array([[1.0, np.inf]]), [0], rule="av", input="utilities")
    # max_committees needs the branch and bound or a small enumeration,
    # checked before any solver runs (overlapping groups: no search)
    X = np.eye(40)
    with pytest.raises(ValueError, match=r"C\(40, 20\) = 137846528820 committees"):
        FairCommitteeSelector(
            20,
            rule="pav",
            input="utilities",
            candidate_groups=np.ones((40, 2), dtype=bool),
            group_bounds={0: (1, None)},
            max_committees=2,
        ).fit(X)
    with pytest.raises(ValueError, match="max_committees"):
        FairCommitteeSelector(1, max_committees=0).fit(np.array([[0, 1]]))


def test_exact_owa_weights():
    assert owa_vector_exact("pav", 3) == [1, Fraction(1, 2), Fraction(1, 3)]
    assert owa_vector_exact("slav", 3) == [1, Fraction(1, 3), Fraction(1, 5)]
    assert owa_vector_exact("cc", 3) == [1, 0, 0]
    np.testing.assert_array_equal(owa_vector("slav", 3), [1, 1 / 3, 1 / 5])


@pytest.mark.slow
def test_sweep_against_abcvoting():
    # 100 larger profiles (up to 30 voters, 9 candidates; sparse, dense and
    # tie-heavy ballots), every rule, every exact solver and the full lists of
    # tied committees; about 10 s on 2 cores
    rng = np.random.default_rng(2024)
    for it in range(100):
        n, m = int(rng.integers(5, 31)), int(rng.integers(5, 10))
        k = int(rng.integers(2, m))
        A = _tie_heavy(rng, n, m) if it % 3 == 0 else _ballots(rng, n, m, 0.2)
        w = _weights(rng, n)
        prof = _profile(A, w)
        for rule_id, kw in OURS.items():
            winners = _abc_committees(rule_id, prof, k)
            for solver in ("auto", "milp", "bnb"):
                sel = FairCommitteeSelector(
                    k,
                    input="utilities",
                    solver=solver,
                    max_committees=100_000 if solver == "auto" else None,
                    **kw(k),
                ).fit(A, sample_weight=w)
                assert tuple(sel.selected_) in winners
                if solver == "auto":
                    assert [tuple(c) for c in sel.committees_] == winners
        for rule_id, rule in (("seqpav", "pav"), ("seqslav", "slav"), ("seqcc", "cc")):
            (res,) = abcrules.compute(rule_id, prof, k, resolute=True)
            sel = FairCommitteeSelector(
                k, rule=rule, input="utilities", solver="greedy"
            ).fit(A, sample_weight=w)
            assert tuple(sel.selected_) == tuple(sorted(res))
