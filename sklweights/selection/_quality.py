"""Scores that need a fitted selector: the latent quality ratio."""

import numpy as np

from sklweights.selection._selector import FairCommitteeSelector, committee_score

__all__ = ["latent_quality_ratio"]


def latent_quality_ratio(
    X_latent,
    committee,
    *,
    rule="borda",
    approval_top=None,
    positional=None,
    owa=None,
    input="positions",
    sample_weight=None,
):
    """Latent score of a committee over the best latent score of its size.

    The quality measure of Boehmer et al. (2023): a committee chosen from
    biased rankings is judged by ``F(W) / max_{|S| = |W|} F(S)``, with ``F``
    evaluated on the latent (unbiased) rankings. The optimum is computed
    exactly (unconstrained) with :class:`FairCommitteeSelector`.

    Parameters
    ----------
    X_latent : array-like of shape (n_voters, n_candidates)
        Latent rankings.
    committee : array-like of int or bool mask of shape (n_candidates,)
        The committee to judge.
    rule : str, default="borda"
        The scoring rule, as in :func:`committee_score`.
    approval_top : int, default=None
        ``t`` for the approval rules on rankings; defaults to the committee
        size.
    positional : array-like of shape (n_candidates,), default=None
        Positional vector for ``rule="owa"``.
    owa : array-like of shape (k,), default=None
        OWA vector for ``rule="owa"``.
    input : {"positions", "orders", "utilities"}, default="positions"
        Format of ``X_latent``, as in :func:`committee_score`.
    sample_weight : array-like of shape (n_voters,), default=None
        Voter weights.

    Returns
    -------
    ratio : float
        In [0, 1] for non-negative scores; 1 means the committee is optimal
        for the latent rankings.

    See Also
    --------
    committee_score : The score of a committee.

    Examples
    --------
    >>> import numpy as np
    >>> from sklweights.selection import latent_quality_ratio
    >>> latent = np.array([[0, 1, 2, 3], [1, 0, 2, 3]])
    >>> latent_quality_ratio(latent, [0, 1])
    1.0
    >>> round(latent_quality_ratio(latent, [2, 3]), 3)
    0.2
    """
    X_arr = np.asarray(X_latent)
    mask = np.asarray(committee)
    k = int(mask.sum()) if mask.dtype == bool else int(np.asarray(committee).size)
    if k < 1:
        raise ValueError("committee must hold at least one candidate.")
    if rule in ("bloc", "approval_cc", "pav") and approval_top is None:
        approval_top = k
    kw = dict(
        rule=rule,
        approval_top=approval_top,
        positional=positional,
        owa=owa,
        input=input,
    )
    value = committee_score(X_arr, committee, sample_weight=sample_weight, **kw)
    best = FairCommitteeSelector(k, **kw).fit(X_arr, sample_weight=sample_weight)
    if best.objective_ == 0:
        return 1.0 if value == 0 else float("inf")
    return float(value / best.objective_)
