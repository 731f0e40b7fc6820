"""FairCommitteeSelector: exactness, constraints, errors and the sklearn contract."""

import pickle
import warnings
import zlib

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

from sklweights.datasets import make_biased_rankings
from sklweights.selection import (
    FairCommitteeSelector,
    committee_score,
    estimate_smoothness,
    marginal_gains,
    proportional_group_bounds,
)

RULES = ["sntv", "borda", "bloc", "borda_cc", "approval_cc", "pav", "owa"]


def _positions(rng, n, m):
    return np.argsort(rng.random((n, m)), axis=1).argsort(axis=1)


def _instance(rng, rule, mode):
    """A random small instance: (X, k, kwargs, groups, bounds)."""
    n = int(rng.integers(1, 15))
    m = int(rng.integers(3, 9))
    k = int(rng.integers(1, m + 1))
    X = _positions(rng, n, m)
    kw = {"rule": rule}
    if rule == "owa":
        kw["positional"] = np.sort(rng.integers(-2, 6, m))[::-1].astype(float)
        kw["owa"] = np.sort(rng.normal(size=k))[::-1]
    elif rule in ("bloc", "approval_cc", "pav"):
        kw["approval_top"] = int(rng.integers(1, m + 1))
    groups = rng.integers(0, 3, m)
    labels, sizes = np.unique(groups, return_counts=True)
    bounds = None
    if mode == "lower":
        bounds = {
            int(g): (int(rng.integers(0, min(s, k) + 1)), None)
            for g, s in zip(labels, sizes)
        }
        while sum(b[0] for b in bounds.values()) > k:
            g = max(bounds, key=lambda g: bounds[g][0])
            bounds[g] = (bounds[g][0] - 1, None)
    elif mode == "exact":
        # exact counts that sum to k
        counts = np.zeros(len(labels), dtype=int)
        for _ in range(k):
            free = np.flatnonzero(counts < sizes)
            counts[rng.choice(free)] += 1
        bounds = {int(g): int(c) for g, c in zip(labels, counts)}
    return X, k, kw, (groups if mode != "none" else None), bounds


# ------------------------------------------------------------------ exactness
@pytest.mark.parametrize("mode", ["none", "lower", "exact"])
@pytest.mark.parametrize("rule", RULES)
def test_exact_against_brute_force(rule, mode):
    # 50 random instances per (rule, constraint mode); objective equal to 1e-9
    rng = np.random.default_rng(zlib.crc32(f"{rule}-{mode}".encode()))
    for _ in range(50):
        X, k, kw, groups, bounds = _instance(rng, rule, mode)
        common = dict(candidate_groups=groups, group_bounds=bounds, **kw)
        brute = FairCommitteeSelector(k, solver="brute_force", **common).fit(X)
        exact = FairCommitteeSelector(k, **common).fit(X)
        assert exact.optimal_
        assert exact.objective_ == pytest.approx(brute.objective_, abs=1e-9)
        assert exact.objective_ == pytest.approx(
            committee_score(X, exact.selected_, **_score_kw(kw, k)), abs=1e-9
        )
        if bounds is not None:
            for g, (lo, hi) in exact.group_bounds_.items():
                assert lo <= exact.group_counts_[g] <= hi
        if rule in ("sntv", "borda", "bloc", "borda_cc", "approval_cc"):
            # auto took the sort path (separable) or the branch and bound (CC)
            milp = FairCommitteeSelector(k, solver="milp", **common).fit(X)
            assert milp.objective_ == pytest.approx(brute.objective_, abs=1e-9)


def _score_kw(kw, k):
    out = dict(kw)
    if kw["rule"] in ("bloc", "approval_cc", "pav") and "approval_top" not in kw:
        out["approval_top"] = k
    return out


