"""The exact quadratic-model solvers of the PRESTO proximal Newton method.

The penalised model ``g'(u-z) + (u-z)'H(u-z)/2 + lam1 |u_pen|_1`` is solved
by an active-set method (``_model_minimiser_near``) and, where the training
no-crossing rows bind, by a semismooth Newton method on the dual
(``_qp_dual_newton``) with Clarabel as fallback. Both are checked here against
Clarabel (an interior-point solver of the same convex QP) and against the
optimality conditions, and whole fits through the fast path against fits
through the Clarabel path.
"""

import numpy as np
import pytest

from sklweights.datasets import make_presto_ordinal
from sklweights.ordinal import PrestoClassifier, _quadratic
from sklweights.ordinal._likelihood import (
    PrestoProblem,
    kkt_residual,
    linear_predictor,
    objective,
    penalty_mask,
)
from sklweights.ordinal._presto import _standardize

pytest.importorskip("clarabel")


def _model_value(H, g, z, pen, lam1, u):
    du = u - z
    return g @ du + 0.5 * du @ H @ du + lam1 * np.abs(u[pen]).sum()


def _random_model(seed, blocks=3, width=8):
    """A strictly convex penalised model shaped like PRESTO's (intercept first)."""
    rng = np.random.default_rng(seed)
    m = blocks * width
    B = rng.standard_normal((3 * m, m))
    H = B.T @ B / (3 * m) + 0.05 * np.eye(m)
    pen = np.ones((blocks, width), dtype=bool)
    pen[:, 0] = False
    pen = pen.ravel()
    z = rng.standard_normal(m) * (rng.random(m) < 0.5)
    z[~pen] = rng.standard_normal((~pen).sum())
    g = rng.standard_normal(m)
    return H, g, z, pen, 0.6


@pytest.mark.parametrize("seed", range(8))
def test_active_set_model_minimiser_matches_clarabel(seed):
    H, g, z, pen, lam1 = _random_model(seed)
    rng = np.random.default_rng(100 + seed)
    # a start with the wrong support and signs still reaches the minimiser
    u0 = np.where(rng.random(z.size) < 0.5, rng.standard_normal(z.size), 0.0)
    u, S, F = _quadratic._model_minimiser_near(g, H, z, pen, lam1, 1e-11, u0)
    assert S is not None  # certified by the active-set method, no fallback
    assert kkt_residual(g + H @ (u - z), u, pen, lam1) <= 1e-11
    ref, _ = _quadratic._qp_clarabel(H, g, z, pen, lam1, np.zeros((0, z.size)), 0.0)
    # strictly convex: one minimiser
    np.testing.assert_allclose(u, ref, atol=1e-6)
    assert (
        _model_value(H, g, z, pen, lam1, u)
        <= _model_value(H, g, z, pen, lam1, ref) + 1e-12
    )
    # exact zeros where the L1 term binds
    assert np.any(u[pen] == 0)


@pytest.mark.parametrize("seed", range(8))
def test_dual_newton_matches_clarabel_on_constrained_models(seed):
    H, g, z, pen, lam1 = _random_model(seed)
    rng = np.random.default_rng(200 + seed)
    free, _, _ = _quadratic._model_minimiser_near(g, H, z, pen, lam1, 1e-12, z)
    A = rng.standard_normal((6, z.size))
    A = np.vstack([A, A[:1]])  # a duplicated row with its own bound
    # positive bounds, about half of them violated by the free minimiser
    shift = np.where(rng.random(7) < 0.5, 0.5, -0.5)
    A *= np.sign(A @ free + shift)[:, None]
    margin = np.abs(A @ free + shift) + 0.01
    margin[-1] = margin[0] * 0.5
    assert np.any(A @ free < margin)  # the constraint binds
    tol = 1e-10
    sol = _quadratic._qp_dual_newton(H, g, z, pen, lam1, A, margin, tol)
    assert sol is not None
    u, lam = sol
    ref, lam_ref = _quadratic._qp_clarabel(H, g, z, pen, lam1, A, margin)
    f, f_ref = (_model_value(H, g, z, pen, lam1, v) for v in (u, ref))
    assert abs(f - f_ref) <= 1e-8 * max(1.0, abs(f_ref))
    np.testing.assert_allclose(u, ref, atol=1e-6)
    # optimality conditions with the returned multipliers
    assert np.all(lam >= 0)
    assert np.all(A @ u >= margin - 1e-3 * margin.min())
    assert kkt_residual(g + H @ (u - z) - A.T @ lam, u, pen, lam1) <= tol
    assert np.all(np.abs((A @ u - margin)[lam > 0]) <= 1e-3 * margin.min())
    assert np.any(lam > 0)


