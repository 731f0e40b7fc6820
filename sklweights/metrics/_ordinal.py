"""Metrics for the ordinal estimators: Brier score and rare-class scores."""

import numpy as np
from sklearn.utils.validation import check_consistent_length

__all__ = [
    "multiclass_brier_score",
    "neg_multiclass_brier_scorer",
    "rare_class_calibration_error",
    "rare_class_probability_mse",
]


def _weights(sample_weight, n):
    if sample_weight is None:
        return np.full(n, 1.0 / n)
    w = np.asarray(sample_weight, dtype=np.float64).ravel()
    if w.shape[0] != n or np.any(w < 0) or not np.all(np.isfinite(w)) or w.sum() <= 0:
        raise ValueError(
            "sample_weight must be finite, non-negative, of length "
            f"{n} and with a positive sum."
        )
    return w / w.sum()


def multiclass_brier_score(y_true, y_proba, *, labels=None, sample_weight=None):
    """Multiclass Brier score: mean of ``sum_k (1{y = k} - p_k)^2``.

    The score of the PRESTO paper's cross-validation (lower is better; 0 is
    perfect, 2 the worst).

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels.
    y_proba : array-like of shape (n_samples, n_classes)
        Predicted probabilities, columns in the order of ``labels``.
    labels : array-like of shape (n_classes,), default=None
        The classes of the columns; default the sorted unique ``y_true``
        (which must then have as many values as there are columns).
    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights; every sample weighs 1 when None.

    Returns
    -------
    score : float
        The (weighted) mean of ``sum_k (1{y = k} - p_k)^2`` over rows.

    Examples
    --------
    >>> from sklweights.metrics import multiclass_brier_score
    >>> multiclass_brier_score([0, 1], [[1.0, 0.0], [0.5, 0.5]])
    0.25
    """
    P = np.asarray(y_proba, dtype=np.float64)
    y = np.asarray(y_true).ravel()
    if P.ndim != 2:
        raise ValueError(f"y_proba must be 2-d (n_samples, n_classes); got {P.shape}.")
    check_consistent_length(y, P)
    if not np.all(np.isfinite(P)):
        raise ValueError("y_proba contains NaN or infinity.")
    labels = np.unique(y) if labels is None else np.asarray(labels).ravel()
    if labels.size != P.shape[1]:
        raise ValueError(
            f"y_proba has {P.shape[1]} columns but there are {labels.size} labels "
            f"{labels.tolist()[:10]}; pass labels= (e.g. estimator.classes_)."
        )
    order = np.argsort(labels)
    pos = np.searchsorted(labels[order], y)
    pos = np.clip(pos, 0, labels.size - 1)
    if np.any(labels[order][pos] != y):
        unknown = np.setdiff1d(y, labels).tolist()[:10]
        raise ValueError(f"y_true has labels {unknown} not in labels.")
    idx = order[pos]
    onehot = np.zeros_like(P)
    onehot[np.arange(y.size), idx] = 1.0
    w = _weights(sample_weight, y.size)
    return float(w @ ((onehot - P) ** 2).sum(axis=1))


def neg_multiclass_brier_scorer(estimator, X, y, sample_weight=None):
    """Scorer for model selection: minus :func:`multiclass_brier_score`.

    Uses ``estimator.classes_`` for the columns, so a class missing from a
    test fold is handled. Pass it as ``scoring=`` to ``GridSearchCV`` or
    ``cross_val_score`` (greater is better).

    Parameters
    ----------
    estimator : fitted classifier with ``predict_proba`` and ``classes_``
        The fitted classifier to score.
    X : array-like of shape (n_samples, n_features)
        The input samples.
    y : array-like of shape (n_samples,)
        True labels of ``X``.
    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights; every sample weighs 1 when None.

    Returns
    -------
    score : float
        Minus the multiclass Brier score (greater is better).
    """
    proba = estimator.predict_proba(X)
    return -multiclass_brier_score(
        y, proba, labels=estimator.classes_, sample_weight=sample_weight
    )


def _rare_column(p):
    p = np.asarray(p, dtype=np.float64)
    if p.ndim == 2:
        p = p[:, -1]
    return p.ravel()


def rare_class_probability_mse(proba_true, proba_pred, *, sample_weight=None):
    """Mean squared error of the predicted rare-class probability.

    The PRESTO paper's simulation metric ``(1/n) sum_i (p_hat_K(x_i) -
    p_K(x_i))^2`` against the true probabilities.

    Parameters
    ----------
    proba_true, proba_pred : array-like of shape (n_samples,) or \
            (n_samples, n_classes)
        Rare-class probabilities, or full probability matrices whose last
        column is the rare (top) class.
    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights; every sample weighs 1 when None.

    Returns
    -------
    mse : float
        The (weighted) mean squared error.

    Examples
    --------
    >>> from sklweights.metrics import rare_class_probability_mse
    >>> rare_class_probability_mse([0.01, 0.02], [0.02, 0.02])
    5e-05
    """
    t, q = _rare_column(proba_true), _rare_column(proba_pred)
    check_consistent_length(t, q)
    w = _weights(sample_weight, t.size)
    return float(w @ (t - q) ** 2)


def rare_class_calibration_error(y_true, proba_pred, *, n_bins=None):
    """Equal-frequency binned calibration error of the rare-class probability.

    Sort the predictions, cut them into ``n_bins`` groups of (nearly) equal
    size, and average ``(p_j - o_b)^2`` over the observations, where ``o_b``
    is the observed rare-class frequency of observation j's bin. This is the
    PRESTO paper's real-data metric, with each prediction paired with its
    own bin (the reference code paired unsorted predictions with sorted bins).

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        1 (or True) where the rare class occurred.
    proba_pred : array-like of shape (n_samples,) or (n_samples, n_classes)
        Rare-class probabilities (or a matrix whose last column they are).
    n_bins : int, default=None
        Default ``max(round(n_samples / 100), 10)`` (capped at n_samples), as
        the reference code.

    Returns
    -------
    error : float
        The binned calibration error (0 is perfect).

    Examples
    --------
    >>> from sklweights.metrics import rare_class_calibration_error
    >>> rare_class_calibration_error([0, 0, 1, 1], [0.0, 0.0, 1.0, 1.0], n_bins=2)
    0.0
    """
    o = np.asarray(y_true, dtype=np.float64).ravel()
    p = _rare_column(proba_pred)
    check_consistent_length(o, p)
    if not np.all(np.isin(o, (0.0, 1.0))):
        raise ValueError("y_true must be a 0/1 indicator of the rare class.")
    n = p.size
    if n_bins is None:
        n_bins = max(int(round(n / 100)), 10)
    if int(n_bins) < 1:
        raise ValueError(f"n_bins must be a positive int; got {n_bins}.")
    bins = equal_frequency_bins(p, n_bins)
    return sum(float(((p[b] - o[b].mean()) ** 2).sum()) for b in bins) / n


def equal_frequency_bins(proba, n_bins):
    """Row indices of ``n_bins`` groups of (nearly) equal size, by sorted ``proba``.

    The binning of :func:`rare_class_calibration_error` (and of the
    reliability diagram that draws it).
    """
    n_bins = min(int(n_bins), len(proba))
    order = np.argsort(proba, kind="stable")
    return np.array_split(order, n_bins)