def test_sorting_path_equals_milp_random_disjoint_bounds():
    rng = np.random.default_rng(1)
    for it in range(60):
        n, m = int(rng.integers(5, 40)), int(rng.integers(5, 30))
        k = int(rng.integers(1, m + 1))
        X = _positions(rng, n, m)
        groups = rng.integers(0, 4, m)
        bounds = {}
        for g in np.unique(groups):
            size = int(np.sum(groups == g))
            lo = int(rng.integers(0, min(size, k) + 1))
            hi = int(rng.integers(lo, size + 1))
            bounds[int(g)] = (lo, hi)
        rule = ["sntv", "borda", "bloc"][it % 3]
        kw = dict(rule=rule, candidate_groups=groups, group_bounds=bounds)
        try:
            srt = FairCommitteeSelector(k, solver="sort", **kw).fit(X)
        except ValueError as exc:
            assert "infeasible" in str(exc)
            with pytest.raises(ValueError, match="infeasible"):
                FairCommitteeSelector(k, solver="milp", **kw).fit(X)
            continue
        milp = FairCommitteeSelector(k, solver="milp", **kw).fit(X)
        assert srt.solver_ == "sort"
        assert srt.objective_ == pytest.approx(milp.objective_, abs=1e-9)


def test_cc_formulations_agree():
    from sklweights.selection._bounds import build_constraints
    from sklweights.selection._rules import resolve_rule
    from sklweights.selection._solvers import solve_milp

    rng = np.random.default_rng(2)
    for _ in range(20):
        n, m, k = 12, 7, 3
        X = _positions(rng, n, m)
        groups = rng.integers(0, 2, m)
        gc = build_constraints(groups, {0: (1, None)}, False, 0, k, m)
        s, lam = resolve_rule("borda_cc", m, k)
        vals = []
        for form in ("nested", "assignment"):
            W, res, gap = solve_milp(s[X], np.ones(n), lam, k, gc, formulation=form)
            assert res.status == "optimal" and gap == 0.0
            vals.append(committee_score(X, W, rule="borda_cc"))
        assert vals[0] == pytest.approx(vals[1], abs=1e-9)


def test_overlapping_groups_membership_matrix():
    rng = np.random.default_rng(3)
    for _ in range(20):
        n, m, k = 10, 8, 4
        X = _positions(rng, n, m)
        M = rng.random((m, 3)) < 0.5
        bounds = {0: (1, 3), 2: (0, 2)}
        kw = dict(candidate_groups=M, group_bounds=bounds)
        for rule in ("borda", "pav"):
            try:
                brute = FairCommitteeSelector(
                    k, rule=rule, solver="brute_force", **kw
                ).fit(X)
            except ValueError as exc:
                assert "infeasible" in str(exc)
                continue
            sel = FairCommitteeSelector(k, rule=rule, **kw).fit(X)
            assert sel.objective_ == pytest.approx(brute.objective_, abs=1e-9)
            counts = M[sel.selected_].sum(axis=0)
            assert 1 <= counts[0] <= 3 and counts[2] <= 2
            disjoint = bool(np.all(M.sum(axis=1) <= 1))
            # tiny instances are enumerated; a random matrix may happen to
            # give disjoint groups
            if disjoint and rule == "borda":
                assert sel.solver_ == "sort"
            elif disjoint:
                assert sel.solver_ in ("brute_force", "branch-and-bound")
            else:
                assert sel.solver_.startswith("highs") or sel.solver_ == "brute_force"


def test_greedy_is_labelled_approximate_and_feasible():
    X, _, g = make_biased_rankings(30, 20, swap_fraction=0.5, random_state=0)
    sel = FairCommitteeSelector(
        6, rule="pav", solver="greedy", candidate_groups=g, group_bounds={1: (3, 3)}
    ).fit(X)
    assert sel.optimal_ is False and np.isnan(sel.mip_gap_)
    assert sel.solver_status_ == "inaccurate"
    assert sel.solver_message_.startswith("approximate")
    assert sel.group_counts_[1] == 3
    exact = FairCommitteeSelector(
        6, rule="pav", candidate_groups=g, group_bounds={1: (3, 3)}
    ).fit(X)
    assert exact.objective_ >= sel.objective_ - 1e-9
    # separable rules: greedy is exact
    a = FairCommitteeSelector(6, solver="greedy").fit(X)
    b = FairCommitteeSelector(6).fit(X)
    assert a.objective_ == pytest.approx(b.objective_)


