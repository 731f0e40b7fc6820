"""Metrics and scorers for multi-level quantile predictions.

All losses take the true targets ``y_true`` of shape (n_samples,), predicted
quantiles ``y_quantiles`` of shape (n_samples, n_levels) and the levels
``quantiles`` of shape (n_levels,). The pinball (check) loss of level tau is
``psi_tau(u) = max(tau * u, (tau - 1) * u)`` with ``u = y - q``.

The weighted interval score (WIS) of Bracher et al. (2021) with weights
``alpha_k / 2`` on the central intervals and ``1/2`` on the median is, by the
identity ``psi_{a/2}(y - l) + psi_{1-a/2}(y - u) = (a / 2) IS_a(l, u; y)``,
exactly twice the mean pinball loss over the symmetric levels; it is
computed that way here.
"""

import numbers

import numpy as np
from sklearn.utils.validation import check_array, check_consistent_length

from sklweights.utils._sklearn_compat import (
    Interval,
    StrOptions,
    _check_sample_weight,
    validate_params,
)

__all__ = [
    "crossing_rate",
    "empirical_coverage",
    "interval_score",
    "make_quantile_scorer",
    "mean_interval_width",
    "multi_pinball_loss",
    "neg_interval_score_scorer",
    "neg_multi_pinball_loss_scorer",
    "neg_weighted_interval_score_scorer",
    "weighted_interval_score",
]

_SYM_TOL = 1e-8

#: Default levels of the quantile estimators (and of the distributional
#: regressors' ``predict_quantiles``): the central 50/80/90% intervals and the
#: median. The aggregation paper uses 99 levels (0.01..0.99); pass them
#: explicitly (``np.arange(1, 100) / 100``) when the base models are cheap
#: enough.
DEFAULT_QUANTILES = (0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95)

_LEVEL_TOL = 1e-9  # levels closer than this count as duplicates


def interval_levels(confidence_level):
    """The (lower, upper) levels of the central interval of ``confidence_level``."""
    if isinstance(confidence_level, bool) or not isinstance(
        confidence_level, numbers.Real
    ):
        raise TypeError(
            "confidence_level must be a real number strictly between 0 and 1; got "
            f"{type(confidence_level).__name__} {confidence_level!r}."
        )
    if not (0 < confidence_level < 1):
        raise ValueError(
            f"confidence_level must lie strictly between 0 and 1; got "
            f"{confidence_level!r}."
        )
    alpha = 1.0 - confidence_level
    lo = round(alpha / 2.0, 12)  # 0.05, not 0.04999999999999999
    return lo, round(1.0 - lo, 12)


def _check_levels(quantiles, name="quantiles"):
    """Validate quantile levels: 1-d, finite, strictly in (0, 1), increasing."""
    levels = np.asarray(quantiles, dtype=float)
    if levels.ndim == 0:
        levels = levels.reshape(1)
    if levels.ndim != 1 or levels.size == 0:
        raise ValueError(
            f"{name} must be a non-empty 1-d sequence of levels in (0, 1); "
            f"got shape {levels.shape}."
        )
    if not np.all(np.isfinite(levels)) or np.any(levels <= 0) or np.any(levels >= 1):
        bad = levels[~((levels > 0) & (levels < 1))]
        raise ValueError(
            f"{name} must lie strictly between 0 and 1; got {bad.tolist()}."
        )
    diffs = np.diff(levels)
    if np.any(np.abs(diffs) <= _LEVEL_TOL):
        dup = np.unique(levels[1:][np.abs(diffs) <= _LEVEL_TOL])
        raise ValueError(f"{name} must not contain duplicates; got {dup.tolist()}.")
    if np.any(diffs < 0):
        raise ValueError(
            f"{name} must be sorted in increasing order; got {levels.tolist()}."
        )
    return levels


