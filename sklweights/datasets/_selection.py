"""Data generators for the selection estimators: rankings with a swapping bias."""

import numbers

import numpy as np
from sklearn.utils import check_random_state

__all__ = ["make_biased_rankings"]

CULTURES = ("impartial", "urn", "mallows", "norm_mallows", "single_peaked")


def _expected_mallows_swaps(m, phi):
    """Expected Kendall-tau distance from the centre under Mallows(phi), m items."""
    if phi >= 1:
        return m * (m - 1) / 4
    if phi <= 0:
        return 0.0
    j = np.arange(1, m + 1)
    return m * phi / (1 - phi) - float(np.sum(j * phi**j / (1 - phi**j)))


def mallows_phi_from_normalised(m, norm_phi):
    """Dispersion ``phi`` whose expected swap distance is ``norm_phi * m(m-1)/4``.

    The normalisation of Boehmer, Faliszewski and Kraiczy (ICML 2023), used by
    the "norm-mallows" culture of the paper's notebook.
    """
    if norm_phi >= 1:
        return 1.0
    if norm_phi <= 0:
        return 0.0
    target = norm_phi * m * (m - 1) / 4
    lo, hi = 0.0, 1.0
    for _ in range(100):
        mid = (lo + hi) / 2
        if _expected_mallows_swaps(m, mid) < target:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def _sample_mallows(n, m, phi, rng):
    """Orders (n, m) from Mallows(phi) around the identity, by repeated insertion."""
    orders = np.zeros((n, 1), dtype=np.intp)
    for j in range(1, m):
        # item j goes to index i in 0..j with probability ~ phi^(j - i)
        if phi >= 1:
            idx = rng.integers(0, j + 1, size=n)
        else:
            p = phi ** (j - np.arange(j + 1, dtype=float))
            p /= p.sum()
            idx = np.minimum(
                np.searchsorted(np.cumsum(p), rng.random(n), side="right"), j
            )
        cols = np.arange(j + 1)[None, :]
        idxc = idx[:, None]
        prev = np.concatenate([orders, orders[:, -1:]], axis=1)
        shifted = np.concatenate([orders[:, :1], orders], axis=1)
        new = np.where(cols < idxc, prev, shifted)
        new[np.arange(n), idx] = j
        orders = new
    return orders


def _sample_urn(n, m, alpha, rng):
    """Polya-Eggenberger urn: copy a previous vote w.p. i*alpha/(1 + i*alpha)."""
    orders = np.empty((n, m), dtype=np.intp)
    for i in range(n):
        if i > 0 and rng.random() < i * alpha / (1 + i * alpha):
            orders[i] = orders[rng.integers(0, i)]
        else:
            orders[i] = rng.permutation(m)
    return orders


def _sample_single_peaked(n, m, rng):
    """Conitzer's single-peaked sampler on the axis 0, 1, ..., m-1."""
    orders = np.empty((n, m), dtype=np.intp)
    for i in range(n):
        peak = int(rng.integers(0, m))
        left, right = peak - 1, peak + 1
        out = [peak]
        while len(out) < m:
            if left >= 0 and (right >= m or rng.random() < 0.5):
                out.append(left)
                left -= 1
            else:
                out.append(right)
                right += 1
        orders[i] = out
    return orders


