"""Metrics for the recsys estimators: per-user ranking scores, loss estimates.

* :func:`ndcg_at_k`, :func:`recall_at_k`: per-user top-k ranking quality on a
  (missing-at-random) test set of (user, item, label) triples, averaged over
  users, with the standard convention by default and the convention of the
  debiased-recommendation reference code (``convention="reference"``).
* :func:`debiased_loss_estimate`, :func:`relative_loss_error`: estimates of the
  ideal (all-pairs) loss from observed pairs only (naive, IPS, SNIPS, DR), and
  their relative error; the literature's bias benchmark.

ROC AUC on MAR data is :func:`sklearn.metrics.roc_auc_score` on the test
labels and predicted probabilities (what ``DebiasedMF.score`` returns).
"""

import numbers

import numpy as np

from sklweights.utils._sklearn_compat import Interval, StrOptions, validate_params

__all__ = [
    "debiased_loss_estimate",
    "ndcg_at_k",
    "recall_at_k",
    "relative_loss_error",
]


def _per_user(y_true, y_score, users):
    y_true = np.asarray(y_true, dtype=float).ravel()
    y_score = np.asarray(y_score, dtype=float).ravel()
    users = np.asarray(users).ravel()
    if not (y_true.shape == y_score.shape == users.shape):
        raise ValueError(
            "y_true, y_score and users must have the same length; got "
            f"{y_true.shape[0]}, {y_score.shape[0]} and {users.shape[0]}."
        )
    if y_true.size == 0:
        raise ValueError("y_true is empty.")
    if not np.all(np.isfinite(y_score)):
        raise ValueError("y_score contains NaN or infinite values.")
    if np.any(y_true < 0):
        raise ValueError("y_true must hold non-negative relevance labels.")
    # sort by user, then by decreasing score (ties: original order)
    order = np.lexsort((np.arange(users.size), -y_score, users))
    users_sorted = users[order]
    bounds = np.flatnonzero(np.r_[True, users_sorted[1:] != users_sorted[:-1]])
    return y_true[order], bounds


_COMMON = {
    "y_true": ["array-like"],
    "y_score": ["array-like"],
    "users": ["array-like"],
    "k": [Interval(numbers.Integral, 1, None, closed="left")],
    "convention": [StrOptions({"standard", "reference"})],
}


@validate_params(_COMMON, prefer_skip_nested_validation=True)
def ndcg_at_k(y_true, y_score, users, *, k=5, convention="standard"):
    """Mean over users of NDCG@k of each user's test items ranked by score.

    For each user, the test items are ranked by ``y_score`` (ties keep the
    input order); ``DCG@k = sum_{r <= k} y_r / log2(r + 1)`` and NDCG@k divides
    by the DCG of the ideal ranking.

    Parameters
    ----------
    y_true : array-like of shape (n_pairs,)
        Relevance labels (binary or graded) of the test pairs.
    y_score : array-like of shape (n_pairs,)
        Predicted scores.
    users : array-like of shape (n_pairs,)
        User id of each pair.
    k : int, default=5
        Number of top-ranked items per user.
    convention : {"standard", "reference"}, default="standard"
        ``"standard"``: users with no relevant test item are left out of the
        mean (their NDCG is undefined). ``"reference"``: the convention of
        the debiased-recommendation reference code, which scores such users
        as 1 (this inflates the mean when many users have no positives).

    Returns
    -------
    score : float
        Mean NDCG@k over the users (see ``convention``).

    See Also
    --------
    recall_at_k

    Examples
    --------
    >>> from sklweights.metrics import ndcg_at_k
    >>> ndcg_at_k([1, 0, 0, 1], [0.9, 0.1, 0.8, 0.2], [0, 0, 1, 1], k=1)
    0.5
    """
    y, bounds = _per_user(y_true, y_score, users)
    ends = np.r_[bounds[1:], y.size]
    discounts = 1.0 / np.log2(np.arange(2, k + 2))
    values = []
    for start, stop in zip(bounds, ends):
        yu = y[start:stop]
        top = yu[:k]
        ideal = np.sort(yu)[::-1][:k]
        idcg = float(ideal @ discounts[: ideal.size])
        if idcg == 0:
            if convention == "reference":
                values.append(1.0)
            continue
        values.append(float(top @ discounts[: top.size]) / idcg)
    if not values:
        raise ValueError(
            "No user has a relevant test item: NDCG is undefined under the "
            "standard convention."
        )
    return float(np.mean(values))


@validate_params(_COMMON, prefer_skip_nested_validation=True)
def recall_at_k(y_true, y_score, users, *, k=5, convention="standard"):
    """Mean over users of Recall@k: share of a user's positives in the top k.

    Parameters
    ----------
    y_true : array-like of shape (n_pairs,)
        Binary labels of the test pairs (1 = relevant).
    y_score : array-like of shape (n_pairs,)
        Predicted scores of the pairs (higher ranks first).
    users : array-like of shape (n_pairs,)
        User id of each pair.
    k : int, default=5
        Number of top-ranked items per user.
    convention : {"standard", "reference"}, default="standard"
        ``"standard"``: ``hits / n_positives``, users with no positive left
        out. ``"reference"``: the reference code's
        ``hits / max(1, n_positives)``, averaged over every user (users with
        no positive count as 0).

    Returns
    -------
    score : float
        Mean recall@k over the users (see ``convention``).

    See Also
    --------
    ndcg_at_k

    Examples
    --------
    >>> from sklweights.metrics import recall_at_k
    >>> recall_at_k([1, 1, 0, 1], [0.9, 0.1, 0.8, 0.2], [0, 0, 1, 1], k=1)
    0.25
    """
    y, bounds = _per_user(y_true, y_score, users)
    y = (y > 0).astype(float)
    ends = np.r_[bounds[1:], y.size]
    values = []
    for start, stop in zip(bounds, ends):
        yu = y[start:stop]
        n_pos = yu.sum()
        hits = yu[:k].sum()
        if convention == "reference":
            values.append(hits / max(1.0, n_pos))
        elif n_pos > 0:
            values.append(hits / n_pos)
    if not values:
        raise ValueError(
            "No user has a relevant test item: Recall is undefined under the "
            "standard convention."
        )
    return float(np.mean(values))


