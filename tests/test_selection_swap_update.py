"""make_biased_rankings(swap_update=...): recomputed weights vs the notebook's.

The oracle below enumerates the exact distribution of the biased ranking on
tiny instances for both update rules, written from the rules' description
(not from the generator's code), and the generator's empirical frequencies
over many voters with the same latent ranking are compared with it.
"""

import itertools

import numpy as np
import pytest

from sklweights.datasets import make_biased_rankings

CULTURES = ["impartial", "urn", "mallows", "norm_mallows", "single_peaked"]


def _inverted_pairs(order, groups):
    """(b, a) with b of group 1 ranked above a of group 0; weight exponent."""
    pos = {c: i for i, c in enumerate(order)}
    return [
        (b, a, pos[a] - pos[b])
        for b in order
        for a in order
        if groups[b] == 1 and groups[a] == 0 and pos[b] < pos[a]
    ]


def _exchange(order, b, a):
    order = list(order)
    i, j = order.index(b), order.index(a)
    order[i], order[j] = order[j], order[i]
    return tuple(order)


def _exact_recompute(order, groups, t, phi):
    """Distribution of orders: t draws among the *current* inverted pairs."""
    dist = {tuple(order): 1.0}
    for _ in range(t):
        new = {}
        for o, p in dist.items():
            pairs = _inverted_pairs(o, groups)
            if not pairs:  # nothing left to swap
                new[o] = new.get(o, 0.0) + p
                continue
            total = sum(phi**d for _, _, d in pairs)
            for b, a, d in pairs:
                o2 = _exchange(o, b, a)
                new[o2] = new.get(o2, 0.0) + p * phi**d / total
        dist = new
    return dist


def _exact_notebook(order, groups, t, phi):
    """Distribution of orders: t i.i.d. draws among the *initial* pairs."""
    pairs = _inverted_pairs(order, groups)
    total = sum(phi**d for _, _, d in pairs)
    dist = {}
    for seq in itertools.product(pairs, repeat=t):
        o, p = tuple(order), 1.0
        for b, a, d in seq:
            o = _exchange(o, b, a)  # whatever their current order is
            p *= phi**d / total
        dist[o] = dist.get(o, 0.0) + p
    return dist


def _draw_identity_latent(n, groups, swap_fraction, swap_update, seed):
    # Mallows with phi = 0 is the identity ranking for every voter
    L, B, g = make_biased_rankings(
        n,
        len(groups),
        culture="mallows",
        phi=0.0,
        swap_fraction=swap_fraction,
        swap_phi=0.5,
        swap_update=swap_update,
        candidate_groups=groups,
        output="orders",
        random_state=seed,
    )
    np.testing.assert_array_equal(L, np.tile(np.arange(len(groups)), (n, 1)))
    np.testing.assert_array_equal(g, groups)
    return B


def test_oracle_by_hand():
    # candidates 0, 1 disadvantaged above 2 advantaged: pairs (0, 2) at
    # distance 2 (weight 1/4) and (1, 2) at distance 1 (weight 1/2), t = 2
    groups = [1, 1, 0]
    rec = _exact_recompute((0, 1, 2), groups, 2, 0.5)
    # (0, 2) first -> (2, 1, 0), no pair left; (1, 2) first -> (0, 2, 1) -> (2, 0, 1)
    assert rec == pytest.approx({(2, 1, 0): 1 / 3, (2, 0, 1): 2 / 3})
    nb = _exact_notebook((0, 1, 2), groups, 2, 0.5)
    # the same pair twice swaps it back: 1/9 + 4/9
    assert nb == pytest.approx({(0, 1, 2): 5 / 9, (1, 2, 0): 2 / 9, (2, 0, 1): 2 / 9})


@pytest.mark.parametrize("swap_update", ["recompute", "notebook"])
@pytest.mark.parametrize(
    "groups, swap_fraction",
    [([1, 1, 0], 1.0), ([1, 1, 0, 0], 0.75), ([1, 0, 1, 0, 0], 1.0)],
)
def test_distribution_matches_exact_oracle(groups, swap_fraction, swap_update):
    groups = np.array(groups)
    m = len(groups)
    M = len(_inverted_pairs(tuple(range(m)), groups))
    t = int(np.floor(swap_fraction * M + 1e-9))
    oracle = (_exact_recompute if swap_update == "recompute" else _exact_notebook)(
        tuple(range(m)), groups, t, 0.5
    )
    n = 6000
    B = _draw_identity_latent(n, groups, swap_fraction, swap_update, seed=7)
    rows, counts = np.unique(B, axis=0, return_counts=True)
    freq = {tuple(r.tolist()): c / n for r, c in zip(rows, counts)}
    assert set(freq) <= set(oracle)
    for o, p in oracle.items():
        # 4.5 binomial standard errors: a wrong update rule moves several
        # outcomes by 0.1 or more (e.g. 5/9 vs 0 for the swapped-back ranking)
        tol = 4.5 * np.sqrt(p * (1 - p) / n) + 1 / n
        assert abs(freq.get(o, 0.0) - p) <= tol, (o, freq.get(o, 0.0), p)