def test_time_limit_returns_feasible_committee_and_gap():
    X, _, g = make_biased_rankings(
        400, 40, culture="impartial", swap_fraction=0.3, random_state=0
    )
    sel = FairCommitteeSelector(
        8, rule="borda_cc", candidate_groups=g, proportional=True, time_limit=0.05
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        sel.fit(X)
    assert sel.selected_.size == 8
    assert sel.group_counts_ == {0: 4, 1: 4}
    if not sel.optimal_:
        assert sel.solver_status_ == "inaccurate"
        assert sel.solver_message_.startswith("time_limit")
        assert np.isnan(sel.mip_gap_) or sel.mip_gap_ >= 0


def test_time_limit_warns():
    X, _, g = make_biased_rankings(
        600, 60, culture="impartial", swap_fraction=0.3, random_state=1
    )
    sel = FairCommitteeSelector(10, rule="borda_cc", time_limit=0.01)
    with pytest.warns(ConvergenceWarning, match="not certified optimal"):
        sel.fit(X)
    assert not sel.optimal_
    assert sel.selected_.size == 10


# ------------------------------------------------------------ constraints
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    seed=st.integers(0, 2**31 - 1),
    k=st.integers(1, 8),
    lows=st.lists(st.integers(0, 6), min_size=3, max_size=3),
    widths=st.lists(st.integers(0, 6), min_size=3, max_size=3),
    rule=st.sampled_from(["borda", "sntv", "pav", "approval_cc"]),
    overlapping=st.booleans(),
)
def test_constraints_hold_or_clear_error(seed, k, lows, widths, rule, overlapping):
    rng = np.random.default_rng(seed)
    m = 9
    X = _positions(rng, 12, m)
    if overlapping:
        groups = rng.random((m, 3)) < 0.5
    else:
        groups = rng.integers(0, 3, m)
    labels = [0, 1, 2]
    bounds = {g: (lo, lo + w) for g, lo, w in zip(labels, lows, widths)}
    if not overlapping:
        bounds = {g: b for g, b in bounds.items() if g in set(groups.tolist())}
    if k > m:
        k = m
    sel = FairCommitteeSelector(
        k, rule=rule, candidate_groups=groups, group_bounds=bounds
    )
    try:
        sel.fit(X)
    except ValueError as exc:
        assert "infeasible" in str(exc)
        # the brute force agrees that no committee exists
        with pytest.raises(ValueError, match="infeasible"):
            FairCommitteeSelector(
                k,
                rule=rule,
                candidate_groups=groups,
                group_bounds=bounds,
                solver="brute_force",
            ).fit(X)
        return
    mem = groups if overlapping else np.stack([groups == g for g in labels], 1)
    counts = mem[sel.selected_].sum(axis=0)
    for g, (lo, hi) in bounds.items():
        assert lo <= counts[g] <= hi
    assert sel.selected_.size == k


def test_proportional_bounds_helper():
    assert proportional_group_bounds(["a"] * 6 + ["b"] * 4, k=5) == {
        "a": (3, 3),
        "b": (2, 2),
    }
    assert proportional_group_bounds([0] * 7 + [1] * 3, k=4) == {
        0: (2, 3),
        1: (1, 2),
    }
    assert proportional_group_bounds([0] * 7 + [1] * 3, k=4, slack=1) == {
        0: (1, 4),
        1: (0, 3),
    }
    M = np.array([[1, 0], [1, 1], [0, 1], [0, 1]])
    assert proportional_group_bounds(M, k=2) == {0: (1, 1), 1: (1, 2)}
    with pytest.raises(ValueError, match="slack"):
        proportional_group_bounds([0, 1], k=1, slack=-1)
    X = _positions(np.random.default_rng(0), 10, 10)
    g = [0] * 7 + [1] * 3
    sel = FairCommitteeSelector(4, candidate_groups=g, proportional=True).fit(X)
    assert sel.group_bounds_ == {0: (2, 3), 1: (1, 2)}
    assert 1 <= sel.group_counts_[1] <= 2


