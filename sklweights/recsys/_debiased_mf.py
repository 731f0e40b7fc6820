"""Debiased matrix factorisation: naive, IPS, SNIPS, DR, DR-JL and kernel balancing.

``DebiasedMF`` trains a matrix-factorisation click model on the observed
(user, item) pairs of missing-not-at-random feedback, with the loss corrected
by inverse propensities (IPS, SNIPS), by a doubly robust estimator (DR, DR-JL)
or by kernel-balanced propensity weights (KBIPS/KBDR and their worst-case and
adaptive variants, Li et al., ICLR 2024).

Training runs on the package's one torch loop
(:class:`~sklweights.utils._torch.TorchTrainingMixin`): the three MFs
(prediction, propensity weights, imputation) are one ``ModuleDict`` with one
optimizer each, and ``_train_step`` takes, per mini-batch, a step of the
weight model, then of the prediction model, then of the imputation model, as
the method's row of ``METHOD_STEPS`` says.
"""

import math
import numbers
import warnings
from dataclasses import dataclass

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
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
    Callback,
    TorchTrainingMixin,
    fill_torch_docstring,
    make_optimizer,
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


@dataclass(frozen=True)
class _MethodSteps:
    """What one method does in each mini-batch (a row of ``METHOD_STEPS``).

    weights : "none" (unweighted), "inverse" (normalised inverse base
        propensities) or "balanced" (a weight-model step on the kernel-balance
        objective, then its weights).
    loss : the prediction model's loss, a key of ``_PREDICTION_LOSSES``.
    imputation : None, "fixed" (one imputed label for every pair, plain DR) or
        "model" (the imputation MF, with its own step: DR-JL).
    landmarks : how the balanced kernel functions are chosen, a key of
        ``_LANDMARK_CHOICES`` (balanced weights only).
    """

    weights: str
    loss: str
    imputation: str | None = None
    landmarks: str | None = None


#: Every method as the steps it takes per mini-batch.
METHOD_STEPS = {
    "naive": _MethodSteps("none", "mean"),
    "ips": _MethodSteps("inverse", "ips"),
    "snips": _MethodSteps("inverse", "snips"),
    "dr": _MethodSteps("inverse", "dr", imputation="fixed"),
    "dr_jl": _MethodSteps("inverse", "dr", imputation="model"),
    "kbips": _MethodSteps("balanced", "ips", landmarks="random"),
    "kbdr": _MethodSteps("balanced", "dr", imputation="model", landmarks="random"),
    "wkbips": _MethodSteps("balanced", "ips", landmarks="worst_case"),
    "wkbdr": _MethodSteps("balanced", "dr", imputation="model", landmarks="worst_case"),
    "akbips": _MethodSteps("balanced", "ips", landmarks="adaptive"),
    "akbdr": _MethodSteps("balanced", "dr", imputation="model", landmarks="adaptive"),
}
assert tuple(METHOD_STEPS) == METHODS

#: Smallest base propensity: inverse weights stay below 1000.
_PROPENSITY_CLIP = 1e-3
#: Plain DR's one imputed label (the IPS estimate of the positive rate) is
#: kept in [c, 1 - c], so that its cross-entropy stays finite.
_DR_LABEL_CLIP = 1e-3
#: Standard deviation of the MF factors at initialisation (biases start at 0).
_MF_INIT_SCALE = 0.1
#: Rank of the truncated SVD whose user and item parts are the kernels' pair
#: features (the reference code's embeddings are 4-dimensional too).
_PAIR_FEATURE_RANK = 4
#: Universes up to this many cells take a dense SVD (cheap); larger ones
#: scipy's sparse ``svds`` on the observed cells only.
_DENSE_SVD_MAX_CELLS = 250_000
#: Candidate landmarks (the head of the batch's uniform pool) of the
#: worst-case and adaptive choices; their solve is cubic in this number.
_N_CANDIDATES = 256
#: Ridge of those solves, relative to the mean diagonal of the kernel Gram
#: matrix, and its absolute floor (a Gram matrix of identical pairs is zero).
_LANDMARK_RIDGE = 1e-3
_LANDMARK_RIDGE_FLOOR = 1e-8
#: Balance monitor: fixed random landmarks (never balanced in training) and
#: the size of the uniform sample of the universe their kernel means use.
_N_MONITOR_LANDMARKS = 20
_N_MONITOR_REFERENCE = 20_000
#: Logistic base propensity: float64 values of one block of grid rows (about
#: 32 MB), the most alternating Newton sweeps, and the step that stops them.
_LOGISTIC_BLOCK_VALUES = 1 << 22
_LOGISTIC_MAX_SWEEPS = 50
_LOGISTIC_TOL = 1e-6
#: An inferred universe (``n_users`` or ``n_items`` not given) is the largest
#: id + 1; it is refused when it exceeds both this factor times the number of
#: distinct ids and ``_ID_RANGE_FLOOR`` (ids that are raw keys, not 0-based
#: indices, would size the embedding tables and the universe).
_ID_RANGE_FACTOR = 10
_ID_RANGE_FLOOR = 1000
#: Largest propensity-model start ``sigmoid(bias)`` of the weight MF: a fully
#: observed universe (observed fraction 1) starts it here, not at logit(1).
_MAX_START_FRACTION = 1.0 - 1e-6