def _check_quantile_inputs(y_true, y_quantiles, quantiles, sample_weight):
    y_true = check_array(y_true, ensure_2d=False, dtype=np.float64)
    if y_true.ndim != 1:
        raise ValueError(
            f"y_true must be 1-d of shape (n_samples,); got shape {y_true.shape}."
        )
    y_quantiles = check_array(y_quantiles, dtype=np.float64)
    levels = _check_levels(quantiles)
    if y_quantiles.shape[1] != levels.size:
        raise ValueError(
            f"y_quantiles has {y_quantiles.shape[1]} columns but {levels.size} "
            "quantile levels were given."
        )
    check_consistent_length(y_true, y_quantiles)
    sample_weight = _check_sample_weight(sample_weight, y_true)
    return y_true, y_quantiles, levels, sample_weight


def _pinball_matrix(y, q, levels):
    """Pinball loss per sample and level, shape (n_samples, n_levels)."""
    u = y[:, None] - q
    return np.maximum(levels * u, (levels - 1.0) * u)


def _symmetric_pairs(levels):
    """Index pairs (lo, hi) with levels[lo] + levels[hi] == 1, lo < hi."""
    pairs = []
    for i, tau in enumerate(levels):
        if tau >= 0.5 - _SYM_TOL:
            break
        j = np.flatnonzero(np.abs(levels - (1.0 - tau)) <= _SYM_TOL)
        if j.size:
            pairs.append((i, int(j[0])))
    return pairs


def _is_symmetric(levels):
    return np.allclose(np.sort(1.0 - levels), levels, atol=_SYM_TOL, rtol=0)


@validate_params(
    {
        "y_true": ["array-like"],
        "y_quantiles": ["array-like"],
        "quantiles": ["array-like", Interval(numbers.Real, 0, 1, closed="neither")],
        "sample_weight": ["array-like", None],
        "multioutput": [StrOptions({"raw_values", "uniform_average"})],
    },
    prefer_skip_nested_validation=True,
)
def multi_pinball_loss(
    y_true, y_quantiles, *, quantiles, sample_weight=None, multioutput="uniform_average"
):
    """Pinball (quantile) loss averaged over samples and quantile levels.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Observed targets.
    y_quantiles : array-like of shape (n_samples, n_levels)
        Predicted quantiles, one column per level.
    quantiles : array-like of shape (n_levels,)
        The levels, strictly increasing in (0, 1).
    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights.
    multioutput : {"uniform_average", "raw_values"}, default="uniform_average"
        ``"raw_values"`` returns one loss per level.

    Returns
    -------
    loss : float or ndarray of shape (n_levels,)
        Lower is better.

    See Also
    --------
    weighted_interval_score : Twice this loss over symmetric levels.
    sklearn.metrics.mean_pinball_loss : The same loss for one level.

    Examples
    --------
    >>> from sklweights.metrics import multi_pinball_loss
    >>> multi_pinball_loss([1.0, 2.0], [[0.5, 1.0], [1.5, 3.0]], quantiles=[0.1, 0.5])
    0.15
    """
    y, q, levels, sw = _check_quantile_inputs(
        y_true, y_quantiles, quantiles, sample_weight
    )
    per_level = np.average(_pinball_matrix(y, q, levels), axis=0, weights=sw)
    if multioutput == "raw_values":
        return per_level
    return float(np.mean(per_level))