# --------------------------------------------------------------- functions
def test_committee_score_rules_by_hand():
    # voter 0: 0 > 1 > 2 > 3, voter 1: 3 > 2 > 1 > 0 (positions)
    X = np.array([[0, 1, 2, 3], [3, 2, 1, 0]])
    W = [1, 3]
    assert committee_score(X, W, rule="sntv") == 1.0
    assert committee_score(X, W, rule="borda") == 2 + 0 + 1 + 3
    assert committee_score(X, W, rule="bloc", approval_top=2) == 1 + 1
    assert committee_score(X, W, rule="borda_cc") == 2 + 3
    assert committee_score(X, W, rule="approval_cc", approval_top=2) == 2
    assert committee_score(X, W, rule="pav", approval_top=2) == 1 + 1
    assert committee_score(X, [0, 1, 3], rule="pav", approval_top=2) == 1.5 + 1
    pv = committee_score(X, [0, 1, 3], rule="pav", approval_top=2, per_voter=True)
    np.testing.assert_allclose(pv, [1.5, 1])
    assert committee_score(
        X, W, rule="owa", positional=[4, 3, 1, 0], owa=[1, 0.25]
    ) == (3 + 0.25 * 0) + (4 + 0.25 * 1)
    w = committee_score(X, W, rule="borda", sample_weight=[2, 0])
    assert w == 2 * 2
    orders = np.argsort(X, axis=1)
    assert committee_score(orders, W, input="orders") == 6
    mask = np.array([False, True, False, True])
    assert committee_score(X, mask) == 6


def test_marginal_gains_match_committee_score():
    rng = np.random.default_rng(4)
    X = _positions(rng, 9, 7)
    for rule in ["borda", "borda_cc", "pav", "sntv"]:
        kw = {"approval_top": 3} if rule == "pav" else {}
        W = [1, 4]
        g = marginal_gains(X, W, rule=rule, **kw, k=3)
        base = committee_score(X, W, rule=rule, **kw)
        for c in range(7):
            if c in W:
                assert np.isnan(g[c])
            else:
                new = committee_score(X, sorted(W + [c]), rule=rule, **kw)
                assert g[c] == pytest.approx(new - base)


def test_input_formats_agree():
    rng = np.random.default_rng(5)
    U = rng.random((20, 8))
    P = np.argsort(-U, axis=1).argsort(axis=1)
    orders = np.argsort(P, axis=1)
    a = FairCommitteeSelector(3, rule="pav", input="scores").fit(U)
    b = FairCommitteeSelector(3, rule="pav").fit(P)
    c = FairCommitteeSelector(3, rule="pav", input="orders").fit(orders)
    np.testing.assert_array_equal(a.selected_, b.selected_)
    np.testing.assert_array_equal(b.selected_, c.selected_)
    np.testing.assert_array_equal(c.transform(orders), P[:, c.selected_])
    np.testing.assert_array_equal(b.transform(P), P[:, b.selected_])
    # ties in utilities are broken by column index, with a warning where that
    # gives tied candidates different positional scores
    T = np.ones((3, 4))
    with pytest.warns(UserWarning, match="tied values in 3 of its 3 rows"):
        d = FairCommitteeSelector(2, input="scores").fit(T)
    np.testing.assert_array_equal(d.selected_, [0, 1])


def test_sample_weight_equals_repetition():
    rng = np.random.default_rng(6)
    X = _positions(rng, 10, 8)
    w = rng.integers(0, 4, 10)
    a = FairCommitteeSelector(3, rule="borda_cc").fit(X, sample_weight=w)
    b = FairCommitteeSelector(3, rule="borda_cc").fit(np.repeat(X, w, axis=0))
    assert a.objective_ == pytest.approx(b.objective_)


