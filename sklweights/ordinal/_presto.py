"""PRESTO: L1-shrunken non-parallel cumulative-logit ordinal regression."""

import numbers
import warnings

import numpy as np
from scipy.special import expit, log_expit
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import DataConversionWarning
from sklearn.metrics import log_loss
from sklearn.model_selection import check_cv
from sklearn.utils.multiclass import check_classification_targets

from sklweights.metrics import multiclass_brier_score
from sklweights.utils._parallel import parallel_map
from sklweights.utils._sklearn_compat import (
    Interval,
    StrOptions,
    _check_sample_weight,
    _fit_context,
    check_is_fitted,
    validate_data,
)
from sklweights.utils._solver import check_solver_result

from ._likelihood import PrestoProblem, linear_predictor
from ._newton import alpha_max, fit_path

__all__ = ["CumulativeCrossingWarning", "PrestoClassifier", "PrestoClassifierCV"]


class CumulativeCrossingWarning(UserWarning):
    """Predicted cumulative probabilities crossed and were repaired.

    A non-parallel cumulative model can give ``P(y <= k | x) >
    P(y <= k + 1 | x)`` for inputs outside the convex hull of the training
    rows. ``PrestoClassifier`` repairs such rows as its ``crossing``
    parameter says and emits this warning with the number of rows repaired.
    """


_COMMON_CONSTRAINTS = {
    "l1_ratio": [Interval(numbers.Real, 0, 1, closed="both")],
    "penalize_first": ["boolean"],
    "standardize": ["boolean"],
    "monotone_training": ["boolean"],
    "crossing": [StrOptions({"rearrange", "clip", "raise"})],
    "tol": [Interval(numbers.Real, 0, None, closed="neither")],
    "max_iter": [Interval(numbers.Integral, 1, None, closed="left")],
}


def _is_string_label(values):
    return any(isinstance(v, (str, bytes)) for v in values)


def _encode_target(y):
    """Classes in their order and integer codes; raise on unordered strings.

    Returns ``(y_codes, classes, y_for_validation)``.
    """
    cat = None
    if hasattr(y, "cat") and hasattr(y.cat, "ordered"):  # pandas Series
        cat = y.cat
        codes = np.asarray(cat.codes)
        categories = np.asarray(cat.categories)
        ordered = bool(cat.ordered)
    elif hasattr(y, "ordered") and hasattr(y, "categories") and hasattr(y, "codes"):
        cat = y  # pandas Categorical
        codes = np.asarray(y.codes)
        categories = np.asarray(y.categories)
        ordered = bool(y.ordered)
    if cat is not None:
        if np.any(codes < 0):
            raise ValueError("Input y contains NaN (a missing category).")
        if not ordered and _is_string_label(categories) and len(set(codes)) > 2:
            raise ValueError(
                "y is an unordered pandas Categorical of strings "
                f"{list(categories)}; an ordinal model needs the order of the "
                "classes. Pass an ordered Categorical "
                "(pd.Categorical(y, categories=[...], ordered=True)) or "
                "integer codes."
            )
        if not ordered:
            order = np.argsort(categories, kind="stable")
            rank = np.empty_like(order)
            rank[order] = np.arange(order.size)
            codes = rank[codes]
            categories = categories[order]
        present = np.unique(codes)
        classes = categories[present]
        if present.size < categories.size:
            unused = np.setdiff1d(np.arange(categories.size), present)
            warnings.warn(
                f"y is a pandas Categorical whose categories "
                f"{categories[unused].tolist()} occur in no row; they are "
                f"dropped and classes_ holds the {present.size} categories that "
                "occur, in their order (a class without rows has no finite "
                "maximum-likelihood threshold). predict_proba has one column "
                "per class in classes_.",
                UserWarning,
                stacklevel=5,
            )
        remap = np.full(categories.size, -1)
        remap[present] = np.arange(present.size)
        return remap[codes], classes, codes
    y_arr = np.asarray(y)
    if y_arr.ndim == 2 and y_arr.shape[1] == 1:
        warnings.warn(
            "A column-vector y was passed when a 1d array was expected. Please "
            "change the shape of y to (n_samples,), for example using ravel().",
            DataConversionWarning,
            stacklevel=4,
        )
        y_arr = y_arr.ravel()
        y = y_arr
    if y_arr.ndim != 1:
        return None, None, y  # let validate_data raise its error
    check_classification_targets(y_arr)
    if y_arr.dtype.kind in "OUS" and _is_string_label(y_arr.tolist()):
        classes = np.unique(y_arr.astype(str) if y_arr.dtype.kind == "O" else y_arr)
        if classes.size > 2:
            raise ValueError(
                f"y has string labels {list(classes)[:10]} whose order is "
                "ambiguous: an ordinal model needs the order of the classes. "
                "Pass an ordered pandas Categorical "
                "(pd.Categorical(y, categories=[...], ordered=True)) or "
                "integer codes in the intended order."
            )
        classes, codes = np.unique(y_arr, return_inverse=True)
        return codes, classes, codes
    classes, codes = np.unique(y_arr, return_inverse=True)
    return codes, classes, codes