def test_dual_newton_gives_up_on_a_singular_hessian():
    """A singular block cannot be Cholesky-factorised: hand over, fast."""
    H, g, z, pen, lam1 = _random_model(0)
    V = np.linalg.qr(np.random.default_rng(1).standard_normal(H.shape))[0]
    ev = np.linspace(0.0, 2.0, H.shape[0])
    ev[:3] = 0.0
    H = (V * ev) @ V.T
    A = np.ones((2, z.size))
    margin = np.full(2, 1e3)
    assert _quadratic._qp_dual_newton(H, g, z, pen, lam1, A, margin, 1e-10) is None


def test_dual_newton_hands_over_when_far_more_rows_bind_than_coordinates(
    monkeypatch,
):
    """Hundreds of binding rows on a few free coordinates: no dense lstsq.

    Classes of a few rows put many training rows at the no-crossing margin;
    the Newton step would need a least-squares solve of that size (seconds
    at a few thousand rows), so the interior-point solver takes the QP.
    """
    H, g, z, pen, lam1 = _random_model(3)
    rng = np.random.default_rng(7)
    free, _, _ = _quadratic._model_minimiser_near(g, H, z, pen, lam1, 1e-12, z)
    A = rng.standard_normal((400, z.size))
    A *= np.sign(A @ rng.standard_normal(z.size))[:, None]  # a feasible cone
    margin = A @ free + 0.1  # every row violated at the free minimiser
    calls = []
    lstsq = _quadratic.linalg.lstsq
    monkeypatch.setattr(
        _quadratic.linalg,
        "lstsq",
        lambda M, *a, **k: calls.append(M.shape) or lstsq(M, *a, **k),
    )
    assert _quadratic._qp_dual_newton(H, g, z, pen, lam1, A, margin, 1e-10) is None
    assert calls == []
    # the same QP through Clarabel: feasible and optimal
    u, lam = _quadratic._qp_clarabel(H, g, z, pen, lam1, A, margin)
    assert np.all(A @ u >= margin - 1e-6)
    assert kkt_residual(g + H @ (u - z) - A.T @ lam, u, pen, lam1) <= 1e-6
    # below the threshold the Newton step is tried
    monkeypatch.setattr(_quadratic, "_DUAL_NEWTON_MAX_ROWS", 10**6)
    _quadratic._qp_dual_newton(H, g, z, pen, lam1, A, margin, 1e-10)
    assert calls


def _crossing_data():
    # the free Newton steps of this fit cross at training rows (as in the
    # benchmark's n=2000, p=100 case, smaller)
    X, y, _ = make_presto_ordinal(
        n_samples=300, n_features=20, n_classes=5, dev_size=0.1, random_state=0
    )
    return X, y


def test_fit_through_dual_path_matches_clarabel_path(monkeypatch):
    X, y = _crossing_data()
    alpha = 0.005
    calls = {"ok": 0, "failed": 0}
    dual = _quadratic._qp_dual_newton

    def counting(*args, **kwargs):
        out = dual(*args, **kwargs)
        calls["ok" if out is not None else "failed"] += 1
        return out

    monkeypatch.setattr(_quadratic, "_qp_dual_newton", counting)
    fast = PrestoClassifier(alpha=alpha).fit(X, y)
    assert calls["ok"] > 0  # the constraint bound and the fast path solved it
    monkeypatch.setattr(_quadratic, "_qp_dual_newton", lambda *a, **k: None)
    slow = PrestoClassifier(alpha=alpha).fit(X, y)
    assert fast.solver_status_ == slow.solver_status_ == "optimal"
    Xs, _, _ = _standardize(X, np.ones(len(y)), True)
    for est in (fast, slow):
        assert np.all(np.diff(linear_predictor(Xs, est._Z), axis=1) >= 0)
    problem = PrestoProblem(Xs, y, np.ones(len(y)), 5)
    pen = penalty_mask(5, X.shape[1], True)
    f_fast, f_slow = (objective(problem, e._Z, pen, alpha, 0.0) for e in (fast, slow))
    # both stop at an optimality residual <= tol = 1e-7: same optimum
    assert abs(f_fast - f_slow) <= 1e-8 * abs(f_slow)
    np.testing.assert_allclose(fast.coef_, slow.coef_, atol=1e-4)
    np.testing.assert_allclose(fast.intercept_, slow.intercept_, atol=1e-4)
    np.testing.assert_allclose(fast.predict_proba(X), slow.predict_proba(X), atol=1e-6)


