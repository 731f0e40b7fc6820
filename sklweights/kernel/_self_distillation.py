"""Self-distillation with a ground-truth weight in kernel ridge regression.

Borup & Andersen (NeurIPS 2021) refit kernel ridge regression on a mix of the
labels and the previous fit, ``weight * y + (1 - weight) * previous``. Every
step is a spectral filter of the same kernel matrix, so one eigendecomposition
gives every step, the limit of infinitely many steps and the best weight of
each step in closed form (see the user guide, :ref:`self-distillation`).

Notation of the code: ``lam`` is the ridge penalty (scikit-learn's ``alpha``),
``s = sqrt(sample_weight)``, ``K_w = diag(s) K diag(s) = V diag(d) V'``,
``y_coords = V' (s * y)`` and ``shrink = d / (d + lam)`` (the teacher's
filter). A fit whose training target has coordinates ``g * y_coords`` (a
*target filter* ``g``) has dual coefficients ``s * V (g * y_coords / (d + lam))``
and weighted fitted values with coordinates ``shrink * g * y_coords``.
"""

import math
import numbers
import warnings

import numpy as np
from scipy import linalg
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.metrics.pairwise import PAIRWISE_KERNEL_FUNCTIONS, pairwise_kernels
from sklearn.utils import Bunch, check_random_state
from sklearn.utils.validation import (
    check_array,
    check_consistent_length,
    check_X_y,
    column_or_1d,
)

from sklweights.utils._sklearn_compat import (
    Interval,
    Options,
    StrOptions,
    _check_sample_weight,
    _fit_context,
    check_is_fitted,
    validate_data,
    validate_params,
)
from sklweights.utils._validation import (
    check_numeric_target,
    validate_regression_data,
)

__all__ = ["SelfDistilledKernelRidge", "self_distillation_path"]

# the parameters shared with sklearn.kernel_ridge.KernelRidge (alpha: strictly
# positive here, one target)
_KERNEL_CONSTRAINTS = {
    "alpha": [Interval(numbers.Real, 0, None, closed="neither")],
    "kernel": [
        StrOptions(set(PAIRWISE_KERNEL_FUNCTIONS) | {"precomputed"}),
        callable,
    ],
    "gamma": [Interval(numbers.Real, 0, None, closed="left"), None],
    "degree": [Interval(numbers.Real, 0, None, closed="left")],
    "coef0": [Interval(numbers.Real, None, None, closed="neither")],
    "kernel_params": [dict, None],
}

# eigenvalues below -_PSD_RTOL * (largest |eigenvalue|) mean "not PSD"; above
# it they are rounding error and set to 0
_PSD_RTOL = 1e-8
# a reference direction shorter than this (relative to the target) leaves the
# weight undetermined
_DEGENERATE_RTOL = 1e-12
_SOURCES = {
    "fixed": "fixed",
    "gcv": "one_shot_gcv",
    "split": "held_out_split",
    "X_val": "held_out_X_val",
}


def _kernel_matrix(X, Y, *, kernel, gamma, degree, coef0, kernel_params):
    """k(X, Y) as KernelRidge computes it (``X`` itself when precomputed)."""
    if callable(kernel):
        params = kernel_params or {}
    else:
        params = {"gamma": gamma, "degree": degree, "coef0": coef0}
    return pairwise_kernels(X, Y, metric=kernel, filter_params=True, **params)


def _check_both_or_neither(X_val, y_val, what):
    """The reference set comes whole: both ``X_val`` and ``y_val``, or neither."""
    if (X_val is None) != (y_val is None):
        raise ValueError(f"{what}: give both X_val and y_val, or neither.")


def _check_precomputed(K, what):
    if K.shape[0] != K.shape[1]:
        raise ValueError(
            f"{what}: with kernel='precomputed' X must be the square training "
            f"kernel matrix k(X, X); got shape {K.shape}."
        )
    scale = max(float(np.max(np.abs(K))), np.finfo(float).tiny)
    if not np.allclose(K, K.T, rtol=0, atol=1e-10 * scale):
        raise ValueError(
            f"{what}: with kernel='precomputed' X must be a symmetric kernel "
            f"matrix; the largest |X - X.T| is {np.max(np.abs(K - K.T)):.3g}."
        )