# ------------------------------------------------------------------ errors
def test_bad_input_errors():
    X = np.array([[0, 1, 2], [0, 0, 2]])
    with pytest.raises(ValueError, match=r"Row 1 of X is not a permutation.*Ties"):
        FairCommitteeSelector(1).fit(X)
    with pytest.raises(ValueError, match="outside that range"):
        FairCommitteeSelector(1).fit(np.array([[0, 1, 3]]))
    with pytest.raises(ValueError, match="integer positions"):
        FairCommitteeSelector(1).fit(np.array([[0, 1.5, 2]]))
    with pytest.raises(ValueError, match="Row 0 of X is not a permutation"):
        FairCommitteeSelector(1, input="orders").fit(np.array([[2, 2, 1]]))
    P = np.array([[0, 1, 2], [2, 1, 0]])
    with pytest.raises(ValueError, match="k=4 exceeds the number of candidates"):
        FairCommitteeSelector(4).fit(P)
    with pytest.raises(ValueError, match="one label per candidate"):
        FairCommitteeSelector(1, candidate_groups=[0, 1]).fit(P)
    with pytest.raises(ValueError, match="membership matrix must have shape"):
        FairCommitteeSelector(1, candidate_groups=np.ones((2, 2))).fit(P)
    with pytest.raises(ValueError, match="lower bounds sum to 3 > k=2"):
        FairCommitteeSelector(
            2, candidate_groups=[0, 1, 1], group_bounds={0: 1, 1: (2, 2)}
        ).fit(P)
    with pytest.raises(ValueError, match="allow at most 1 candidates < k=2"):
        FairCommitteeSelector(
            2, candidate_groups=[0, 1, 1], group_bounds={0: (0, 1), 1: (0, 0)}
        ).fit(P)
    with pytest.raises(ValueError, match="Group 1 is infeasible: lower bound 3 exc"):
        FairCommitteeSelector(
            2, candidate_groups=[0, 1, 1], group_bounds={1: (3, 3)}
        ).fit(P)
    with pytest.raises(ValueError, match="lower bound 2 exceeds upper bound 1"):
        FairCommitteeSelector(
            2, candidate_groups=[0, 1, 1], group_bounds={1: (2, 1)}
        ).fit(P)
    with pytest.raises(ValueError, match="names group 'z'"):
        FairCommitteeSelector(
            2, candidate_groups=[0, 1, 1], group_bounds={"z": (0, 1)}
        ).fit(P)
    with pytest.raises(ValueError, match="need candidate_groups"):
        FairCommitteeSelector(2, proportional=True).fit(P)
    with pytest.raises(ValueError, match="either group_bounds or proportional"):
        FairCommitteeSelector(
            2, candidate_groups=[0, 1, 1], proportional=True, group_bounds={}
        ).fit(P)
    with pytest.raises(ValueError, match="only used with rule='owa'"):
        FairCommitteeSelector(2, positional=[1, 0, 0]).fit(P)
    with pytest.raises(ValueError, match="needs both positional"):
        FairCommitteeSelector(2, rule="owa", owa=[1, 1]).fit(P)
    with pytest.raises(ValueError, match="owa must be a 1-D vector of length k=2"):
        FairCommitteeSelector(2, rule="owa", positional=[1, 0, 0], owa=[1]).fit(P)
    with pytest.raises(ValueError, match="approval_top must be in"):
        FairCommitteeSelector(2, rule="pav", approval_top=5).fit(P)
    with pytest.raises(ValueError, match="approval_top is only used"):
        FairCommitteeSelector(2, rule="borda", approval_top=1).fit(P)
    with pytest.raises(ValueError, match="solver='sort' is exact only"):
        FairCommitteeSelector(2, rule="pav", solver="sort").fit(P)
    with pytest.raises(ValueError, match="not non-increasing"):
        FairCommitteeSelector(2, rule="owa", positional=[2, 1, 0], owa=[0.5, 1]).fit(P)
    # ... but brute force handles any OWA vector
    sel = FairCommitteeSelector(
        2, rule="owa", positional=[2, 1, 0], owa=[0.5, 1], solver="brute_force"
    ).fit(P)
    assert sel.optimal_
    with pytest.raises(ValueError, match="sample_weight must be non-negative"):
        FairCommitteeSelector(1).fit(P, sample_weight=[1, -1])
    with pytest.raises(ValueError, match="committee lists a candidate twice"):
        committee_score(P, [1, 1])
    with pytest.raises(ValueError, match="candidate indices"):
        committee_score(P, [5])


def test_infeasible_overlapping_bounds_error():
    P = _positions(np.random.default_rng(0), 5, 4)
    M = np.array([[1, 1], [1, 1], [0, 0], [0, 0]])
    # both groups need 2 members, they share the same 2 candidates, k=3:
    # feasible; group 0 at most 0 and group 1 at least 1: infeasible jointly
    with pytest.raises(ValueError, match="infeasible"):
        FairCommitteeSelector(
            3, rule="pav", candidate_groups=M, group_bounds={0: (0, 0), 1: (1, 2)}
        ).fit(P)


