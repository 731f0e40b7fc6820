"""MultiQuantileRegressor: one learner, many quantile levels."""

import inspect
import numbers
import warnings

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin, clone
from sklearn.utils.validation import has_fit_parameter

from sklweights.utils._parallel import parallel_map
from sklweights.utils._sklearn_compat import (
    HasMethods,
    StrOptions,
    _check_sample_weight,
    _fit_context,
    check_is_fitted,
    validate_data,
)
from sklweights.utils._validation import validate_regression_data

from ._common import (
    apply_noncrossing,
    check_quantile_levels,
    interpolate_levels,
    interval_levels,
    median_of,
)

# class name -> (fixed parameters, name of the level parameter)
_KNOWN_LEARNERS = {
    "GradientBoostingRegressor": ({"loss": "quantile"}, "alpha"),
    "HistGradientBoostingRegressor": ({"loss": "quantile"}, "quantile"),
    "QuantileRegressor": ({}, "quantile"),
    "_LinearQuantileRegressor": ({}, "quantile"),
    "LGBMRegressor": ({"objective": "quantile"}, "alpha"),
}


def _last_step(estimator):
    """(prefix, final estimator) of a Pipeline, ("", estimator) otherwise."""
    steps = getattr(estimator, "steps", None)
    if isinstance(steps, list) and steps:
        name, last = steps[-1]
        prefix, inner = _last_step(last)
        return f"{name}__{prefix}", inner
    return "", estimator


def _predicts_many_levels(estimator):
    predict = getattr(estimator, "predict", None)
    if predict is None:
        return False
    try:
        return "quantiles" in inspect.signature(predict).parameters
    except (TypeError, ValueError):
        return False


def resolve_quantile_strategy(estimator, quantile_param=None):
    """How to get quantiles from ``estimator``.

    Returns
    -------
    mode : {"multi", "per_level"}
        Fit one multi-quantile model, or one model per level.
    fixed : dict
        Parameters to set once (e.g. ``loss="quantile"``), per-level mode only.
    level_param : str or None
        The parameter receiving each level, per-level mode only.
    """
    prefix, final = _last_step(estimator)
    params = estimator.get_params(deep=True)
    if quantile_param is not None:
        if quantile_param not in params:
            raise ValueError(
                f"quantile_param={quantile_param!r} is not a parameter of "
                f"{type(estimator).__name__}."
            )
        return "per_level", {}, quantile_param
    if not prefix and _predicts_many_levels(estimator):
        return "multi", {}, None
    for cls in type(final).__mro__:
        if cls.__name__ in _KNOWN_LEARNERS:
            fixed, level = _KNOWN_LEARNERS[cls.__name__]
            fixed = {f"{prefix}{k}": v for k, v in fixed.items()}
            return "per_level", fixed, f"{prefix}{level}"
    raise TypeError(
        f"{type(estimator).__name__} cannot produce quantiles: it has no "
        "predict(X, quantiles=...) and is not a known quantile learner "
        f"({', '.join(sorted(k for k in _KNOWN_LEARNERS if k[0] != '_'))}). "
        "Pass quantile_param='<name of its level parameter>' to clone it per "
        "level."
    )


def accepts_sample_weight(estimator):
    prefix, final = _last_step(estimator)
    return has_fit_parameter(final, "sample_weight")


def fit_kwargs(estimator, sample_weight):
    if sample_weight is None:
        return {}
    prefix, final = _last_step(estimator)
    return {f"{prefix}sample_weight": sample_weight}


def _fit_one(estimator, X, y, kwargs):
    return estimator.fit(X, y, **kwargs)


def _default_estimator():
    from sklearn.ensemble import HistGradientBoostingRegressor

    return HistGradientBoostingRegressor(loss="quantile")