class _KernelSpectrum:
    """The eigendecomposition of the weighted training kernel, and its filters.

    Parameters
    ----------
    K : ndarray of shape (n, n)
        The training kernel (not modified).
    sqrt_w : ndarray of shape (n,)
        Square roots of the sample weights.
    lam : float
        Ridge penalty (> 0).
    what, kernel : str
        Used in messages.
    """

    def __init__(self, K, sqrt_w, lam, *, what, kernel):
        Kw = K * sqrt_w[:, None]
        Kw *= sqrt_w[None, :]
        # divide and conquer: the fastest LAPACK driver for every eigenvector
        d, V = linalg.eigh(Kw, overwrite_a=True, check_finite=False, driver="evd")
        scale = max(float(np.max(np.abs(d))), np.finfo(float).tiny) if d.size else 1.0
        if d.size and d[0] < -_PSD_RTOL * scale:
            raise ValueError(
                f"{what}: the kernel matrix is not positive semi-definite "
                f"(kernel={kernel!r}): its smallest eigenvalue is {d[0]:.3g}, its "
                f"largest {d[-1]:.3g}. Kernel ridge self-distillation needs a "
                "positive semi-definite kernel; the 'sigmoid' kernel, for one, "
                "is not."
            )
        self.d = np.maximum(d, 0.0)
        self.V = V
        self.lam = float(lam)
        self.sqrt_w = sqrt_w
        self.shrink = self.d / (self.d + self.lam)

    def coordinates(self, y):
        """``V' (s * y)``: a training target in the eigenbasis."""
        return self.V.T @ (self.sqrt_w * y)

    def dual_coef(self, dual_coords):
        """Dual coefficients from eigen coordinates, shape (n,) or (n, m)."""
        out = self.V @ dual_coords
        return out * (self.sqrt_w if out.ndim == 1 else self.sqrt_w[:, None])

    def limit_dual_filter(self, weight, what):
        """``weight / (weight d + lam)``: KernelRidge with penalty lam / weight.

        Raises when the recursion ``g <- weight + (1 - weight) shrink g`` does
        not converge, where the formula is not the limit of the steps.
        """
        rate = abs(1.0 - weight) * (float(self.shrink.max()) if self.d.size else 0.0)
        if rate >= 1.0:
            raise ValueError(
                f"{what}: with weight={weight:g} the distillation steps diverge "
                f"(|1 - weight| * max d/(d + alpha) = {rate:.4g} >= 1), so "
                "n_steps=np.inf has no limit. Use a weight in [0, 2], or a "
                "finite n_steps."
            )
        return weight / (weight * self.d + self.lam)


def _projection_weight(direction, target, ref_weight):
    """argmin_w sum ref_weight * (target - w * direction)**2, or None if flat."""
    num = float(np.sum(ref_weight * direction * target))
    den = float(np.sum(ref_weight * direction * direction))
    scale = float(np.sum(ref_weight * target * target))
    if not (np.isfinite(num) and np.isfinite(den)) or den <= (
        _DEGENERATE_RTOL**2
    ) * max(scale, np.finfo(float).tiny):
        return None
    return num / den


class _HeldOutChooser:
    """The weight minimising the squared error on a reference set.

    Step ``t`` predicts ``a + w * b`` on the reference rows, ``a`` the fit to
    the previous fitted values alone (pure distillation), ``b`` the fit to the
    residual ``y - previous``; the best ``w`` is the projection
    ``<b, r - a> / ||b||^2``.
    """

    def __init__(self, spectrum, y_coords, K_ref, y_ref, w_ref):
        # reference predictions of the fit with target filter g: P @ g
        P = K_ref @ (spectrum.sqrt_w[:, None] * spectrum.V)
        P *= (y_coords / (spectrum.d + spectrum.lam))[None, :]
        self.P, self.y_ref, self.w_ref = P, y_ref, w_ref

    def __call__(self, fitted_filter):
        a = self.P @ fitted_filter
        b = self.P @ (1.0 - fitted_filter)
        weight = _projection_weight(b, self.y_ref - a, self.w_ref)
        return weight, (
            "the fit of the residual y - previous is zero on the reference set"
        )