# --------------------------------------------------------------------- inputs
def _pairs_to_ids(est, X, *, reset, y=None):
    """Validate (user, item) id pairs; return int64 ids (and y).

    A DataFrame with columns named ``user`` and ``item`` is read by those
    names, in any order and among any other columns; a two-column DataFrame
    without both names is read by position (users first), unless one of its
    columns is named ``user`` or ``item`` in the other's position, which is
    refused rather than read the wrong way round.
    """
    if hasattr(X, "columns"):
        cols = list(X.columns)
        if "user" in cols and "item" in cols:
            X = X[["user", "item"]]
        elif len(cols) == 2:
            for name, pos, other in (("user", 1, "item"), ("item", 0, "user")):
                if cols[pos] == name:
                    raise ValueError(
                        f"X has a column named {name!r} in position {pos}, where "
                        f"{type(est).__name__} reads {other} ids (columns "
                        f"{cols}); name the columns 'user' and 'item' to have "
                        "them read by name, or put the user ids first."
                    )
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


def _check_unique_pairs(users, items, y):
    """Refuse repeated (user, item) pairs, counting those with both labels."""
    order = np.lexsort((items, users))
    u, i = users[order], items[order]
    repeat = (u[1:] == u[:-1]) & (i[1:] == i[:-1])
    if not np.any(repeat):
        return
    at = np.flatnonzero(repeat)
    pairs = np.unique(np.column_stack([u[at], i[at]]), axis=0)
    labels = y[order]
    conflicting = np.unique(
        np.column_stack([u[at], i[at]])[labels[at] != labels[at + 1]], axis=0
    )
    raise ValueError(
        f"X holds {pairs.shape[0]} repeated (user, item) pair(s) (e.g. "
        f"{pairs[:3].tolist()}), {conflicting.shape[0]} of them with conflicting "
        "labels; "
        "DebiasedMF models one label per observed pair (each cell of the "
        "universe observed at most once). Aggregate repeats first, e.g. "
        "df.groupby(['user', 'item'], as_index=False)['y'].max()."
    )


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
    users,
    items,
    n_users,
    n_items,
    *,
    alpha=1.0,
    n_iter=_LOGISTIC_MAX_SWEEPS,
    torch=None,
    device="cpu",
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
    rows = max(1, _LOGISTIC_BLOCK_VALUES // max(n_items, 1))

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
        if float(step.abs().max()) < _LOGISTIC_TOL:
            break
    return c, a.cpu().numpy(), b.cpu().numpy()


# -------------------------------------------------------------- torch modules
def _mf_module(torch, n_users, n_items, k, *, bias_init=0.0, scale=_MF_INIT_SCALE):
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


# ------------------------------------------------------- one mini-batch
@dataclass
class _Batch:
    """The observed pairs of one mini-batch and its pool of universe pairs."""

    u: object
    i: object
    y: object
    inv_propensity: object
    normalised_weight: object
    pool_u: object
    pool_i: object


class _MFTraining(Callback):
    """The state of one DebiasedMF fit: device tensors, draws, balance monitor.

    As a callback of the shared loop it hands itself to the train step
    (``run.state["mf"]``), draws each epoch's universe pools and landmark
    draws from the run's generator, and adds the balance violation at the
    monitoring landmarks to each epoch's record.
    """

    def __init__(self, est, torch, device, feats_u, feats_i, train, dr_label, gen):
        self.torch, self.device = torch, device
        self.steps = METHOD_STEPS[est.method]
        self.n_users, self.n_items = est.n_users_, est.n_items_
        self.ratio = est.unobserved_ratio
        self.n_landmarks = est.n_landmarks
        self.kernel_name, self.gamma = est.kernel, est.kernel_gamma_
        self.balance_weight, self.balance_tol = est.balance_weight, est.balance_tol
        self.per_landmark = est.balance_constraint == "per_landmark"
        self.dr_label = dr_label
        self.bce = torch.nn.functional.binary_cross_entropy_with_logits
        f32 = torch.float32
        self.t_fu = torch.as_tensor(feats_u, dtype=f32, device=device)
        self.t_fi = torch.as_tensor(feats_i, dtype=f32, device=device)
        self.last_landmarks = None
        self.memory, self.memory_size = None, max(est.landmark_memory, est.n_landmarks)
        # the balance monitor: fixed random landmarks, drawn once before
        # training (the same for every method under one random_state), and
        # their kernel means over the universe (exact for the rbf kernel, over
        # a fixed uniform sample of pairs for the laplacian)
        draw = lambda n, size: torch.randint(0, n, (size,), generator=gen)  # noqa: E731
        mon_u = draw(self.n_users, _N_MONITOR_LANDMARKS)
        mon_i = draw(self.n_items, _N_MONITOR_LANDMARKS)
        self.monitor_landmarks = np.column_stack([mon_u.numpy(), mon_i.numpy()])
        x_mon = self.features(mon_u.to(device), mon_i.to(device))
        x_ref = None
        if self.kernel_name != "rbf":
            n_ref = min(self.n_users * self.n_items, _N_MONITOR_REFERENCE)
            ref_u, ref_i = draw(self.n_users, n_ref), draw(self.n_items, n_ref)
            x_ref = self.features(ref_u.to(device), ref_i.to(device))
        self.k_ref_mean = self.universe_mean(x_mon, x_ref)
        self.train = [torch.as_tensor(a, device=device) for a in train]
        self.x_train = self.features(*self.train[:2])
        self.k_obs_mon = self.kernel(self.x_train, x_mon)

    # ---------------------------------------------------------- helpers
    def features(self, u, i):
        return self.torch.cat([self.t_fu[u], self.t_fi[i]], dim=1)

    def universe_mean(self, x_lm, x_sample):
        """Mean over all pairs of the universe of ``K(., x_j)`` per landmark.

        Exact for the rbf kernel, which factorises over the user and item
        halves of the pair features (``K = K_user K_item``): the mean over
        ``n_users x n_items`` pairs is the product of a mean over users and a
        mean over items. The laplacian kernel does not factorise: its mean is
        taken over ``x_sample``, a uniform sample of pairs.
        """
        if self.kernel_name == "rbf":
            k = self.t_fu.shape[1]
            return self.kernel(self.t_fu, x_lm[:, :k]).mean(0) * self.kernel(
                self.t_fi, x_lm[:, k:]
            ).mean(0)
        return self.kernel(x_sample, x_lm).mean(0)

    def kernel(self, a, b):
        return kernel_torch(self.torch, a, b, kernel=self.kernel_name, gamma=self.gamma)

    def weights(self, module, u, i, inv_propensity, normalised_weight):
        """The current weights of observed pairs (no gradient)."""
        kind = self.steps.weights
        if kind == "balanced":
            wmod = module["propensity"]
            return self.torch.sigmoid(_mf_logit(wmod, u, i)) * inv_propensity
        if kind == "none":
            return self.torch.ones(len(u), device=u.device)
        return normalised_weight

    def monitor(self, module=None):
        """Imbalance of each monitoring landmark's kernel function.

        With the current weights of ``module``, or with the base propensity's
        normalised inverse weights when ``module`` is None.
        """
        with self.torch.no_grad():
            u, i, _, invp, norm = self.train
            w = norm if module is None else self.weights(module, u, i, invp, norm)
            return (w[:, None] * self.k_obs_mon).mean(0) - self.k_ref_mean

    # -------------------------------------------------------- callbacks
    def on_train_begin(self, run):
        run.state["mf"] = self

    def on_epoch_begin(self, run):
        torch, gen, n = self.torch, run.generator, run.n_train
        batch = n if run.estimator.batch_size is None else run.estimator.batch_size
        n_batches = -(-n // batch)
        self.pool_u = torch.randint(0, self.n_users, (n * self.ratio,), generator=gen)
        self.pool_i = torch.randint(0, self.n_items, (n * self.ratio,), generator=gen)
        self.landmark_draws = torch.rand(n_batches, self.n_landmarks, generator=gen)
        self.pool_u, self.pool_i = (
            self.pool_u.to(self.device),
            self.pool_i.to(self.device),
        )
        self.landmark_draws = self.landmark_draws.to(self.device)
        if self.steps.weights == "balanced" and self.kernel_name != "rbf":
            self.x_epoch_pool = self.features(self.pool_u, self.pool_i)
        else:
            self.x_epoch_pool = None

    def on_epoch_end(self, run, record):
        record["balance_violation"] = float(self.monitor(run.module).abs().max())

    def batch(self, run, u, i, y, invp, norm):
        start, stop = (
            run.batch_start * self.ratio,
            (run.batch_start + len(u)) * self.ratio,
        )
        return _Batch(
            u, i, y, invp, norm, self.pool_u[start:stop], self.pool_i[start:stop]
        )


# ------------------------------------------- the steps of METHOD_STEPS
def _step(optimizer, loss):
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()


def _random_landmarks(mf, run, b, x_obs, x_pool, w):
    """Uniform landmarks from the batch's pool (KBIPS, KBDR)."""
    J = min(mf.n_landmarks, x_pool.shape[0])
    draws = mf.landmark_draws[run.batch_index, :J]
    return (draws * x_pool.shape[0]).long().clamp_(max=x_pool.shape[0] - 1)


def _ridge_solve(mf, gram, rhs):
    n_c = gram.shape[0]
    eye = mf.torch.eye(n_c, device=gram.device, dtype=gram.dtype)
    lam = _LANDMARK_RIDGE * mf.torch.trace(gram) / n_c + _LANDMARK_RIDGE_FLOOR
    return mf.torch.linalg.solve(gram + lam * eye, rhs)


def _worst_case_landmarks(mf, run, b, x_obs, x_pool, w):
    """The landmarks that carry the worst-case imbalanced kernel function.

    Maximises ``(eps' g)^2 / (eps' M eps + lam |eps|^2)`` over kernel
    functions ``sum_c eps_c K(., x_c)`` on the candidates: ``eps`` solves
    ``(M + lam I) eps = g``; the J largest ``|eps_c|`` are balanced.
    """
    x_c = x_pool[:_N_CANDIDATES]  # the pool is a uniform draw: its head is too
    k_oc = mf.kernel(x_obs, x_c)
    g = (w[:, None] * k_oc).mean(0) - mf.universe_mean(x_c, x_pool)
    eps = _ridge_solve(mf, k_oc.T @ k_oc / x_obs.shape[0], g)
    return mf.torch.topk(eps.abs(), min(mf.n_landmarks, x_c.shape[0])).indices


def _adaptive_landmarks(mf, run, b, x_obs, x_pool, w):
    """The landmarks whose kernel functions best explain the current loss.

    Weighted least squares ``eps = argmin sum_obs w (e - sum_c eps_c
    K(x, x_c))^2`` (ridge as above); the J largest ``|eps_c|`` are balanced.
    """
    x_c = x_pool[:_N_CANDIDATES]
    k_oc = mf.kernel(x_obs, x_c)
    e = mf.bce(_mf_logit(run.module["prediction"], b.u, b.i), b.y, reduction="none")
    ww = (w / w.mean())[:, None]
    gram = (k_oc * ww).T @ k_oc / x_obs.shape[0]
    rhs = (k_oc * ww).T @ (e - e.mean()) / x_obs.shape[0]
    eps = _ridge_solve(mf, gram, rhs)
    return mf.torch.topk(eps.abs(), min(mf.n_landmarks, x_c.shape[0])).indices


_LANDMARK_CHOICES = {
    "random": _random_landmarks,
    "worst_case": _worst_case_landmarks,
    "adaptive": _adaptive_landmarks,
}


def _balanced_weights(mf, run, b):
    """One step of the weight MF: divergence from the base + balance penalty.

    The batch picks J new landmarks (random, worst-case or adaptive); they
    join the ``landmark_memory`` most recent ones, and the weights of *all*
    training pairs are balanced at those landmarks against the kernel mean
    over the universe (exact for the rbf kernel), with the generalised
    Kullback-Leibler divergence ``mean(w log(w / q) - w + q)`` from the base
    weights ``q`` as the regulariser (zero where the weights start).
    """
    torch = mf.torch
    wmod = run.module["propensity"]
    x_obs, x_pool = mf.features(b.u, b.i), mf.features(b.pool_u, b.pool_i)
    with torch.no_grad():
        w_batch = torch.sigmoid(_mf_logit(wmod, b.u, b.i)) * b.inv_propensity
        lm = _LANDMARK_CHOICES[mf.steps.landmarks](mf, run, b, x_obs, x_pool, w_batch)
    x_lm = x_pool[lm]
    if mf.memory is not None:
        x_lm = torch.cat([x_lm, mf.memory])[: mf.memory_size]
    mf.memory = x_lm
    u, i, _, invp, q = mf.train
    w = torch.sigmoid(_mf_logit(wmod, u, i)) * invp
    imbalance = (w[:, None] * mf.kernel(mf.x_train, x_lm)).mean(0) - mf.universe_mean(
        x_lm, mf.x_epoch_pool
    )
    if mf.per_landmark:
        penalty = torch.relu(imbalance.abs() - mf.balance_tol).sum()
    else:  # the reference code's summed hinge
        s = imbalance.sum()
        penalty = torch.relu(s - mf.balance_tol) + torch.relu(-s - mf.balance_tol)
    divergence = (w * torch.log(w / q) - w + q).mean()
    _step(run.optimizers["propensity"], divergence + mf.balance_weight * penalty)
    mf.last_landmarks = (b.pool_u[lm], b.pool_i[lm])
    with torch.no_grad():
        return torch.sigmoid(_mf_logit(wmod, b.u, b.i)) * b.inv_propensity


_WEIGHT_STEPS = {
    "none": lambda mf, run, b: None,
    "inverse": lambda mf, run, b: b.normalised_weight,
    "balanced": _balanced_weights,
}


def _doubly_robust_loss(mf, run, b, logit, e, w):
    """``mean_pool e_hat + mean_obs w (e - e_hat)`` with imputed labels."""
    torch = mf.torch
    logit_pool = _mf_logit(run.module["prediction"], b.pool_u, b.pool_i)
    if mf.steps.imputation == "fixed":
        label_obs = torch.full_like(b.y, mf.dr_label)
        label_pool = torch.full_like(logit_pool, mf.dr_label)
    else:
        imp = run.module["imputation"]
        with torch.no_grad():
            label_obs = torch.sigmoid(_mf_logit(imp, b.u, b.i))
            label_pool = torch.sigmoid(_mf_logit(imp, b.pool_u, b.pool_i))
    e_hat_obs = mf.bce(logit, label_obs, reduction="none")
    e_hat_pool = mf.bce(logit_pool, label_pool, reduction="none")
    return e_hat_pool.mean() + (w * (e - e_hat_obs)).mean()


_PREDICTION_LOSSES = {
    "mean": lambda mf, run, b, logit, e, w: e.mean(),
    "ips": lambda mf, run, b, logit, e, w: (w * e).mean(),
    "snips": lambda mf, run, b, logit, e, w: (w * e).sum() / w.sum(),
    "dr": _doubly_robust_loss,
}


def _imputation_step(mf, run, b, w):
    """One step of the imputation MF: ``mean_obs w (e - e_hat)^2`` (DR-JL)."""
    torch = mf.torch
    pred, imp = run.module["prediction"], run.module["imputation"]
    with torch.no_grad():
        logit = _mf_logit(pred, b.u, b.i)
        e = mf.bce(logit, b.y, reduction="none")
    e_hat = mf.bce(logit, torch.sigmoid(_mf_logit(imp, b.u, b.i)), reduction="none")
    _step(run.optimizers["imputation"], (w * (e - e_hat) ** 2).mean())


@fill_torch_docstring
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
        (MF_w(u, i)) / p_base(u, i)`` come from a separate MF, started at the
        base weights and trained to minimise their divergence from them plus
        ``balance_weight`` times a hinge penalty on the imbalance, between
        the weighted observed pairs and all pairs, of the kernel functions
        ``K(x_j, .)`` at random landmark pairs ``x_j`` (``n_landmarks`` new
        ones per mini-batch, the last ``landmark_memory`` balanced); IPS (or
        DR-JL) then uses ``w``.
    ``wkbips`` / ``wkbdr``
        Landmarks of the worst-case imbalanced kernel function.
    ``akbips`` / ``akbdr``
        Adaptive landmarks: the current prediction loss is projected onto the
        kernel functions by weighted least squares and the landmarks with the
        largest coefficients are balanced.

    Each mini-batch takes a step of the weight model, then of the prediction
    model, then of the imputation model (DR-JL family), each with its own
    Adam optimizer, and draws
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
        Number J of new kernel functions (landmarks) chosen per mini-batch.
    landmark_memory : int, default=30
        The weight model balances the ``landmark_memory`` most recently
        chosen landmarks together (the J new ones and the earlier ones, a
        first-in first-out memory refreshed by J per mini-batch); values up
        to ``n_landmarks`` balance the J new landmarks only, as the
        reference code does.
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
        Adam step size of the prediction MF.
    weight_decay : float, default=0.0001
        Adam weight decay of the prediction MF.
    propensity_learning_rate : float, default=0.003
        Adam step size of the weight (propensity) MF of the kernel-balancing methods.
    propensity_weight_decay : float, default=0.0001
        Adam weight decay of the weight (propensity) MF of the kernel-balancing
        methods.
    imputation_learning_rate : float, default=0.05
        Adam step size of the imputation MF of the DR-JL family.
    imputation_weight_decay : float, default=0.0001
        Adam weight decay of the imputation MF of the DR-JL family.
    %(batch_size)s
    %(max_epochs)s
    %(early_stopping)s
        Here the validation loss is the inverse-propensity weighted
        cross-entropy of the held-out observed pairs (self-normalised, base
        propensity; plain for ``naive``); the training loss the method's
        objective.
    %(validation_fraction)s
    %(n_iter_no_change)s
    %(tol)s
    %(device)s
    random_state : int, RandomState instance or None, default=None
        Seeds the initialisation (identical across methods for one seed),
        the batches, the universe pools and the landmark draws, through a
        local ``torch.Generator``.
    %(verbose)s

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
    monitor_landmarks_ : ndarray of shape (n_monitor_landmarks, 2)
        The fixed random (user, item) pairs of the balance monitor.
    balance_violation_ : ndarray of shape (n_monitor_landmarks,)
        ``|mean_obs(w K_j) - mean_D(K_j)|`` at fixed random monitoring
        landmarks (held out from training; the same for every method under
        one ``random_state``) with the final weights.
    base_balance_violation_ : ndarray of shape (n_monitor_landmarks,)
        The same with the base propensity's normalised inverse weights (what
        ``ips`` uses, and where the kernel methods' weights start).
    cold_users_, cold_items_ : ndarray of int
        Users and items of the universe without an observed training pair;
        they are predicted from the global and item (user) biases.
    kernel_gamma_ : float
        Bandwidth used.
    history_ : list of dict
        Per epoch: ``epoch``, ``train_loss``, ``valid_loss`` (with early
        stopping), ``balance_violation`` (max over the monitoring landmarks)
        and ``time`` (seconds).
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
    sklweights.metrics.calibration_summary : Brier score and level of the
        predictions on missing-at-random labels.

    Notes
    -----
    Pair features for the kernels: the reference code uses 4-dimensional
    pretrained user and item embeddings whose training is not documented; we
    take the rank-4 truncated SVD of the observed label matrix (``2 r - 1`` on
    observed cells, 0 elsewhere), concatenate the user and item parts and
    standardise them, which is deterministic and needs no extra training.

    The weight model's step (kernel methods) balances the weights of *all*
    training pairs, not only the mini-batch's, against the kernel means over
    the whole universe (exact for the rbf kernel, whose mean over
    ``n_users x n_items`` pairs factorises into a user and an item mean), and
    regularises them by the generalised Kullback-Leibler divergence
    ``mean(w log(w / q) - w + q)`` from the base weights ``q`` rather than by
    the reference code's ``mean(w log w)``, which pulls every weight towards
    ``1/e`` instead of towards where it started. Together with the landmark
    memory and a smaller weight-model step this makes the final weights
    better balanced at held-out landmarks than the base propensity's (the
    reference scheme, measured here, was worse than its own start).

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
        "landmark_memory": [Interval(numbers.Integral, 0, None, closed="left")],
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
        landmark_memory=30,
        balance_weight=10.0,
        balance_tol=0.0,
        balance_constraint="per_landmark",
        unobserved_ratio=5,
        learning_rate=0.05,
        weight_decay=1e-4,
        propensity_learning_rate=0.003,
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
        self.landmark_memory = landmark_memory
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
            Observed (user id, item id) pairs, non-negative integers, each
            pair at most once. A DataFrame with columns named ``user`` and
            ``item`` is read by those names, in any column order and among
            other columns (``predict`` does the same); any other two-column
            DataFrame is read by position, users first, except that a column
            named ``user`` in the second position or ``item`` in the first
            raises a ``ValueError`` instead of being read the wrong way round.
            A repeated (user, item) pair raises a ``ValueError``, whether its
            labels agree or not: the model, its observation propensities and
            its pair features give every cell of the universe one label and
            observe it at most once, and a repeat (the same rating twice, or a
            click and a non-click) is most often a join or concatenation error;
            aggregate repeats into one label first.
        y : array-like of shape (n_pairs,)
            Binary labels in ``{0, 1}``.
        n_users, n_items : int, default=None
            Size of the universe (all user x item pairs); ids must be below
            them. When None, the largest id + 1, provided it is at most
            ``max(10 * n_distinct, 1000)`` where ``n_distinct`` is the number
            of distinct ids seen; a larger id (e.g. a raw key such as
            ``10**9``) raises a ``ValueError`` before anything is allocated:
            encode ids as 0-based indices, or pass the size explicitly.
        y_mar : array-like of shape (n_mar,), default=None
            Binary labels of a missing-at-random sample, required by
            ``base_propensity="naive_bayes"`` (and only used by it); at least
            one label.

        Notes
        -----
        When every pair of the universe is observed (``n_pairs == n_users *
        n_items``) there is no selection: the base propensity is 1 for every
        pair whatever ``base_propensity`` names (an array is used as given),
        and the weight model of the kernel methods starts at weight 1.

        Returns
        -------
        self : DebiasedMF
            The fitted estimator.
        """
        torch = import_torch("DebiasedMF")
        ids, y = _pairs_to_ids(self, X, reset=True, y=y)
        y = _check_binary(y)
        users, items = ids[:, 0], ids[:, 1]
        n_users = self._check_size(n_users, users, "n_users", "user")
        n_items = self._check_size(n_items, items, "n_items", "item")
        _check_unique_pairs(users, items, y)
        cold_users = np.flatnonzero(np.bincount(users, minlength=n_users) == 0)
        cold_items = np.flatnonzero(np.bincount(items, minlength=n_items) == 0)
        if cold_users.size or cold_items.size:
            warnings.warn(
                f"{cold_users.size} user(s) of n_users={n_users} and "
                f"{cold_items.size} item(s) of n_items={n_items} have no observed "
                f"pair (e.g. users {cold_users[:5].tolist()}, items "
                f"{cold_items[:5].tolist()}); they are predicted from the global "
                "and item (user) biases alone.",
                UserWarning,
                stacklevel=3,
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
            if y_mar.size == 0:
                raise ValueError(
                    "y_mar is empty; base_propensity='naive_bayes' estimates "
                    "P(r = 1) from it and needs at least one missing-at-random "
                    "label."
                )
        self.classes_ = np.array([0, 1])
        self.n_users_, self.n_items_ = n_users, n_items
        self.cold_users_, self.cold_items_ = cold_users, cold_items
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
            n_distinct = np.unique(ids).size
            if top > max(_ID_RANGE_FACTOR * n_distinct, _ID_RANGE_FLOOR):
                raise ValueError(
                    f"the largest {what} id is {top - 1} but only {n_distinct} "
                    f"distinct {what} id(s) occur: {name}={top} (largest id + 1) "
                    f"would size the {what} embeddings and the universe, over "
                    f"{_ID_RANGE_FACTOR} times the ids seen. Encode the ids as "
                    "0-based indices (e.g. with OrdinalEncoder or "
                    f"np.unique(..., return_inverse=True)), or pass {name} "
                    "explicitly if the universe really is that large."
                )
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
        if isinstance(self.base_propensity, str) and frac == 1.0:
            # every pair of the universe is observed: P(o = 1) is 1 for every
            # pair whatever the model (the logistic MLE would diverge)
            return np.ones(len(users))
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

    def _pair_features(self, users, items, y, n_users, n_items, k=_PAIR_FEATURE_RANK):
        """User and item embeddings for the kernels: truncated SVD, standardised."""
        k = max(1, min(k, n_users - 1, n_items - 1))
        mat = np.zeros((n_users, n_items))
        mat[users, items] = 2.0 * y - 1.0
        if n_users * n_items <= _DENSE_SVD_MAX_CELLS:
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

    # ------------------------------------------------------------ training
    def _fit_torch(self, torch, gen, device, users, items, y, p_base, fu, fi):
        """Set up the three MFs and train them on the shared loop."""
        n_users, n_items = self.n_users_, self.n_items_
        n_obs = len(y)
        frac = n_obs / (n_users * n_items)
        # one initialisation for every method: the three modules are always
        # built, in the same order, under the same seed
        module = torch.nn.ModuleDict(
            {
                "prediction": _mf_module(torch, n_users, n_items, self.n_factors),
                "propensity": _mf_module(
                    torch,
                    n_users,
                    n_items,
                    self.n_factors,
                    bias_init=math.log(
                        min(frac, _MAX_START_FRACTION)
                        / (1 - min(frac, _MAX_START_FRACTION))
                    ),
                ),
                "imputation": _mf_module(torch, n_users, n_items, self.n_factors),
            }
        )
        inv_p = (1.0 / p_base).astype(np.float32)
        rows = (
            users,
            items,
            y.astype(np.float32),
            inv_p,
            (inv_p * frac).astype(np.float32),  # normalised: mean about 1
        )
        tr_idx, va_idx = self._train_val_indices(n_obs, gen)
        train = tuple(a[tr_idx] for a in rows)
        # plain DR's fixed imputed label: the IPS estimate of the positive rate
        b_tr = inv_p[tr_idx].astype(float)
        dr_label = float(
            np.clip(
                (b_tr * y[tr_idx]).sum() / b_tr.sum(),
                _DR_LABEL_CLIP,
                1 - _DR_LABEL_CLIP,
            )
        )
        mf = _MFTraining(self, torch, device, fu, fi, train, dr_label, gen)
        self.monitor_landmarks_ = mf.monitor_landmarks
        module = self._train(
            module,
            None,  # the step is _train_step's
            train,
            generator=gen,
            device=device,
            val_arrays=None if va_idx is None else tuple(a[va_idx] for a in rows),
            val_loss_fn=self._validation_losses,
            callbacks=[mf],
        )
        # final state, with the weights training ended on (the best epoch's
        # under early stopping)
        module.to(device)
        self.balance_violation_ = mf.monitor(module).abs().cpu().numpy().astype(float)
        self.base_balance_violation_ = mf.monitor().abs().cpu().numpy().astype(float)
        with torch.no_grad():
            all_rows = [torch.as_tensor(a, device=device) for a in rows]
            self.propensity_weights_ = (
                mf.weights(module, *all_rows[:2], *all_rows[3:]).cpu().numpy()
            ).astype(float)
        module.to("cpu")
        if mf.last_landmarks is None:
            self.landmarks_ = np.empty((0, 2), dtype=np.int64)
        else:
            self.landmarks_ = np.column_stack(
                [t.cpu().numpy() for t in mf.last_landmarks]
            )
        pred = module["prediction"]
        self.user_factors_ = pred.user.detach().numpy().astype(float)
        self.item_factors_ = pred.item.detach().numpy().astype(float)
        self.user_bias_ = pred.user_bias.detach().numpy().astype(float)
        self.item_bias_ = pred.item_bias.detach().numpy().astype(float)
        self.bias_ = float(pred.bias.detach())
        # a cold row's factors and bias saw no label (at most the DR terms'
        # imputed ones and weight decay): it is predicted from the biases of
        # the other side and the global bias
        for factors, bias, cold in (
            (self.user_factors_, self.user_bias_, self.cold_users_),
            (self.item_factors_, self.item_bias_, self.cold_items_),
        ):
            factors[cold] = 0.0
            bias[cold] = 0.0
        # seen pairs as sorted keys user * n_items + item, for recommend()
        self._seen_keys = np.unique(users.astype(np.int64) * n_items + items)

    def _make_optimizers(self, module):
        """One optimizer per MF, each with its own step size and decay."""
        rates = {
            "prediction": (self.learning_rate, self.weight_decay),
            "propensity": (
                self.propensity_learning_rate,
                self.propensity_weight_decay,
            ),
            "imputation": (
                self.imputation_learning_rate,
                self.imputation_weight_decay,
            ),
        }
        return {
            name: make_optimizer(
                module[name].parameters(), learning_rate=lr, weight_decay=decay
            )
            for name, (lr, decay) in rates.items()
        }

    def _train_step(self, run, batch):
        """Weight model, then prediction model, then imputation model."""
        mf = run.state["mf"]
        b = mf.batch(run, *batch)
        w = _WEIGHT_STEPS[mf.steps.weights](mf, run, b)
        logit = _mf_logit(run.module["prediction"], b.u, b.i)
        e = mf.bce(logit, b.y, reduction="none")
        loss = _PREDICTION_LOSSES[mf.steps.loss](mf, run, b, logit, e, w)
        _step(run.optimizers["prediction"], loss)
        if mf.steps.imputation == "model":
            _imputation_step(mf, run, b, w)
        return loss.detach()

    def _validation_losses(self, module, u, i, y, inv_propensity, normalised):
        """Self-normalised inverse-propensity cross-entropy (plain for naive)."""
        torch = import_torch()
        e = torch.nn.functional.binary_cross_entropy_with_logits(
            _mf_logit(module["prediction"], u, i), y, reduction="none"
        )
        if self.method == "naive":
            return e.sum(), len(e)
        return (inv_propensity * e).sum(), inv_propensity.sum()

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
            (user id, item id) pairs.

        Returns
        -------
        scores : ndarray of shape (n_pairs,)
            Predicted logit of each pair.
        """
        return self._logits(X)

    def predict_proba(self, X):
        """Probability of label 0 and 1 for each (user, item) pair.

        Parameters
        ----------
        X : array-like of shape (n_pairs, 2)
            (user id, item id) pairs.

        Returns
        -------
        proba : ndarray of shape (n_pairs, 2)
            Class probabilities, columns in the order of ``classes_``.
        """
        p = 1.0 / (1.0 + np.exp(-self._logits(X)))
        return np.column_stack([1.0 - p, p])

    def predict(self, X):
        """Predicted label (probability >= 0.5) of each pair.

        Parameters
        ----------
        X : array-like of shape (n_pairs, 2)
            (user id, item id) pairs.

        Returns
        -------
        y_pred : ndarray of shape (n_pairs,)
            Predicted labels (probability >= 0.5).
        """
        logits = self._logits(X)
        return self.classes_[(logits >= 0).astype(int)]

    def score(self, X, y, sample_weight=None):
        """ROC AUC of the predicted probabilities (e.g. on MAR test pairs).

        Debiasing shows mostly in the level of the predictions: for the Brier
        score, the positive-rate error or the calibration error, pass
        ``scoring=make_calibration_scorer(...)``
        (:func:`sklweights.metrics.make_calibration_scorer`) to a model
        selection tool, or call :func:`sklweights.metrics.calibration_summary`
        on ``predict_proba``.

        Parameters
        ----------
        X : array-like of shape (n_pairs, 2)
            (user id, item id) pairs.
        y : array-like of shape (n_pairs,)
            Binary labels.
        sample_weight : array-like of shape (n_pairs,), default=None
            Sample weights; every sample weighs 1 when None.

        Returns
        -------
        auc : float
            ROC AUC of the predicted scores.
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
            Number of items per user.
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
        if exclude_seen:
            keys = users[:, None].astype(np.int64) * self.n_items_ + np.arange(
                self.n_items_
            )
            scores = np.where(np.isin(keys, self._seen_keys), -np.inf, scores)
        kk = min(k, self.n_items_)
        order = np.argsort(-scores, axis=1, kind="stable")[:, :kk]
        top = np.take_along_axis(scores, order, axis=1)
        order = np.where(np.isfinite(top), order, -1)
        if kk < k:
            order = np.pad(order, ((0, 0), (0, k - kk)), constant_values=-1)
        return order
