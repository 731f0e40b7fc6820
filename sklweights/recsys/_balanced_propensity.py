"""Kernel-balanced propensity weights for observational data (entropy balancing)."""

import numbers

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils import check_random_state, deprecated
from sklearn.utils.multiclass import check_classification_targets, type_of_target

from sklweights.utils._optional import import_torch
from sklweights.utils._sklearn_compat import (
    Interval,
    StrOptions,
    _fit_context,
    check_is_fitted,
    validate_data,
)
from sklweights.utils._solver import check_solver_result, iteration_result, solve_cvxpy
from sklweights.utils._torch import DeviceOptions, resolve_device

from ._kernels import kernel_numpy, median_gamma


class BalancedPropensity(ClassifierMixin, BaseEstimator):
    """Kernel-balanced propensity weights by entropy balancing.

    Given rows of covariates ``X`` and an observed (treated) indicator ``y``,
    find weights ``w_i`` of the observed rows of least entropy
    ``sum_i w_i log w_i`` (with ``mean(w) = 1``) such that, for each of
    ``n_landmarks`` kernel functions ``K(x_j, .)`` at landmark rows ``x_j``,
    the weighted mean over the observed rows matches the mean over all rows
    within ``balance_tol``::

        | mean_{obs}(w_i K(x_j, x_i)) - mean_{all}(K(x_j, x)) | <= balance_tol

    The constraints need overlap: when no weighting of the observed rows can
    match all rows (e.g. observed exactly when ``x_0 > 0``), the dual diverges
    and the torch solver stops at ``max_iter`` with a ``ConvergenceWarning``
    (cvxpy reports the problem infeasible); raise ``balance_tol``.

    This is the balancing step of kernel-balanced IPS (Li et al., ICLR 2024)
    as a reusable estimator. The solution has the form
    ``w(x) = exp(-eta . K(x, landmarks)) / Z``, so weights (and propensities
    ``p(x) = (n_obs / n) / w(x)``) extend to new rows.

    Parameters
    ----------
    kernel : {"rbf", "laplacian"}, default="rbf"
        Kernel ``K(x, landmarks)`` of the balance constraints: Gaussian (``"rbf"``) or
        Laplacian.
    kernel_gamma : float or "median", default="median"
        Bandwidth; ``"median"`` is the median heuristic on ``X``.
    n_landmarks : int, default=20
        Number of landmark rows (drawn at random from all rows).
    balance_tol : float, default=0.01
        Tolerance C of every landmark's balance constraint.
    solver : {"torch", "cvxpy"}, default="torch"
        ``"torch"``: the dual problem (J variables) by accelerated proximal
        gradient (FISTA with backtracking and restarts), on ``device``.
        ``"cvxpy"``: the primal problem (one weight per observed row), exact,
        for small data and as the oracle of the torch path.
    max_iter : int, default=5000
        Iterations of the torch solver.
    tol : float, default=1e-9
        Stopping tolerance of the torch solver (change of the dual objective).
    device : {"auto", "cpu", "cuda", "cuda:N"} or torch.device, default="cpu"
        Where the torch solver runs (the shared device values of the torch
        estimators, except ``"mps"``: the solver needs float64, which Apple's
        MPS backend does not have).
    random_state : int, RandomState instance or None, default=None
        Draws the landmarks and the median-heuristic pairs.

    Attributes
    ----------
    classes_ : ndarray of shape (2,)
    landmarks_ : ndarray of shape (n_landmarks, n_features)
    kernel_gamma_ : float
    dual_coef_ : ndarray of shape (n_landmarks,)
        ``eta``: ``w(x) proportional to exp(-eta . K(x, landmarks_))``.
    weights_ : ndarray of shape (n_observed,)
        Weights of the observed training rows (mean 1).
    observed_fraction_ : float
    balance_violation_ : ndarray of shape (n_landmarks,)
        Per-landmark imbalance ``|mean_obs(w K_j) - mean_all(K_j)|`` on the
        training data.
    solver_status_ : {"optimal", "inaccurate"}
        The package's solver vocabulary (:class:`sklweights.utils.SolverResult`):
        ``"inaccurate"`` where the solver stopped short of its tolerance (with
        a ``ConvergenceWarning``); a failed solve raises instead.
    n_iter_ : int or None
    n_features_in_ : int
    feature_names_in_ : ndarray of str

    See Also
    --------
    DebiasedMF : debiased matrix factorisation with kernel-balanced weights.

    References
    ----------
    H. Li et al., "Debiased Collaborative Filtering with Kernel-Based Causal
    Balancing", ICLR 2024. J. Hainmueller, "Entropy Balancing for Causal
    Effects", Political Analysis 20(1), 2012.

    Examples
    --------
    >>> import numpy as np
    >>> from sklweights.recsys import BalancedPropensity
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(200, 2))
    >>> o = (rng.uniform(size=200) < 1 / (1 + np.exp(-X[:, 0]))).astype(int)
    >>> bp = BalancedPropensity(n_landmarks=5, random_state=0).fit(X, o)
    >>> bool(bp.balance_violation_.max() <= 0.01 + 1e-4)
    True
    """

    _requires_torch = True  # with the default solver="torch"

    @classmethod
    def _torch_hint_example_data(cls, rng):
        """Small valid ``fit`` arguments (used to test the missing-torch hint)."""
        X = rng.normal(size=(30, 2))
        return (X, (X[:, 0] > 0).astype(int)), {}

    _parameter_constraints = {
        "kernel": [StrOptions({"rbf", "laplacian"})],
        "kernel_gamma": [
            Interval(numbers.Real, 0, None, closed="neither"),
            StrOptions({"median"}),
        ],
        "n_landmarks": [Interval(numbers.Integral, 1, None, closed="left")],
        "balance_tol": [Interval(numbers.Real, 0, None, closed="left")],
        "solver": [StrOptions({"torch", "cvxpy"})],
        "max_iter": [Interval(numbers.Integral, 1, None, closed="left")],
        "tol": [Interval(numbers.Real, 0, None, closed="left")],
        "device": [DeviceOptions()],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        *,
        kernel="rbf",
        kernel_gamma="median",
        n_landmarks=20,
        balance_tol=0.01,
        solver="torch",
        max_iter=5000,
        tol=1e-9,
        device="cpu",
        random_state=None,
    ):
        self.kernel = kernel
        self.kernel_gamma = kernel_gamma
        self.n_landmarks = n_landmarks
        self.balance_tol = balance_tol
        self.solver = solver
        self.max_iter = max_iter
        self.tol = tol
        self.device = device
        self.random_state = random_state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        return tags

    def _kern(self, a, b):
        return kernel_numpy(a, b, kernel=self.kernel, gamma=self.kernel_gamma_)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Solve for the balanced weights of the observed rows.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Covariates of every row (observed and unobserved).
        y : array-like of shape (n_samples,)
            Observed indicator: two classes, the larger one (e.g. 1) meaning
            observed.

        Returns
        -------
        self : BalancedPropensity
            The fitted estimator.
        """
        X, y = validate_data(self, X, y, dtype=np.float64)
        check_classification_targets(y)
        classes = np.unique(y)
        if classes.size < 2:
            raise ValueError(
                "y must hold two classes (not observed, observed); got one class "
                f"{classes.tolist()}."
            )
        if type_of_target(y) != "binary":
            raise ValueError(
                "Only binary classification is supported: y is the observed "
                f"indicator; got {classes.size} classes."
            )
        self.classes_ = classes
        y = (y == classes[1]).astype(int)
        rng = check_random_state(self.random_state)
        n = X.shape[0]
        self.kernel_gamma_ = float(
            median_gamma(X, rng) if self.kernel_gamma == "median" else self.kernel_gamma
        )
        J = min(self.n_landmarks, n)
        self.landmarks_ = X[np.sort(rng.choice(n, size=J, replace=False))]
        obs = y == 1
        a = self._kern(X[obs], self.landmarks_)
        target = self._kern(X, self.landmarks_).mean(0)
        self.observed_fraction_ = float(obs.mean())
        if self.solver == "cvxpy":
            w = self._solve_cvxpy(a, target)
            # recover eta from log w = -a eta - log Z (exact at the optimum)
            design = np.column_stack([a, np.ones(len(w))])
            coef = np.linalg.lstsq(design, -np.log(np.maximum(w, 1e-300)), rcond=None)
            self.dual_coef_ = coef[0][:-1]
        else:
            self.dual_coef_ = self._solve_torch(a, target)
        self._log_z = self._log_norm(a)
        self.weights_ = self._weights_from_kernel(a)
        if self.solver == "cvxpy":
            self.weights_ = w
        self.balance_violation_ = np.abs((self.weights_[:, None] * a).mean(0) - target)
        return self

    # --------------------------------------------------------------- solvers
    def _solve_cvxpy(self, a, target):
        import cvxpy as cp

        n_o = a.shape[0]
        w = cp.Variable(n_o, nonneg=True)
        cons = [
            cp.sum(w) == n_o,
            cp.abs(a.T @ w / n_o - target) <= self.balance_tol,
        ]
        problem = cp.Problem(cp.Minimize(-cp.sum(cp.entr(w)) / n_o), cons)
        result = solve_cvxpy(
            problem, solvers=["CLARABEL", "ECOS", "SCS"], what="BalancedPropensity"
        )
        self.solver_status_ = result.status
        self.n_iter_ = result.n_iter
        return np.asarray(w.value, dtype=float).clip(min=0)

    def _solve_torch(self, a, target):
        torch = import_torch("BalancedPropensity(solver='torch')")
        device = resolve_device(self.device)
        if device.type == "mps":
            raise ValueError(
                "BalancedPropensity's torch solver runs in float64, which the MPS "
                "backend lacks; use device='cpu' or a CUDA device."
            )
        A = torch.as_tensor(a, dtype=torch.float64, device=device)
        t = torch.as_tensor(target, dtype=torch.float64, device=device)
        C = float(self.balance_tol)
        J = A.shape[1]

        def smooth(eta):
            z = -(A @ eta)
            return torch.logsumexp(z, 0) - np.log(A.shape[0]) + t @ eta

        def grad(eta):
            z = -(A @ eta)
            s = torch.softmax(z, 0)
            return t - A.T @ s

        def prox(v, step):
            return torch.sign(v) * torch.clamp(v.abs() - step * C, min=0.0)

        def total(eta):
            return float(smooth(eta)) + C * float(eta.abs().sum())

        eta = torch.zeros(J, dtype=torch.float64, device=device)
        z = eta.clone()
        step, mom = 1.0, 1.0
        f_old = total(eta)
        converged = False
        n_iter = 0
        for n_iter in range(1, self.max_iter + 1):  # noqa: B007
            g = grad(z)
            fz = float(smooth(z))
            while True:  # backtracking on the smooth part
                new = prox(z - step * g, step)
                diff = new - z
                if (
                    float(smooth(new))
                    <= fz + float(g @ diff) + float(diff @ diff) / (2 * step) + 1e-15
                ):
                    break
                step *= 0.5
                if step < 1e-16:
                    break
            f_new = total(new)
            if f_new > f_old:  # adaptive restart
                mom, z = 1.0, eta.clone()
                step *= 1.5
                continue
            mom_next = (1 + np.sqrt(1 + 4 * mom * mom)) / 2
            z = new + ((mom - 1) / mom_next) * (new - eta)
            delta = f_old - f_new
            eta, mom, f_old = new, mom_next, f_new
            step *= 1.1
            if delta <= self.tol * max(1.0, abs(f_new)) and n_iter > 10:
                converged = True
                break
        res = iteration_result(
            converged, n_iter, solver="fista", max_iter=self.max_iter, tol=self.tol
        )
        check_solver_result(res, what="BalancedPropensity")
        self.solver_status_ = res.status
        self.n_iter_ = n_iter
        return eta.cpu().numpy()

    # ------------------------------------------------------------ weights
    def _log_norm(self, a):
        z = -(a @ self.dual_coef_)
        m = z.max()
        return float(m + np.log(np.mean(np.exp(z - m))))

    def _weights_from_kernel(self, a):
        return np.exp(-(a @ self.dual_coef_) - self._log_z)

    @deprecated(
        "compute_weights was renamed predict_weights, the weight accessor of "
        "every sklweights estimator; the old name goes in the next release."
    )
    def compute_weights(self, X):
        """Deprecated alias of :meth:`predict_weights`.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The input samples.

        Returns
        -------
        weights : ndarray of shape (n_samples,)
            The balancing weight of each row.
        """
        return self.predict_weights(X)

    def predict_weights(self, X):
        """Balancing weights ``w(x)`` of rows (mean 1 over the observed rows).

        These are inverse propensities up to the factor ``observed_fraction_``:
        ``w(x) = observed_fraction_ / p(x)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The input samples.

        Returns
        -------
        weights : ndarray of shape (n_samples,)
            The balancing weight of each row.
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64)
        return self._weights_from_kernel(self._kern(X, self.landmarks_))

    def predict_proba(self, X):
        """Propensity ``p(x) = observed_fraction_ / w(x)``, clipped to [1e-6, 1].

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The input samples.

        Returns
        -------
        proba : ndarray of shape (n_samples, 2)
            Columns: not observed, observed.
        """
        w = self.predict_weights(X)
        p = np.clip(self.observed_fraction_ / w, 1e-6, 1.0)
        return np.column_stack([1.0 - p, p])

    def predict(self, X):
        """Observed indicator predicted by ``p(x) >= 0.5``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The input samples.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Predicted observation indicator (0 or 1).
        """
        check_is_fitted(self)
        return self.classes_[(self.predict_proba(X)[:, 1] >= 0.5).astype(int)]

    def balance_violation(self, X, y, *, landmarks=None, weights=None):
        """Per-landmark imbalance of weighted observed rows against all rows.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The input samples.
        y : array-like of shape (n_samples,)
            Observed indicator.
        landmarks : array-like of shape (n_landmarks, n_features), default=None
            Where to evaluate the kernel functions; the fitted landmarks when
            None (pass other rows for a held-out check).
        weights : array-like of shape (n_observed,) or "uniform", default=None
            Weights of the observed rows; this model's when None.

        Returns
        -------
        violation : ndarray of shape (n_landmarks,)
            ``|mean_obs(w K_j) - mean_all(K_j)|``.
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64)
        obs = np.asarray(y) == self.classes_[1]
        lm = self.landmarks_ if landmarks is None else np.asarray(landmarks, float)
        a = self._kern(X[obs], lm)
        if weights is None:
            w = self._weights_from_kernel(self._kern(X[obs], self.landmarks_))
        elif isinstance(weights, str) and weights == "uniform":
            w = np.ones(obs.sum())
        else:
            w = np.asarray(weights, dtype=float)
            if w.shape != (obs.sum(),):
                raise ValueError(
                    f"weights must have one value per observed row ({obs.sum()}); "
                    f"got shape {w.shape}."
                )
            w = w / w.mean()
        return np.abs((w[:, None] * a).mean(0) - self._kern(X, lm).mean(0))