@validate_params(
    {
        "y_true": ["array-like"],
        "y_quantiles": ["array-like"],
        "quantiles": ["array-like"],
        "sample_weight": ["array-like", None],
    },
    prefer_skip_nested_validation=True,
)
def weighted_interval_score(y_true, y_quantiles, *, quantiles, sample_weight=None):
    """Weighted interval score (WIS) of central intervals and the median.

    With symmetric levels ``{alpha_k / 2, 1 - alpha_k / 2}`` (k = 1..K) and,
    optionally, the median ``m``, the score of Bracher et al. (2021) is::

        WIS = (1/2 |y - m| + sum_k alpha_k / 2 * IS_{alpha_k}(l_k, u_k; y))
              / (K + 1/2)

    (``K`` in the denominator when there is no median). It equals twice the
    mean pinball loss over the levels, which is how it is computed.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Observed targets.
    y_quantiles : array-like of shape (n_samples, n_levels)
        Predicted quantiles.
    quantiles : array-like of shape (n_levels,)
        Strictly increasing levels, symmetric around 0.5 (each ``tau`` comes
        with ``1 - tau``).
    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights.

    Returns
    -------
    score : float
        Lower is better.

    See Also
    --------
    interval_score : The score of a single central interval.
    multi_pinball_loss : Mean pinball loss over any set of levels.

    References
    ----------
    .. [1] Bracher, Ray, Gneiting, Reich, "Evaluating epidemic forecasts in an
       interval format", PLOS Computational Biology 17(2), 2021.

    Examples
    --------
    >>> from sklweights.metrics import weighted_interval_score
    >>> weighted_interval_score([1.0], [[0.0, 1.0, 2.0]], quantiles=[0.1, 0.5, 0.9])
    0.1333...
    """
    y, q, levels, sw = _check_quantile_inputs(
        y_true, y_quantiles, quantiles, sample_weight
    )
    if not _is_symmetric(levels):
        raise ValueError(
            "weighted_interval_score needs levels symmetric around 0.5 (each tau "
            f"with 1 - tau); got {levels.tolist()}. Use multi_pinball_loss for "
            "other level sets."
        )
    return float(2.0 * np.mean(np.average(_pinball_matrix(y, q, levels), 0, sw)))


def _check_interval(y_true, lower, upper, sample_weight):
    y = check_array(y_true, ensure_2d=False, dtype=np.float64)
    lo = check_array(lower, ensure_2d=False, dtype=np.float64)
    hi = check_array(upper, ensure_2d=False, dtype=np.float64)
    for name, a in (("y_true", y), ("lower", lo), ("upper", hi)):
        if a.ndim != 1:
            raise ValueError(f"{name} must be 1-d; got shape {a.shape}.")
    check_consistent_length(y, lo, hi)
    return y, lo, hi, _check_sample_weight(sample_weight, y)


@validate_params(
    {
        "y_true": ["array-like"],
        "lower": ["array-like"],
        "upper": ["array-like"],
        "alpha": [Interval(numbers.Real, 0, 1, closed="neither")],
        "sample_weight": ["array-like", None],
    },
    prefer_skip_nested_validation=True,
)
def interval_score(y_true, lower, upper, *, alpha=0.1, sample_weight=None):
    """Interval score of a central (1 - alpha) prediction interval.

    ``IS_alpha(l, u; y) = (u - l) + 2/alpha (l - y)_+ + 2/alpha (y - u)_+``
    (Gneiting and Raftery 2007), averaged over samples. Lower is better; it
    rewards narrow intervals and penalises misses in proportion to their size.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Observed targets.
    lower, upper : array-like of shape (n_samples,)
        Interval bounds.
    alpha : float in (0, 1), default=0.1
        Miscoverage level: the interval is meant to hold 1 - alpha of y.
    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights.

    Returns
    -------
    score : float
        The (weighted) mean interval score.

    See Also
    --------
    weighted_interval_score : Average over several intervals.

    References
    ----------
    .. [1] Gneiting and Raftery, "Strictly proper scoring rules, prediction,
       and estimation", JASA 102(477), 2007.

    Examples
    --------
    >>> from sklweights.metrics import interval_score
    >>> interval_score([0.0, 3.0], [-1.0, -1.0], [1.0, 1.0], alpha=0.5)
    6.0
    """
    y, lo, hi, sw = _check_interval(y_true, lower, upper, sample_weight)
    s = (hi - lo) + (2.0 / alpha) * (np.maximum(lo - y, 0.0) + np.maximum(y - hi, 0.0))
    return float(np.average(s, weights=sw))


@validate_params(
    {
        "y_true": ["array-like"],
        "lower": ["array-like"],
        "upper": ["array-like"],
        "sample_weight": ["array-like", None],
    },
    prefer_skip_nested_validation=True,
)
def empirical_coverage(y_true, lower, upper, *, sample_weight=None):
    """Fraction of targets inside their interval ``[lower, upper]`` (closed).

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Observed targets.
    lower, upper : array-like of shape (n_samples,)
        Interval bounds.
    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights; every sample weighs 1 when None.

    Returns
    -------
    coverage : float in [0, 1]
        The (weighted) share of targets inside their interval, bounds included.

    Examples
    --------
    >>> from sklweights.metrics import empirical_coverage
    >>> empirical_coverage([0.0, 2.0], [-1.0, -1.0], [1.0, 1.0])
    0.5
    """
    y, lo, hi, sw = _check_interval(y_true, lower, upper, sample_weight)
    return float(np.average((y >= lo) & (y <= hi), weights=sw))


