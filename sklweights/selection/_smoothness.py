"""Empirical smoothness of a score function under bias (Boehmer et al., 2023)."""

import numpy as np
from sklearn.utils import Bunch

from sklweights.selection._bounds import parse_candidate_groups
from sklweights.selection._rules import resolve_rule, to_positions


def _stack_profiles(profiles, input, name):
    arr = np.asarray(profiles)
    if arr.ndim == 2:
        arr = arr[None]
    if arr.ndim != 3:
        raise ValueError(
            f"{name} must be one profile (n_voters, n_candidates) or a stack of "
            f"draws (n_draws, n_voters, n_candidates); got shape {arr.shape}."
        )
    return np.stack([to_positions(p, input, name=name) for p in arr])


def estimate_smoothness(
    latent,
    biased,
    candidate_groups,
    *,
    rule="borda",
    approval_top=None,
    positional=None,
    beta=None,
    tau=None,
    input="positions",
):
    """Estimate the smoothness parameters alpha and gamma(beta) of a score function.

    The empirical tool of Boehmer et al. (2023): from the expected singleton
    scores ``E F({i})`` under the latent rankings and ``E F^({i})`` under the
    biased rankings (means over draws of the profile),

    * ``alpha = min_i min(E F({i}), E F^({i})) / (n_voters * tau)``, a lower
      bound on the share of the score every candidate gets; ``tau`` is the
      largest singleton score one voter can give;
    * ``gamma(beta) = max E F^({j}) / E F^({i})`` over pairs ``i != j`` of the
      same group with ``beta * E F({i}) >= E F({j})``: how much the bias can
      reorder candidates within a group.

    Small ``alpha`` (SNTV: most candidates are almost never first) means that
    fairness constraints need many rankings to recover a good committee;
    ``alpha`` bounded away from 0 (Borda) means few suffice.

    Parameters
    ----------
    latent, biased : array-like of shape (n_draws, n_voters, n_candidates) or \
            (n_voters, n_candidates)
        Draws of latent and biased profiles (e.g. from
        :func:`sklweights.datasets.make_biased_rankings`).
    candidate_groups : array-like of shape (n_candidates,) or (n_candidates, G)
        Group labels or membership matrix.
    rule : str, default="borda"
        A rule name of :class:`FairCommitteeSelector` (singleton scores use the
        positional vector ``s``; ``"owa"`` needs ``positional``).
    approval_top : int, default=None
        ``t`` for the approval rules (required for them).
    positional : array-like of shape (n_candidates,), default=None
        Positional vector for ``rule="owa"``.
    beta : float or array-like, default=None
        Where to evaluate ``gamma``; defaults to 100 values from
        ``min_i E F({i}) / max_i E F({i})`` to 1, as in the authors' tool.
    tau : float, default=None
        Normaliser of alpha. None uses the largest per-voter singleton score,
        ``max(s)`` (``m - 1`` for Borda, 1 for SNTV). The authors' notebook
        passed ``tau = m`` for every rule; pass ``tau=n_candidates`` to
        reproduce its numbers.
    input : {"positions", "orders", "scores"}, default="positions"
        Format of the profiles.

    Returns
    -------
    result : :class:`~sklearn.utils.Bunch`
        ``alpha`` (float), ``beta`` and ``gamma`` (arrays), ``tau``,
        ``latent_singleton_scores`` and ``biased_singleton_scores`` (per
        candidate, means over draws).

    References
    ----------
    N. Boehmer, L. E. Celis, L. Huang, A. Mehrotra and N. K. Vishnoi. "Subset
    Selection Based On Multiple Rankings in the Presence of Bias". ICML 2023.

    Examples
    --------
    >>> from sklweights.datasets import make_biased_rankings
    >>> from sklweights.selection import estimate_smoothness
    >>> groups = [0, 0, 0, 1, 1, 1]
    >>> draws = [make_biased_rankings(10, 6, culture="impartial", swap_fraction=0.9,
    ...          candidate_groups=groups, random_state=i) for i in range(5)]
    >>> latent = [d[0] for d in draws]; biased = [d[1] for d in draws]
    >>> res = estimate_smoothness(latent, biased, groups, rule="borda")
    >>> 0 < res.alpha <= 1
    True
    """
    L = _stack_profiles(latent, input, "latent")
    B = _stack_profiles(biased, input, "biased")
    if L.shape[1:] != B.shape[1:]:
        raise ValueError(
            f"latent and biased profiles differ in shape: {L.shape[1:]} vs "
            f"{B.shape[1:]}."
        )
    n, m = L.shape[1:]
    if rule in ("bloc", "approval_cc", "pav") and approval_top is None:
        raise ValueError(
            f"rule={rule!r} needs approval_top (the t of its top-t approvals)."
        )
    s, _ = resolve_rule(
        rule,
        m,
        1,
        positional=positional,
        owa=None if rule != "owa" else [1.0],
        approval_top=approval_top,
    )
    EF = s[L].sum(axis=1).mean(axis=0)
    EFh = s[B].sum(axis=1).mean(axis=0)
    tau = float(np.max(s)) if tau is None else float(tau)
    if tau <= 0:
        raise ValueError(f"tau must be positive; got {tau}.")
    alpha = float(min(EF.min(), EFh.min()) / (n * tau))
    if beta is None:
        lo = EF.min() / EF.max() if EF.max() > 0 else 0.0
        beta = np.linspace(lo, 1.0, 100)
    beta = np.atleast_1d(np.asarray(beta, dtype=float))
    _, membership, _ = parse_candidate_groups(candidate_groups, m)
    gamma = np.zeros(beta.shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        for row in membership:
            idx = np.flatnonzero(row)
            if idx.size < 2:
                continue
            Fi, Fj = EF[idx][:, None], EF[idx][None, :]
            ratio = EFh[idx][None, :] / EFh[idx][:, None]  # [i, j] = F^j / F^i
            ratio = np.where(np.isnan(ratio), 0.0, ratio)
            off = ~np.eye(idx.size, dtype=bool)
            for b, bval in enumerate(beta):
                ok = off & (bval * Fi >= Fj)
                if ok.any():
                    gamma[b] = max(gamma[b], float(ratio[ok].max()))
    return Bunch(
        alpha=alpha,
        beta=beta,
        gamma=gamma,
        tau=tau,
        latent_singleton_scores=EF,
        biased_singleton_scores=EFh,
    )
