"""Branch and bound for Thiele rules: exactness, bounds, limits, hand-off."""

import zlib

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from sklweights.datasets import make_biased_rankings
from sklweights.selection import FairCommitteeSelector, committee_score
from sklweights.selection._bnb import branch_and_bound, greedy_cc
from sklweights.selection._bounds import build_constraints
from sklweights.selection._rules import per_voter_scores, resolve_rule
from sklweights.selection._solvers import solve_bnb, solve_brute_force, solve_milp


def _positions(rng, n, m):
    return np.argsort(rng.random((n, m)), axis=1).argsort(axis=1)


def _cc_vectors(rng, kind, m, k):
    if kind == "borda":
        s = np.arange(m - 1, -1, -1, dtype=float)
    elif kind == "approval":
        s = (np.arange(m) < int(rng.integers(1, m + 1))).astype(float)
    else:  # any non-increasing vector, negative entries included
        s = np.sort(rng.normal(size=m))[::-1].copy()
    lam = np.zeros(k)
    lam[0] = float(rng.uniform(0.5, 2.0))
    return s, lam


def _random_bounds(rng, groups, k, mode):
    labels, sizes = np.unique(groups, return_counts=True)
    if mode == "lower":
        out = {
            int(g): (int(rng.integers(0, min(sz, k) + 1)), None)
            for g, sz in zip(labels, sizes)
        }
        while sum(b[0] for b in out.values()) > k:
            g = max(out, key=lambda g: out[g][0])
            out[g] = (out[g][0] - 1, None)
        return out
    counts = np.zeros(len(labels), dtype=int)
    for _ in range(k):
        counts[rng.choice(np.flatnonzero(counts < sizes))] += 1
    return {int(g): int(c) for g, c in zip(labels, counts)}


@pytest.mark.parametrize("mode", ["none", "lower", "exact"])
@pytest.mark.parametrize("kind", ["borda", "approval", "any"])
def test_bnb_equals_brute_force(kind, mode):
    # 60 random instances per (utility kind, constraint mode), weighted voters
    rng = np.random.default_rng(zlib.crc32(f"{kind}-{mode}".encode()))
    for _ in range(60):
        n, m = int(rng.integers(1, 25)), int(rng.integers(2, 9))
        k = int(rng.integers(1, m + 1))
        P = _positions(rng, n, m)
        w = rng.uniform(0.1, 3.0, n)
        s, lam = _cc_vectors(rng, kind, m, k)
        gc = None
        if mode != "none":
            groups = rng.integers(0, 3, m)
            bounds = _random_bounds(rng, groups, k, mode)
            gc = build_constraints(groups, bounds, False, 0, k, m)
        U = s[P]
        brute = solve_brute_force(U, w, lam, k, gc)
        W, val, bound, status, _ = branch_and_bound(U, w, lam, k, gc)
        assert status == "optimal"
        best = float(w @ per_voter_scores(U, brute, lam))
        got = float(w @ per_voter_scores(U, W, lam))
        assert W.size == k and np.unique(W).size == k
        assert got == pytest.approx(best, abs=1e-9 * max(1.0, abs(best)))
        # the returned value and bound agree with the score when optimal
        assert val == pytest.approx(got, abs=1e-9 * max(1.0, abs(got)))
        assert bound == pytest.approx(val, abs=1e-9 * max(1.0, abs(val)))
        if gc is not None:
            assert gc.satisfied(W)


def test_stopped_search_reports_a_valid_bound():
    # a node limit stops the search early: the committee is feasible, its
    # value is below the bound, and the bound is above the true optimum
    rng = np.random.default_rng(5)
    stopped = 0
    for _ in range(30):
        n, m, k = 40, 10, 4
        P = _positions(rng, n, m)
        w = np.ones(n)
        s = (np.arange(m) < 3).astype(float)
        lam = np.eye(k)[0]
        U = s[P]
        opt = float(w @ per_voter_scores(U, solve_brute_force(U, w, lam, k, None), lam))
        W, val, bound, status, nodes = branch_and_bound(U, w, lam, k, max_nodes=3)
        assert W.size == k
        assert val <= opt + 1e-9 <= bound + 2e-9
        if status == "node_limit":
            stopped += 1
            assert nodes == 4
    assert stopped > 0


def test_node_limit_hands_over_to_the_milp():
    X, _, g = make_biased_rankings(60, 20, culture="impartial", random_state=3)
    s, lam = resolve_rule("approval_cc", 20, 5, approval_top=4)
    w = np.ones(60)
    gc = build_constraints(g, None, True, 0, 5, 20)
    W, res, gap = solve_bnb(s[X], w, lam, 5, gc, max_nodes=2)
    assert res.status == "optimal" and gap == 0.0
    assert res.solver.startswith("branch-and-bound (3 nodes), then highs-milp")
    ref, _, _ = solve_milp(s[X], w, lam, 5, gc)
    a = committee_score(X, W, rule="approval_cc", approval_top=4)
    b = committee_score(X, ref, rule="approval_cc", approval_top=4)
    assert a == pytest.approx(b)
    assert gc.satisfied(W)


