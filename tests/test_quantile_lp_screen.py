"""Exact row screening of the weight LPs: same optimum as the whole LP."""

import numpy as np
import pytest

from sklweights.quantile import _lp


def _problem(n, M, T, seed, ties=False):
    rng = np.random.RandomState(seed)
    levels = np.linspace(0.1, 0.9, T)
    y = rng.standard_t(3, size=n)
    if ties:  # a point mass at zero, as in count data (fair: 68% zeros)
        y[rng.rand(n) < 0.6] = 0.0
    base = np.sort(rng.randn(T))
    P = np.stack(
        [
            base[None, :] * (1 + 0.4 * m)
            + y[:, None] * rng.uniform(0.2, 0.9)
            + rng.uniform(0.3, 1.0) * rng.randn(n, 1)
            for m in range(M)
        ],
        axis=1,
    )
    s = rng.uniform(0.5, 2.0, size=n)
    return P, y, s / s.sum(), levels


def _objective(P, y, s, levels, W, weighting):
    r = y[:, None] - _lp.combine_global(P, W, weighting)
    return float(np.sum(s[:, None] * np.maximum(levels * r, (levels - 1) * r)))


def _solve(P, y, s, levels, weighting, screen, monkeypatch):
    block = _lp._solve_block

    def patched(*args, **kwargs):
        return block(*args, screen=screen)

    monkeypatch.setattr(_lp, "_solve_block", patched)
    W, results = _lp.solve_global_weights(P, y, s, levels, weighting)
    monkeypatch.setattr(_lp, "_solve_block", block)
    assert all(r.status == "optimal" for r in results)
    return W


@pytest.mark.parametrize("weighting", ["coarse", "medium", "fine"])
@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("ties", [False, True])
def test_screening_reaches_the_whole_lp_optimum(weighting, seed, ties, monkeypatch):
    # n large enough that every family screens (medium/fine: n >= 8000 terms)
    n = 9000 if weighting != "coarse" else 3000
    P, y, s, levels = _problem(n, 3, 3, seed, ties)
    W_full = _solve(P, y, s, levels, weighting, False, monkeypatch)
    W_scr = _solve(P, y, s, levels, weighting, True, monkeypatch)
    f_full = _objective(P, y, s, levels, W_full, weighting)
    f_scr = _objective(P, y, s, levels, W_scr, weighting)
    assert f_scr <= f_full * (1 + 1e-9) + 1e-15
    assert f_full <= f_scr * (1 + 1e-9) + 1e-15
    # the weights are on the simplex (per output level for medium / fine)
    W_scr = np.asarray(W_scr).reshape(1 if weighting == "coarse" else 3, -1)
    assert W_scr.min() >= 0
    np.testing.assert_allclose(W_scr.sum(axis=1), 1.0, atol=1e-9)


def test_screening_repairs_a_bad_start(monkeypatch):
    """Wrong residual signs in the first round are caught and repaired."""
    P, y, s, levels = _problem(4000, 3, 3, 7)
    taus = levels
    D = [P[:, :, t] for t in range(3)]
    rounds = []
    dual = _lp._dual_lp

    def spy(R, yy, lower, upper, rhs):
        rounds.append(len(yy))
        return dual(R, yy, lower, upper, rhs)

    monkeypatch.setattr(_lp, "_dual_lp", spy)
    # start from the worst possible point: the subsample LP returns a vertex
    # that puts all weight on the worst model
    calls = {"n": 0}

    def bad_start(R, yy, lower, upper, rhs):
        calls["n"] += 1
        if calls["n"] == 1:
            w = np.zeros(R.shape[1])
            w[-1] = 1.0
            return w, _lp.SolverResult("optimal", "optimal", "highs", 0)
        return spy(R, yy, lower, upper, rhs)

    monkeypatch.setattr(_lp, "_dual_lp", bad_start)
    w_scr, res = _lp._solve_block(D, y, s / 3, taus, screen=True)
    monkeypatch.setattr(_lp, "_dual_lp", dual)
    w_full, _ = _lp._solve_block(D, y, s / 3, taus, screen=False)

    def f(w):
        r = y[:, None] - np.stack([d @ w for d in D], axis=1)
        return float(np.sum((s / 3)[:, None] * np.maximum(taus * r, (taus - 1) * r)))

    assert res.status == "optimal"
    assert abs(f(w_scr) - f(w_full)) <= 1e-9 * f(w_full)
    # the bad start left wrong signs: a second, larger screened LP repaired it
    assert len(rounds) >= 2
    # every screened LP is much smaller than the whole one (12000 terms)
    assert max(rounds) < 12000