def _class_proba(eta, crossing, stacklevel=2):
    """Class probabilities (n, K) from cumulative logits (n, K-1).

    Differences of the cumulative probabilities, crossings repaired as
    ``crossing`` says (:func:`_cumulative_from_eta`, which warns or raises).
    """
    F = _cumulative_from_eta(eta, crossing, stacklevel + 1)
    P = np.diff(F, axis=1, prepend=0.0, append=1.0)
    np.clip(P, 0.0, 1.0, out=P)
    P /= P.sum(axis=1, keepdims=True)
    return P


# below this probability the logarithm is taken in the exact log form (the
# difference of two cumulative probabilities loses digits there)
_LOG_EXACT_BELOW = 1e-3


def _class_log_proba(eta, P):
    """``log P`` from :func:`_class_proba`, exact in the tails.

    Where a row's logits are finite and ordered, entries below
    ``_LOG_EXACT_BELOW`` get ``log(sigmoid(u) - sigmoid(v)) = log(1 - exp(v -
    u)) + log sigmoid(u) + log sigmoid(-v)``: a rare class of probability
    1e-30 gets its logarithm, not ``log(0)``. Larger entries, and rows that
    were repaired, get ``log P`` (``-inf`` for a class repaired to 0). The
    argmax is that of ``P``: the row maximum is never below 1/K.
    """
    with np.errstate(divide="ignore"):
        logp = np.log(P)
    clean = np.all(np.isfinite(eta), axis=1)
    if eta.shape[1] > 1:
        clean &= np.all(eta[:, 1:] >= eta[:, :-1], axis=1)
    small = (P < _LOG_EXACT_BELOW) & clean[:, None]
    rows = np.flatnonzero(small.any(axis=1))
    if rows.size:
        e = eta[rows]
        exact = np.empty((rows.size, e.shape[1] + 1))
        with np.errstate(divide="ignore", invalid="ignore"):
            exact[:, 0] = log_expit(e[:, 0])
            exact[:, -1] = log_expit(-e[:, -1])
            u, v = e[:, 1:], e[:, :-1]
            exact[:, 1:-1] = np.log(-np.expm1(v - u)) + log_expit(u) + log_expit(-v)
        sub = logp[rows]
        sub[small[rows]] = exact[small[rows]]
        logp[rows] = sub
    return logp


def _cumulative_from_eta(eta, crossing, stacklevel=2):
    """Class probabilities from cumulative logits, repairing crossings."""
    F = expit(eta)
    n_cross = 0
    if F.shape[1] > 1:
        bad = np.any(np.diff(F, axis=1) < 0, axis=1)
        n_cross = int(bad.sum())
        if n_cross:
            if crossing == "raise":
                raise ValueError(
                    f"The predicted cumulative probabilities cross for {n_cross} "
                    "row(s) (inputs far outside the training data). Use "
                    "crossing='rearrange' or 'clip' to repair them."
                )
            if crossing == "rearrange":
                F[bad] = np.sort(F[bad], axis=1)
            else:  # clip: running maximum, the crossed classes get 0
                F[bad] = np.maximum.accumulate(F[bad], axis=1)
            warnings.warn(
                f"Cumulative probabilities crossed for {n_cross} row(s); "
                f"repaired with crossing={crossing!r}.",
                CumulativeCrossingWarning,
                stacklevel=stacklevel + 1,
            )
    return F


