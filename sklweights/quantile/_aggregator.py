"""QuantileAggregator: global (model, level) weights solved exactly as LPs."""

import math
import numbers
import time
import warnings

import numpy as np
from sklearn.base import RegressorMixin, clone
from sklearn.model_selection import KFold, check_cv
from sklearn.utils import Bunch, check_random_state
from sklearn.utils.validation import check_memory

from sklweights.metrics._quantile import _pinball_matrix, _symmetric_pairs
from sklweights.utils._parallel import parallel_map
from sklweights.utils._sklearn_compat import (
    HasMethods,
    Interval,
    RealNotInt,
    StrOptions,
    _BaseComposition,
    _check_sample_weight,
    _fit_context,
    check_is_fitted,
    validate_data,
)
from sklweights.utils._solver import check_solver_result
from sklweights.utils._validation import validate_regression_data

from ._common import (
    apply_noncrossing,
    check_quantile_levels,
    interpolate_levels,
    interval_levels,
    median_of,
)
from ._linear import _LinearQuantileRegressor
from ._lp import combine_global, solve_global_weights
from ._multi import (
    MultiQuantileRegressor,
    accepts_sample_weight,
    resolve_quantile_strategy,
)


def default_library(random_state=None):
    """The base models used when ``estimators=None``.

    A quantile random forest (quantile-forest, when installed), per-level
    histogram gradient boosting and per-level linear quantile regression: one
    local, one boosted, one global learner, all fast on a few cores.
    """
    from sklearn.ensemble import HistGradientBoostingRegressor

    lib = []
    try:
        from quantile_forest import RandomForestQuantileRegressor
    except ImportError:  # pragma: no cover - quantile-forest is a test extra
        warnings.warn(
            "quantile-forest is not installed: the default library of "
            "QuantileAggregator leaves out its quantile random forest. Install "
            "it with: pip install quantile-forest",
            UserWarning,
            stacklevel=3,
        )
    else:
        lib.append(
            (
                "forest",
                RandomForestQuantileRegressor(
                    n_estimators=100, min_samples_leaf=5, random_state=random_state
                ),
            )
        )
    lib.append(
        (
            "boosting",
            HistGradientBoostingRegressor(
                loss="quantile",
                max_iter=50,
                max_leaf_nodes=15,
                random_state=random_state,
            ),
        )
    )
    lib.append(("linear", _LinearQuantileRegressor()))
    return lib


def _as_multi(estimator, levels):
    if isinstance(estimator, MultiQuantileRegressor):
        return clone(estimator).set_params(quantiles=levels, n_jobs=1)
    return MultiQuantileRegressor(
        clone(estimator), quantiles=levels, noncrossing=None, n_jobs=1
    )


def _fit_predict(template, X, y, sw, train, test):
    """Fit a clone of ``template`` on rows ``train``.

    A cross-fitting fold (``test`` given) returns only the predictions on
    rows ``test``: the fold model dies with this call, so that a sequential
    (or threaded) fit never holds more than one fold model at a time, and a
    process worker sends back an (n_test, T) array instead of the model. The
    refit on all rows (``test=None``) returns the fitted model.

    This is the function that ``memory`` caches (a module-level function, so
    that joblib can hash its arguments): the key is the unfitted template
    (the base learner and its parameters, the levels), the data, the sample
    weights and the row indices of the task.
    """
    model = clone(template)
    kwargs = {} if sw is None else {"sample_weight": sw[train]}
    model.fit(X[train], y[train], **kwargs)
    if test is None:
        return model
    return model.predict_quantiles(X[test])


def _plain_array(a):
    # a process worker receives large arrays as np.memmap, which joblib.hash
    # tells apart from an ndarray holding the same data: hash plain views, so
    # that the cache keys do not depend on n_jobs or the array sizes
    return a.view(np.ndarray) if isinstance(a, np.memmap) else a


def _fit_task(fit_predict, template, X, y, sw, train, test):
    """Run one base-model task through ``fit_predict`` (cached or not)."""
    X, y, sw, train = map(_plain_array, (X, y, sw, train))
    test = None if test is None else _plain_array(test)
    return fit_predict(template, X, y, sw, train, test)