@validate_params(
    {
        "lower": ["array-like"],
        "upper": ["array-like"],
        "sample_weight": ["array-like", None],
    },
    prefer_skip_nested_validation=True,
)
def mean_interval_width(lower, upper, *, sample_weight=None):
    """Mean width ``upper - lower`` of prediction intervals.

    Parameters
    ----------
    lower, upper : array-like of shape (n_samples,)
        Interval bounds.
    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights; every sample weighs 1 when None.

    Returns
    -------
    width : float
        The (weighted) mean of ``upper - lower``.

    Examples
    --------
    >>> from sklweights.metrics import mean_interval_width
    >>> mean_interval_width([0.0, 1.0], [2.0, 2.0])
    1.5
    """
    _, lo, hi, sw = _check_interval(lower, lower, upper, sample_weight)
    return float(np.average(hi - lo, weights=sw))


@validate_params(
    {
        "y_quantiles": ["array-like"],
        "tol": [Interval(numbers.Real, 0, None, closed="left")],
    },
    prefer_skip_nested_validation=True,
)
def crossing_rate(y_quantiles, *, tol=0.0):
    """Fraction of rows whose predicted quantiles cross.

    A row crosses when some column exceeds the next one by more than ``tol``
    (columns are assumed ordered by increasing level).

    Parameters
    ----------
    y_quantiles : array-like of shape (n_samples, n_levels)
        Predicted quantiles, columns by increasing level.
    tol : float, default=0.0
        Differences up to ``tol`` do not count as crossing.

    Returns
    -------
    rate : float in [0, 1]
        Share of rows whose quantiles cross.

    Examples
    --------
    >>> from sklweights.metrics import crossing_rate
    >>> crossing_rate([[0.0, 1.0, 2.0], [0.0, 2.0, 1.0]])
    0.5
    """
    q = check_array(y_quantiles, dtype=np.float64)
    if q.shape[1] < 2:
        return 0.0
    return float(np.mean(np.any(np.diff(q, axis=1) < -tol, axis=1)))


# --------------------------------------------------------------------- scorers
class _QuantileScorer:
    """Scorer of quantile models for scikit-learn's model selection.

    Calls ``estimator.predict_quantiles`` (or ``predict_interval`` for the
    interval score), also through a ``Pipeline`` or a fitted search, and
    returns the negated loss: greater is better. Build one with
    :func:`make_quantile_scorer`, whose ``metric``, ``quantiles`` and
    ``confidence_level`` it keeps. This docstring is that of every scorer
    instance, so it documents the call.

    Parameters
    ----------
    estimator : fitted quantile model
        Has ``predict_quantiles`` (or ``predict_interval`` for the interval
        score), possibly as the last step of a ``Pipeline`` or as the
        ``best_estimator_`` of a fitted search.
    X : array-like of shape (n_samples, n_features)
        The input samples.
    y_true : array-like of shape (n_samples,)
        True targets of ``X``.
    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights; every sample weighs 1 when None.

    Returns
    -------
    score : float
        The negated loss of ``estimator`` on ``X`` (greater is better).
    """

    def __init__(self, metric, quantiles=None, confidence_level=0.9):
        self.metric = metric
        self.quantiles = quantiles
        self.confidence_level = confidence_level

    def __call__(self, estimator, X, y_true, sample_weight=None):
        estimator, X = _unwrap(estimator, X)
        if self.metric == "interval_score":
            bounds = np.asarray(
                estimator.predict_interval(X, confidence_level=self.confidence_level)
            )
            return -interval_score(
                y_true,
                bounds[:, 0],
                bounds[:, 1],
                alpha=1.0 - self.confidence_level,
                sample_weight=sample_weight,
            )
        if self.quantiles is None:
            levels = getattr(estimator, "quantiles_", None)
            if levels is None:
                raise ValueError(
                    f"{type(estimator).__name__} exposes no fitted 'quantiles_'; "
                    "pass quantiles= to make_quantile_scorer."
                )
            q = estimator.predict_quantiles(X)
        else:
            levels = self.quantiles
            q = estimator.predict_quantiles(X, quantiles=levels)
        func = (
            weighted_interval_score
            if self.metric == "weighted_interval_score"
            else multi_pinball_loss
        )
        return -func(y_true, q, quantiles=levels, sample_weight=sample_weight)

    def __repr__(self):
        args = f"{self.metric!r}"
        if self.quantiles is not None:
            args += f", quantiles={list(self.quantiles)}"
        if self.metric == "interval_score":
            args += f", confidence_level={self.confidence_level}"
        return f"make_quantile_scorer({args})"


