"""The short cuts of FairCommitteeSelector.fit on small instances.

The parameter check, the input check, the top-k path, the integer scaling of
ties, the approval greedy and the cached enumeration must give what the
general machinery gives: the same errors (scikit-learn's messages), the same
committees, the same fitted attributes.
"""

import itertools
from fractions import Fraction

import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV
from sklearn.utils._param_validation import (
    InvalidParameterError,
    validate_parameter_constraints,
)

from sklweights.selection import FairCommitteeSelector
from sklweights.selection._exact import ExactScorer, integer_scaled
from sklweights.selection._rules import owa_vector_exact
from sklweights.selection._selector import _params_look_valid
from sklweights.selection._solvers import _all_combinations

# values for each parameter: valid ones of several types and invalid ones
CANDIDATES = {
    "k": [1, 3, np.int64(2), 0, -1, 2.0, True, "3", None],
    "rule": ["pav", "av", "seqpav", 3, None, "PAV"],
    "positional": [None, [1, 0], (1.0,), np.ones(3), 3, "ab"],
    "owa": [None, [1, 0.5], np.ones(2), 1.5, {1: 2}],
    "approval_top": [None, 2, 0, np.int32(2), 2.5, True],
    "candidate_groups": [None, ["a", "b"], np.zeros(3), 7],
    "group_bounds": [None, {}, {"a": (0, 1)}, [("a", 1)], "a"],
    "proportional": [False, True, np.bool_(True), 0, 1, None, "yes"],
    "slack": [0, 2, -1, np.int64(1), 1.0, None],
    "input": ["utilities", "positions", "ranks", 0, None],
    "solver": ["auto", "sort", "highs", None, 1],
    "time_limit": [None, 1, 0.5, 0, -1.0, np.inf, np.nan, np.float64(2), "1"],
    "max_committees": [None, 1, 0, np.int64(3), 2.0],
    "random_state": [
        None,
        0,
        2**32 - 1,
        2**32,
        -1,
        np.random.RandomState(0),
        np.random.default_rng(0),
        1.5,
        "0",
    ],
}


def _sklearn_accepts(est):
    try:
        validate_parameter_constraints(
            FairCommitteeSelector._parameter_constraints,
            est.get_params(deep=False),
            caller_name="FairCommitteeSelector",
        )
    except InvalidParameterError:
        return False
    return True


@pytest.mark.parametrize("name", sorted(CANDIDATES))
def test_cheap_parameter_check_never_accepts_what_sklearn_refuses(name):
    accepted = 0
    for value in CANDIDATES[name]:
        est = FairCommitteeSelector().set_params(**{name: value})
        if _params_look_valid(est):
            accepted += 1
            assert _sklearn_accepts(est), (name, value)
    assert accepted >= 1  # the cheap check does take the common values


@pytest.mark.parametrize(
    "params",
    [{"k": 0}, {"rule": "seqpav"}, {"time_limit": np.nan}, {"random_state": -1}],
)
def test_invalid_parameters_raise_sklearns_message(params):
    est = FairCommitteeSelector(2, input="utilities", rule="av").set_params(**params)
    with pytest.raises(InvalidParameterError) as expected:
        validate_parameter_constraints(
            est._parameter_constraints,
            est.get_params(deep=False),
            caller_name="FairCommitteeSelector",
        )
    with pytest.raises(InvalidParameterError) as got:
        est.fit(np.eye(4))
    assert str(got.value) == str(expected.value)


def test_set_params_after_fit_and_grid_search_are_validated():
    A = np.eye(4)
    est = FairCommitteeSelector(2, rule="av", input="utilities").fit(A)
    est.set_params(k=0)
    with pytest.raises(InvalidParameterError, match="'k' parameter"):
        est.fit(A)
    est.set_params(k=2, solver="fastest")
    with pytest.raises(InvalidParameterError, match="'solver' parameter"):
        est.fit(A)
    grid = GridSearchCV(
        FairCommitteeSelector(rule="av", input="utilities"),
        {"k": [1, -2]},
        cv=2,
        error_score="raise",
    )
    with pytest.raises(InvalidParameterError, match="'k' parameter"):
        grid.fit(np.tile(np.eye(4), (2, 1)))


