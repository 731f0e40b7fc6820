"""Debiased matrix factorisation: naive, IPS, SNIPS, DR, DR-JL and kernel balancing.

``DebiasedMF`` trains a matrix-factorisation click model on the observed
(user, item) pairs of missing-not-at-random feedback, with the loss corrected
by inverse propensities (IPS, SNIPS), by a doubly robust estimator (DR, DR-JL)
or by kernel-balanced propensity weights (KBIPS/KBDR and their worst-case and
adaptive variants, Li et al., ICLR 2024).

The training loop is our own (the shared ``TorchTrainingMixin._train`` fits one
module with one loss): each mini-batch alternates a step of the weight model,
then of the prediction model, then of the imputation model. It keeps the
shared conventions: ``device`` resolved at fit time, every draw from
``random_state`` through :func:`~sklweights.utils._torch.torch_seed` and a
local generator, early stopping with a counter that resets on improvement, a
per-epoch ``history_``, and fitted state held as numpy arrays.
"""

import math
import numbers
import time
import warnings

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state

from sklweights.utils._optional import import_torch
from sklweights.utils._sklearn_compat import (
    Interval,
    StrOptions,
    _fit_context,
    check_is_fitted,
    validate_data,
)
from sklweights.utils._torch import (
    TORCH_PARAMETER_CONSTRAINTS,
    TorchTrainingMixin,
    torch_seed,
)

from ._kernels import kernel_torch, median_gamma

METHODS = (
    "naive",
    "ips",
    "snips",
    "dr",
    "dr_jl",
    "kbips",
    "kbdr",
    "wkbips",
    "wkbdr",
    "akbips",
    "akbdr",
)
_KB = {"kbips", "kbdr", "wkbips", "wkbdr", "akbips", "akbdr"}
_DR_JOINT = {"dr_jl", "kbdr", "wkbdr", "akbdr"}
_CANDIDATES = 256
_PROPENSITY_CLIP = 1e-3


# --------------------------------------------------------------------- inputs
def _pairs_to_ids(est, X, *, reset, y=None):
    """Validate (user, item) id pairs; return int64 ids (and y)."""
    if hasattr(X, "columns"):
        cols = list(X.columns)
        if "user" in cols and "item" in cols and len(cols) > 2:
            X = X[["user", "item"]]
    kwargs = dict(dtype=None, ensure_min_samples=1)
    if y is None:
        X = validate_data(est, X, reset=reset, **kwargs)
    else:
        X, y = validate_data(est, X, y, reset=reset, **kwargs)
    X = np.asarray(X)
    if X.shape[1] != 2:
        raise ValueError(
            f"{type(est).__name__} expects X of shape (n_pairs, 2) holding "
            f"(user id, item id) pairs; got {X.shape[1]} column(s)."
        )
    if X.dtype.kind not in "iub":
        try:
            Xf = X.astype(float)
        except (TypeError, ValueError) as exc:
            raise ValueError(
                f"X must hold integer (user, item) ids; got values of dtype {X.dtype}."
            ) from exc
        if not np.all(np.isfinite(Xf)) or np.any(Xf != np.round(Xf)):
            raise ValueError(
                "X must hold integer (user, item) ids; got non-integer values "
                "(e.g. continuous features). Encode users and items as "
                "0-based integers first (e.g. with OrdinalEncoder)."
            )
        X = Xf
    ids = X.astype(np.int64)
    if ids.size and ids.min() < 0:
        raise ValueError(
            f"user and item ids must be non-negative; got minimum {ids.min()}."
        )
    return ids, y


def _check_binary(y, what="y"):
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"{what} must be 1-d; got shape {y.shape}.")
    if y.dtype.kind == "b":
        return y.astype(np.int64)
    try:
        yf = y.astype(float)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"{what} must hold binary labels in {{0, 1}}; got dtype {y.dtype}."
        ) from exc
    bad = ~np.isin(yf, (0.0, 1.0))
    if np.any(bad):
        raise ValueError(
            f"{what} must hold binary labels in {{0, 1}} (e.g. rating >= 3 -> 1); "
            f"got values such as {np.unique(y[bad])[:5].tolist()}."
        )
    return yf.astype(np.int64)