class MultiQuantileRegressor(RegressorMixin, BaseEstimator):
    """Predict many quantile levels with one learner.

    Clones a single-level quantile learner once per level and sets its level
    parameter (``GradientBoostingRegressor(loss="quantile", alpha=tau)``,
    ``HistGradientBoostingRegressor(loss="quantile", quantile=tau)``,
    ``QuantileRegressor(quantile=tau)``, LightGBM's
    ``LGBMRegressor(objective="quantile", alpha=tau)``, also as the last step
    of a ``Pipeline``; any other learner through ``quantile_param``), or passes
    through a learner that predicts many levels at once
    (``predict(X, quantiles=[...])``, e.g. quantile-forest's
    ``RandomForestQuantileRegressor``), which is then fitted once.

    ``predict`` returns the median, so the wrapper works wherever a regressor
    is expected; ``predict_quantiles`` returns all levels.

    Parameters
    ----------
    estimator : estimator, default=None
        The quantile learner. ``HistGradientBoostingRegressor(loss="quantile")``
        when None.
    quantiles : array-like of shape (n_levels,), default=None
        Strictly increasing levels in (0, 1). ``(0.05, 0.1, 0.25, 0.5, 0.75,
        0.9, 0.95)`` when None.
    quantile_param : str, default=None
        Name of the estimator's level parameter (``"alpha"``,
        ``"step__quantile"``...). Deduced for the learners listed above.
    noncrossing : {"sort", "isotonic"} or None, default="sort"
        Make each predicted row non-decreasing across levels: by sorting
        (rearrangement) or by unweighted isotonic regression. Both can only
        lower the pinball loss of every row. None returns raw predictions.
    n_jobs : int, default=None
        Levels fitted in parallel (``sklearn.utils.parallel``; -1 for all
        cores). Native threads inside each worker (OpenMP of histogram
        boosting, BLAS) are capped so that workers x threads <= cores.

    Attributes
    ----------
    estimators_ : list of estimators
        One fitted clone per level, or a single fitted learner in
        many-level mode.
    quantiles_ : ndarray of shape (n_levels,)
        The fitted levels.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when X has string column names.

    See Also
    --------
    QuantileAggregator : Aggregates several quantile learners.
    sklearn.ensemble.HistGradientBoostingRegressor : A single-level learner.

    Examples
    --------
    >>> from sklearn.linear_model import QuantileRegressor
    >>> from sklweights import MultiQuantileRegressor
    >>> from sklweights.datasets import make_heteroscedastic_regression
    >>> X, y = make_heteroscedastic_regression(100, 2, random_state=0)
    >>> mqr = MultiQuantileRegressor(QuantileRegressor(alpha=0.0),
    ...                              quantiles=[0.1, 0.5, 0.9]).fit(X, y)
    >>> mqr.predict_quantiles(X[:3]).shape
    (3, 3)
    """

    _parameter_constraints = {
        "estimator": [HasMethods(["fit", "predict"]), None],
        "quantiles": ["array-like", None],
        "quantile_param": [str, None],
        "noncrossing": [StrOptions({"sort", "isotonic"}), None],
        "n_jobs": [numbers.Integral, None],
    }

    def __init__(
        self,
        estimator=None,
        *,
        quantiles=None,
        quantile_param=None,
        noncrossing="sort",
        n_jobs=None,
    ):
        self.estimator = estimator
        self.quantiles = quantiles
        self.quantile_param = quantile_param
        self.noncrossing = noncrossing
        self.n_jobs = n_jobs

    def _base(self):
        return _default_estimator() if self.estimator is None else self.estimator

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, sample_weight=None):
        """Fit the learner(s).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The training samples.
        y : array-like of shape (n_samples,)
            The target values.
        sample_weight : array-like of shape (n_samples,), default=None
            Passed to the learner when its ``fit`` accepts it (a warning
            says so otherwise).

        Returns
        -------
        self : object
            The fitted estimator.
        """
        X, y = validate_regression_data(self, X, y)
        levels = check_quantile_levels(self.quantiles)
        base = self._base()
        mode, fixed, level_param = resolve_quantile_strategy(base, self.quantile_param)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(
                sample_weight, X, ensure_non_negative=True
            )
            if not accepts_sample_weight(base):
                warnings.warn(
                    f"{type(base).__name__}.fit does not accept sample_weight; "
                    "it is ignored.",
                    UserWarning,
                    stacklevel=2,
                )
                sample_weight = None
        kwargs = fit_kwargs(base, sample_weight)
        if mode == "multi":
            models = [clone(base)]
        else:
            models = [
                clone(base).set_params(**fixed, **{level_param: float(tau)})
                for tau in levels
            ]
        self.estimators_ = parallel_map(
            _fit_one,
            [(m, X, y, kwargs) for m in models],
            n_jobs=1 if len(models) == 1 else self.n_jobs,
        )
        self._mode = mode
        self.quantiles_ = levels
        return self

    def _predict_raw(self, X, levels=None):
        """Raw predictions (n, T) at ``levels`` (fitted levels when None)."""
        levels = self.quantiles_ if levels is None else levels
        if self._mode == "multi":
            q = self.estimators_[0].predict(X, quantiles=[float(t) for t in levels])
            return np.asarray(q, dtype=float).reshape(len(X), len(levels))
        return np.column_stack([m.predict(X) for m in self.estimators_]).astype(float)

    def predict_quantiles(self, X, quantiles=None):
        """Predicted quantiles, one column per level.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The input samples.
        quantiles : array-like of shape (n_levels,), default=None
            Levels to return; the fitted ones when None. Other levels are
            interpolated linearly between fitted ones (a many-level learner
            predicts them directly).

        Returns
        -------
        y_quantiles : ndarray of shape (n_samples, n_levels)
            Predicted quantiles, one column per level.
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False)
        if quantiles is not None and self._mode == "multi":
            levels = check_quantile_levels(quantiles)
            return apply_noncrossing(self._predict_raw(X, levels), self.noncrossing)
        q = apply_noncrossing(self._predict_raw(X), self.noncrossing)
        if quantiles is None:
            return q
        return interpolate_levels(q, self.quantiles_, quantiles)

    def predict(self, X):
        """The median prediction (interpolated if 0.5 is not a fitted level).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The input samples.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            The predicted median.
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False)
        q = apply_noncrossing(self._predict_raw(X), self.noncrossing)
        return median_of(q, self.quantiles_)

    def predict_interval(self, X, confidence_level=0.9):
        """Central prediction interval ``[q_{a/2}, q_{1-a/2}]``, a = 1 - level.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The input samples.
        confidence_level : float in (0, 1), default=0.9
            Nominal coverage of the central interval.

        Returns
        -------
        bounds : ndarray of shape (n_samples, 2)
            Lower and upper bounds.
        """
        return self.predict_quantiles(X, quantiles=interval_levels(confidence_level))