def test_numpy_scalars_and_subclasses_take_the_full_check():
    # numpy integers are valid but not taken by the cheap check: same result
    A = np.random.default_rng(0).integers(0, 2, size=(12, 6))
    a = FairCommitteeSelector(np.int64(3), rule="pav", input="utilities").fit(A)
    b = FairCommitteeSelector(3, rule="pav", input="utilities").fit(A)
    np.testing.assert_array_equal(a.selected_, b.selected_)

    class Sub(FairCommitteeSelector):
        pass

    with pytest.raises(InvalidParameterError, match="'k' parameter of Sub"):
        Sub(0).fit(A)


def test_input_short_cut_matches_validate_data():
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(1)
    A = rng.integers(0, 2, size=(15, 6))
    kw = {"k": 3, "rule": "pav", "input": "utilities"}
    ref = FairCommitteeSelector(**kw).fit(A.tolist())  # through validate_data
    for X in (A, A.astype(float), A.astype(np.int8), np.asfortranarray(A)):
        sel = FairCommitteeSelector(**kw).fit(X)
        np.testing.assert_array_equal(sel.selected_, ref.selected_)
        assert sel.n_features_in_ == 6
        assert not hasattr(sel, "feature_names_in_")
    df = pd.DataFrame(A, columns=list("abcdef"))
    sel = FairCommitteeSelector(**kw).fit(df)
    assert list(sel.feature_names_in_) == list("abcdef")
    sel.fit(A)  # refit on an array forgets the names, as validate_data does
    assert not hasattr(sel, "feature_names_in_")
    bad = A.astype(float)
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="Input X contains NaN"):
        FairCommitteeSelector(**kw).fit(bad)
    with pytest.raises(ValueError, match="0 sample"):
        FairCommitteeSelector(**kw).fit(np.zeros((0, 6)))


def _exact_sav_top_k(A, w, k):
    """Oracle: top-k SAV scores in Fractions, lower index first on ties."""
    n, m = A.shape
    score = [
        sum(
            Fraction(int(w[v])) * Fraction(int(A[v, c]), max(int(A[v].sum()), 1))
            for v in range(n)
        )
        for c in range(m)
    ]
    return sorted(sorted(range(m), key=lambda c: (-score[c], c))[:k])


def _exact_sequential(A, w, lam, k):
    """Oracle: sequential Thiele rule in Fractions, lower index first on ties."""
    n, m = A.shape
    chosen = []
    for _ in range(k):
        have = [sum(int(A[v, c]) for c in chosen) for v in range(n)]
        gains = {
            c: sum(Fraction(float(w[v])) * lam[have[v]] for v in range(n) if A[v, c])
            for c in range(m)
            if c not in chosen
        }
        chosen.append(min(gains, key=lambda c: (-gains[c], c)))
    return sorted(chosen)


@pytest.mark.parametrize("seed", range(8))
def test_integer_scaled_ties_equal_exact_fractions(seed):
    rng = np.random.default_rng(seed)
    n, m, k = 9, 7, 3
    A = (rng.random((n, m)) < 0.4).astype(int)
    A[:, 1] = A[:, 0]  # exact ties between candidates
    w = rng.integers(1, 4, size=n)
    sav = FairCommitteeSelector(k, rule="sav", input="utilities")
    sav.fit(A, sample_weight=w)
    assert sav.selected_.tolist() == _exact_sav_top_k(A, w, k)
    for rule in ("pav", "slav"):
        lam = owa_vector_exact(rule, k)
        seq = FairCommitteeSelector(k, rule=rule, input="utilities", solver="greedy")
        seq.fit(A, sample_weight=w)
        assert seq.selected_.tolist() == _exact_sequential(A, w, lam, k)
    # float weights: no integer scaling, ExactScorer decides the near ties
    # (on the exact values of the floats, as the oracle does)
    wf = w * 0.1
    seq = FairCommitteeSelector(k, rule="pav", input="utilities", solver="greedy")
    assert integer_scaled(A, wf, owa_vector_exact("pav", k)) is None
    seq.fit(A, sample_weight=wf)
    assert seq.selected_.tolist() == _exact_sequential(
        A, wf, owa_vector_exact("pav", k), k
    )


