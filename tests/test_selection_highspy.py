"""The MILP through highspy and through scipy's milp (the fallback) agree."""

import numpy as np
import pytest

from sklweights.datasets import make_biased_rankings
from sklweights.selection import FairCommitteeSelector, _solvers

pytest.importorskip("highspy")


@pytest.mark.parametrize(
    "rule, extra",
    [
        ("approval_cc", {"approval_top": 5}),
        ("pav", {"approval_top": 5}),
        ("borda_cc", {}),
    ],
)
@pytest.mark.parametrize("fair", [False, True])
def test_highspy_and_scipy_milp_same_objective(rule, extra, fair, monkeypatch):
    L, _, groups = make_biased_rankings(40, 15, random_state=3)
    kw = dict(rule=rule, **extra)
    if fair:
        kw.update(candidate_groups=groups, proportional=True)
    fast = FairCommitteeSelector(4, **kw).fit(L)
    monkeypatch.setattr(_solvers, "_milp_highspy", lambda *a, **k: None)
    slow = FairCommitteeSelector(4, **kw).fit(L)
    assert fast.optimal_ and slow.optimal_
    np.testing.assert_allclose(fast.objective_, slow.objective_, rtol=1e-9)


def test_highspy_time_limit_and_infeasible_statuses():
    import scipy.sparse as sp

    # infeasible: x0 + x1 >= 3 with binaries
    A = sp.csr_array(np.array([[1.0, 1.0]]))
    res = _solvers._milp_highspy(
        np.array([1.0, 1.0]), np.ones(2), A, np.array([3.0]), np.array([np.inf]), None
    )
    assert res.status == 2 and res.x is None
    # a trivial optimum
    res = _solvers._milp_highspy(
        np.array([-1.0, -2.0]), np.ones(2), A, np.array([-np.inf]), np.array([1.0]), 5
    )
    assert res.status == 0
    np.testing.assert_allclose(res.x, [0.0, 1.0])