def test_constrained_step_keeps_own_class_intervals_off_the_boundary(monkeypatch):
    """Fraction to the boundary: an own-class gap shrinks at most tenfold.

    Without that bound the constrained step of this fit puts a training row's
    own class interval at the tiny no-crossing margin.
    """
    X, y, _ = make_presto_ordinal(
        n_samples=200, n_features=10, n_classes=4, dev_size=0.25, random_state=7
    )
    seen = {"steps": 0, "floor_binds": 0}
    constrained = _quadratic.constrained_model

    def checking(problem, g, H, z, pen, lam1, active, gaps_u, *args, **kwargs):
        out = constrained(problem, g, H, z, pen, lam1, active, gaps_u, *args, **kwargs)
        u, pairs, lam, ok = out
        if not ok:
            return out
        seen["steps"] += 1
        K = problem.K
        gap_z = np.diff(linear_predictor(problem.Xs, z.reshape(K - 1, -1)), axis=1)
        gap_u = np.diff(linear_predictor(problem.Xs, u.reshape(K - 1, -1)), axis=1)
        own = np.zeros(gap_z.shape, dtype=bool)
        rows = np.flatnonzero((problem.y >= 1) & (problem.y <= K - 2))
        own[rows, problem.y[rows] - 1] = True
        assert np.all(gap_u[own] >= 0.1 * gap_z[own] * (1 - 1e-6))
        i, c = pairs[:, 0], pairs[:, 1] - 1
        at_floor = own[i, c] & (lam > 0)
        at_floor &= np.abs(gap_u[i, c] - 0.1 * gap_z[i, c]) <= 1e-6 * gap_z[i, c]
        seen["floor_binds"] += int(at_floor.any())
        return out

    monkeypatch.setattr(_quadratic, "constrained_model", checking)
    clf = PrestoClassifier(alpha=0.001).fit(X, y)
    assert clf.solver_status_ == "optimal"
    assert seen["steps"] > 0
    assert seen["floor_binds"] > 0  # the bound was active in some step


def test_most_violated_working_set_gives_the_same_fit(monkeypatch):
    # with many crossing pairs (tiny classes) the constrained step adds only
    # the most violated few per threshold each round; a model whose subset of
    # rows is satisfied by its solution at all rows solves the full model
    X, y = _crossing_data()
    alpha = 0.005
    full = PrestoClassifier(alpha=alpha).fit(X, y)
    seen = []
    most = _quadratic._most_violated

    def batched(gaps, floor, per_threshold):
        out = most(gaps, floor, per_threshold)
        seen.append((np.count_nonzero(np.asarray(floor - gaps) > 0), len(out)))
        return out

    monkeypatch.setattr(_quadratic, "_DUAL_NEWTON_MAX_ROWS", 0)  # always batch
    monkeypatch.setattr(_quadratic, "_most_violated", batched)
    part = PrestoClassifier(alpha=alpha).fit(X, y)
    assert any(n_viol > n_added > 0 for n_viol, n_added in seen)
    assert part.solver_status_ == full.solver_status_ == "optimal"
    Xs, _, _ = _standardize(X, np.ones(len(y)), True)
    problem = PrestoProblem(Xs, y, np.ones(len(y)), 5)
    pen = penalty_mask(5, X.shape[1], True)
    f_full, f_part = (objective(problem, e._Z, pen, alpha, 0.0) for e in (full, part))
    assert abs(f_full - f_part) <= 1e-8 * abs(f_full)
    assert np.all(np.diff(linear_predictor(Xs, part._Z), axis=1) >= 0)
    np.testing.assert_allclose(part.predict_proba(X), full.predict_proba(X), atol=1e-6)