def _swap_bias(orders, disadvantaged, swap_fraction, swap_phi, rng):
    """The swapping bias, all voters in lockstep; weights recomputed every swap.

    For each voter: M = number of (disadvantaged above advantaged) pairs,
    t = floor(swap_fraction * M); t times, draw such a pair (b above a) with
    probability proportional to ``swap_phi ** (pos(a) - pos(b))`` among the
    current pairs and swap the two candidates.
    """
    orders = orders.copy()
    n, m = orders.shape
    lab1 = (~disadvantaged[orders]).astype(float)  # advantaged at position
    # number of pairs (disadvantaged at i < advantaged at j) per voter
    below2 = np.cumsum(1.0 - lab1, axis=1) - (1.0 - lab1)
    M = np.sum(lab1 * below2, axis=1)
    t = np.floor(swap_fraction * M + 1e-9).astype(np.int64)
    if t.max(initial=0) == 0:
        return orders
    dist = np.arange(m)[None, :] - np.arange(m)[:, None]  # j - i
    with np.errstate(under="ignore"):
        Phi = np.where(dist > 0, float(swap_phi) ** np.maximum(dist, 0), 0.0)
    done = np.zeros(n, dtype=np.int64)
    for _ in range(int(t.max())):
        active = done < t
        if not active.any():
            break
        lab2 = 1.0 - lab1
        v = lab1 @ Phi.T  # v[n, i] = sum_j Phi[i, j] lab1[n, j]
        r = lab2 * v
        r[~active] = 0.0
        tot = r.sum(axis=1)
        ok = active & (tot > 0)
        # underflow: valid pairs exist but all weights are 0 -> nearest pairs
        need = active & (tot <= 0)
        if need.any():
            for q in np.flatnonzero(need):
                p2 = np.flatnonzero(lab2[q] > 0)
                p1 = np.flatnonzero(lab1[q] > 0)
                D = p1[None, :] - p2[:, None]
                valid = D > 0
                if not valid.any():
                    done[q] = t[q]
                    continue
                Dm = np.where(valid, D, np.iinfo(np.int64).max)
                cand = np.argwhere(Dm == Dm.min())
                a, b = cand[rng.integers(0, len(cand))]
                i, j = p2[a], p1[b]
                orders[q, [i, j]] = orders[q, [j, i]]
                lab1[q, i], lab1[q, j] = 1.0, 0.0
                done[q] += 1
        if not ok.any():
            continue
        idx = np.flatnonzero(ok)
        cum = np.cumsum(r[idx], axis=1)
        u = rng.random(idx.size) * cum[:, -1]
        i = np.minimum((cum <= u[:, None]).sum(axis=1), m - 1)
        wj = Phi[i] * lab1[idx]
        cumj = np.cumsum(wj, axis=1)
        uj = rng.random(idx.size) * cumj[:, -1]
        j = np.minimum((cumj <= uj[:, None]).sum(axis=1), m - 1)
        ci, cj = orders[idx, i].copy(), orders[idx, j].copy()
        orders[idx, i], orders[idx, j] = cj, ci
        lab1[idx, i], lab1[idx, j] = 1.0, 0.0
        done[idx] += 1
    return orders


def _swap_bias_fixed_weights(orders, disadvantaged, swap_fraction, swap_phi, rng):
    """The swapping bias with the weights of the initial ranking, never updated.

    The semantics of ``get_swapping_bias`` in the authors' notebook: the
    eligible pairs (``b`` disadvantaged above ``a`` advantaged) and their
    weights ``swap_phi ** (pos(a) - pos(b))`` are fixed from the latent
    ranking, so the ``t = floor(swap_fraction * M)`` draws are i.i.d. Each
    draw exchanges the *current* positions of ``a`` and ``b``, whatever their
    order is by then: a pair drawn twice is swapped back.
    """
    orders = orders.copy()
    n, m = orders.shape
    adv = np.flatnonzero(~disadvantaged)
    dis = np.flatnonzero(disadvantaged)
    if adv.size == 0 or dis.size == 0:
        return orders
    positions = _orders_to_positions(orders)
    for v in range(n):
        # dist[a, b] = pos(a) - pos(b) > 0: disadvantaged b above advantaged a
        dist = positions[v, adv][:, None] - positions[v, dis][None, :]
        ia, ib = np.nonzero(dist > 0)
        t = int(np.floor(swap_fraction * ia.size + 1e-9))
        if t == 0:
            continue
        d = dist[ia, ib]
        # relative to the nearest pair, so that a tiny swap_phi cannot underflow
        # every weight to 0 (the notebook multiplied phi**pos(a) * phi**-pos(b))
        with np.errstate(under="ignore"):
            w = float(swap_phi) ** (d - d.min()).astype(float)
        cum = np.cumsum(w)
        draw = np.searchsorted(cum, rng.random(t) * cum[-1], side="right")
        draw = np.minimum(draw, cum.size - 1)
        pos = positions[v].tolist()
        for a, b in zip(adv[ia[draw]].tolist(), dis[ib[draw]].tolist()):
            pos[a], pos[b] = pos[b], pos[a]
        orders[v, pos] = np.arange(m)
    return orders