class _GCVChooser:
    """The one-shot weight of Dang, Patil & Rinaldo (no held-out data).

    The student is ``w * S_a y + (1 - w) * S_b y`` with ``S_a`` the teacher's
    smoother and ``S_b`` the smoother of the pure-distillation fit; each
    residual is inflated by its GCV factor ``1 / (1 - tr S / n)`` and ``w``
    minimises the norm of the mixed inflated residuals (their A, B, C
    estimates: ``w = (B - C) / (A + B - 2C)``). ``n`` is the sum of the sample
    weights (frequency weights).
    """

    def __init__(self, spectrum, y_coords, n_eff, what):
        self.spectrum = spectrum
        self.y_coords = y_coords
        self.n_eff = n_eff
        self.what = what

    def _dof(self, smoother_filter):
        return 1.0 - float(np.sum(smoother_filter)) / self.n_eff

    def __call__(self, fitted_filter):
        shrink = self.spectrum.shrink
        dof_teacher = self._dof(shrink)
        if dof_teacher <= 1e-12:
            raise ValueError(
                f"{self.what}: weight='gcv' needs the smoother's trace below the "
                f"number of samples (the sum of sample_weight, {self.n_eff:.6g}); "
                f"got trace {np.sum(shrink):.6g}. Increase alpha, use "
                "integer-like (frequency) sample weights, or weight='optimal'."
            )
        distilled_filter = shrink * fitted_filter
        dof_distilled = self._dof(distilled_filter)
        if dof_distilled <= 1e-12:
            # the pure-distillation fit's GCV risk is unbounded (after weights
            # far outside [0, 1] its smoother can amplify): the weight -> 1
            # limit of the formula as its degrees of freedom reach n
            return None, (
                "the GCV risk of the pure-distillation fit is unbounded (its "
                f"smoother's trace {np.sum(distilled_filter):.6g} reaches the "
                f"number of samples {self.n_eff:.6g})"
            )
        teacher = (1.0 - shrink) * self.y_coords / dof_teacher
        distilled = (1.0 - distilled_filter) * self.y_coords / dof_distilled
        weight = _projection_weight(teacher - distilled, -distilled, 1.0)
        return weight, "the GCV-inflated residuals of both fits coincide"


def _distillation_filters(shrink, n_steps, choose):
    """Target filters of the teacher and of each step, with their weights.

    ``choose(t, fitted_filter)`` returns ``(raw, weight)`` for step ``t``
    (1-based) given the previous stage's fitted-value filter.
    """
    g = np.ones_like(shrink)
    filters, raw_weights, weights = [g], [], []
    for t in range(1, n_steps + 1):
        fitted = shrink * g
        raw, w = choose(t, fitted)
        g = w + (1.0 - w) * fitted
        filters.append(g)
        raw_weights.append(raw)
        weights.append(w)
    return filters, np.asarray(raw_weights, float), np.asarray(weights, float)


def _fixed_chooser(schedule):
    def choose(t, fitted):
        w = float(schedule[t - 1])
        return w, w

    return choose


def _estimated_chooser(estimate, constrain, what):
    def choose(t, fitted):
        raw, reason = estimate(fitted)
        if raw is None:
            warnings.warn(
                f"{what}: the weight of step {t} is undetermined ({reason}); "
                "weight 1 is used (a plain refit on y).",
                UserWarning,
                stacklevel=5,
            )
            raw = 1.0
        return raw, (min(max(raw, 0.0), 1.0) if constrain else raw)

    return choose