#: A feature is constant when its weighted s.d. is at most this fraction of
#: its largest magnitude (over the rows with positive weight): the spread of a
#: truly constant column after the mean's rounding is ~1e-16 of it, so this is
#: rounding noise whatever the feature's unit (1e6 + noise of 1e-10 is
#: constant; a feature on a 1e-12 scale is not).
_CONSTANT_RTOL = 1e-12


def _standardize(X, w, standardize):
    """Weighted mean and population s.d. (constant columns keep s.d. 1).

    A column is constant when its s.d. is at most ``_CONSTANT_RTOL`` times its
    largest absolute value on the rows of positive weight, a rule relative to
    the feature's own scale (all-zero columns included).
    """
    wn = w / w.sum()
    mean = wn @ X
    if standardize:
        var = wn @ (X - mean) ** 2
        scale = np.sqrt(var)
        magnitude = np.abs(X[w > 0]).max(axis=0, initial=0.0)
        tiny = scale <= _CONSTANT_RTOL * magnitude
        scale[tiny] = 1.0
        Xs = (X - mean) / scale
        Xs[:, tiny] = 0.0
    else:
        scale = np.ones(X.shape[1])
        Xs = X - mean
    return Xs, mean, scale


class _PrestoBase(ClassifierMixin, BaseEstimator):
    """Shared prediction methods and the fitted-attribute bookkeeping."""

    def _prepare(self, X, y, sample_weight):
        codes, classes, y_val = _encode_target(y)
        X, y_val = validate_data(
            self, X, y_val, dtype=np.float64, y_numeric=False, multi_output=False
        )
        if codes is None:  # pragma: no cover - validate_data raised
            codes, classes, _ = _encode_target(y_val)
        if classes.size < 2:
            raise ValueError(
                f"{type(self).__name__} needs at least 2 classes in y; got 1 "
                f"class: {classes.tolist()}."
            )
        sample_weight = _check_sample_weight(
            sample_weight, X, dtype=np.float64, ensure_non_negative=True
        )
        if sample_weight.sum() <= 0:
            raise ValueError("sample_weight must have a positive sum.")
        present = np.bincount(codes, weights=sample_weight, minlength=classes.size)
        if np.any(present <= 0):
            missing = classes[present <= 0].tolist()
            raise ValueError(
                f"Classes {missing} have zero total sample_weight; every class "
                "of y needs positive weight."
            )
        self.classes_ = classes
        return X, codes, sample_weight

    def _store(self, Z, mean, scale):
        """Original-scale attributes from standardised parameters Z."""
        a = Z[:, 0]
        B = np.cumsum(Z[:, 1:], axis=0) / scale  # (K-1, p), original scale
        a = a - B @ mean
        self.intercept_ = -a
        self.coef_ = -B
        self.coef_diff_ = np.diff(self.coef_, axis=0, prepend=0.0)
        self._Z = Z

    def _eta(self, X):
        """Cumulative logits ``logit P(y <= k)``, overflow-safe for any finite X."""
        s = np.maximum(np.abs(X).max(axis=1, initial=0.0), 1.0)[:, None]
        with np.errstate(over="ignore", invalid="ignore"):
            eta = -((X / s) @ self.coef_.T + self.intercept_ / s) * s
        return np.nan_to_num(eta, nan=0.0)

    def cumulative_log_odds(self, X):
        """Log-odds that y lies above each of the first K-1 classes.

        The ordinal model's own scores (until 0.1 these were what
        ``decision_function`` returned).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The input samples.

        Returns
        -------
        log_odds : ndarray of shape (n_samples, n_classes - 1)
            ``log_odds[:, k] = log P(y > classes_[k]) / P(y <= classes_[k])
            = intercept_[k] + X @ coef_[k]``, as fitted: crossings (inputs far
            outside the training data) are not repaired here (see
            :meth:`predict_cumulative_proba`).
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64)
        return -self._eta(X)

    def decision_function(self, X):
        """One score per class whose argmax is :meth:`predict`.

        scikit-learn's contract for classifiers: with K > 2 classes, the log
        class probabilities (:meth:`predict_log_proba`;
        ``softmax(decision_function(X))`` is :meth:`predict_proba`), exact in
        the tails;
        with two classes the log-odds of ``classes_[1]``, a 1-d array, as
        :class:`~sklearn.linear_model.LogisticRegression`. The K-1 cumulative
        log-odds of the ordinal model are :meth:`cumulative_log_odds`.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The input samples.

        Returns
        -------
        scores : ndarray of shape (n_samples, n_classes), or (n_samples,)
            ``log P(y = classes_[k] | x)`` (``-inf`` only for a class that a
            ``crossing="clip"`` repair sets to probability 0); with two
            classes ``intercept_[0] + X @ coef_[0]``.
        """
        check_is_fitted(self)
        if self.classes_.size == 2:
            return self.cumulative_log_odds(X)[:, 0]
        return self._proba(X, log=True)

    def predict_cumulative_proba(self, X):
        """Cumulative probabilities ``P(y <= classes_[k] | x)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The input samples.

        Returns
        -------
        cum_proba : ndarray of shape (n_samples, n_classes)
            Non-decreasing along each row (crossings repaired as ``crossing``
            says); the last column is 1.
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64)
        F = _cumulative_from_eta(self._eta(X), self.crossing, stacklevel=2)
        return np.column_stack([F, np.ones(F.shape[0])])

    def _proba(self, X, log=False):
        # called by the public methods: warnings point at the caller's line
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64)
        eta = self._eta(X)
        P = _class_proba(eta, self.crossing, stacklevel=3)
        return _class_log_proba(eta, P) if log else P

    def predict_proba(self, X):
        """Class probabilities, valid for any finite input.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The input samples.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Entries in [0, 1], rows summing to one, columns in the order of
            ``classes_``.
        """
        return self._proba(X)

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`, accurate in the tails.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The input samples.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Logarithms of the class probabilities, columns in the order of ``classes_``.
        """
        return self._proba(X, log=True)

    def predict(self, X):
        """The most probable class (argmax of :meth:`predict_proba`).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The input samples.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Predicted class labels (the most probable class).
        """
        proba = self._proba(X)
        return self.classes_[np.argmax(proba, axis=1)]

    def _solver_options(self):
        return {
            "l1_ratio": self.l1_ratio,
            "penalize_first": self.penalize_first,
            "monotone_training": self.monotone_training,
            "tol": self.tol,
            "max_iter": self.max_iter,
        }

    def _finish(self, Z, info, mean, scale, what):
        """Solver status by the package policy, then the fitted attributes."""
        result = check_solver_result(
            info.solver_result(max_iter=self.max_iter, tol=self.tol), what=what
        )
        self.solver_status_ = result.status
        self.n_iter_ = int(info.n_iter)
        self._store(Z, mean, scale)


class PrestoClassifier(_PrestoBase):
    """Ordinal regression that shrinks towards proportional odds (PRESTO).

    A cumulative-logit model with one weight vector per threshold,
    ``P(y <= c_k | x) = sigmoid(a_k + x' b_k)`` for ``k = 1..K-1``, fitted by
    penalised maximum likelihood with an L1 (elastic-net) penalty on the
    differences ``b_k - b_{k-1}`` of adjacent weight vectors. The common
    classes lend their strength to the rare top class without forcing the
    proportional-odds assumption. Solved exactly by a proximal Newton method
    on the difference coordinates (see the user guide).

    Parameters
    ----------
    alpha : float, default=0.01
        Penalty strength, on the standardised scale when ``standardize``.
        ``alpha=0`` is the unpenalised non-parallel cumulative-logit MLE.
    l1_ratio : float in [0, 1], default=1.0
        Elastic-net mixing: 1 is the lasso of the paper, 0 a ridge.
    penalize_first : bool, default=True
        Penalise ``b_1`` as well (the published code). A huge alpha then gives
        the intercept-only model; with ``False`` it gives proportional odds.
    standardize : bool, default=True
        Standardise X (weighted mean, population s.d.) inside the fit;
        coefficients are reported on the original scale.
    monotone_training : bool, default=True
        Keep the cumulative probabilities non-crossing at every training row
        during the fit (as the authors' solver does). With ``False`` only the
        likelihood's own requirement (positive probability of each observed
        class) is enforced.
    crossing : {"rearrange", "clip", "raise"}, default="rearrange"
        What prediction does when cumulative probabilities cross (possible
        for inputs outside the training data): sort them, take their running
        maximum, or raise ``ValueError``. Repairs emit a
        :class:`CumulativeCrossingWarning` that gives the number of rows.
    tol : float, default=1e-7
        Stop when the optimality (KKT) residual of the standardised problem
        is below ``tol``.
    max_iter : int, default=100
        Maximum number of proximal Newton iterations.
    warm_start : bool, default=False
        Start from the previous solution (same classes and features).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels in their order (sorted, or the categories of an ordered
        pandas Categorical).
    intercept_ : ndarray of shape (n_classes - 1,)
        ``intercept_[k]`` with ``logit P(y > classes_[k]) = intercept_[k] +
        x @ coef_[k]``.
    coef_ : ndarray of shape (n_classes - 1, n_features)
        Weight vectors on the original scale of X.
    coef_diff_ : ndarray of shape (n_classes - 1, n_features)
        ``coef_[0]`` then the differences ``coef_[k] - coef_[k-1]`` (the
        penalised quantities, here on the original scale).
    n_iter_ : int
        Proximal Newton iterations.
    solver_status_ : str
        ``"optimal"`` or ``"inaccurate"``.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when X has string column names.

    See Also
    --------
    PrestoClassifierCV : chooses ``alpha`` by cross-validation.
    sklearn.linear_model.LogisticRegression : the rare-versus-rest baseline.

    Notes
    -----
    Sign convention: ``decision_function(X)[:, k]`` is the log-odds that y is
    above ``classes_[k]``, as in LogisticRegression. The paper and ordinalNet
    write ``P(y <= k) = sigmoid(alpha_k + x' beta_k)``: ``alpha_k =
    -intercept_[k]``, ``beta_k = -coef_[k]``. statsmodels' ``OrderedModel``
    writes ``P(y <= k) = F(threshold_k - x' beta)``: ``threshold_k =
    -intercept_[k]`` and, in the proportional-odds limit, ``beta = coef_[k]``
    for every k.

    References
    ----------
    .. [1] G. Faletto and J. Bien, "Predicting Rare Events by Shrinking
       Towards Proportional Odds", ICML 2023, PMLR 202:9547-9602.
       arXiv:2305.18700.

    Examples
    --------
    >>> from sklweights.datasets import make_presto_ordinal
    >>> from sklweights.ordinal import PrestoClassifier
    >>> X, y, _ = make_presto_ordinal(n_samples=500, random_state=0)
    >>> clf = PrestoClassifier(alpha=0.01).fit(X, y)
    >>> clf.predict_proba(X[:2]).shape
    (2, 4)
    """

    _parameter_constraints = {
        "alpha": [Interval(numbers.Real, 0, None, closed="left")],
        **_COMMON_CONSTRAINTS,
        "warm_start": ["boolean"],
    }

    def __init__(
        self,
        alpha=0.01,
        *,
        l1_ratio=1.0,
        penalize_first=True,
        standardize=True,
        monotone_training=True,
        crossing="rearrange",
        tol=1e-7,
        max_iter=100,
        warm_start=False,
    ):
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.penalize_first = penalize_first
        self.standardize = standardize
        self.monotone_training = monotone_training
        self.crossing = crossing
        self.tol = tol
        self.max_iter = max_iter
        self.warm_start = warm_start

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the penalised model.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The training samples.
        y : array-like of shape (n_samples,)
            Ordered class labels: numbers (sorted order) or an ordered pandas
            Categorical (its category order). Unordered string labels with
            more than two classes are refused. Categories that occur in no
            row are dropped with a ``UserWarning`` (a class without rows has
            no finite maximum-likelihood threshold): ``classes_`` holds the
            categories that occur, in their order.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights; every sample weighs 1 when None.

        Returns
        -------
        self : PrestoClassifier
            The fitted estimator.
        """
        old = None
        if self.warm_start and hasattr(self, "_Z"):
            old = (self._Z, self.classes_, self.n_features_in_)
        X, codes, w = self._prepare(X, y, sample_weight)
        K = self.classes_.size
        Xs, mean, scale = _standardize(X, w, self.standardize)
        problem = PrestoProblem(Xs, codes, w, K)
        Z0 = None
        if old is not None and old[0].shape == (K - 1, X.shape[1] + 1):
            if np.array_equal(old[1], self.classes_):
                Z0 = old[0]
        [(Z, info)] = fit_path(problem, [self.alpha], Z0=Z0, **self._solver_options())
        self._finish(Z, info, mean, scale, "PrestoClassifier")
        return self


class PrestoClassifierCV(_PrestoBase):
    """PRESTO with the penalty chosen by cross-validation along a path.

    Builds a log-spaced grid from ``alpha_max`` (the smallest alpha that sets
    every penalised coefficient to zero, from the optimality conditions) down
    to ``alpha_min_ratio * alpha_max``, fits a warm-started path on each fold,
    scores it on the held-out part, picks the largest alpha whose mean score
    is best (as the paper), then refits on all data.

    Parameters
    ----------
    alphas : int or array-like of float, default=20
        Number of grid points, or the grid itself.
    alpha_min_ratio : float, default=0.01
        Smallest alpha of a generated grid relative to ``alpha_max``.
    l1_ratio : float in [0, 1], default=1.0
        Elastic-net mixing; see :class:`PrestoClassifier`.
    cv : int, cross-validation generator or iterable, default=5
        As in :class:`~sklearn.linear_model.LogisticRegressionCV` (an int gives
        stratified folds).
    scoring : "brier", "log_loss" or callable, default="brier"
        ``"brier"`` is the multiclass Brier score of the paper and
        ``"log_loss"`` the held-out negative log-likelihood (both minimised);
        a callable ``scorer(estimator, X, y)`` is maximised.
    n_jobs : int, default=None
        Folds fitted in parallel through :mod:`sklearn.utils.parallel`.
    penalize_first, standardize, monotone_training, crossing, tol, max_iter
        See :class:`PrestoClassifier`.

    Attributes
    ----------
    alpha_ : float
        The chosen alpha.
    alphas_ : ndarray of shape (n_alphas,)
        The grid, decreasing.
    cv_scores_ : ndarray of shape (n_folds, n_alphas)
        Held-out score of each fold and alpha. A callable scorer's NaN is
        kept here; alphas with a NaN score in some fold are skipped when
        choosing ``alpha_``, with a ``UserWarning`` (``ValueError`` when
        every alpha has one).
    classes_, intercept_, coef_, coef_diff_, n_iter_, solver_status_
        Of the refit on all data; see :class:`PrestoClassifier`.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when X has string column names.

    See Also
    --------
    PrestoClassifier : one alpha.

    References
    ----------
    .. [1] G. Faletto and J. Bien, "Predicting Rare Events by Shrinking
       Towards Proportional Odds", ICML 2023. arXiv:2305.18700.

    Examples
    --------
    >>> from sklweights.datasets import make_presto_ordinal
    >>> from sklweights.ordinal import PrestoClassifierCV
    >>> X, y, _ = make_presto_ordinal(n_samples=500, random_state=0)
    >>> clf = PrestoClassifierCV(alphas=5, cv=3).fit(X, y)
    >>> clf.alphas_.shape
    (5,)
    """

    _parameter_constraints = {
        "alphas": [Interval(numbers.Integral, 1, None, closed="left"), "array-like"],
        "alpha_min_ratio": [Interval(numbers.Real, 0, 1, closed="neither")],
        **_COMMON_CONSTRAINTS,
        "cv": ["cv_object"],
        "scoring": [StrOptions({"brier", "log_loss"}), callable],
        "n_jobs": [numbers.Integral, None],
    }

    def __init__(
        self,
        alphas=20,
        *,
        alpha_min_ratio=0.01,
        l1_ratio=1.0,
        penalize_first=True,
        standardize=True,
        monotone_training=True,
        crossing="rearrange",
        cv=5,
        scoring="brier",
        n_jobs=None,
        tol=1e-7,
        max_iter=100,
    ):
        self.alphas = alphas
        self.alpha_min_ratio = alpha_min_ratio
        self.l1_ratio = l1_ratio
        self.penalize_first = penalize_first
        self.standardize = standardize
        self.monotone_training = monotone_training
        self.crossing = crossing
        self.cv = cv
        self.scoring = scoring
        self.n_jobs = n_jobs
        self.tol = tol
        self.max_iter = max_iter

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Choose alpha by cross-validation and refit on all data.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The training samples.
        y : array-like of shape (n_samples,)
            Ordered class labels; see :meth:`PrestoClassifier.fit`.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights; every sample weighs 1 when None.

        Returns
        -------
        self : PrestoClassifierCV
            The fitted estimator.
        """
        X, codes, w = self._prepare(X, y, sample_weight)
        K = self.classes_.size
        Xs, mean, scale = _standardize(X, w, self.standardize)
        problem = PrestoProblem(Xs, codes, w, K)
        if isinstance(self.alphas, numbers.Integral):
            amax, _ = alpha_max(
                problem, l1_ratio=self.l1_ratio, penalize_first=self.penalize_first
            )
            amax = max(amax, 1e-12)
            alphas = amax * np.logspace(
                0, np.log10(self.alpha_min_ratio), int(self.alphas)
            )
        else:
            alphas = np.sort(np.asarray(self.alphas, dtype=np.float64).ravel())[::-1]
            if (
                alphas.size == 0
                or np.any(alphas < 0)
                or not np.all(np.isfinite(alphas))
            ):
                raise ValueError(
                    "alphas must be a positive int or a non-empty array of "
                    f"finite non-negative floats; got {self.alphas!r}."
                )
        cv = check_cv(self.cv, codes, classifier=True)
        folds = list(cv.split(X, codes))
        for i, (train, _) in enumerate(folds):
            missing = np.setdiff1d(np.arange(K), np.unique(codes[train]))
            if missing.size:
                raise ValueError(
                    f"Class(es) {self.classes_[missing].tolist()} are missing from "
                    f"the training part of CV fold {i}; an ordinal model needs "
                    "every class in every training fold. Use fewer folds or "
                    "stratified folds."
                )
        # inner BLAS threads are capped inside workers (no oversubscription)
        results = parallel_map(
            _fold_path_scores,
            [(self, X, codes, w, train, test, alphas) for train, test in folds],
            n_jobs=self.n_jobs,
        )
        scores = [r[0] for r in results]
        self.cv_scores_ = np.asarray(scores)
        self.alphas_ = alphas
        i_best = _best_alpha_index(
            self.cv_scores_, alphas, maximize=callable(self.scoring)
        )
        self.alpha_ = float(alphas[i_best])
        if i_best >= 2:
            # start the refit from the folds' solutions at the chosen alpha
            # (mapped to this standardisation) instead of walking the path
            a0 = np.mean([r[1][i_best][0] for r in results], axis=0)
            B0 = np.mean([r[1][i_best][1] for r in results], axis=0) * scale
            Z0 = np.column_stack(
                [a0 + B0 @ (mean / scale), np.diff(B0, axis=0, prepend=0.0)]
            )
            path = fit_path(
                problem, alphas[i_best : i_best + 1], Z0=Z0, **self._solver_options()
            )
        else:
            path = fit_path(problem, alphas[: i_best + 1], **self._solver_options())
        Z, info = path[-1]
        self._finish(Z, info, mean, scale, "PrestoClassifierCV (refit)")
        return self


def _best_alpha_index(cv_scores, alphas, *, maximize):
    """Index of the largest alpha with the best mean score; NaN scores skipped.

    An alpha whose mean score over the folds is NaN (a fold's score was NaN)
    is left out with a warning; when every alpha's is NaN, ``ValueError``.
    """
    score = cv_scores.mean(axis=0)
    nan = np.isnan(score)
    if nan.all():
        raise ValueError(
            "PrestoClassifierCV: the scoring returned NaN for every alpha (in at "
            "least one fold each); no alpha can be chosen. Check the scorer."
        )
    if nan.any():
        warnings.warn(
            f"PrestoClassifierCV: the scoring returned NaN for {int(nan.sum())} of "
            f"{nan.size} alpha(s) (e.g. alpha={alphas[nan][:3].tolist()}) in at "
            "least one fold; those alphas are skipped (cv_scores_ keeps the NaN).",
            UserWarning,
            stacklevel=4,
        )
    score = np.where(nan, -np.inf if maximize else np.inf, score)
    top = score.max() if maximize else score.min()
    slack = 1e-14 * abs(top) if np.isfinite(top) else 0.0
    best = score >= top - slack if maximize else score <= top + slack
    return int(np.flatnonzero(best & ~nan).min())  # alphas decrease: largest


# relative objective accuracy of the CV paths (held-out scores only)
_PATH_F_TOL = 1e-7


def _fold_path_scores(est, X, codes, w, train, test, alphas):
    """Fit the warm-started path on a fold's training rows; held-out scores.

    Returns the scores and, per alpha, the solution on the original scale
    ``(a, B)`` (the refit starts from their mean at the chosen alpha).
    """
    K = est.classes_.size
    Xs, mean, scale = _standardize(X[train], w[train], est.standardize)
    problem = PrestoProblem(Xs, codes[train], w[train], K)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        path = fit_path(problem, alphas, f_tol=_PATH_F_TOL, **est._solver_options())
    Xs_test = (X[test] - mean) / scale
    out, sols = [], []
    for Z, _ in path:
        out.append(_score(est, Z, X[test], Xs_test, codes[test], w[test], mean, scale))
        B = np.cumsum(Z[:, 1:], axis=0) / scale  # original scale
        sols.append((Z[:, 0] - B @ mean, B))
    return out, sols


def _score(est, Z, X_test, Xs_test, y_test, w_test, mean, scale):
    """Held-out score of one path point.

    A callable scorer gets a PrestoClassifier holding Z; the built-in scores
    use predict_proba's own function (:func:`_class_proba`) on the fold's
    standardised test rows, crossings repaired by sorting, silently (a path
    point far from the chosen alpha may cross on held-out rows), and the
    metrics of :mod:`sklweights.metrics` / :mod:`sklearn.metrics`.
    """
    if callable(est.scoring):
        # X_test is the validated array: the fold model has no feature names
        fold = PrestoClassifier(crossing=est.crossing)
        fold.classes_ = est.classes_
        fold.n_features_in_ = est.n_features_in_
        fold._store(Z, mean, scale)
        return float(est.scoring(fold, X_test, est.classes_[y_test]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CumulativeCrossingWarning)
        P = _class_proba(linear_predictor(Xs_test, Z), "rearrange")
    labels = np.arange(est.classes_.size)
    if est.scoring == "brier":
        return multiclass_brier_score(y_test, P, labels=labels, sample_weight=w_test)
    return float(log_loss(y_test, P, labels=labels, sample_weight=w_test))