def conformal_quantile(scores, weights, alpha):
    """Weighted split-conformal quantile of ``scores`` at level 1 - alpha.

    The smallest score ``s`` with ``sum(w_i : E_i <= s) >= (1 - alpha) (W + 1)``
    (the test point has unit weight); with unit weights this is the
    ``ceil((n + 1)(1 - alpha))``-th smallest score. Returns None when no score
    qualifies (too few calibration rows: the valid interval is infinite).
    """
    order = np.argsort(scores, kind="stable")
    cum = np.cumsum(weights[order])
    target = (1.0 - alpha) * (cum[-1] + 1.0)
    k = int(np.searchsorted(cum, target - 1e-12 * max(target, 1.0)))
    if k >= len(scores):
        return None
    return float(scores[order][k])


class _BaseQuantileAggregator(RegressorMixin, _BaseComposition):
    """Base models, out-of-fold predictions, calibration and prediction.

    Subclasses implement ``_fit_weights(X, P, y, sw, levels, seed) -> (state,
    fitted)`` (``fitted``: the fitted attributes that describe this weight
    fit, e.g. ``solver_status_``; set on the estimator for the main fit only)
    and ``_combine(X, P, state) -> (n, T)``.
    """

    _parameter_constraints = {
        "estimators": [list, None],
        "quantiles": ["array-like", None],
        "noncrossing": [StrOptions({"sort", "isotonic"}), None],
        "conformal": [StrOptions({"split", "cv"}), None],
        "calibration_size": [
            Interval(RealNotInt, 0, 1, closed="neither"),
            Interval(numbers.Integral, 1, None, closed="left"),
        ],
        "cv": [Interval(numbers.Integral, 2, None, closed="left"), "cv_object"],
        "memory": [None, str, HasMethods(["cache"])],
        "n_jobs": [numbers.Integral, None],
        "random_state": ["random_state"],
    }

    # ------------------------------------------------------------ base models
    def _base_list(self, seed):
        if self.estimators is None:
            return default_library(seed)
        if len(self.estimators) == 0:
            raise ValueError("estimators must be a non-empty list of (name, model).")
        names = []
        for item in self.estimators:
            if not (isinstance(item, tuple | list) and len(item) == 2) or not (
                isinstance(item[0], str)
            ):
                raise ValueError(
                    "estimators must be a list of (name, estimator) tuples; "
                    f"got {item!r}."
                )
            names.append(item[0])
        if len(set(names)) != len(names):
            raise ValueError(f"estimator names must be unique; got {names}.")
        self._validate_names(names)  # no parameter names, no "__"
        return list(self.estimators)

    def get_params(self, deep=True):
        """Parameters, with each base model and its parameters as ``name__param``.

        Parameters
        ----------
        deep : bool, default=True
            Also return the base models (by name) and their parameters.

        Returns
        -------
        params : dict
            Parameter names mapped to their values (with ``deep=True``, also those of
            the estimators, as ``name__param``).
        """
        return self._get_params("estimators", deep=deep)

    def set_params(self, **params):
        """Set parameters, a base model by its name, or its parameters.

        Parameters
        ----------
        **params : dict
            ``estimators``, a base model by name (``forest=...``), a base
            model's parameter (``forest__max_depth=3``) or an aggregator
            parameter.

        Returns
        -------
        self : object
            The estimator.
        """
        return self._set_params("estimators", **params)

    def _folds(self, X, y, n, seed):
        if isinstance(self.cv, numbers.Integral):
            if n < self.cv:
                raise ValueError(
                    f"{type(self).__name__}: cv={self.cv} needs at least "
                    f"{self.cv} training rows; got n_samples = {n}."
                )
            splitter = KFold(self.cv, shuffle=True, random_state=seed)
        else:
            splitter = check_cv(self.cv, y, classifier=False)
        folds = [(np.asarray(tr), np.asarray(te)) for tr, te in splitter.split(X, y)]
        covered = np.zeros(n, dtype=int)
        for _, te in folds:
            covered[te] += 1
        if np.any(covered != 1):
            raise ValueError(
                "cv must split the rows into folds that hold each row out exactly "
                "once (a K-fold partition), to give one out-of-fold prediction "
                "per row."
            )
        return folds

    def _fit_bases(self, X, y, sw, levels, folds, seed):
        """Out-of-fold predictions (n, M, T) and models refit on all rows."""
        bases = self._base_list(seed)
        for _name, est in bases:  # fail early with a clear message
            inner = est.estimator if isinstance(est, MultiQuantileRegressor) else est
            if inner is not None:
                resolve_quantile_strategy(inner, getattr(est, "quantile_param", None))
        wrapped = [(name, _as_multi(est, levels)) for name, est in bases]
        use_sw = [
            sw is not None and accepts_sample_weight(model._base())
            for _, model in wrapped
        ]
        if sw is not None and not all(use_sw):
            skipped = [n for (n, _), ok in zip(wrapped, use_sw) if not ok]
            warnings.warn(
                f"base models {skipped} do not accept sample_weight and are fitted "
                "unweighted; the weights are still used in the aggregation.",
                UserWarning,
                stacklevel=3,
            )
        n_folds = len(folds)
        # Each task clones its (unfitted) template itself and a fold task
        # returns only its out-of-fold predictions: no list here holds a
        # fitted fold model, which lives only as long as its task.
        tasks = []
        for m, (_name, model) in enumerate(wrapped):
            w = sw if use_sw[m] else None
            for train, test in folds:
                tasks.append((model, w, train, test))
            tasks.append((model, w, np.arange(len(y)), None))
        # with ``memory``, each task (one learner on one fold, or its refit)
        # is looked up in, or stored into, the cache
        fit_predict = check_memory(self.memory).cache(_fit_predict)
        out = parallel_map(
            _fit_task,
            [
                (fit_predict, model, X, y, w, train, test)
                for model, w, train, test in tasks
            ],
            n_jobs=self.n_jobs,
        )
        M, T = len(wrapped), len(levels)
        P = np.empty((len(y), M, T))
        fitted = []
        for m in range(M):
            chunk = out[m * (n_folds + 1) : (m + 1) * (n_folds + 1)]
            for (_train, test), pred in zip(folds, chunk[:n_folds]):
                P[test, m, :] = pred
            fitted.append((wrapped[m][0], chunk[-1]))
        return P, fitted

    # --------------------------------------------------------------- fit
    def _fit(self, X, y, sample_weight):
        X, y = validate_regression_data(self, X, y)
        levels = check_quantile_levels(self.quantiles)
        n = len(y)
        sw = None
        if sample_weight is not None:
            sw = _check_sample_weight(sample_weight, X, ensure_non_negative=True)
        rng = check_random_state(self.random_state)
        seed = int(rng.randint(np.iinfo(np.int32).max))
        cal_idx = None
        train_idx = np.arange(n)
        if self.conformal == "split":
            n_cal = (
                math.ceil(self.calibration_size * n)
                if isinstance(self.calibration_size, float)
                else int(self.calibration_size)
            )
            if n_cal >= n or n - n_cal < 2:
                raise ValueError(
                    f"{type(self).__name__}: calibration_size="
                    f"{self.calibration_size} leaves too few rows: {n_cal} for "
                    f"calibration and {n - n_cal} for training out of "
                    f"n_samples = {n}."
                )
            perm = np.random.RandomState(seed).permutation(n)
            cal_idx, train_idx = np.sort(perm[:n_cal]), np.sort(perm[n_cal:])
        Xt, yt = X[train_idx], y[train_idx]
        swt = None if sw is None else sw[train_idx]
        t0 = time.perf_counter()
        folds = self._folds(Xt, yt, len(yt), seed)
        P, fitted = self._fit_bases(Xt, yt, swt, levels, folds, seed)
        t1 = time.perf_counter()
        ones = np.ones(len(yt)) if swt is None else swt
        state, fitted_attributes = self._fit_weights(Xt, P, yt, ones, levels, seed)
        for attr, value in fitted_attributes.items():
            setattr(self, attr, value)
        self.quantiles_ = levels
        self.estimators_ = [model for _, model in fitted]
        self.named_estimators_ = Bunch(**dict(fitted))
        self._state = state
        # out-of-fold losses: each base model, the equal-weight mean, the aggregate
        losses = {}
        for m, (name, _) in enumerate(fitted):
            losses[name] = _weighted_pinball(yt, P[:, m, :], levels, ones)
        losses["mean"] = _weighted_pinball(yt, P.mean(axis=1), levels, ones)
        agg_oof = self._combine(Xt, P, state)
        losses["aggregate"] = _weighted_pinball(yt, agg_oof, levels, ones)
        self.oof_losses_ = losses

        # conformal calibration, one correction per symmetric pair of levels
        corrections = np.zeros(len(levels))
        if self.conformal == "split":
            Pc = self._base_predictions(X[cal_idx])
            qc = apply_noncrossing(
                self._combine(X[cal_idx], Pc, state), self.noncrossing
            )
            wc = np.ones(len(cal_idx)) if sw is None else sw[cal_idx]
            corrections = self._corrections(qc, y[cal_idx], wc, levels)
        elif self.conformal == "cv":
            qc = np.empty((len(yt), len(levels)))
            for k, (train, test) in enumerate(folds):
                # a fold's weights (a network for deep) die with the fold; its
                # fitted attributes are not the estimator's
                st, _ = self._fit_weights(
                    Xt[train], P[train], yt[train], ones[train], levels, seed + k + 1
                )
                qc[test] = self._combine(Xt[test], P[test], st)
                del st
            qc = apply_noncrossing(qc, self.noncrossing)
            corrections = self._corrections(qc, yt, ones, levels)
        self.conformal_corrections_ = corrections
        self.fit_times_ = {
            "bases": t1 - t0,
            "aggregation": time.perf_counter() - t1,
        }
        return self

    def _corrections(self, q, y, w, levels):
        corr = np.zeros(len(levels))
        short = []
        for lo, hi in _symmetric_pairs(levels):
            alpha = 1.0 - (levels[hi] - levels[lo])
            scores = np.maximum(q[:, lo] - y, y - q[:, hi])
            Q = conformal_quantile(scores, w, alpha)
            if Q is None:
                short.append(levels[lo])
                Q = float(np.max(scores))
            corr[lo], corr[hi] = -Q, Q
        if short:
            warnings.warn(
                f"{type(self).__name__}: too few calibration rows ({len(y)}) for "
                f"a finite conformal correction at levels {short} and their "
                "mirror levels; the largest calibration score is used, without "
                "the coverage guarantee. Use more calibration rows.",
                UserWarning,
                stacklevel=4,
            )
        return corr

    # ------------------------------------------------------------- predict
    def _base_predictions(self, X):
        return np.stack([m.predict_quantiles(X) for m in self.estimators_], axis=1)

    def _predict_all(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, reset=False)
        q = self._combine(X, self._base_predictions(X), self._state)
        q = apply_noncrossing(q, self.noncrossing)
        if self.conformal is not None:
            q = apply_noncrossing(q + self.conformal_corrections_, self.noncrossing)
        return q

    def predict_quantiles(self, X, quantiles=None):
        """Aggregated (and calibrated) quantiles, ordered unless noncrossing=None.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The input samples.
        quantiles : array-like of shape (n_levels,), default=None
            Levels to return; the fitted ``quantiles_`` when None. Levels
            between fitted ones are interpolated linearly (which keeps the
            order).

        Returns
        -------
        y_quantiles : ndarray of shape (n_samples, n_levels)
            Predicted quantiles, one column per level.
        """
        q = self._predict_all(X)
        if quantiles is None:
            return q
        return interpolate_levels(q, self.quantiles_, quantiles)

    def predict_interval(self, X, confidence_level=0.9):
        """Central prediction interval at ``confidence_level``.

        Uses the levels ``(1 - c) / 2`` and ``(1 + c) / 2``, calibrated when
        ``conformal`` is set and both are fitted levels.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The input samples.
        confidence_level : float in (0, 1), default=0.9
            Nominal coverage of the central interval.

        Returns
        -------
        bounds : ndarray of shape (n_samples, 2)
            Lower and upper bounds of the central interval.
        """
        return self.predict_quantiles(X, quantiles=interval_levels(confidence_level))

    def predict(self, X):
        """Point prediction: the median level (interpolated if not fitted).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The input samples.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            The predicted median.
        """
        return median_of(self._predict_all(X), self.quantiles_)