def _orders_to_positions(orders):
    n, m = orders.shape
    P = np.empty_like(orders)
    np.put_along_axis(P, orders, np.arange(m)[None, :], axis=1)
    return P


def make_biased_rankings(
    n_voters=50,
    n_candidates=50,
    *,
    culture="norm_mallows",
    phi=0.5,
    urn_alpha=0.1,
    swap_fraction=0.5,
    swap_phi=0.5,
    swap_update="recompute",
    disadvantaged_fraction=0.5,
    candidate_groups=None,
    output="positions",
    random_state=None,
):
    """Latent rankings, their biased versions and the candidate groups.

    Draws ``n_voters`` latent (unbiased) rankings of ``n_candidates`` from a
    culture, splits the candidates at random into an advantaged group (label
    0) and a disadvantaged group (label 1), and applies the swapping bias of
    Boehmer et al. (2023) to each ranking: with ``M`` the number of (group-1
    candidate ranked above group-0 candidate) pairs, ``floor(swap_fraction *
    M)`` times a pair (``b`` of group 1 above ``a`` of group 0) is drawn with
    probability proportional to ``swap_phi ** (pos(a) - pos(b))`` and the two
    are swapped. By default the weights are recomputed from the current
    ranking after every swap; ``swap_update="notebook"`` reproduces the
    authors' notebook, which never updated them.

    Parameters
    ----------
    n_voters : int, default=50
        Number of rankings.
    n_candidates : int, default=50
        Number of candidates.
    culture : {"impartial", "urn", "mallows", "norm_mallows", "single_peaked"}, \
            default="norm_mallows"
        Latent culture: impartial culture (uniform rankings); the
        Polya-Eggenberger urn with ``urn_alpha``; Mallows around the identity
        with dispersion ``phi``, or with the normalised ``phi`` of Boehmer,
        Faliszewski and Kraiczy (expected swap distance ``phi * m(m-1)/4``);
        Conitzer's single-peaked rankings on the axis ``0..m-1``.
    phi : float, default=0.5
        Mallows dispersion in [0, 1] (normalised for "norm_mallows").
    urn_alpha : float, default=0.1
        Contagion of the urn culture.
    swap_fraction : float, default=0.5
        Fraction of the (group 1 above group 0) pairs swapped, in [0, 1]; 0
        gives unbiased rankings.
    swap_phi : float, default=0.5
        Distance decay of the swap probabilities, in (0, 1]; small values swap
        nearby pairs.
    swap_update : {"recompute", "notebook"}, default="recompute"
        How the swap weights evolve during the ``floor(swap_fraction * M)``
        draws of one ranking.

        - ``"recompute"``: eligible pairs and weights are recomputed from the
          current ranking after every swap. Only pairs that are still
          inverted (group 1 above group 0) can be drawn, so every swap moves a
          disadvantaged candidate down. A swap at distance ``d`` removes
          ``2d - 1`` inverted pairs, so the groups can be fully separated
          (every advantaged candidate above every disadvantaged one) before
          ``swap_fraction=1``; the swaps then stop.
        - ``"notebook"``: the semantics of ``get_swapping_bias`` in the
          authors' released notebook, where the weight update is a no-op:
          pairs and weights are those of the latent ranking, the draws are
          independent, and each draw exchanges the current positions of the
          two candidates. A pair drawn twice is swapped back, and a pair
          whose order was reversed by other swaps can be swapped the wrong
          way, so the bias is weaker (at ``swap_fraction=1`` many inverted
          pairs remain). Use it to reproduce the notebook's numbers.

        The default differs from the notebook because the notebook's update
        line (commented as updating the weights after each swap) changes
        nothing, which we read as a bug: with it, swaps can undo each other
        and move disadvantaged candidates up.
    disadvantaged_fraction : float, default=0.5
        Share of candidates in the disadvantaged group 1.
    candidate_groups : array-like of shape (n_candidates,), default=None
        Fixed 0/1 groups (1 = disadvantaged) instead of a random split, e.g. to
        draw several profiles for the same groups.
    output : {"positions", "orders"}, default="positions"
        ``positions[v, c]`` is the position of candidate ``c`` (0 = best);
        ``orders[v, j]`` is the candidate at position ``j``.
    random_state : int, RandomState instance or None, default=None
        Seed.

    Returns
    -------
    latent : ndarray of shape (n_voters, n_candidates)
        Unbiased rankings.
    biased : ndarray of shape (n_voters, n_candidates)
        The same rankings after the swapping bias.
    candidate_groups : ndarray of shape (n_candidates,)
        0 (advantaged) or 1 (disadvantaged) per candidate.

    References
    ----------
    N. Boehmer, L. E. Celis, L. Huang, A. Mehrotra and N. K. Vishnoi. "Subset
    Selection Based On Multiple Rankings in the Presence of Bias". ICML 2023.

    Examples
    --------
    >>> from sklweights.datasets import make_biased_rankings
    >>> latent, biased, groups = make_biased_rankings(
    ...     5, 6, swap_fraction=1.0, random_state=0)
    >>> latent.shape, biased.shape, groups.tolist()
    ((5, 6), (5, 6), [1, 0, 0, 1, 1, 0])
    """
    for name, val in (("n_voters", n_voters), ("n_candidates", n_candidates)):
        if not isinstance(val, numbers.Integral) or isinstance(val, bool) or val < 1:
            raise ValueError(f"{name} must be a positive int; got {val!r}.")
    if culture not in CULTURES:
        raise ValueError(f"culture must be one of {CULTURES}; got {culture!r}.")
    if not isinstance(swap_update, str) or swap_update not in (
        "recompute",
        "notebook",
    ):
        raise ValueError(
            f"swap_update must be 'recompute' or 'notebook'; got {swap_update!r}."
        )
    if output not in ("positions", "orders"):
        raise ValueError(f"output must be 'positions' or 'orders'; got {output!r}.")
    checks = (
        ("phi", phi, 0.0, 1.0, True),
        ("swap_fraction", swap_fraction, 0.0, 1.0, True),
        ("swap_phi", swap_phi, 0.0, 1.0, False),
        ("disadvantaged_fraction", disadvantaged_fraction, 0.0, 1.0, True),
    )
    for name, val, lo, hi, closed_lo in checks:
        if not isinstance(val, numbers.Real) or not (
            (lo <= val if closed_lo else lo < val) and val <= hi
        ):
            side = "[" if closed_lo else "("
            raise ValueError(f"{name} must be in {side}{lo}, {hi}]; got {val!r}.")
    if not isinstance(urn_alpha, numbers.Real) or urn_alpha < 0:
        raise ValueError(f"urn_alpha must be >= 0; got {urn_alpha!r}.")
    rng = np.random.default_rng(check_random_state(random_state).randint(2**32 - 1))
    n, m = int(n_voters), int(n_candidates)
    if culture == "impartial":
        latent = np.argsort(rng.random((n, m)), axis=1)
    elif culture == "urn":
        latent = _sample_urn(n, m, float(urn_alpha), rng)
    elif culture == "mallows":
        latent = _sample_mallows(n, m, float(phi), rng)
    elif culture == "norm_mallows":
        latent = _sample_mallows(n, m, mallows_phi_from_normalised(m, phi), rng)
    else:
        latent = _sample_single_peaked(n, m, rng)
    if candidate_groups is None:
        n_dis = int(round(disadvantaged_fraction * m))
        groups = np.zeros(m, dtype=np.int64)
        groups[rng.permutation(m)[:n_dis]] = 1
    else:
        groups = np.asarray(candidate_groups)
        if groups.shape != (m,) or not np.isin(groups, (0, 1)).all():
            raise ValueError(
                "candidate_groups must be a 0/1 array of length n_candidates="
                f"{m}; got shape {groups.shape}."
            )
        groups = groups.astype(np.int64)
    bias = _swap_bias if swap_update == "recompute" else _swap_bias_fixed_weights
    biased = bias(latent, groups == 1, float(swap_fraction), swap_phi, rng)
    if output == "positions":
        return _orders_to_positions(latent), _orders_to_positions(biased), groups
    return latent, biased, groups