def test_integer_scaled_refuses_values_it_cannot_hold():
    A = np.eye(3)
    lam = owa_vector_exact("pav", 2)
    assert integer_scaled(A * 0.5, np.ones(3), lam) is None
    assert integer_scaled(A, np.ones(3) * 2.0**60, lam) is None
    U, w, li = integer_scaled(A, np.ones(3), lam, divisor=np.array([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(w, [6, 3, 2])  # lcm 6 over each divisor
    np.testing.assert_array_equal(li, [2, 1])  # (1, 1/2) times 2


@pytest.mark.parametrize("n", [10, 200])  # below and above the voter merge
def test_exact_scorer_integral_build_keeps_order_and_ties(n):
    rng = np.random.default_rng(n)
    m, k = 6, 3
    A = (rng.random((n, m)) < 0.5).astype(float)
    w = rng.integers(1, 3, size=n).astype(float)
    div = np.maximum(A.sum(axis=1), 1.0)
    C = np.array(list(itertools.combinations(range(m), k)))
    for rule in ("pav", "slav", "av"):
        lam = owa_vector_exact(rule, k)
        fast = ExactScorer(A, w, lam, divisor=div)
        general = ExactScorer(A, w, lam, divisor=div)
        assert fast._build_integral()
        general._build_general()
        a, b = fast.scores(C), general.scores(C)
        ratio = Fraction(a[0]) / Fraction(b[0])
        assert all(Fraction(x) == ratio * Fraction(y) for x, y in zip(a, b))


def test_top_k_path_sets_the_same_attributes_as_the_sort_solver():
    rng = np.random.default_rng(3)
    A = (rng.random((20, 8)) < 0.3).astype(int)
    for rule in ("av", "sav"):
        fast = FairCommitteeSelector(3, rule=rule, input="utilities").fit(A)
        # one group holding every candidate, unbounded: the general sort path
        slow = FairCommitteeSelector(
            3,
            rule=rule,
            input="utilities",
            candidate_groups=np.zeros(8, dtype=int),
            group_bounds={0: (None, None)},
        ).fit(A)
        np.testing.assert_array_equal(fast.selected_, slow.selected_)
        np.testing.assert_array_equal(fast.committees_, slow.committees_)
        for attr in ("objective_", "optimal_", "mip_gap_", "solver_", "solver_status_"):
            assert getattr(fast, attr) == getattr(slow, attr), attr
        assert fast.solver_message_ == slow.solver_message_ == "optimal"
        assert fast.group_counts_ is None and fast.group_bounds_ is None
    # random tie-breaking follows random_state on both paths
    T = np.ones((4, 8), dtype=int)
    picks = {
        tuple(
            FairCommitteeSelector(3, rule="av", input="utilities", random_state=s)
            .fit(T)
            .selected_
        )
        for s in range(6)
    }
    assert len(picks) > 1


def test_cached_combinations_are_lexicographic_and_read_only():
    block = _all_combinations(6, 3)
    assert block.tolist() == [list(c) for c in itertools.combinations(range(6), 3)]
    assert _all_combinations(6, 3) is block
    with pytest.raises(ValueError):
        block[0, 0] = 5


def test_selection_modules_import_each_other_without_cycles():
    # every import, function-level ones included: no two modules of the
    # family import each other, directly or through others (issue 24)
    import ast
    from pathlib import Path

    import sklweights.selection as pkg

    root = Path(pkg.__file__).parent
    graph = {}
    for path in root.glob("_*.py"):
        deps = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                name = node.module
                if name.startswith("sklweights.selection._"):
                    deps.add(name.rsplit(".", 1)[1])
        graph[path.stem] = deps - {path.stem}
    state = {}

    def visit(mod, stack):
        if state.get(mod) == "done":
            return
        assert state.get(mod) != "open", " -> ".join([*stack, mod])
        state[mod] = "open"
        for dep in sorted(graph.get(mod, ())):
            visit(dep, [*stack, mod])
        state[mod] = "done"

    for mod in sorted(graph):
        visit(mod, [])
    assert "_solvers" not in graph["_bnb"]
