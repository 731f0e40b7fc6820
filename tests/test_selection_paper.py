"""Reproduction of the paper's findings (slow; CI runs it once).

Boehmer, Celis, Huang, Mehrotra, Vishnoi (ICML 2023): norm-Mallows (phi=0.5)
latent rankings, m=50, k=10, n=50, swapping bias with swap_phi=0.5 and a
fraction of swaps >= 0.25; quality = latent score of the committee chosen on
the biased rankings over the latent optimum.

Our swapping bias recomputes the swap weights after every swap (the authors'
notebook does not, so its swaps partly undo each other); the bias is therefore
stronger and the *unconstrained* ratios are lower than the issue's figures
(measured here over 16 repetitions: Borda ~0.90, SNTV ~0.60, 10-Bloc ~0.73,
against about 0.956 / 0.78-0.80 / 0.87-0.89). The claims about constraints
hold with margin and are asserted as stated; the unconstrained levels are
asserted as an ordering with our measured bands.
"""

import numpy as np
import pytest

from sklweights.datasets import make_biased_rankings
from sklweights.selection import (
    FairCommitteeSelector,
    committee_score,
    estimate_smoothness,
)

pytestmark = pytest.mark.slow


def _ratios(rule, swap_fraction, reps, k=10):
    out = []
    at = {"approval_top": k} if rule == "bloc" else {}
    for rep in range(reps):
        L, B, g = make_biased_rankings(
            50,
            50,
            culture="norm_mallows",
            phi=0.5,
            swap_fraction=swap_fraction,
            swap_phi=0.5,
            random_state=1000 + rep,
        )
        opt = FairCommitteeSelector(k, rule=rule).fit(L).objective_

        def latent(sel, L=L, B=B, opt=opt):
            return committee_score(L, sel.fit(B).selected_, rule=rule, **at) / opt

        unc = latent(FairCommitteeSelector(k, rule=rule))
        best = max(
            latent(
                FairCommitteeSelector(
                    k, rule=rule, candidate_groups=g, group_bounds={1: (ell, ell)}
                )
            )
            for ell in range(0, k + 1, 2)
        )
        prop = latent(
            FairCommitteeSelector(k, rule=rule, candidate_groups=g, proportional=True)
        )
        out.append((unc, best, prop))
    return np.mean(out, axis=0)


@pytest.mark.parametrize("swap_fraction", [0.25, 0.75])
def test_constraints_recover_latent_quality(swap_fraction):
    reps = 16  # standard errors of the means are below 0.01 for every rule
    borda = _ratios("borda", swap_fraction, reps)
    sntv = _ratios("sntv", swap_fraction, reps)
    bloc = _ratios("bloc", swap_fraction, reps)
    # unconstrained: Borda degrades least, SNTV most
    assert borda[0] > bloc[0] > sntv[0]
    assert 0.85 <= borda[0] <= 0.97
    assert 0.5 <= sntv[0] <= 0.82
    assert 0.65 <= bloc[0] <= 0.9
    # best group constraint: Borda nearly optimal
    assert borda[1] >= 0.99
    # SNTV improves by at least 0.08 but stays at most 0.96
    assert sntv[1] - sntv[0] >= 0.08
    assert sntv[1] <= 0.96
    # Bloc improves by at least 0.07
    assert bloc[1] - bloc[0] >= 0.07
    # a fixed proportional constraint also beats no constraint
    for r in (borda, sntv, bloc):
        assert r[2] > r[0]


def test_smoothness_borda_vs_sntv_impartial_culture():
    # the authors' setting: m = n = 10, swap_phi = 1e-4, fraction 0.9
    rng = np.random.default_rng(0)
    g = np.zeros(10, dtype=int)
    g[rng.permutation(10)[:5]] = 1
    draws = [
        make_biased_rankings(
            10,
            10,
            culture="impartial",
            swap_fraction=0.9,
            swap_phi=1e-4,
            candidate_groups=g,
            random_state=i,
        )
        for i in range(300)
    ]
    L = np.stack([d[0] for d in draws])
    B = np.stack([d[1] for d in draws])
    for tau in (None, 10):  # our normaliser and the notebook's tau = m
        a_borda = estimate_smoothness(L, B, g, rule="borda", tau=tau).alpha
        a_sntv = estimate_smoothness(L, B, g, rule="sntv", tau=tau).alpha
        assert a_borda > 10 * a_sntv
        assert a_borda > 0.2