def _check_schedule(weight, n_steps, constrain_weight, what):
    """The weight per step as an array, or the string; errors name ``weight``."""
    infinite = n_steps == math.inf
    if isinstance(weight, str):
        if infinite:
            raise ValueError(
                f"{what}: n_steps=np.inf needs a fixed float weight; got "
                f"weight={weight!r}. The limit of infinite distillation with "
                "weight w is KernelRidge(alpha=alpha / w): choosing w for the "
                "limit is choosing KernelRidge's alpha (GridSearchCV)."
            )
        return weight
    try:
        schedule = np.asarray(weight, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(
            f"{what}: weight must be 'optimal', 'gcv', a float or one float per "
            f"step; got {weight!r}."
        ) from None
    if schedule.ndim == 0:
        schedule = np.full(1 if infinite else int(n_steps), float(schedule))
    elif infinite:
        raise ValueError(
            f"{what}: n_steps=np.inf takes one float weight (the limit of a "
            f"constant weight); got a sequence {weight!r}."
        )
    elif schedule.ndim != 1 or schedule.shape[0] != n_steps:
        raise ValueError(
            f"{what}: weight must be 'optimal', 'gcv', a float or one float per "
            f"step (a sequence of length n_steps={n_steps}); got an array of "
            f"shape {schedule.shape}."
        )
    if not np.all(np.isfinite(schedule)):
        raise ValueError(f"{what}: weight must be finite; got {weight!r}.")
    if constrain_weight and (schedule.min() < 0 or schedule.max() > 1):
        raise ValueError(
            f"{what}: weight must lie in [0, 1] when constrain_weight=True "
            f"(the mixing weight of Borup & Andersen); got {weight!r}. Set "
            "constrain_weight=False to allow weights outside [0, 1] "
            "(anti-distillation, weight > 1; weight < 0)."
        )
    return schedule


def _check_reference(X_ref, y_ref):
    y_ref = column_or_1d(check_array(y_ref, ensure_2d=False, dtype=np.float64))
    check_consistent_length(X_ref, y_ref)
    return y_ref


class SelfDistilledKernelRidge(RegressorMixin, BaseEstimator):
    """Kernel ridge regression self-distilled with a ground-truth weight.

    The teacher is kernel ridge regression (``KernelRidge(alpha, kernel,
    ...)``). Each of the ``n_steps`` distillation steps refits it on the mixed
    target ``weight * y + (1 - weight) * (previous fitted values)`` (Borup &
    Andersen, 2021). Every step is a spectral filter of the training kernel,
    so one eigendecomposition gives all of them without refits;
    ``n_steps=np.inf`` is the limit, ``KernelRidge(alpha=alpha / weight)``.
    The weight of each step can be fixed, or chosen in closed form: the
    projection that minimises the squared error on held-out rows
    (``"optimal"``) or the one-shot GCV-type estimate of Dang, Patil &
    Rinaldo (2026) that needs no held-out data (``"gcv"``).

    Read more in the :ref:`User Guide <self-distillation>`.

    Parameters
    ----------
    alpha : float, default=1.0
        Ridge penalty (the papers' lambda), as in
        :class:`~sklearn.kernel_ridge.KernelRidge` (no scaling by the number
        of samples). Must be > 0. Not the papers' alpha: that is ``weight``.
    kernel : str or callable, default="rbf"
        As in :class:`~sklearn.kernel_ridge.KernelRidge` (any
        ``sklearn.metrics.pairwise`` kernel, a callable, or ``"precomputed"``:
        then X is the kernel matrix), but the default is the papers' RBF
        kernel. The kernel must be positive semi-definite.
    gamma : float, default=None
        Kernel coefficient of the rbf, laplacian, polynomial, exponential
        chi2 and sigmoid kernels (None: the kernel's default).
    degree : float, default=3
        Degree of the polynomial kernel.
    coef0 : float, default=1
        Zero coefficient of the polynomial and sigmoid kernels.
    kernel_params : dict, default=None
        Parameters of a callable kernel.
    n_steps : int >= 1 or np.inf, default=1
        Distillation steps after the teacher; ``np.inf`` gives the limit
        (a fixed float ``weight`` only). The authors' notebook counts the
        teacher as step 1: their step ``t`` is ``n_steps = t - 1``.
    weight : {"gcv", "optimal"}, float or array-like of shape (n_steps,), \
            default="gcv"
        Weight of the ground-truth labels in each step's target (the papers'
        alpha): 1 refits on y alone (every step is the teacher), 0 is pure
        self-distillation. ``"optimal"``: at each step, the weight that
        minimises the squared error on a held-out reference set (``X_val``,
        ``y_val`` if given, else ``validation_fraction`` of the training rows;
        the weights are then applied to a refit on all rows). ``"gcv"``: the
        one-shot estimate, no held-out rows.
    constrain_weight : bool, default=True
        Keep the weights in [0, 1] (Borup & Andersen's range): estimated
        weights are clipped, fixed ones outside raise ``ValueError``. With
        ``False`` the weight may be negative or above 1, where most of the
        gain over the teacher is (Dang, Patil & Rinaldo).
    validation_fraction : float in (0, 1), default=0.2
        Share of the training rows held out to choose ``weight="optimal"``
        when no ``X_val`` is given.
    random_state : int, RandomState instance or None, default=None
        Draws the held-out rows of ``weight="optimal"``.

    Attributes
    ----------
    dual_coef_ : ndarray of shape (n_samples,)
        Dual coefficients of the last step: ``predict(X) = k(X, X_fit_) @
        dual_coef_``.
    stage_dual_coef_ : ndarray of shape (n_stages, n_samples)
        Dual coefficients of the teacher (row 0) and of each step (the limit
        as row 1 when ``n_steps=np.inf``); see :meth:`staged_predict`.
    X_fit_ : {ndarray, sparse matrix} of shape (n_samples, n_features)
        Training data (the kernel matrix when ``kernel="precomputed"``).
    weights_ : ndarray of shape (n_steps,)
        Weight of the ground truth used at each step (one value for
        ``n_steps=np.inf``).
    unconstrained_weights_ : ndarray of shape (n_steps,)
        The estimated weights before clipping to [0, 1] (equal to
        ``weights_`` when they are fixed or not constrained).
    weight_source_ : str
        Where the weights come from: ``"fixed"``, ``"one_shot_gcv"``,
        ``"held_out_split"`` (``validation_fraction`` of the rows) or
        ``"held_out_X_val"``.
    n_steps_ : int or float
        Number of distillation steps (``inf`` for the limit).
    eigenvalues_ : ndarray of shape (n_samples,)
        Eigenvalues of the (weighted) training kernel, ascending.
    spectral_filter_ : ndarray of shape (n_samples,)
        Eigenvalues of the last step's training smoother in the kernel's
        eigenbasis (the teacher's are ``d / (d + alpha)``).
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when X has string column names.

    See Also
    --------
    sklearn.kernel_ridge.KernelRidge : the teacher; tune its ``alpha`` with
        :class:`~sklearn.model_selection.GridSearchCV` for the honest baseline.
    self_distillation_path : losses of every step for a grid of weights.

    Notes
    -----
    With ``sample_weight`` the kernel ridge objective is
    ``sum_i w_i (y_i - f(x_i))**2 + alpha ||f||^2`` (as KernelRidge) and the
    eigendecomposition is that of ``W^1/2 K W^1/2``; zero weights drop rows
    and integer weights equal repeated rows, with every ``weight`` option but
    the random held-out split of ``"optimal"``.

    References
    ----------
    .. [1] K. Borup and L. N. Andersen, "Even your Teacher Needs Guidance:
       Ground-Truth Targets Dampen Regularization Imposed by
       Self-Distillation", NeurIPS 2021. arXiv:2102.13088.
    .. [2] H. Dang, P. Patil and A. Rinaldo, "Optimal Unconstrained
       Self-Distillation in Ridge Regression: Strict Improvements, Precise
       Asymptotics, and One-Shot Tuning", arXiv:2602.17565.

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from sklweights.kernel import SelfDistilledKernelRidge
    >>> X, y = load_diabetes(return_X_y=True)
    >>> y = (y - y.mean()) / y.std()
    >>> model = SelfDistilledKernelRidge(alpha=1.0, gamma=10.0, n_steps=1)
    >>> model = model.fit(X, y)
    >>> model.weight_source_, model.weights_.shape
    ('one_shot_gcv', (1,))
    >>> model.predict(X[:3]).shape
    (3,)
    """

    _parameter_constraints = {
        **_KERNEL_CONSTRAINTS,
        "n_steps": [
            Interval(numbers.Integral, 1, None, closed="left"),
            Options(numbers.Real, {math.inf}),
        ],
        "weight": [
            StrOptions({"optimal", "gcv"}),
            Interval(numbers.Real, None, None, closed="neither"),
            "array-like",
        ],
        "constrain_weight": ["boolean"],
        "validation_fraction": [Interval(numbers.Real, 0, 1, closed="neither")],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        alpha=1.0,
        *,
        kernel="rbf",
        gamma=None,
        degree=3,
        coef0=1,
        kernel_params=None,
        n_steps=1,
        weight="gcv",
        constrain_weight=True,
        validation_fraction=0.2,
        random_state=None,
    ):
        self.alpha = alpha
        self.kernel = kernel
        self.gamma = gamma
        self.degree = degree
        self.coef0 = coef0
        self.kernel_params = kernel_params
        self.n_steps = n_steps
        self.weight = weight
        self.constrain_weight = constrain_weight
        self.validation_fraction = validation_fraction
        self.random_state = random_state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.input_tags.pairwise = self.kernel == "precomputed"
        return tags

    def _accept_sparse(self):
        return False if self.kernel == "precomputed" else ("csr", "csc")

    def _kernel(self, X, Y=None):
        return _kernel_matrix(
            X,
            Y,
            kernel=self.kernel,
            gamma=self.gamma,
            degree=self.degree,
            coef0=self.coef0,
            kernel_params=self.kernel_params,
        )

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None, X_val=None, y_val=None):
        """Fit the teacher and every distillation step.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data, or the kernel matrix (n_samples, n_samples) when
            ``kernel="precomputed"``.
        y : array-like of shape (n_samples,)
            Target values (one target).
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights of the training rows.
        X_val : {array-like, sparse matrix} of shape (n_val, n_features), \
                default=None
            Reference rows for ``weight="optimal"`` (the kernel
            ``k(X_val, X)`` when precomputed); then nothing is held out.
        y_val : array-like of shape (n_val,), default=None
            Their targets.

        Returns
        -------
        self : SelfDistilledKernelRidge
            The fitted estimator.
        """
        what = type(self).__name__
        X, y = validate_regression_data(self, X, y, accept_sparse=self._accept_sparse())
        n_steps = self.n_steps
        schedule = _check_schedule(self.weight, n_steps, self.constrain_weight, what)
        _check_both_or_neither(X_val, y_val, what)
        if X_val is not None and not (
            isinstance(schedule, str) and schedule == "optimal"
        ):
            raise ValueError(
                f"{what}: X_val and y_val are the reference set of "
                f"weight='optimal'; got weight={self.weight!r}."
            )
        sw = _check_sample_weight(sample_weight, X, ensure_non_negative=True)
        n = X.shape[0]
        if self.kernel == "precomputed":
            _check_precomputed(X, what)
        if X_val is not None:
            X_val = validate_data(
                self, X_val, accept_sparse=self._accept_sparse(), reset=False
            )
            y_val = _check_reference(X_val, y_val)
        elif isinstance(schedule, str) and schedule == "optimal":
            n_ref = math.ceil(self.validation_fraction * n)
            if n - n_ref < 1:
                raise ValueError(
                    f"{what}: validation_fraction={self.validation_fraction} of "
                    f"{n} samples leaves no training rows for weight='optimal'; "
                    "give X_val and y_val or more samples."
                )
        lam = float(self.alpha)
        sqrt_w = np.sqrt(sw)

        K = self._kernel(X)
        infinite = n_steps == math.inf
        spectrum = None
        if isinstance(schedule, str) and X_val is None and schedule == "optimal":
            raw, weights = self._split_weights(K, y, sw, lam, n_steps, what)
            source = "split"
        else:
            spectrum = _KernelSpectrum(K, sqrt_w, lam, what=what, kernel=self.kernel)
            y_coords = spectrum.coordinates(y)
            if isinstance(schedule, str):
                if schedule == "gcv":
                    estimate = _GCVChooser(spectrum, y_coords, float(sw.sum()), what)
                    source = "gcv"
                else:
                    K_ref = self._kernel(X_val, X)
                    estimate = _HeldOutChooser(
                        spectrum, y_coords, K_ref, y_val, np.ones_like(y_val)
                    )
                    source = "X_val"
                raw, weights = self._estimated(spectrum, estimate, n_steps, what)
            else:
                raw, weights, source = schedule.copy(), schedule, "fixed"
        if spectrum is None:  # the weights came from a split: refit on all rows
            spectrum = _KernelSpectrum(K, sqrt_w, lam, what=what, kernel=self.kernel)
            y_coords = spectrum.coordinates(y)
        del K
        if infinite:
            dual_filters = [
                1.0 / (spectrum.d + lam),
                spectrum.limit_dual_filter(float(weights[0]), what),
            ]
        else:
            filters, _, _ = _distillation_filters(
                spectrum.shrink, int(n_steps), _fixed_chooser(weights)
            )
            dual_filters = [g / (spectrum.d + lam) for g in filters]
        Q = np.column_stack(dual_filters) * y_coords[:, None]
        stage_dual_coef = np.ascontiguousarray(spectrum.dual_coef(Q).T)
        if not np.all(np.isfinite(stage_dual_coef)):
            raise ValueError(
                f"{what}: the dual coefficients are not finite (weights "
                f"{weights}); the kernel or the weights are too extreme."
            )
        self.stage_dual_coef_ = stage_dual_coef
        self.dual_coef_ = stage_dual_coef[-1].copy()
        self.X_fit_ = X
        self.weights_ = np.asarray(weights, dtype=float)
        self.unconstrained_weights_ = np.asarray(raw, dtype=float)
        self.weight_source_ = _SOURCES[source]
        self.n_steps_ = math.inf if infinite else int(n_steps)
        self.eigenvalues_ = spectrum.d
        self.spectral_filter_ = spectrum.d * dual_filters[-1]
        return self

    def _estimated(self, spectrum, estimate, n_steps, what):
        """Greedy per-step weights: each step's best given the steps before."""
        _, raw, weights = _distillation_filters(
            spectrum.shrink,
            int(n_steps),
            _estimated_chooser(estimate, self.constrain_weight, what),
        )
        return raw, weights

    def _split_weights(self, K, y, sw, lam, n_steps, what):
        """Weights chosen on ``validation_fraction`` of the rows held out."""
        n = K.shape[0]
        n_ref = math.ceil(self.validation_fraction * n)
        order = check_random_state(self.random_state).permutation(n)
        ref, fit = np.sort(order[:n_ref]), np.sort(order[n_ref:])
        spectrum = _KernelSpectrum(
            K[np.ix_(fit, fit)], np.sqrt(sw[fit]), lam, what=what, kernel=self.kernel
        )
        estimate = _HeldOutChooser(
            spectrum,
            spectrum.coordinates(y[fit]),
            K[np.ix_(ref, fit)],
            y[ref],
            sw[ref],
        )
        return self._estimated(spectrum, estimate, n_steps, what)

    def predict(self, X):
        """Predict with the last distillation step.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples, or the kernel ``k(X, X_fit_)`` of shape (n_samples,
            n_samples_fitted) when ``kernel="precomputed"``.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Predicted values.
        """
        check_is_fitted(self)
        X = validate_data(self, X, accept_sparse=("csr", "csc"), reset=False)
        return self._kernel(X, self.X_fit_) @ self.dual_coef_

    def staged_predict(self, X):
        """Predictions of the teacher, then of each step (or of the limit).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            As in :meth:`predict`.

        Yields
        ------
        y_pred : ndarray of shape (n_samples,)
            The teacher's first, then those of steps 1, ..., ``n_steps_``
            (for ``n_steps=np.inf``: the teacher's, then the limit's).
        """
        check_is_fitted(self)
        X = validate_data(self, X, accept_sparse=("csr", "csc"), reset=False)
        preds = self._kernel(X, self.X_fit_) @ self.stage_dual_coef_.T
        for j in range(preds.shape[1]):
            yield preds[:, j]


