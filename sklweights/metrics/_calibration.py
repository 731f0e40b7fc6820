"""Calibration of a binary click model on all pairs or a missing-at-random sample.

Debiasing a recommender on missing-not-at-random feedback shows first in the
*level* of its predictions: a model trained on self-selected ratings predicts
too many positives on the pairs nobody chose. These scores judge that level
on labels that are missing at random (every cell of a semi-synthetic
universe, or a randomly exposed test set such as Coat's or Yahoo! R3's):

* :func:`positive_rate_error`: mean predicted probability minus the observed
  positive rate (signed; 0 when the level is right);
* :func:`calibration_summary`: that, the Brier score
  (:func:`sklearn.metrics.brier_score_loss`) and the binned calibration error
  of :func:`sklweights.metrics.rare_class_calibration_error` (the same
  equal-frequency bins and number as
  :class:`sklweights.plotting.ReliabilityDisplay`);
* :func:`make_calibration_scorer`: any of them as a scorer for
  ``GridSearchCV`` / ``cross_val_score``.
"""

import numpy as np
from sklearn.metrics import brier_score_loss, make_scorer
from sklearn.utils.validation import check_consistent_length, column_or_1d

from ._ordinal import _weights, rare_class_calibration_error

__all__ = [
    "calibration_summary",
    "make_calibration_scorer",
    "positive_rate_error",
]

#: The scores of :func:`calibration_summary` that a scorer can be made of.
CALIBRATION_METRICS = ("brier", "calibration_error", "rate_error")


def _check_binary_proba(y_true, y_prob):
    y = column_or_1d(y_true).astype(np.float64)
    p = np.asarray(y_prob, dtype=np.float64)
    if p.ndim == 2 and p.shape[1] == 2:
        p = p[:, 1]
    p = column_or_1d(p)
    check_consistent_length(y, p)
    if y.size == 0:
        raise ValueError("y_true is empty.")
    if not np.all(np.isin(y, (0.0, 1.0))):
        raise ValueError("y_true must hold binary labels in {0, 1}.")
    if not np.all(np.isfinite(p)) or np.any((p < 0) | (p > 1)):
        raise ValueError("y_prob must hold probabilities in [0, 1].")
    return y, p


def positive_rate_error(y_true, y_prob, *, sample_weight=None):
    """Mean predicted positive probability minus the observed positive rate.

    On missing-at-random labels this is the error in the *level* of the
    predictions that selection bias causes (a model trained on what users
    chose to rate over-predicts positives: the error is positive).

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Binary labels.
    y_prob : array-like of shape (n_samples,) or (n_samples, 2)
        Predicted probability of the positive class (or ``predict_proba``).
    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights; every sample weighs 1 when None.

    Returns
    -------
    error : float
        Signed; in ``[-1, 1]``.

    Examples
    --------
    >>> from sklweights.metrics import positive_rate_error
    >>> positive_rate_error([0, 0, 1, 0], [0.5, 0.5, 0.5, 0.5])
    0.25
    """
    y, p = _check_binary_proba(y_true, y_prob)
    w = _weights(sample_weight, y.size)
    return float(w @ p - w @ y)


def calibration_summary(y_true, y_prob, *, n_bins=10):
    """Brier score, predicted and observed positive rate, calibration error.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Binary labels, e.g. of every pair of a semi-synthetic universe or of
        a missing-at-random test set.
    y_prob : array-like of shape (n_samples,) or (n_samples, 2)
        Predicted probability of the positive class (or ``predict_proba``).
    n_bins : int, default=10
        Equal-frequency bins of the calibration error.

    Returns
    -------
    summary : dict
        ``brier`` (:func:`sklearn.metrics.brier_score_loss`),
        ``mean_predicted``, ``positive_rate``, ``rate_error``
        (their difference, :func:`positive_rate_error`) and
        ``calibration_error`` (:func:`rare_class_calibration_error` with
        ``n_bins``: the mean squared gap between a prediction and its bin's
        positive rate, what :class:`~sklweights.plotting.ReliabilityDisplay`
        shows with ``strategy="equal_frequency"``).

    Examples
    --------
    >>> from sklweights.metrics import calibration_summary
    >>> s = calibration_summary([0, 0, 1, 1], [0.1, 0.3, 0.6, 0.8], n_bins=2)
    >>> [round(s[k], 3) for k in ("brier", "rate_error", "calibration_error")]
    [0.075, -0.05, 0.075]
    """
    y, p = _check_binary_proba(y_true, y_prob)
    return {
        "brier": float(brier_score_loss(y, p)),
        "mean_predicted": float(p.mean()),
        "positive_rate": float(y.mean()),
        "rate_error": positive_rate_error(y, p),
        "calibration_error": float(rare_class_calibration_error(y, p, n_bins=n_bins)),
    }


def _absolute_rate_error(y_true, y_prob, sample_weight=None):
    return abs(positive_rate_error(y_true, y_prob, sample_weight=sample_weight))


def _calibration_error(y_true, y_prob, n_bins=10):
    y, p = _check_binary_proba(y_true, y_prob)
    return rare_class_calibration_error(y, p, n_bins=n_bins)


def make_calibration_scorer(metric="brier", **kwargs):
    """A scorer (greater is better) from one calibration score.

    Parameters
    ----------
    metric : {"brier", "calibration_error", "rate_error"}, default="brier"
        Brier score, binned calibration error (keyword ``n_bins``) or the
        absolute :func:`positive_rate_error`; the scorer returns minus it.
    **kwargs : dict
        Passed to the score (e.g. ``n_bins=20``).

    Returns
    -------
    scorer : callable ``scorer(estimator, X, y)``
        Uses ``estimator.predict_proba``; for ``scoring=`` of
        :class:`~sklearn.model_selection.GridSearchCV`.

    Examples
    --------
    >>> from sklweights.metrics import make_calibration_scorer
    >>> scorer = make_calibration_scorer("rate_error")
    """
    funcs = {
        "brier": brier_score_loss,
        "calibration_error": _calibration_error,
        "rate_error": _absolute_rate_error,
    }
    if metric not in funcs:
        raise ValueError(
            f"metric must be one of {CALIBRATION_METRICS}; got {metric!r}."
        )
    return make_scorer(
        funcs[metric],
        greater_is_better=False,
        response_method="predict_proba",
        **kwargs,
    )