# ----------------------------------------------------------- sklearn contract
def test_clone_pickle_pipeline_gridsearch():
    latent, biased, g = make_biased_rankings(60, 12, random_state=0)
    sel = FairCommitteeSelector(4, rule="pav", candidate_groups=g, proportional=True)
    sel2 = clone(sel).fit(biased)
    restored = pickle.loads(pickle.dumps(sel2))
    np.testing.assert_array_equal(restored.selected_, sel2.selected_)
    assert restored.score(latent) == pytest.approx(sel2.score(latent))
    pipe = Pipeline(
        [("ident", FunctionTransformer()), ("select", FairCommitteeSelector(3))]
    )
    Xt = pipe.fit_transform(biased)
    assert Xt.shape == (60, 3)
    grid = GridSearchCV(
        FairCommitteeSelector(rule="borda_cc"),
        {"k": [1, 2, 3]},
        cv=KFold(3, shuffle=True, random_state=0),
    ).fit(biased)
    # Chamberlin-Courant's score grows with k on held-out voters
    assert grid.best_params_["k"] == 3
    assert np.all(np.diff(grid.cv_results_["mean_test_score"]) >= 0)


def test_feature_names_and_get_support():
    pd = pytest.importorskip("pandas")
    X = _positions(np.random.default_rng(0), 6, 4)
    df = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    sel = FairCommitteeSelector(2).fit(df)
    assert list(sel.get_feature_names_out()) == list(
        np.array(["a", "b", "c", "d"])[sel.support_]
    )
    np.testing.assert_array_equal(sel.get_support(indices=True), sel.selected_)


def test_random_state_breaks_ties_reproducibly():
    T = np.zeros((2, 6))
    a = FairCommitteeSelector(2, input="utilities", rule="av", random_state=0).fit(T)
    b = FairCommitteeSelector(2, input="utilities", rule="av", random_state=0).fit(T)
    np.testing.assert_array_equal(a.selected_, b.selected_)
    c = FairCommitteeSelector(2, input="utilities", rule="av", random_state=1).fit(T)
    d = FairCommitteeSelector(2, input="utilities", rule="av").fit(T)
    np.testing.assert_array_equal(d.selected_, [0, 1])  # lower index first
    assert {tuple(x.selected_) for x in (a, c, d)} != {(0, 1)}  # seeds 0, 1 differ


# ------------------------------------------------------------ generator
@pytest.mark.parametrize(
    "culture", ["impartial", "urn", "mallows", "norm_mallows", "single_peaked"]
)
def test_make_biased_rankings(culture):
    L, B, g = make_biased_rankings(
        30, 12, culture=culture, swap_fraction=0.5, random_state=0
    )
    assert L.shape == B.shape == (30, 12)
    assert (np.sort(L, 1) == np.arange(12)).all()
    assert (np.sort(B, 1) == np.arange(12)).all()
    assert g.sum() == 6

    def inversions(P):
        o = np.argsort(P, axis=1)
        lab = g[o] == 1
        return sum(int((np.cumsum(r) * ~r).sum()) for r in lab)

    assert inversions(B) < inversions(L)
    L0, B0, _ = make_biased_rankings(
        30, 12, culture=culture, swap_fraction=0.0, random_state=0
    )
    np.testing.assert_array_equal(L0, B0)
    L1, B1, _ = make_biased_rankings(
        30, 12, culture=culture, swap_fraction=1.0, random_state=0
    )
    assert inversions(B1) == 0  # full bias: every advantaged above every other
    o = make_biased_rankings(
        30, 12, culture=culture, swap_fraction=0.5, output="orders", random_state=0
    )
    np.testing.assert_array_equal(np.argsort(o[1], axis=1), B)