# ------------------------------------------------------------ base propensity
def _logistic_propensity(
    users, items, n_users, n_items, *, alpha=1.0, n_iter=50, torch=None, device="cpu"
):
    """Observation probabilities ``sigmoid(c + a_u + b_i)`` fitted on all pairs.

    Maximum likelihood of the logistic model of the observation indicator with
    a user and an item effect (ridge ``alpha`` on the effects), by alternating
    one-dimensional Newton steps; needs no missing-at-random data.

    Each step needs row and column sums of ``p(1 - p)`` over the whole
    ``n_users x n_items`` grid; they are computed with torch (float64) on
    ``device`` in row blocks, so the grid is never held whole and the work
    runs on the GPU when the estimator trains there.
    """
    if torch is None:
        from sklweights.utils._optional import import_torch

        torch = import_torch()
    f64 = torch.float64
    n_u = torch.as_tensor(
        np.bincount(users, minlength=n_users), dtype=f64, device=device
    )
    n_i = torch.as_tensor(
        np.bincount(items, minlength=n_items), dtype=f64, device=device
    )
    frac = len(users) / (n_users * n_items)
    c = math.log(frac / (1 - frac)) if 0 < frac < 1 else 0.0
    a = torch.zeros(n_users, dtype=f64, device=device)
    b = torch.zeros(n_items, dtype=f64, device=device)
    rows = max(1, (1 << 22) // max(n_items, 1))  # ~32 MB of float64 a block

    def sums(axis):
        s1 = torch.zeros(n_users if axis == 1 else n_items, dtype=f64, device=device)
        s2 = torch.zeros_like(s1)
        for r0 in range(0, n_users, rows):
            p = torch.sigmoid(c + a[r0 : r0 + rows, None] + b[None, :])
            if axis == 1:
                s1[r0 : r0 + rows] = p.sum(1)
                s2[r0 : r0 + rows] = (p * (1 - p)).sum(1)
            else:
                s1 += p.sum(0)
                s2 += (p * (1 - p)).sum(0)
        return s1, s2

    for _ in range(n_iter):
        s1, s2 = sums(1)
        a += (n_u - s1 - alpha * a) / (s2 + alpha)
        s1, s2 = sums(0)
        step = (n_i - s1 - alpha * b) / (s2 + alpha)
        b += step
        if float(step.abs().max()) < 1e-6:
            break
    return c, a.cpu().numpy(), b.cpu().numpy()


# -------------------------------------------------------------- torch modules
class _Adam:
    """Adam (Kingma & Ba) with L2 weight decay added to the gradient.

    The same update as ``torch.optim.Adam(weight_decay=...)``; written here
    because the first ``torch.optim`` optimiser of a process imports
    ``torch._dynamo`` (seconds of start-up on a loaded 2-core machine).
    """

    def __init__(self, torch, params, *, lr, weight_decay, betas=(0.9, 0.999)):
        self.torch = torch
        self.params = list(params)
        self.lr, self.wd, self.betas, self.eps = lr, weight_decay, betas, 1e-8
        self.m = [torch.zeros_like(p) for p in self.params]
        self.v = [torch.zeros_like(p) for p in self.params]
        self.t = 0

    def zero_grad(self, set_to_none=True):
        for p in self.params:
            p.grad = None

    def step(self):
        self.t += 1
        b1, b2 = self.betas
        c1 = 1 - b1**self.t
        c2 = 1 - b2**self.t
        with self.torch.no_grad():
            for p, m, v in zip(self.params, self.m, self.v):
                if p.grad is None:
                    continue
                g = p.grad
                if self.wd:
                    g = g.add(p, alpha=self.wd)
                m.mul_(b1).add_(g, alpha=1 - b1)
                v.mul_(b2).addcmul_(g, g, value=1 - b2)
                denom = (v / c2).sqrt_().add_(self.eps)
                p.addcdiv_(m, denom, value=-self.lr / c1)


def _make_adam(torch, params, *, lr, weight_decay, device):
    """torch's fused Adam on CUDA (one kernel a step), else ``_Adam``.

    Both apply the same update (L2 ``weight_decay`` added to the gradient).
    """
    if device.type == "cuda":
        return torch.optim.Adam(params, lr=lr, weight_decay=weight_decay, fused=True)
    return _Adam(torch, params, lr=lr, weight_decay=weight_decay)


def _mf_module(torch, n_users, n_items, k, *, bias_init=0.0, scale=0.1):
    nn = torch.nn
    mod = nn.Module()
    mod.user = nn.Parameter(scale * torch.randn(n_users, k))
    mod.item = nn.Parameter(scale * torch.randn(n_items, k))
    mod.user_bias = nn.Parameter(torch.zeros(n_users))
    mod.item_bias = nn.Parameter(torch.zeros(n_items))
    mod.bias = nn.Parameter(torch.full((1,), float(bias_init)))
    return mod


def _mf_logit(mod, u, i):
    return (
        (mod.user[u] * mod.item[i]).sum(-1)
        + mod.user_bias[u]
        + mod.item_bias[i]
        + mod.bias
    )


class DebiasedMF(ClassifierMixin, TorchTrainingMixin, BaseEstimator):
    """Matrix factorisation trained on missing-not-at-random feedback.

    A matrix-factorisation click model ``P(r=1 | u, i) = sigmoid(<P_u, Q_i> +
    b_u + b_i + b)`` is trained on the observed (user, item) pairs with a
    loss that corrects for the selection of what users rated:

    ``naive``
        Mean binary cross-entropy over the observed pairs (biased).
    ``ips`` / ``snips``
        Inverse-propensity weighted (self-normalised) loss with the base
        propensity ``base_propensity``.
    ``dr``
        Doubly robust loss with a fixed imputed label (the IPS estimate of
        the positive rate) for every pair.
    ``dr_jl``
        Doubly robust joint learning (Wang et al. 2019): an imputation MF
        predicts the label, trained jointly on the observed pairs.
    ``kbips`` / ``kbdr``
        Kernel balancing (Li et al. 2024): the propensity weights ``w = sigmoid
        (MF_w(u, i)) / p_base(u, i)`` come from a separate MF trained to
        minimise ``mean(w log w)`` plus ``balance_weight`` times a hinge
        penalty on the imbalance, between the weighted observed pairs and all
        pairs, of the kernel functions ``K(x_j, .)`` at ``n_landmarks``
        random landmark pairs ``x_j``; IPS (or DR-JL) then uses ``w``.
    ``wkbips`` / ``wkbdr``
        Landmarks of the worst-case imbalanced kernel function.
    ``akbips`` / ``akbdr``
        Adaptive landmarks: the current prediction loss is projected onto the
        kernel functions by weighted least squares and the landmarks with the
        largest coefficients are balanced.

    Each mini-batch takes a step of the weight model, then of the prediction
    model, then of the imputation model (DR-JL family), with Adam, and draws
    ``unobserved_ratio`` random pairs of the universe per observed pair.

    Parameters
    ----------
    method : str, default="kbips"
        One of ``"naive", "ips", "snips", "dr", "dr_jl", "kbips", "kbdr",
        "wkbips", "wkbdr", "akbips", "akbdr"``.
    n_factors : int, default=4
        Latent dimension of the prediction, weight and imputation MFs.
    base_propensity : {"logistic", "naive_bayes", "uniform"} or array-like, \
            default="logistic"
        Base observation probabilities ``p_base``. ``"logistic"``: a logistic
        model of the observation indicator with a user and an item effect,
        fitted on all pairs (needs no missing-at-random data).
        ``"naive_bayes"``: ``P(o=1 | r) = P(r | o=1) P(o=1) / P(r)`` with
        ``P(r)`` from the missing-at-random labels ``y_mar`` passed to ``fit``
        (the convention of the reference code, which uses 5% of the MAR test
        labels). ``"uniform"``: the observed fraction for every pair. An array
        of shape (n_pairs,) gives the observation probability of each training
        pair (e.g. Coat's published propensities, or the ``predict_proba`` of
        a fitted :class:`BalancedPropensity`).
    kernel : {"rbf", "laplacian"}, default="rbf"
        ``exp(-gamma ||x - x'||^2)`` or ``exp(-gamma ||x - x'||)`` on the pair
        features ``x_ui`` (user and item embeddings, see Notes).
    kernel_gamma : float or "median", default="median"
        Kernel bandwidth; ``"median"`` is the median heuristic.
    n_landmarks : int, default=3
        Number J of kernel functions balanced per mini-batch.
    balance_weight : float, default=10.0
        Weight gamma of the balance penalty in the weight model's loss.
    balance_tol : float, default=0.0
        Tolerance C of the hinge ``max(0, |imbalance| - C)``.
    balance_constraint : {"per_landmark", "summed"}, default="per_landmark"
        ``"per_landmark"``: ``sum_j max(0, |d_j| - C)``, every landmark
        balanced. ``"summed"``: the reference code's
        ``max(0, sum_j d_j - C) + max(0, -sum_j d_j - C)``, which lets
        imbalances of opposite signs cancel.
    unobserved_ratio : int, default=5
        Number G of pairs drawn from the universe per observed pair (for the
        balance targets and the DR terms).
    learning_rate : float, default=0.05
        Adam step of the prediction MF.
    weight_decay : float, default=1e-4
        Adam weight decay of the prediction MF.
    propensity_learning_rate : float, default=0.01
    propensity_weight_decay : float, default=1e-4
        Same for the weight (propensity) MF of the kernel-balancing methods.
    imputation_learning_rate : float, default=0.05
    imputation_weight_decay : float, default=1e-4
        Same for the imputation MF of the DR-JL family.
    batch_size : int, default=512
        Observed pairs per mini-batch.
    max_epochs : int, default=30
    early_stopping : bool, default=False
        When True, ``validation_fraction`` of the observed pairs is held out
        and training stops when their inverse-propensity weighted
        cross-entropy (self-normalised, base propensity; plain for
        ``naive``) has not improved by ``tol`` for ``n_iter_no_change``
        epochs; the best epoch's weights are restored. When False, the same
        rule applies to the training objective.
    validation_fraction : float, default=0.1
    n_iter_no_change : int, default=5
    tol : float, default=1e-4
        Relative improvement that resets the no-improvement counter.
    device : {"auto", "cpu", "cuda", "cuda:N"}, default="auto"
    random_state : int, RandomState instance or None, default=None
        Seeds the initialisation (identical across methods for one seed),
        the batches and the landmark draws.
    verbose : int, default=0

    Attributes
    ----------
    classes_ : ndarray of shape (2,)
        ``[0, 1]``.
    n_users_, n_items_ : int
        Size of the universe of pairs.
    user_factors_, item_factors_ : ndarray
        Prediction MF factors; ``user_bias_``, ``item_bias_``, ``bias_`` its
        biases.
    propensity_weights_ : ndarray of shape (n_train_pairs,)
        Weights of the training pairs in the final loss (1 for ``naive``;
        normalised inverse base propensities for IPS/DR; balanced weights for
        the kernel methods); in the order of ``X``.
    base_propensity_ : ndarray of shape (n_train_pairs,)
        Base observation probabilities of the training pairs.
    landmarks_ : ndarray of shape (n_landmarks, 2)
        (user, item) pairs balanced in the last mini-batch (kernel methods;
        empty otherwise).
    balance_violation_ : ndarray of shape (n_monitor_landmarks,)
        ``|mean_obs(w K_j) - mean_D(K_j)|`` at fixed random monitoring
        landmarks (held out from training) with the final weights.
    kernel_gamma_ : float
        Bandwidth used.
    history_ : list of dict
        Per epoch: ``train_loss``, ``balance_violation`` (max over the
        monitoring landmarks), ``time`` (seconds), ``valid_loss`` with early
        stopping.
    n_epochs_, best_epoch_ : int
    device_ : str
    n_features_in_ : int
        Always 2.
    feature_names_in_ : ndarray of str
        Defined when ``X`` is a DataFrame with string column names.

    See Also
    --------
    BalancedPropensity : kernel-balanced propensity weights for tabular data.
    sklweights.datasets.make_mnar_ratings : semi-synthetic MNAR data.

    Notes
    -----
    Pair features for the kernels: the reference code uses 4-dimensional
    pretrained user and item embeddings whose training is not documented; we
    take the rank-4 truncated SVD of the observed label matrix (``2 r - 1`` on
    observed cells, 0 elsewhere), concatenate the user and item parts and
    standardise them, which is deterministic and needs no extra training.

    The reference code sums the J imbalances before the hinge; the default
    here balances each landmark (``balance_constraint="per_landmark"``),
    because a sum lets imbalances of opposite signs cancel and is then not a
    balance constraint on any single kernel function.

    References
    ----------
    H. Li, Y. Xiao, C. Zheng, P. Wu, Z. Geng, X. Chen, P. Cui, "Debiased
    Collaborative Filtering with Kernel-Based Causal Balancing", ICLR 2024,
    arXiv:2404.19596.
    X. Wang, R. Zhang, Y. Sun, J. Qi, "Doubly Robust Joint Learning for
    Recommendation on Data Missing Not at Random", ICML 2019.

    Examples
    --------
    >>> from sklweights.datasets import make_mnar_ratings
    >>> from sklweights.recsys import DebiasedMF
    >>> data = make_mnar_ratings(40, 100, random_state=0)
    >>> model = DebiasedMF(method="ips", max_epochs=3, random_state=0,
    ...                    device="cpu").fit(data.X_train, data.y_train)
    >>> model.predict_proba(data.X_test[:2]).shape
    (2, 2)
    """

    _requires_torch = True

    @classmethod
    def _torch_hint_example_data(cls, rng):
        """Small valid ``fit`` arguments (used to test the missing-torch hint)."""
        import numpy as np

        X = np.array([[u, i] for u in range(4) for i in range(4) if (u + i) % 2])
        return (X, np.arange(len(X)) % 2), {}

    _parameter_constraints = {
        **TORCH_PARAMETER_CONSTRAINTS,
        # the shared table lists the string "object", which sklearn rejects as
        # a constraint; device strings are resolved at fit time
        "device": [str],
        "method": [StrOptions(set(METHODS))],
        "n_factors": [Interval(numbers.Integral, 1, None, closed="left")],
        "base_propensity": [
            StrOptions({"logistic", "naive_bayes", "uniform"}),
            "array-like",
        ],
        "kernel": [StrOptions({"rbf", "laplacian"})],
        "kernel_gamma": [
            Interval(numbers.Real, 0, None, closed="neither"),
            StrOptions({"median"}),
        ],
        "n_landmarks": [Interval(numbers.Integral, 1, None, closed="left")],
        "balance_weight": [Interval(numbers.Real, 0, None, closed="left")],
        "balance_tol": [Interval(numbers.Real, 0, None, closed="left")],
        "balance_constraint": [StrOptions({"per_landmark", "summed"})],
        "unobserved_ratio": [Interval(numbers.Integral, 1, None, closed="left")],
        "weight_decay": [Interval(numbers.Real, 0, None, closed="left")],
        "propensity_learning_rate": [Interval(numbers.Real, 0, None, closed="neither")],
        "propensity_weight_decay": [Interval(numbers.Real, 0, None, closed="left")],
        "imputation_learning_rate": [Interval(numbers.Real, 0, None, closed="neither")],
        "imputation_weight_decay": [Interval(numbers.Real, 0, None, closed="left")],
    }

    def __init__(
        self,
        method="kbips",
        *,
        n_factors=4,
        base_propensity="logistic",
        kernel="rbf",
        kernel_gamma="median",
        n_landmarks=3,
        balance_weight=10.0,
        balance_tol=0.0,
        balance_constraint="per_landmark",
        unobserved_ratio=5,
        learning_rate=0.05,
        weight_decay=1e-4,
        propensity_learning_rate=0.01,
        propensity_weight_decay=1e-4,
        imputation_learning_rate=0.05,
        imputation_weight_decay=1e-4,
        batch_size=512,
        max_epochs=30,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=5,
        tol=1e-4,
        device="auto",
        random_state=None,
        verbose=0,
    ):
        self.method = method
        self.n_factors = n_factors
        self.base_propensity = base_propensity
        self.kernel = kernel
        self.kernel_gamma = kernel_gamma
        self.n_landmarks = n_landmarks
        self.balance_weight = balance_weight
        self.balance_tol = balance_tol
        self.balance_constraint = balance_constraint
        self.unobserved_ratio = unobserved_ratio
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.propensity_learning_rate = propensity_learning_rate
        self.propensity_weight_decay = propensity_weight_decay
        self.imputation_learning_rate = imputation_learning_rate
        self.imputation_weight_decay = imputation_weight_decay
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        tags.classifier_tags.multi_class = False
        tags.non_deterministic = False
        return tags

    # ------------------------------------------------------------------ fit
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, *, n_users=None, n_items=None, y_mar=None):
        """Train on the observed pairs ``X`` with labels ``y``.

        Parameters
        ----------
        X : array-like of shape (n_pairs, 2) or DataFrame
            Observed (user id, item id) pairs, non-negative integers (a
            DataFrame may name them ``user`` and ``item``).
        y : array-like of shape (n_pairs,)
            Binary labels in ``{0, 1}``.
        n_users, n_items : int, default=None
            Size of the universe (all user x item pairs); the largest id + 1
            when None.
        y_mar : array-like of shape (n_mar,), default=None
            Binary labels of a missing-at-random sample, required by
            ``base_propensity="naive_bayes"`` (and only used by it).

        Returns
        -------
        self : DebiasedMF
        """
        torch = import_torch("DebiasedMF")
        ids, y = _pairs_to_ids(self, X, reset=True, y=y)
        y = _check_binary(y)
        users, items = ids[:, 0], ids[:, 1]
        n_users = self._check_size(n_users, users, "n_users", "user")
        n_items = self._check_size(n_items, items, "n_items", "item")
        counts = np.bincount(users, minlength=n_users)
        if np.any(counts == 0):
            empty = np.flatnonzero(counts == 0)
            raise ValueError(
                f"{empty.size} user(s) in range(n_users={n_users}) have no observed "
                f"pair (e.g. user {empty[:5].tolist()}); re-index users to those "
                "with observations or lower n_users."
            )
        if isinstance(self.base_propensity, str) and (
            self.base_propensity == "naive_bayes"
        ):
            if y_mar is None:
                raise ValueError(
                    "base_propensity='naive_bayes' needs y_mar, the labels of a "
                    "missing-at-random sample; pass fit(..., y_mar=...) or use "
                    "base_propensity='logistic', which needs no MAR data."
                )
            y_mar = _check_binary(np.asarray(y_mar).ravel(), "y_mar")
        self.classes_ = np.array([0, 1])
        self.n_users_, self.n_items_ = n_users, n_items
        n_obs, n_all = len(y), n_users * n_items
        if n_obs > n_all:
            raise ValueError(
                f"X has {n_obs} pairs but the universe has only {n_all}; "
                "pairs must not repeat."
            )
        rng = check_random_state(self.random_state)
        device = self._fit_device()
        p_base = self._base_propensity(
            users, items, y, y_mar, n_users, n_items, torch=torch, device=device
        )
        self.base_propensity_ = p_base
        feats_u, feats_i = self._pair_features(users, items, y, n_users, n_items)
        fu = np.concatenate([feats_u[users], feats_i[items]], axis=1)
        gamma = (
            median_gamma(fu, rng)
            if self.kernel_gamma == "median"
            else self.kernel_gamma
        )
        self.kernel_gamma_ = float(gamma)

        with torch_seed(self._torch_seed_, device) as gen:
            self._fit_torch(
                torch, gen, device, users, items, y, p_base, feats_u, feats_i
            )
        return self

    def _check_size(self, n, ids, name, what):
        top = int(ids.max()) + 1 if ids.size else 0
        if n is None:
            return top
        if not isinstance(n, numbers.Integral) or n < 1:
            raise ValueError(f"{name} must be a positive integer; got {n!r}.")
        if top > n:
            raise ValueError(f"{what} ids must be < {name}={n}; got the id {top - 1}.")
        return int(n)

    def _base_propensity(
        self, users, items, y, y_mar, n_users, n_items, *, torch=None, device="cpu"
    ):
        frac = len(users) / (n_users * n_items)
        if not isinstance(self.base_propensity, str):
            p = np.asarray(self.base_propensity, dtype=float).ravel()
            if p.shape != (len(users),):
                raise ValueError(
                    "base_propensity given as an array must hold one observation "
                    f"probability per training pair ({len(users)}); got shape "
                    f"{np.shape(self.base_propensity)}."
                )
            if not np.all(np.isfinite(p)) or np.any(p <= 0) or np.any(p > 1):
                raise ValueError("base_propensity values must lie in (0, 1].")
        elif self.base_propensity == "uniform":
            p = np.full(len(users), frac)
        elif self.base_propensity == "logistic":
            c, a, b = _logistic_propensity(
                users, items, n_users, n_items, torch=torch, device=device
            )
            p = 1.0 / (1.0 + np.exp(-(c + a[users] + b[items])))
        else:
            # P(o=1 | r) = P(r | o=1) P(o=1) / P(r)
            p_r1_mar = float(np.clip(y_mar.mean(), 1e-3, 1 - 1e-3))
            p_r1_obs = float(y.mean())
            p_r_obs = np.where(y == 1, p_r1_obs, 1 - p_r1_obs)
            p_r_mar = np.where(y == 1, p_r1_mar, 1 - p_r1_mar)
            p = p_r_obs * frac / p_r_mar
        return np.clip(p, _PROPENSITY_CLIP, 1.0)

    def _pair_features(self, users, items, y, n_users, n_items, k=4):
        """User and item embeddings for the kernels: truncated SVD, standardised."""
        k = max(1, min(k, n_users - 1, n_items - 1))
        mat = np.zeros((n_users, n_items))
        mat[users, items] = 2.0 * y - 1.0
        if n_users * n_items <= 250_000:  # dense SVD is cheap; sparse beyond
            u, s, vt = np.linalg.svd(mat, full_matrices=False)
        else:
            from scipy.sparse import csr_matrix
            from scipy.sparse.linalg import svds

            sp = csr_matrix((2.0 * y - 1.0, (users, items)), shape=(n_users, n_items))
            u, s, vt = svds(sp, k=k, v0=np.ones(min(n_users, n_items)))
            order = np.argsort(-s)
            u, s, vt = u[:, order], s[order], vt[order]
        u, s, vt = u[:, :k], s[:k], vt[:k]
        # fix the signs for determinism across LAPACK builds
        signs = np.sign(u[np.argmax(np.abs(u), axis=0), np.arange(u.shape[1])])
        signs[signs == 0] = 1
        fu = u * np.sqrt(s) * signs
        fi = vt.T * np.sqrt(s) * signs
        scale = np.concatenate([fu[users], fi[items]]).std() or 1.0
        return fu / scale, fi / scale

    # ------------------------------------------------------------ the loop
    def _fit_torch(self, torch, gen, device, users, items, y, p_base, fu, fi):
        method = self.method
        kb = method in _KB
        n_users, n_items = self.n_users_, self.n_items_
        n_obs, n_all = len(y), n_users * n_items
        frac = n_obs / n_all
        f32 = torch.float32

        # one initialisation for every method: the three modules are always
        # built, in the same order, under the same seed
        pred = _mf_module(torch, n_users, n_items, self.n_factors).to(device)
        wmod = _mf_module(
            torch,
            n_users,
            n_items,
            self.n_factors,
            bias_init=math.log(frac / (1 - frac)),
        ).to(device)
        imp = _mf_module(torch, n_users, n_items, self.n_factors).to(device)
        opt_pred = _make_adam(
            torch,
            pred.parameters(),
            lr=self.learning_rate,
            weight_decay=self.weight_decay,
            device=device,
        )
        opt_w = _make_adam(
            torch,
            wmod.parameters(),
            lr=self.propensity_learning_rate,
            weight_decay=self.propensity_weight_decay,
            device=device,
        )
        opt_imp = _make_adam(
            torch,
            imp.parameters(),
            lr=self.imputation_learning_rate,
            weight_decay=self.imputation_weight_decay,
            device=device,
        )

        # data on the device
        all_idx = np.arange(n_obs)
        tr_idx, va_idx = self._train_val_indices(n_obs, gen)
        t_u = torch.as_tensor(users, device=device)
        t_i = torch.as_tensor(items, device=device)
        t_y = torch.as_tensor(y, dtype=f32, device=device)
        t_invp = torch.as_tensor(1.0 / p_base, dtype=f32, device=device)
        b_norm = t_invp * frac  # normalised inverse propensity, mean ~ 1
        t_fu = torch.as_tensor(fu, dtype=f32, device=device)
        t_fi = torch.as_tensor(fi, dtype=f32, device=device)
        gamma = self.kernel_gamma_
        bce = torch.nn.functional.binary_cross_entropy_with_logits

        def feats(u, i):
            return torch.cat([t_fu[u], t_fi[i]], dim=1)

        def kern(a, b):
            return kernel_torch(torch, a, b, kernel=self.kernel, gamma=gamma)

        # fixed imputed label of plain DR: IPS estimate of the positive rate
        y_tr = y[tr_idx]
        b_tr = (1.0 / p_base)[tr_idx]
        dr_label = float(np.clip((b_tr * y_tr).sum() / b_tr.sum(), 1e-3, 1 - 1e-3))

        # balance monitor: fixed random landmarks and a fixed sample of D
        n_mon, n_ref = 20, min(n_all, 20000)
        mon_u = torch.randint(0, n_users, (n_mon,), generator=gen)
        mon_i = torch.randint(0, n_items, (n_mon,), generator=gen)
        ref_u = torch.randint(0, n_users, (n_ref,), generator=gen)
        ref_i = torch.randint(0, n_items, (n_ref,), generator=gen)
        self.monitor_landmarks_ = np.column_stack([mon_u.numpy(), mon_i.numpy()])
        x_mon = feats(mon_u.to(device), mon_i.to(device))
        k_ref_mean = kern(feats(ref_u.to(device), ref_i.to(device)), x_mon).mean(0)
        tr_t = torch.as_tensor(tr_idx, device=device)
        k_obs_mon = kern(feats(t_u[tr_t], t_i[tr_t]), x_mon)

        def current_weights(idx):
            if kb:
                return torch.sigmoid(_mf_logit(wmod, t_u[idx], t_i[idx])) * t_invp[idx]
            if method == "naive":
                return torch.ones(len(idx), device=device)
            return b_norm[idx]

        def monitor():
            with torch.no_grad():
                w = current_weights(tr_t)
                return (w[:, None] * k_obs_mon).mean(0) - k_ref_mean

        n_tr = len(tr_idx)
        bsz = min(self.batch_size, n_tr)
        n_batches = max(1, n_tr // bsz)  # last partial batch dropped
        G = self.unobserved_ratio
        J = self.n_landmarks
        self.history_ = []
        best, best_state, best_epoch, no_improve = math.inf, None, 0, 0
        converged = False
        last_landmarks = np.empty((0, 2), dtype=np.int64)
        from tqdm.auto import tqdm

        bar = tqdm(
            range(self.max_epochs),
            disable=not self.verbose,
            desc="DebiasedMF",
            unit="epoch",
            leave=False,
        )
        for epoch in bar:
            t_start = time.perf_counter()
            perm = torch.as_tensor(tr_idx)[torch.randperm(n_tr, generator=gen)]
            pool_u = torch.randint(0, n_users, (n_batches, bsz * G), generator=gen)
            pool_i = torch.randint(0, n_items, (n_batches, bsz * G), generator=gen)
            lm_rand = torch.randint(0, bsz * G, (n_batches, J), generator=gen)
            perm, pool_u, pool_i = perm.to(device), pool_u.to(device), pool_i.to(device)
            total = torch.zeros((), device=device)
            for bi in range(n_batches):
                idx = perm[bi * bsz : (bi + 1) * bsz]
                u, i, yb = t_u[idx], t_i[idx], t_y[idx]
                pu, pi = pool_u[bi], pool_i[bi]

                # ---- weight model step (kernel balancing)
                if kb:
                    xo, xp = feats(u, i), feats(pu, pi)
                    w_cur = torch.sigmoid(_mf_logit(wmod, u, i)) * t_invp[idx]
                    lm = self._landmarks(
                        torch,
                        method,
                        lm_rand[bi],
                        xo,
                        xp,
                        w_cur.detach(),
                        pred,
                        u,
                        i,
                        yb,
                        kern,
                        bce,
                    )
                    x_lm = xp[lm]
                    k_o = kern(xo, x_lm)
                    k_p = kern(xp, x_lm)
                    h_all = k_p.mean(0)
                    h_obs = (w_cur[:, None] * k_o).mean(0)
                    d = h_obs - h_all
                    if self.balance_constraint == "per_landmark":
                        pen = torch.relu(d.abs() - self.balance_tol).sum()
                    else:
                        s = d.sum()
                        pen = torch.relu(s - self.balance_tol) + torch.relu(
                            -s - self.balance_tol
                        )
                    loss_w = (
                        w_cur * torch.log(w_cur)
                    ).mean() + self.balance_weight * pen
                    opt_w.zero_grad(set_to_none=True)
                    loss_w.backward()
                    opt_w.step()
                    with torch.no_grad():
                        w = torch.sigmoid(_mf_logit(wmod, u, i)) * t_invp[idx]
                    if bi == n_batches - 1:
                        last_landmarks = np.column_stack(
                            [pu[lm].cpu().numpy(), pi[lm].cpu().numpy()]
                        )
                elif method == "naive":
                    w = None
                else:
                    w = b_norm[idx]

                # ---- prediction model step
                logit = _mf_logit(pred, u, i)
                e = bce(logit, yb, reduction="none")
                if method == "naive":
                    loss = e.mean()
                elif method == "snips":
                    loss = (w * e).sum() / w.sum()
                elif method in ("ips", "kbips", "wkbips", "akbips"):
                    loss = (w * e).mean()
                else:  # DR family
                    logit_p = _mf_logit(pred, pu, pi)
                    if method == "dr":
                        lab_o = torch.full_like(yb, dr_label)
                        lab_p = torch.full_like(logit_p, dr_label)
                    else:
                        with torch.no_grad():
                            lab_o = torch.sigmoid(_mf_logit(imp, u, i))
                            lab_p = torch.sigmoid(_mf_logit(imp, pu, pi))
                    e_hat_o = bce(logit, lab_o, reduction="none")
                    e_hat_p = bce(logit_p, lab_p, reduction="none")
                    loss = e_hat_p.mean() + (w * (e - e_hat_o)).mean()
                opt_pred.zero_grad(set_to_none=True)
                loss.backward()
                opt_pred.step()
                # summed on the device, read once an epoch (no per-step sync)
                total += loss.detach()

                # ---- imputation model step (DR-JL family)
                if method in _DR_JOINT:
                    with torch.no_grad():
                        logit_d = _mf_logit(pred, u, i)
                        e_d = bce(logit_d, yb, reduction="none")
                    e_hat = bce(
                        logit_d, torch.sigmoid(_mf_logit(imp, u, i)), reduction="none"
                    )
                    loss_imp = (w * (e_d - e_hat) ** 2).mean()
                    opt_imp.zero_grad(set_to_none=True)
                    loss_imp.backward()
                    opt_imp.step()

            train_loss = float(total) / n_batches
            if not math.isfinite(train_loss):
                raise FloatingPointError(
                    f"DebiasedMF: the training loss became {train_loss} at "
                    f"epoch {epoch + 1}; lower learning_rate."
                )
            viol = monitor()
            record = {
                "epoch": epoch + 1,
                "train_loss": train_loss,
                "balance_violation": float(viol.abs().max()),
                "time": time.perf_counter() - t_start,
            }
            score = record["train_loss"]
            if va_idx is not None:
                score = self._valid_loss(
                    torch, pred, va_idx, t_u, t_i, t_y, t_invp, bce
                )
                record["valid_loss"] = score
            self.history_.append(record)
            bar.set_postfix({k: f"{v:.4g}" for k, v in record.items() if k != "epoch"})
            if epoch == 0 or score < best - self.tol * max(abs(best), 1e-12):
                best, best_epoch, no_improve = score, epoch + 1, 0
                if self.early_stopping:
                    best_state = [
                        {k: v.detach().clone() for k, v in m.state_dict().items()}
                        for m in (pred, wmod, imp)
                    ]
            else:
                no_improve += 1
            if no_improve >= self.n_iter_no_change:
                converged = True
                break
        bar.close()
        if self.early_stopping and best_state is not None:
            for m, st in zip((pred, wmod, imp), best_state):
                m.load_state_dict(st)
        if not converged and self.early_stopping:
            warnings.warn(
                f"DebiasedMF: the {'validation' if self.early_stopping else 'training'}"
                f" loss was still improving after max_epochs={self.max_epochs}.",
                ConvergenceWarning,
                stacklevel=3,
            )
        self.n_epochs_ = len(self.history_)
        self.best_epoch_ = best_epoch
        self.landmarks_ = last_landmarks
        with torch.no_grad():
            self.balance_violation_ = monitor().abs().cpu().numpy().astype(float)
            self.propensity_weights_ = (
                current_weights(torch.as_tensor(all_idx, device=device))
                .cpu()
                .numpy()
                .astype(float)
            )
        self.user_factors_ = pred.user.detach().cpu().numpy().astype(float)
        self.item_factors_ = pred.item.detach().cpu().numpy().astype(float)
        self.user_bias_ = pred.user_bias.detach().cpu().numpy().astype(float)
        self.item_bias_ = pred.item_bias.detach().cpu().numpy().astype(float)
        self.bias_ = float(pred.bias.detach().cpu())
        seen = np.zeros((n_users, n_items), dtype=bool) if n_all <= 5e7 else None
        if seen is not None:
            seen[users, items] = True
        self._seen = seen

    def _landmarks(self, torch, method, rand, xo, xp, w, pred, u, i, yb, kern, bce):
        """Indices into the pool of the J landmarks to balance in this batch."""
        J = min(self.n_landmarks, xp.shape[0])
        if method in ("kbips", "kbdr"):
            return rand[:J]
        with torch.no_grad():
            n_c = min(_CANDIDATES, xp.shape[0])
            xc = xp[:n_c]  # the pool is a uniform draw: its head is too
            k_oc = kern(xo, xc)
            eye = torch.eye(n_c, device=xo.device, dtype=xo.dtype)
            if method in ("akbips", "akbdr"):
                # weighted least squares projection of the current loss onto
                # the kernel sections K(., x_c) (ridge 1e-3 relative):
                # eps = argmin sum_obs w (e - sum_c eps_c K(x, x_c))^2
                e = bce(_mf_logit(pred, u, i), yb, reduction="none")
                ww = w / w.mean()
                m = (k_oc * ww[:, None]).T @ k_oc / xo.shape[0]
                rhs = (k_oc * ww[:, None]).T @ (e - e.mean()) / xo.shape[0]
                lam = 1e-3 * torch.trace(m) / n_c + 1e-8
                coef = torch.linalg.solve(m + lam * eye, rhs)
                return torch.topk(coef.abs(), min(J, n_c)).indices
            # worst case: maximise (eps^T g)^2 / (eps^T M eps + lam |eps|^2)
            k_pc = kern(xp, xc)
            g = (w[:, None] * k_oc).mean(0) - k_pc.mean(0)
            m = k_oc.T @ k_oc / xo.shape[0]
            lam = 1e-3 * torch.trace(m) / n_c + 1e-8
            eps = torch.linalg.solve(m + lam * eye, g)
            return torch.topk(eps.abs(), min(J, n_c)).indices

    def _valid_loss(self, torch, pred, va_idx, t_u, t_i, t_y, t_invp, bce):
        with torch.no_grad():
            idx = torch.as_tensor(va_idx, device=t_u.device)
            e = bce(_mf_logit(pred, t_u[idx], t_i[idx]), t_y[idx], reduction="none")
            if self.method == "naive":
                return float(e.mean())
            w = t_invp[idx]
            return float((w * e).sum() / w.sum())

    # -------------------------------------------------------------- predict
    def _logits(self, X):
        check_is_fitted(self)
        ids, _ = _pairs_to_ids(self, X, reset=False)
        for col, n, what in ((0, self.n_users_, "user"), (1, self.n_items_, "item")):
            if ids.size and ids[:, col].max() >= n:
                raise ValueError(
                    f"{what} id {int(ids[:, col].max())} is out of range: the model "
                    f"was fitted with n_{what}s={n}."
                )
        u, i = ids[:, 0], ids[:, 1]
        return (
            np.einsum("nk,nk->n", self.user_factors_[u], self.item_factors_[i])
            + self.user_bias_[u]
            + self.item_bias_[i]
            + self.bias_
        )

    def decision_function(self, X):
        """Logit of the predicted click probability of each pair.

        Parameters
        ----------
        X : array-like of shape (n_pairs, 2)

        Returns
        -------
        scores : ndarray of shape (n_pairs,)
        """
        return self._logits(X)

    def predict_proba(self, X):
        """Probability of label 0 and 1 for each (user, item) pair.

        Parameters
        ----------
        X : array-like of shape (n_pairs, 2)

        Returns
        -------
        proba : ndarray of shape (n_pairs, 2)
        """
        p = 1.0 / (1.0 + np.exp(-self._logits(X)))
        return np.column_stack([1.0 - p, p])

    def predict(self, X):
        """Predicted label (probability >= 0.5) of each pair.

        Parameters
        ----------
        X : array-like of shape (n_pairs, 2)

        Returns
        -------
        y_pred : ndarray of shape (n_pairs,)
        """
        logits = self._logits(X)
        return self.classes_[(logits >= 0).astype(int)]

    def score(self, X, y, sample_weight=None):
        """ROC AUC of the predicted probabilities (e.g. on MAR test pairs).

        Parameters
        ----------
        X : array-like of shape (n_pairs, 2)
        y : array-like of shape (n_pairs,)
            Binary labels.
        sample_weight : array-like of shape (n_pairs,), default=None

        Returns
        -------
        auc : float
        """
        from sklearn.metrics import roc_auc_score

        return float(
            roc_auc_score(
                _check_binary(np.asarray(y).ravel()),
                self._logits(X),
                sample_weight=sample_weight,
            )
        )

    def recommend(self, users, k=5, *, exclude_seen=True):
        """Top-k items for each user, best first.

        Parameters
        ----------
        users : array-like of int
            User ids.
        k : int, default=5
        exclude_seen : bool, default=True
            Leave out the items the user had in the training pairs.

        Returns
        -------
        items : ndarray of shape (n_users_asked, k)
            Item ids (``-1`` where fewer than k items are left).
        """
        check_is_fitted(self)
        users = np.asarray(users)
        if users.ndim == 0:
            users = users[None]
        if users.dtype.kind not in "iu" or (users.size and users.min() < 0):
            raise ValueError("users must be non-negative integer ids.")
        if users.size and users.max() >= self.n_users_:
            raise ValueError(
                f"user id {int(users.max())} is out of range: n_users={self.n_users_}."
            )
        if not isinstance(k, numbers.Integral) or k < 1:
            raise ValueError(f"k must be a positive integer; got {k!r}.")
        scores = (
            self.user_factors_[users] @ self.item_factors_.T
            + self.user_bias_[users][:, None]
            + self.item_bias_[None, :]
        )
        if exclude_seen and self._seen is not None:
            scores = np.where(self._seen[users], -np.inf, scores)
        kk = min(k, self.n_items_)
        order = np.argsort(-scores, axis=1, kind="stable")[:, :kk]
        top = np.take_along_axis(scores, order, axis=1)
        order = np.where(np.isfinite(top), order, -1)
        if kk < k:
            order = np.pad(order, ((0, 0), (0, k - kk)), constant_values=-1)
        return order