@validate_params(
    {
        "errors": ["array-like"],
        "observed": ["array-like"],
        "method": [StrOptions({"naive", "ips", "snips", "dr"})],
        "propensity": ["array-like", None],
        "imputed_errors": ["array-like", None],
    },
    prefer_skip_nested_validation=True,
)
def debiased_loss_estimate(
    errors, observed, *, method="ips", propensity=None, imputed_errors=None
):
    """Estimate the mean loss over all pairs from the observed pairs only.

    With ``e`` the per-pair loss of every pair of the universe ``D``, ``o`` the
    observation indicator and ``p`` the propensity (or ``1/w`` for weights
    ``w``), the estimators of ``L = mean_D(e)`` are::

        naive : sum(o e) / sum(o)
        ips   : sum(o e / p) / |D|
        snips : sum(o e / p) / sum(o / p)
        dr    : (sum(e_hat) + sum(o (e - e_hat) / p)) / |D|

    Only the observed entries of ``errors`` are read (the unobserved ones
    may be anything finite, e.g. 0).

    Parameters
    ----------
    errors : array-like
        Loss of each pair (any shape; flattened).
    observed : array-like of the same shape
        0/1 observation indicator.
    method : {"naive", "ips", "snips", "dr"}, default="ips"
        The estimator of the mean loss over all pairs (formulas above).
    propensity : array-like of the same shape, default=None
        Observation probabilities (required except for ``"naive"``).
    imputed_errors : array-like of the same shape, default=None
        Imputed losses ``e_hat`` of every pair (required for ``"dr"``).

    Returns
    -------
    estimate : float
        The estimated mean loss over all pairs.

    See Also
    --------
    relative_loss_error

    Examples
    --------
    >>> import numpy as np
    >>> from sklweights.metrics import debiased_loss_estimate
    >>> e = np.array([1.0, 0.0, 1.0, 0.0]); o = np.array([1, 1, 0, 0])
    >>> debiased_loss_estimate(e, o, method="ips", propensity=np.full(4, 0.5))
    0.5
    """
    e = np.asarray(errors, dtype=float).ravel()
    o = np.asarray(observed, dtype=float).ravel()
    if e.shape != o.shape:
        raise ValueError(
            f"errors and observed must have the same size; got {e.size} and {o.size}."
        )
    if not np.isin(o, (0.0, 1.0)).all():
        raise ValueError("observed must hold 0/1 values.")
    if o.sum() == 0:
        raise ValueError("observed has no observed pair.")
    e = np.where(o > 0, e, 0.0)
    if method == "naive":
        return float((o * e).sum() / o.sum())
    if propensity is None:
        raise ValueError(f"method={method!r} needs propensity.")
    p = np.asarray(propensity, dtype=float).ravel()
    if p.shape != o.shape:
        raise ValueError(
            f"propensity must have the size of observed ({o.size}); got {p.size}."
        )
    if np.any(p[o > 0] <= 0):
        raise ValueError("propensity must be positive on observed pairs.")
    inv = np.where(o > 0, 1.0 / np.where(p > 0, p, 1.0), 0.0)
    if method == "ips":
        return float((inv * e).sum() / e.size)
    if method == "snips":
        return float((inv * e).sum() / inv.sum())
    if imputed_errors is None:
        raise ValueError("method='dr' needs imputed_errors.")
    e_hat = np.asarray(imputed_errors, dtype=float).ravel()
    if e_hat.shape != o.shape:
        raise ValueError(
            f"imputed_errors must have the size of observed ({o.size}); "
            f"got {e_hat.size}."
        )
    return float((e_hat.sum() + (inv * (e - e_hat)).sum()) / e.size)


def relative_loss_error(estimate, ideal):
    """Relative error ``|estimate - ideal| / |ideal|`` of a loss estimate.

    Parameters
    ----------
    estimate : float or array-like
        Estimated loss(es).
    ideal : float or array-like
        The ideal loss (mean over all pairs); must be non-zero.

    Returns
    -------
    error : float or ndarray
        ``|estimate - ideal| / |ideal|``, of the broadcast shape of the inputs (a float
        for scalars).

    Examples
    --------
    >>> from sklweights.metrics import relative_loss_error
    >>> round(relative_loss_error(1.1, 1.0), 6)
    0.1
    """
    ideal = np.asarray(ideal, dtype=float)
    if np.any(ideal == 0):
        raise ValueError("ideal must be non-zero for a relative error.")
    out = np.abs(np.asarray(estimate, dtype=float) - ideal) / np.abs(ideal)
    return float(out) if out.ndim == 0 else out