def test_make_biased_rankings_swap_count_and_recomputed_weights():
    # one voter, 2+2 candidates with the disadvantaged pair on top: 4 inverted
    # pairs; a quarter of them = 1 swap, which must reduce inversions
    groups = np.array([0, 0, 1, 1])
    for seed in range(20):
        L, B, _ = make_biased_rankings(
            1,
            4,
            culture="mallows",
            phi=0.0,
            swap_fraction=0.5,
            candidate_groups=[1, 1, 0, 0],
            random_state=seed,
        )
        # latent is the identity: candidates 0, 1 (group 1) above 2, 3
        np.testing.assert_array_equal(L[0], [0, 1, 2, 3])
        o = np.argsort(B[0])
        lab = np.array([1, 1, 0, 0])[o]
        inv = int((np.cumsum(lab) * (1 - lab)).sum())
        # 2 swaps with recomputed weights leave at most 2 inversions (never
        # swap back)
        assert inv <= 2
    del groups


def test_make_biased_rankings_errors():
    with pytest.raises(ValueError, match="culture must be one of"):
        make_biased_rankings(culture="x")
    with pytest.raises(ValueError, match="swap_phi must be in"):
        make_biased_rankings(swap_phi=0.0)
    with pytest.raises(ValueError, match="swap_fraction must be in"):
        make_biased_rankings(swap_fraction=1.5)
    with pytest.raises(ValueError, match="candidate_groups must be a 0/1"):
        make_biased_rankings(5, 4, candidate_groups=[0, 1])
    with pytest.raises(ValueError, match="n_voters must be a positive int"):
        make_biased_rankings(0)


def test_norm_mallows_phi_matches_prefsampling():
    pytest.importorskip("prefsampling")
    from prefsampling.ordinal.mallows import phi_from_norm_phi

    from sklweights.datasets._selection import mallows_phi_from_normalised

    for m in (5, 10, 50, 200):
        for nphi in (0.1, 0.5, 0.9):
            assert mallows_phi_from_normalised(m, nphi) == pytest.approx(
                phi_from_norm_phi(m, nphi), abs=1e-4
            )


def test_estimate_smoothness_small():
    g = np.array([0, 0, 0, 1, 1, 1])
    draws = [
        make_biased_rankings(
            20,
            6,
            culture="impartial",
            swap_fraction=0.9,
            swap_phi=1e-4,
            candidate_groups=g,
            random_state=i,
        )
        for i in range(20)
    ]
    L = np.stack([d[0] for d in draws])
    B = np.stack([d[1] for d in draws])
    borda = estimate_smoothness(L, B, g, rule="borda")
    sntv = estimate_smoothness(L, B, g, rule="sntv")
    assert 0 < borda.alpha <= 1
    assert sntv.alpha < borda.alpha
    assert borda.tau == 5 and sntv.tau == 1
    assert estimate_smoothness(L, B, g, rule="borda", tau=6).alpha == pytest.approx(
        borda.alpha * 5 / 6
    )
    assert borda.gamma.shape == borda.beta.shape == (100,)
    np.testing.assert_allclose(
        borda.latent_singleton_scores, (5 - L).sum(axis=1).mean(axis=0)
    )
    with pytest.raises(ValueError, match="differ in shape"):
        estimate_smoothness(L, B[:, :4], g)
    with pytest.raises(ValueError, match="needs approval_top"):
        estimate_smoothness(L, B, g, rule="bloc")
    bloc = estimate_smoothness(L, B, g, rule="bloc", approval_top=2)
    assert bloc.tau == 1 and 0 <= bloc.alpha <= 1


def test_latent_quality_ratio():
    from sklweights.selection import latent_quality_ratio

    L, B, g = make_biased_rankings(30, 15, swap_fraction=0.5, random_state=3)
    for rule in ("borda", "sntv", "pav"):
        at = {"approval_top": 4} if rule == "pav" else {}
        sel = FairCommitteeSelector(4, rule=rule, **at).fit(B)
        opt = FairCommitteeSelector(4, rule=rule, **at).fit(L).objective_
        expected = committee_score(L, sel.selected_, rule=rule, **at) / opt
        assert latent_quality_ratio(L, sel.selected_, rule=rule, **at) == pytest.approx(
            expected
        )
        best = FairCommitteeSelector(4, rule=rule, **at).fit(L).support_
        assert latent_quality_ratio(L, best, rule=rule, **at) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="at least one candidate"):
        latent_quality_ratio(L, [])