def test_notebook_rule_swaps_back():
    # the swapped-back (latent) ranking has probability 5/9 under the
    # notebook's rule and 0 under recomputed weights
    groups = np.array([1, 1, 0])
    B_nb = _draw_identity_latent(900, groups, 1.0, "notebook", seed=0)
    B_rc = _draw_identity_latent(900, groups, 1.0, "recompute", seed=0)
    unchanged_nb = (B_nb == np.arange(3)).all(axis=1).mean()
    unchanged_rc = (B_rc == np.arange(3)).all(axis=1).mean()
    assert unchanged_rc == 0
    assert 0.45 < unchanged_nb < 0.66


def test_default_is_recompute():
    for culture in CULTURES:
        for frac in (0.3, 1.0):
            a = make_biased_rankings(
                20, 9, culture=culture, swap_fraction=frac, random_state=3
            )
            b = make_biased_rankings(
                20,
                9,
                culture=culture,
                swap_fraction=frac,
                swap_update="recompute",
                random_state=3,
            )
            for x, y in zip(a, b):
                np.testing.assert_array_equal(x, y)


@pytest.mark.parametrize("culture", CULTURES)
def test_notebook_zero_fraction_is_latent_and_shares_latent(culture):
    L, B, g = make_biased_rankings(
        15,
        8,
        culture=culture,
        swap_fraction=0.0,
        swap_update="notebook",
        random_state=1,
    )
    np.testing.assert_array_equal(L, B)
    # latent rankings and groups do not depend on the update rule
    L1, B1, g1 = make_biased_rankings(
        15,
        8,
        culture=culture,
        swap_fraction=0.6,
        swap_update="notebook",
        random_state=1,
    )
    L2, _, g2 = make_biased_rankings(
        15, 8, culture=culture, swap_fraction=0.6, random_state=1
    )
    np.testing.assert_array_equal(L1, L2)
    np.testing.assert_array_equal(g1, g2)
    assert (np.sort(B1, axis=1) == np.arange(8)).all()


def test_notebook_deterministic():
    kw = dict(swap_fraction=0.5, swap_update="notebook", random_state=11)
    a = make_biased_rankings(30, 12, **kw)
    b = make_biased_rankings(30, 12, **kw)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    c = make_biased_rankings(30, 12, **{**kw, "random_state": 12})
    assert not np.array_equal(a[1], c[1])


def test_notebook_bias_is_weaker():
    # more disadvantaged candidates stay in the top 10 under the notebook's rule
    top = {"recompute": [], "notebook": []}
    for seed in range(5):
        for upd in top:
            L, B, g = make_biased_rankings(
                60,
                30,
                swap_fraction=0.5,
                swap_update=upd,
                output="orders",
                random_state=seed,
            )
            top[upd].append(g[B[:, :10]].mean())
    assert min(top["notebook"]) > max(top["recompute"]) + 0.1
    # and a full bias leaves inverted pairs under the notebook's rule only
    L, B, g = make_biased_rankings(
        20,
        10,
        swap_fraction=1.0,
        swap_update="notebook",
        output="orders",
        random_state=0,
    )
    lab = g[B] == 1
    assert sum(int((np.cumsum(r) * ~r).sum()) for r in lab) > 0


def test_tiny_swap_phi_does_not_underflow():
    # weights swap_phi**d with d up to 39 underflow for swap_phi = 1e-10; only
    # the nearest pairs may then be drawn, but swaps must still happen
    L, B, g = make_biased_rankings(
        5,
        40,
        swap_fraction=0.5,
        swap_phi=1e-10,
        swap_update="notebook",
        random_state=0,
    )
    assert not np.array_equal(L, B)


def test_swap_update_error():
    with pytest.raises(ValueError, match="swap_update must be"):
        make_biased_rankings(5, 4, swap_update="fixed")
    with pytest.raises(ValueError, match="swap_update must be"):
        make_biased_rankings(5, 4, swap_update=None)