def _weighted_pinball(y, q, levels, w):
    return float(np.mean(np.average(_pinball_matrix(y, q, levels), 0, w)))


class QuantileAggregator(_BaseQuantileAggregator):
    """Aggregate quantile regression models with exact global weights.

    The method of Fakoor et al. (2023): base quantile models ``g_j(x; tau)``
    are combined with weights on the simplex, fitted to out-of-fold base
    predictions by minimising the pinball loss summed over the levels (equal
    to the weighted interval score up to a constant). The weights are the
    exact optimum of a linear program, solved by HiGHS. The aggregate is made
    non-crossing (sorting or isotonic regression, which can only lower the
    loss) and, optionally, calibrated by conformalized quantile regression on
    each symmetric pair of levels, after which it is re-sorted.

    Parameters
    ----------
    estimators : list of (str, estimator), default=None
        Base quantile models, named as in ``StackingRegressor`` (so that
        ``GridSearchCV`` can tune ``name__param``). Each is a single-level
        learner that :class:`sklweights.MultiQuantileRegressor` knows how to
        clone per level, a learner predicting many levels
        (``predict(X, quantiles=...)``), or a ``MultiQuantileRegressor``. When
        None: a quantile random forest (quantile-forest), per-level histogram
        gradient boosting and per-level linear quantile regression.
    quantiles : array-like of shape (n_levels,), default=None
        Strictly increasing levels in (0, 1); ``(0.05, 0.1, 0.25, 0.5, 0.75,
        0.9, 0.95)`` when None. The paper uses the 99 levels 0.01..0.99.
    weighting : {"mean", "coarse", "medium", "fine"}, default="medium"
        Weight family: ``"mean"`` equal weights; ``"coarse"`` one weight per
        model; ``"medium"`` one weight per model and level; ``"fine"`` for each
        output level, weights over all (model, source level) pairs.
    noncrossing : {"sort", "isotonic"} or None, default="sort"
        Post-processing that orders each row of predicted quantiles.
    conformal : {"split", "cv"} or None, default=None
        Conformalized quantile regression per symmetric pair of levels.
        ``"split"`` holds out ``calibration_size`` of the rows (the base
        models and weights never see them): finite-sample marginal coverage of
        at least ``tau_hi - tau_lo``. ``"cv"`` (cross-fitted) scores every row
        with the out-of-fold base predictions and weights refit without its
        fold: no held-out rows, approximate coverage.
    calibration_size : float in (0, 1) or int, default=0.2
        Fraction (or number) of rows held out when ``conformal="split"``.
    cv : int, cross-validation generator or iterable, default=5
        Folds for the out-of-fold base predictions; an int gives a shuffled
        ``KFold`` seeded by ``random_state``. Must be a partition.
    memory : str or object with the joblib.Memory interface, default=None
        Caches the base-model fits: each learner's fit on each
        cross-fitting fold (its out-of-fold predictions) and its refit on all
        training rows. A str is the path of the caching directory; None
        caches nothing. The key is the learner with its parameters, the
        levels, the data, the sample weights and the rows of the task, so
        refitting with other aggregation parameters (``weighting``, or
        ``conformal="cv"`` after ``conformal=None``: the same folds) or
        changing one learner's parameters reuses every fit that did not
        change, as ``sklearn.pipeline.Pipeline`` does for its
        transformers. The folds (and the calibration rows of
        ``conformal="split"``) are drawn from ``random_state``: set it to an
        int for the fits to be found again.
    n_jobs : int, default=None
        Base-model fits (models x folds x levels) run in parallel; native
        threads inside each worker are capped so workers x threads <= cores.
    random_state : int, RandomState instance or None, default=None
        Seeds the folds, the calibration split and the default library.

    Attributes
    ----------
    estimators_ : list of MultiQuantileRegressor
        Base models refit on all training rows (all rows but the calibration
        rows with ``conformal="split"``).
    named_estimators_ : Bunch
        The same, by name.
    weights_ : ndarray
        ``(n_models,)`` for mean/coarse, ``(n_levels, n_models)`` for medium,
        ``(n_levels, n_models, n_levels)`` (output level, model, source level)
        for fine.
    quantiles_ : ndarray of shape (n_levels,)
        The levels.
    conformal_corrections_ : ndarray of shape (n_levels,)
        Shift added to each level: ``-Q`` on the lower and ``+Q`` on the upper
        level of each symmetric pair, 0 elsewhere (all 0 when ``conformal`` is
        None).
    oof_losses_ : dict
        Mean out-of-fold pinball loss of each base model, of the equal-weight
        mean (``"mean"``) and of the aggregate (``"aggregate"``).
    solver_status_ : str
        ``"optimal"`` or ``"inaccurate"`` (the worst over the LPs).
    n_iter_ : int
        Simplex/IPM iterations summed over the LPs.
    fit_times_ : dict
        Wall-clock seconds of the two stages of ``fit``: ``"bases"``, the
        folds and the base-model fits (or their look-up in ``memory``), and
        ``"aggregation"``, everything after (the weights, the out-of-fold
        losses and the conformal calibration).
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when X has string column names.

    See Also
    --------
    DeepQuantileAggregator : Feature-dependent (local) weights from an MLP.
    MultiQuantileRegressor : One learner, many levels.

    References
    ----------
    .. [1] Fakoor, Kim, Mueller, Smola, Tibshirani, "Flexible Model Aggregation
       for Quantile Regression", JMLR 24, 2023 (arXiv:2103.00083).
    .. [2] Romano, Patterson, Candes, "Conformalized Quantile Regression",
       NeurIPS 2019.

    Examples
    --------
    >>> from sklearn.ensemble import GradientBoostingRegressor
    >>> from sklearn.linear_model import QuantileRegressor
    >>> from sklweights import QuantileAggregator
    >>> from sklweights.datasets import make_heteroscedastic_regression
    >>> X, y = make_heteroscedastic_regression(150, 2, random_state=0)
    >>> agg = QuantileAggregator(
    ...     [("linear", QuantileRegressor(alpha=0.0)),
    ...      ("gbr", GradientBoostingRegressor(n_estimators=20))],
    ...     quantiles=[0.1, 0.5, 0.9], cv=3, random_state=0).fit(X, y)
    >>> agg.weights_.shape
    (3, 2)
    >>> agg.predict_interval(X[:2], confidence_level=0.8).shape
    (2, 2)
    """

    _parameter_constraints = {
        **_BaseQuantileAggregator._parameter_constraints,
        "weighting": [StrOptions({"mean", "coarse", "medium", "fine"})],
    }

    def __init__(
        self,
        estimators=None,
        *,
        quantiles=None,
        weighting="medium",
        noncrossing="sort",
        conformal=None,
        calibration_size=0.2,
        cv=5,
        memory=None,
        n_jobs=None,
        random_state=None,
    ):
        self.estimators = estimators
        self.quantiles = quantiles
        self.weighting = weighting
        self.noncrossing = noncrossing
        self.conformal = conformal
        self.calibration_size = calibration_size
        self.cv = cv
        self.memory = memory
        self.n_jobs = n_jobs
        self.random_state = random_state

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, sample_weight=None):
        """Fit the base models, the weights and the conformal corrections.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The training samples.
        y : array-like of shape (n_samples,)
            The target values.
        sample_weight : array-like of shape (n_samples,), default=None
            Used in the weight LP and the conformal quantile, and passed to
            the base models whose ``fit`` accepts it.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        self._fit(X, y, sample_weight)
        self.weights_ = self._state
        return self

    def _fit_weights(self, X, P, y, sw, levels, seed):
        W, results = solve_global_weights(P, y, sw, levels, self.weighting)
        worst = next((r for r in results if not r.usable), None) or next(
            (r for r in results if r.status != "optimal"), results[0]
        )
        check_solver_result(worst, what=type(self).__name__, stacklevel=4)
        fitted = {
            "solver_status_": worst.status,
            "n_iter_": int(sum(r.n_iter or 0 for r in results)),
        }
        return W, fitted

    def _combine(self, X, P, state):
        return combine_global(P, state, self.weighting)