@validate_params(
    {
        "X": ["array-like", "sparse matrix"],
        "y": ["array-like"],
        "X_val": ["array-like", "sparse matrix", None],
        "y_val": ["array-like", None],
        "weights": ["array-like", None],
        "n_steps": [Interval(numbers.Integral, 1, None, closed="left")],
        **_KERNEL_CONSTRAINTS,
        "sample_weight": ["array-like", None],
    },
    prefer_skip_nested_validation=True,
)
def self_distillation_path(
    X,
    y,
    X_val=None,
    y_val=None,
    *,
    weights=None,
    n_steps=10,
    alpha=1.0,
    kernel="rbf",
    gamma=None,
    degree=3,
    coef0=1,
    kernel_params=None,
    sample_weight=None,
):
    """Every distillation step for a grid of fixed weights, from one eigendecomposition.

    For each weight ``w`` of the grid, the teacher (step 0) and steps 1 to
    ``n_steps`` of :class:`SelfDistilledKernelRidge` with ``weight=w``, and
    the limit of infinitely many steps, ``KernelRidge(alpha=alpha / w)``.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Training data (the kernel matrix when ``kernel="precomputed"``).
    y : array-like of shape (n_samples,)
        Training targets.
    X_val, y_val : array-like, default=None
        Validation rows (``k(X_val, X)`` when precomputed) and their targets:
        their predictions and squared errors are returned too.
    weights : array-like of shape (n_weights,), default=None
        Ground-truth weights (any real numbers). Default: 0, 0.1, ..., 1.
    n_steps : int >= 1, default=10
        Distillation steps after the teacher.
    alpha, kernel, gamma, degree, coef0, kernel_params
        The teacher's :class:`~sklearn.kernel_ridge.KernelRidge` parameters
        (``alpha`` is the ridge penalty, > 0).
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative training weights.

    Returns
    -------
    path : :class:`~sklearn.utils.Bunch`
        ``steps`` (0, ..., n_steps), ``weights``,
        ``train_predictions`` of shape (n_weights, n_steps + 1, n_samples)
        (the fitted values), ``train_mse`` (weighted by ``sample_weight``)
        of shape (n_weights, n_steps + 1) and, with ``X_val``,
        ``val_predictions`` (n_weights, n_steps + 1, n_val), ``val_mse`` and
        ``limit_val_mse`` (n_weights,): the validation MSE of the limit,
        ``inf`` for a weight whose steps diverge.

    See Also
    --------
    SelfDistilledKernelRidge : the estimator, with weights chosen in closed
        form.

    Examples
    --------
    >>> import numpy as np
    >>> from sklweights.kernel import self_distillation_path
    >>> rng = np.random.default_rng(0)
    >>> X = rng.uniform(size=(60, 1))
    >>> y = np.sin(2 * np.pi * X[:, 0]) + rng.normal(scale=0.3, size=60)
    >>> path = self_distillation_path(
    ...     X[:40], y[:40], X[40:], y[40:], weights=[0.0, 0.5, 1.0], n_steps=5,
    ...     alpha=0.2, gamma=10.0)
    >>> path.val_mse.shape
    (3, 6)
    >>> bool(np.allclose(path.val_mse[2], path.val_mse[2, 0]))  # weight 1
    True
    """
    what = "self_distillation_path"
    accept_sparse = False if kernel == "precomputed" else ("csr", "csc")
    X, y = check_X_y(X, y, accept_sparse=accept_sparse, y_numeric=True)
    y = check_numeric_target(y).astype(np.float64, copy=False)
    grid = np.linspace(0.0, 1.0, 11) if weights is None else weights
    grid = np.atleast_1d(np.asarray(grid, dtype=float))
    if grid.ndim != 1 or grid.size == 0 or not np.all(np.isfinite(grid)):
        raise ValueError(
            f"{what}: weights must be a non-empty 1-d array of finite numbers; "
            f"got {weights!r}."
        )
    _check_both_or_neither(X_val, y_val, what)
    if X_val is not None:
        X_val = check_array(X_val, accept_sparse=accept_sparse)
        expected = X.shape[0] if kernel == "precomputed" else X.shape[1]
        if X_val.shape[1] != expected:
            raise ValueError(
                f"{what}: X_val has {X_val.shape[1]} columns; expected "
                f"{expected} (as X)."
            )
        y_val = _check_reference(X_val, y_val)
    sw = _check_sample_weight(sample_weight, X, ensure_non_negative=True)
    if kernel == "precomputed":
        _check_precomputed(X, what)
    params = dict(
        kernel=kernel,
        gamma=gamma,
        degree=degree,
        coef0=coef0,
        kernel_params=kernel_params,
    )
    lam = float(alpha)
    K = _kernel_matrix(X, None, **params)
    spectrum = _KernelSpectrum(K, np.sqrt(sw), lam, what=what, kernel=kernel)
    y_coords = spectrum.coordinates(y)
    n_stages = n_steps + 1
    dual_filters = np.empty((grid.size, n_stages, y.size))
    limit_filters, converges = [], []
    for i, w in enumerate(grid):
        filters, _, _ = _distillation_filters(
            spectrum.shrink, n_steps, _fixed_chooser(np.full(n_steps, w))
        )
        dual_filters[i] = np.asarray(filters) / (spectrum.d + lam)
        try:
            limit_filters.append(spectrum.limit_dual_filter(float(w), what))
            converges.append(True)
        except ValueError:
            limit_filters.append(np.zeros_like(spectrum.d))
            converges.append(False)
    coef = spectrum.dual_coef((dual_filters * y_coords).reshape(-1, y.size).T)
    out = Bunch(steps=np.arange(n_stages), weights=grid)
    out.train_predictions = (K @ coef).T.reshape(grid.size, n_stages, y.size)
    out.train_mse = np.average((out.train_predictions - y) ** 2, axis=2, weights=sw)
    if X_val is not None:
        K_val = _kernel_matrix(X_val, X, **params)
        out.val_predictions = (K_val @ coef).T.reshape(grid.size, n_stages, -1)
        out.val_mse = np.mean((out.val_predictions - y_val) ** 2, axis=2)
        limit_coef = spectrum.dual_coef((np.asarray(limit_filters) * y_coords).T)
        limit_mse = np.mean((K_val @ limit_coef - y_val[:, None]) ** 2, axis=0)
        out.limit_val_mse = np.where(converges, limit_mse, np.inf)
    return out