def _unwrap(estimator, X):
    """The quantile model inside a Pipeline or a fitted search, and its input."""
    for _ in range(20):
        if hasattr(estimator, "predict_quantiles"):
            return estimator, X
        steps = getattr(estimator, "steps", None)
        if isinstance(steps, list) and steps:
            for _, step in steps[:-1]:
                if step is not None and step != "passthrough":
                    X = step.transform(X)
            estimator = steps[-1][1]
            continue
        inner = getattr(estimator, "best_estimator_", None)
        if inner is None:
            break
        estimator = inner
    raise TypeError(
        f"{type(estimator).__name__} has no predict_quantiles / predict_interval; "
        "quantile scorers need a quantile model (possibly inside a Pipeline)."
    )


@validate_params(
    {
        "metric": [
            StrOptions({"weighted_interval_score", "pinball", "interval_score"})
        ],
        "quantiles": ["array-like", None],
        "confidence_level": [Interval(numbers.Real, 0, 1, closed="neither")],
    },
    prefer_skip_nested_validation=True,
)
def make_quantile_scorer(
    metric="weighted_interval_score", *, quantiles=None, confidence_level=0.9
):
    """A scorer for ``GridSearchCV`` and ``cross_val_score`` on quantile models.

    The estimator must have ``predict_quantiles(X, quantiles=None)`` (for
    ``"pinball"`` and ``"weighted_interval_score"``) or
    ``predict_interval(X, confidence_level=...)`` (for ``"interval_score"``),
    as :class:`sklweights.QuantileAggregator` and
    :class:`sklweights.MultiQuantileRegressor` do. The scorer returns the
    negated loss, so that greater is better.

    Parameters
    ----------
    metric : {"weighted_interval_score", "pinball", "interval_score"}, \
            default="weighted_interval_score"
        The loss to negate.
    quantiles : array-like of shape (n_levels,), default=None
        Levels to score; the estimator's fitted ``quantiles_`` when None.
    confidence_level : float in (0, 1), default=0.9
        Nominal coverage of the interval for ``"interval_score"``.

    Returns
    -------
    scorer : callable ``scorer(estimator, X, y, sample_weight=None)``
        A scorer for ``scoring=`` of scikit-learn's model selection (greater is better).

    Examples
    --------
    >>> from sklweights.metrics import make_quantile_scorer
    >>> scorer = make_quantile_scorer("pinball", quantiles=[0.1, 0.5, 0.9])
    """
    if quantiles is not None:
        quantiles = tuple(float(t) for t in _check_levels(quantiles))
        if metric == "weighted_interval_score" and not _is_symmetric(
            np.asarray(quantiles)
        ):
            raise ValueError(
                "weighted_interval_score needs levels symmetric around 0.5; "
                f"got {list(quantiles)}."
            )
    return _QuantileScorer(metric, quantiles, float(confidence_level))


#: Negated weighted interval score over the estimator's levels.
neg_weighted_interval_score_scorer = _QuantileScorer("weighted_interval_score")
#: Negated mean pinball loss over the estimator's levels.
neg_multi_pinball_loss_scorer = _QuantileScorer("pinball")
#: Negated interval score of the central 90% interval.
neg_interval_score_scorer = _QuantileScorer("interval_score", None, 0.9)