def test_milp_accepts_a_start_and_an_outer_bound():
    X, _, _ = make_biased_rankings(40, 14, culture="impartial", random_state=4)
    s, lam = resolve_rule("borda_cc", 14, 5)
    w = np.ones(40)
    U = s[X] - s.min()
    start = greedy_cc(U, w, 5)
    W, res, gap = solve_milp(s[X], w, lam, 5, None, start=start)
    ref, _, _ = solve_milp(s[X], w, lam, 5, None)
    assert res.status == "optimal"
    assert committee_score(X, W, rule="borda_cc") == pytest.approx(
        committee_score(X, ref, rule="borda_cc")
    )
    # stopped at once: the start (or better) is returned, and the gap uses
    # the tighter of HiGHS's bound and the outer one
    start_val = committee_score(X, start, rule="borda_cc")
    for extra in (0.0, 10.0):
        W, res, gap = solve_milp(
            s[X],
            w,
            lam,
            5,
            None,
            start=start,
            time_limit=1e-6,
            outer_bound=start_val + extra,
        )
        assert res.raw_status == "time_limit"
        got = committee_score(X, W, rule="borda_cc")
        assert got >= start_val - 1e-9
        assert 0.0 <= gap <= extra / (start_val + extra) + 1e-12


def test_selector_time_limit_inside_the_search():
    X, _, g = make_biased_rankings(500, 50, culture="impartial", random_state=0)
    sel = FairCommitteeSelector(
        10, rule="approval_cc", approval_top=5, solver="bnb", time_limit=0.05
    )
    with pytest.warns(ConvergenceWarning, match="not certified optimal"):
        sel.fit(X)
    assert sel.solver_.startswith("branch-and-bound")
    assert sel.solver_status_ == "inaccurate"
    assert sel.solver_message_.startswith("time_limit: stopped after")
    assert not sel.optimal_ and 0 < sel.mip_gap_ < 1
    assert sel.selected_.size == 10


def test_auto_routes_cc_to_the_search_and_others_elsewhere():
    X, _, g = make_biased_rankings(50, 12, random_state=0)
    cc = FairCommitteeSelector(4, rule="approval_cc", approval_top=3).fit(X)
    assert cc.solver_ == "branch-and-bound" and cc.optimal_
    assert cc.solver_status_ == "optimal"
    fair = FairCommitteeSelector(
        4, rule="borda_cc", candidate_groups=g, proportional=True
    ).fit(X)
    assert fair.solver_ == "branch-and-bound"
    # other Thiele rules: the search on small profiles, the MILP on larger ones
    pav = FairCommitteeSelector(4, rule="pav", approval_top=3).fit(X)
    assert pav.solver_ == "branch-and-bound" and pav.optimal_
    Xl, _, _ = make_biased_rankings(2000, 12, random_state=0)
    pav = FairCommitteeSelector(4, rule="pav", approval_top=3).fit(Xl)
    assert pav.solver_.startswith("highs")
    # overlapping groups go to the MILP
    M = np.random.default_rng(0).random((12, 2)) < 0.6
    ov = FairCommitteeSelector(
        4, rule="borda_cc", candidate_groups=M, group_bounds={0: (1, 3)}
    ).fit(X)
    assert ov.solver_.startswith("highs")
    ref = FairCommitteeSelector(
        4,
        rule="borda_cc",
        candidate_groups=M,
        group_bounds={0: (1, 3)},
        solver="brute_force",
    ).fit(X)
    assert ov.objective_ == pytest.approx(ref.objective_)


def test_very_large_committees_go_to_the_milp():
    # k above the search's depth limit: the MILP path (greedy certificate)
    X = _positions(np.random.default_rng(0), 6, 230)
    sel = FairCommitteeSelector(205, rule="approval_cc", approval_top=3).fit(X)
    assert not sel.solver_.startswith("branch-and-bound")
    assert sel.optimal_ and sel.objective_ == 6.0


def test_bnb_refuses_rules_it_cannot_solve():
    X, _, _ = make_biased_rankings(20, 8, random_state=0)
    with pytest.raises(ValueError, match="solver='bnb' is for Thiele rules"):
        FairCommitteeSelector(
            3, rule="owa", positional=np.arange(8.0)[::-1], owa=[1, 2, 0], solver="bnb"
        ).fit(X)
    with pytest.raises(ValueError, match="overlapping"):
        FairCommitteeSelector(
            3,
            rule="approval_cc",
            solver="bnb",
            candidate_groups=np.ones((8, 2), dtype=bool),
            group_bounds={0: (1, 3)},
        ).fit(X)
    # a CC-shaped custom OWA rule is accepted
    pos = np.linspace(5, 0, 8)
    sel = FairCommitteeSelector(
        3, rule="owa", positional=pos, owa=[2.0, 0, 0], solver="bnb"
    ).fit(X)
    brute = FairCommitteeSelector(
        3, rule="owa", positional=pos, owa=[2.0, 0, 0], solver="brute_force"
    ).fit(X)
    assert sel.objective_ == pytest.approx(brute.objective_)


def test_greedy_cc_respects_bounds():
    rng = np.random.default_rng(9)
    for _ in range(30):
        m, k = 9, 4
        P = _positions(rng, 15, m)
        groups = rng.integers(0, 3, m)
        gc = build_constraints(
            groups, _random_bounds(rng, groups, k, "exact"), False, 0, k, m
        )
        s = np.arange(m - 1, -1, -1, dtype=float)
        W = greedy_cc(s[P], np.ones(15), k, gc)
        assert W.size == k and gc.satisfied(W)
