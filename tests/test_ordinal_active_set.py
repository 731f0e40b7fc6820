"""The exact primal active-set QP of the PRESTO constrained Newton step.

``_qp_active_set`` (:class:`_PrimalActiveSetQP`) solves the constrained
quadratic model ``g'(u-z) + (u-z)'H(u-z)/2 + lam1 |u_pen|_1`` subject to
``A u >= margin`` where the semismooth dual Newton step fails (many classes
with a few rows each), before the interior point (Clarabel). Checked here
against Clarabel on random QPs (positive definite and singular ``H``,
degenerate and binding rows, L1 active), on the working-set QPs of real
tiny-class fits, and through whole fits against the previous path.

Tolerances: Clarabel runs with gap and feasibility tolerances of 1e-10
(``_qp_clarabel``), so its objective is within about 1e-9 (relative) of the
optimum; ours is certified by the optimality conditions, so it may only be
lower than Clarabel's by that much and never higher by more than round-off:
``|f - f_ref| <= 1e-8 |f_ref|`` with ``f <= f_ref + 1e-10 |f_ref|``. Where
``H`` is positive definite the minimiser is unique and an objective error
``e`` moves it by about ``sqrt(2 e / lambda_min)``: 1e-5 for these problems.
"""

import numpy as np
import pytest

from sklweights.ordinal import _quadratic
from sklweights.ordinal._likelihood import kkt_residual

pytest.importorskip("clarabel")


def _value(H, g, z, pen, lam1, u):
    du = u - z
    return g @ du + 0.5 * du @ H @ du + lam1 * np.abs(u[pen]).sum()


def _certified(H, g, z, pen, lam1, A, margin, u, lam, tol):
    r = A @ u - margin
    ftol = 1e-3 * np.abs(margin).min()
    assert np.all(lam >= 0)
    assert r.min() >= -ftol
    assert np.all(np.abs(r[lam > 0]) <= ftol)
    assert kkt_residual(g + H @ (u - z) - A.T @ lam, u, pen, lam1) <= tol


def _random_qp(seed, singular=0, n_rows=10, blocks=3, width=8):
    """A PRESTO-shaped model with rows that z satisfies and the free step crosses.

    ``singular`` zero eigenvalues of ``H`` (``g`` in its range, so the model
    stays bounded); a duplicated row, a redundant row (sum of two others)
    and rows at the margin at ``z`` make the constraint degenerate.
    """
    rng = np.random.default_rng(seed)
    m = blocks * width
    B = rng.standard_normal((m - singular, m))
    H = B.T @ B / m + (0.05 * np.eye(m) if singular == 0 else 0.0)
    pen = np.ones((blocks, width), dtype=bool)
    pen[:, 0] = False
    pen = pen.ravel()
    z = rng.standard_normal(m) * (rng.random(m) < 0.5)
    z[~pen] = rng.standard_normal((~pen).sum())
    g = H @ rng.standard_normal(m) * 2.0
    lam1 = 0.3
    free, _ = _quadratic._qp_clarabel(H, g, z, pen, lam1, np.zeros((0, m)), 0.0)
    A = rng.standard_normal((n_rows, m))
    A *= np.sign(A @ (z - free))[:, None]  # a_i free < a_i z
    t = rng.uniform(0.2, 0.9, n_rows)
    margin = A @ z + t * (A @ free - A @ z)  # violated by the free step
    margin[: n_rows // 4] = (A @ z)[: n_rows // 4]  # at the margin at z
    A = np.vstack([A, A[1:2], A[2:3] + A[3:4]])  # duplicate, redundant
    margin = np.concatenate([margin, margin[1:2] - 0.1, margin[2:3] + margin[3:4]])
    margin -= 1e-9  # z strictly feasible up to round-off
    return H, g, z, pen, lam1, A, margin


@pytest.mark.parametrize(
    "seed, singular", [(s, 0) for s in range(6)] + [(s, 3) for s in range(1, 6)]
)
def test_active_set_matches_clarabel_on_random_qps(seed, singular):
    H, g, z, pen, lam1, A, margin = _random_qp(seed, singular)
    tol = 1e-9  # the fits ask for 1e-8 at least (0.1 * tol of the solver)
    sol = _quadratic._qp_active_set(H, g, z, pen, lam1, A, margin, tol)
    assert sol is not None
    u, lam = sol
    _certified(H, g, z, pen, lam1, A, margin, u, lam, tol)
    ref, _ = _quadratic._qp_clarabel(H, g, z, pen, lam1, A, margin)
    f, f_ref = _value(H, g, z, pen, lam1, u), _value(H, g, z, pen, lam1, ref)
    assert abs(f - f_ref) <= 1e-8 * abs(f_ref)
    assert f <= f_ref + 1e-10 * abs(f_ref)
    if singular == 0:
        np.testing.assert_allclose(u, ref, atol=1e-5)
    assert np.any(lam > 0)  # the rows bind
    assert np.any(u[pen] == 0)  # the L1 term binds (exact zeros)


def test_active_set_warm_start_gives_the_same_solution():
    """Multipliers of a nearby solve choose the start; the answer is the same."""
    H, g, z, pen, lam1, A, margin = _random_qp(11)
    tol = 1e-10
    u, lam = _quadratic._qp_active_set(H, g, z, pen, lam1, A, margin, tol)
    lam0 = lam * np.random.default_rng(0).uniform(0.5, 1.5, lam.size) + 1e-9
    cold = _quadratic._PrimalActiveSetQP(H, g, z, pen, lam1, A, margin, tol)
    warm = _quadratic._PrimalActiveSetQP(H, g, z, pen, lam1, A, margin, tol)
    u_cold, _ = cold.solve()
    u_warm, lam_warm = warm.solve(lam0)
    _certified(H, g, z, pen, lam1, A, margin, u_warm, lam_warm, tol)
    np.testing.assert_allclose(u_warm, u_cold, atol=1e-8)


def test_active_set_never_returns_an_uncertified_point():
    """Contradictory rows (and an infeasible start): None, for the fallback."""
    H, g, z, pen, lam1, A, margin = _random_qp(2)
    A = np.vstack([A[:1], -A[:1]])
    margin = np.array([A[0] @ z + 1.0, -(A[0] @ z) + 1.0])
    assert _quadratic._qp_active_set(H, g, z, pen, lam1, A, margin, 1e-10) is None
