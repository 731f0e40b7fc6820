"""DeepQuantileAggregator: feature-dependent aggregation weights from an MLP."""

import numbers

import numpy as np

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
    fill_torch_docstring,
    torch_seed,
)

from ._aggregator import _BaseQuantileAggregator


def _build_mlp(n_in, hidden, n_out, dropout, head_bias=None):
    """Linear -> ELU blocks (dropout between hidden layers), zero-initialised head.

    The zero head makes every softmax start at its bias: equal weights over
    models (coarse, medium), or, for fine, equal weights over the models at
    the same level (``head_bias`` puts -10 on the other source levels), so
    training starts from the equal-weight mean of the base models.
    """
    torch = import_torch("DeepQuantileAggregator")
    nn = torch.nn
    layers, width = [], n_in
    for k, h in enumerate(hidden):
        if k > 0 and dropout > 0:
            layers.append(nn.Dropout(dropout))
        layers += [nn.Linear(width, h), nn.ELU()]
        width = h
    head = nn.Linear(width, n_out)
    nn.init.zeros_(head.weight)
    nn.init.zeros_(head.bias)
    if head_bias is not None:
        with torch.no_grad():
            head.bias.copy_(torch.as_tensor(head_bias, dtype=head.bias.dtype))
    layers.append(head)
    return nn.Sequential(*layers)


def _local_weights(logits, weighting, M, T):
    """Softmax weights on the simplex: (b, M), (b, T, M) or (b, T, M*T)."""
    torch = import_torch()
    b = logits.shape[0]
    if weighting == "coarse":
        return torch.softmax(logits, dim=-1)
    if weighting == "medium":
        return torch.softmax(logits.view(b, T, M), dim=-1)
    return torch.softmax(logits.view(b, T, M * T), dim=-1)


def _combine_local(w, P, weighting):
    """Aggregate base predictions P (b, M, T) with per-row weights -> (b, T)."""
    torch = import_torch()
    if weighting == "coarse":
        return torch.einsum("bmt,bm->bt", P, w)
    if weighting == "medium":
        return torch.einsum("bmt,btm->bt", P, w)
    return torch.einsum("bk,btk->bt", P.reshape(P.shape[0], -1), w)


@fill_torch_docstring
class DeepQuantileAggregator(TorchTrainingMixin, _BaseQuantileAggregator):
    """Aggregate quantile models with feature-dependent weights (deep aggregation).

    The local families of Fakoor et al. (2023): an MLP maps the features ``x``
    to softmax weights over the base models (``"coarse"``), over the models
    for each level (``"medium"``) or over all (model, source level) pairs for
    each output level (``"fine"``). It is trained on out-of-fold base
    predictions with the pinball loss averaged over the levels, plus an
    optional crossing penalty; predictions are then made non-crossing and,
    optionally, conformally calibrated, exactly as in
    :class:`sklweights.QuantileAggregator`. Training runs on the shared torch
    loop (device selection, mini-batches, early stopping, progress bar).

    Parameters
    ----------
    estimators : list of (str, estimator), default=None
        Base quantile models; see :class:`sklweights.QuantileAggregator`.
    quantiles : array-like of shape (n_levels,), default=None
        Strictly increasing levels in (0, 1); seven levels from 0.05 to 0.95
        when None.
    weighting : {"coarse", "medium", "fine"}, default="medium"
        Local weight family.
    noncrossing : {"sort", "isotonic"} or None, default="sort"
        Post-processing that orders each predicted row.
    crossing_penalty : float, default=0.0
        Weight of the training penalty ``mean_k (q_k - q_{k+1})_+`` on crossing
        adjacent levels (on standardised targets).
    conformal : {"split", "cv"} or None, default=None
        Conformalized quantile regression per symmetric pair of levels; see
        :class:`sklweights.QuantileAggregator`. ``"cv"`` retrains the network
        once per fold.
    calibration_size : float in (0, 1) or int, default=0.2
        Rows held out for ``conformal="split"``.
    cv : int, cross-validation generator or iterable, default=5
        Folds for the out-of-fold base predictions.
    hidden_layer_sizes : tuple of int, default=(64, 64)
        Widths of the hidden layers (ELU activations).
    dropout : float in [0, 1), default=0.0
        Dropout between hidden layers.
    weight_decay : float, default=0.0
        L2 penalty of Adam.
    memory : str or object with the joblib.Memory interface, default=None
        Caches the base-model fits (fold predictions and refits), keyed on
        each learner's parameters and the data; see
        :class:`sklweights.QuantileAggregator`. The keys do not depend on the
        aggregator, so a ``QuantileAggregator`` and a
        ``DeepQuantileAggregator`` with the same library, levels, ``cv``,
        ``conformal`` split and ``random_state`` share their base fits.
    n_jobs : int, default=None
        Parallel base-model fits.
    %(device)s
    %(batch_size)s
    %(max_epochs)s
    %(learning_rate)s
    %(early_stopping)s
        The monitored loss is the pinball loss (plus the crossing penalty) of
        the out-of-fold rows.
    %(validation_fraction)s
    %(n_iter_no_change)s
    %(tol)s
    random_state : int, RandomState instance or None, default=None
        Seeds folds, calibration split, default library and the network
        (through a local ``torch.Generator``; the caller's global torch
        random state is left untouched).
    %(verbose)s

    Attributes
    ----------
    estimators_ : list of MultiQuantileRegressor
        Base models refit on the training rows.
    named_estimators_ : Bunch
    module_ : torch.nn.Module
        The fitted MLP (on the CPU).
    quantiles_ : ndarray of shape (n_levels,)
    conformal_corrections_ : ndarray of shape (n_levels,)
    oof_losses_ : dict
        Out-of-fold pinball loss of each base model, the equal-weight mean
        and the aggregate (on the rows the network was trained on).
    history_ : list of dict
        Per epoch: ``epoch``, ``train_loss``, ``valid_loss`` (with early
        stopping) and ``time`` (seconds).
    n_epochs_, best_epoch_ : int
    device_ : str
        The device used for training.
    fit_times_ : dict
        Wall-clock seconds of the base-model stage (``"bases"``, including
        the look-up in ``memory``) and of the rest of ``fit``
        (``"aggregation"``: the network, the out-of-fold losses, the
        conformal calibration).
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (`n_features_in_`,)

    See Also
    --------
    QuantileAggregator : Global weights solved exactly by linear programming.

    References
    ----------
    .. [1] Fakoor, Kim, Mueller, Smola, Tibshirani, "Flexible Model Aggregation
       for Quantile Regression", JMLR 24, 2023 (arXiv:2103.00083).

    Examples
    --------
    >>> from sklearn.linear_model import QuantileRegressor
    >>> from sklweights import DeepQuantileAggregator
    >>> from sklweights.datasets import make_heteroscedastic_regression
    >>> X, y = make_heteroscedastic_regression(120, 2, random_state=0)
    >>> deep = DeepQuantileAggregator(
    ...     [("linear", QuantileRegressor(alpha=0.0))], quantiles=[0.1, 0.5, 0.9],
    ...     cv=3, max_epochs=5, device="cpu", random_state=0).fit(X, y)
    >>> deep.predict_quantiles(X[:2]).shape
    (2, 3)
    """

    _requires_torch = True

    @classmethod
    def _torch_hint_example_data(cls, rng):
        """Small valid ``fit`` arguments (used to test the missing-torch hint)."""
        X = rng.uniform(size=(60, 2))
        return (X, X[:, 0] + 0.1 * rng.normal(size=60)), {}

    _parameter_constraints = {
        **_BaseQuantileAggregator._parameter_constraints,
        **TORCH_PARAMETER_CONSTRAINTS,
        "weighting": [StrOptions({"coarse", "medium", "fine"})],
        "crossing_penalty": [Interval(numbers.Real, 0, None, closed="left")],
        "hidden_layer_sizes": ["array-like"],
        "dropout": [Interval(numbers.Real, 0, 1, closed="left")],
        "weight_decay": [Interval(numbers.Real, 0, None, closed="left")],
    }

    def __init__(
        self,
        estimators=None,
        *,
        quantiles=None,
        weighting="medium",
        noncrossing="sort",
        crossing_penalty=0.0,
        conformal=None,
        calibration_size=0.2,
        cv=5,
        hidden_layer_sizes=(64, 64),
        dropout=0.0,
        weight_decay=0.0,
        memory=None,
        n_jobs=None,
        device="auto",
        batch_size=128,
        max_epochs=200,
        learning_rate=1e-3,
        early_stopping=True,
        validation_fraction=0.1,
        n_iter_no_change=20,
        tol=1e-4,
        random_state=None,
        verbose=0,
    ):
        self.estimators = estimators
        self.quantiles = quantiles
        self.weighting = weighting
        self.noncrossing = noncrossing
        self.crossing_penalty = crossing_penalty
        self.conformal = conformal
        self.calibration_size = calibration_size
        self.cv = cv
        self.hidden_layer_sizes = hidden_layer_sizes
        self.dropout = dropout
        self.weight_decay = weight_decay
        self.memory = memory
        self.n_jobs = n_jobs
        self.device = device
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.learning_rate = learning_rate
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.random_state = random_state
        self.verbose = verbose

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, sample_weight=None):
        """Fit the base models, the weight network and the corrections.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The training samples.
        y : array-like of shape (n_samples,)
            The target values.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights the pinball loss, the conformal quantile and the base
            models that accept it.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        import_torch("DeepQuantileAggregator")
        hidden = tuple(int(h) for h in np.atleast_1d(self.hidden_layer_sizes))
        if any(h < 1 for h in hidden):
            raise ValueError(
                f"hidden_layer_sizes must hold positive ints; got {hidden}."
            )
        self._fit(X, y, sample_weight)
        self.module_ = self._state["module"]
        return self

    def _fit_weights(self, X, P, y, sw, levels, seed):
        torch = import_torch("DeepQuantileAggregator")
        n, M, T = P.shape
        x_mean = X.mean(axis=0)
        x_scale = X.std(axis=0)
        x_scale[x_scale < 1e-12] = 1.0
        centre = float(np.median(y))
        scale = float(np.std(y)) or 1.0
        Xs = ((X - x_mean) / x_scale).astype(np.float32)
        Ps = ((P - centre) / scale).astype(np.float32)
        ys = ((y - centre) / scale).astype(np.float32)
        ws = (sw / np.mean(sw)).astype(np.float32)
        n_out = {"coarse": M, "medium": T * M, "fine": T * M * T}[self.weighting]
        hidden = tuple(int(h) for h in np.atleast_1d(self.hidden_layer_sizes))
        weighting, penalty = self.weighting, float(self.crossing_penalty)
        levels32 = levels.astype(np.float32)

        def weighted_losses(module, xb, pb, yb, wb):
            tau = torch.as_tensor(levels32, device=xb.device)
            w = _local_weights(module(xb), weighting, M, T)
            q = _combine_local(w, pb, weighting)
            u = yb[:, None] - q
            per_row = torch.maximum(tau * u, (tau - 1.0) * u).mean(dim=1)
            if penalty > 0 and T > 1:
                per_row = per_row + penalty * torch.relu(q[:, :-1] - q[:, 1:]).mean(1)
            return (per_row * wb).sum(), wb.sum()

        def loss_fn(module, *batch):
            total, weight = weighted_losses(module, *batch)
            return total / weight

        device = self._fit_device()
        with torch_seed(self._torch_seed_, device) as gen:
            bias = None
            if self.weighting == "fine":  # (output level, model, source level)
                bias = np.full((T, M, T), -10.0)
                bias[np.arange(T), :, np.arange(T)] = 0.0
                bias = bias.reshape(-1)
            module = _build_mlp(
                X.shape[1], hidden, n_out, float(self.dropout), head_bias=bias
            )
            module, history, best_epoch = self._train_module(
                module,
                loss_fn,
                (Xs, Ps, ys, ws),
                generator=gen,
                device=device,
                val_loss_fn=weighted_losses,  # exact weighted mean over chunks
            )
        state = {
            "module": module,
            "x_mean": x_mean,
            "x_scale": x_scale,
            "centre": centre,
            "scale": scale,
            "shape": (M, T),
        }
        fitted = {
            "history_": history,
            "n_epochs_": len(history),
            "best_epoch_": best_epoch,
        }
        return state, fitted

    def _local_weight_array(self, X, state):
        import_torch("DeepQuantileAggregator")
        M, T = state["shape"]
        Xs = ((X - state["x_mean"]) / state["x_scale"]).astype(np.float32)
        module = state["module"]
        return self._predict_batches(
            module, lambda xb: _local_weights(module(xb), self.weighting, M, T), [Xs]
        )

    def _combine(self, X, P, state):
        torch = import_torch("DeepQuantileAggregator")
        w = self._local_weight_array(X, state)
        Ps = (P - state["centre"]) / state["scale"]
        q = _combine_local(
            torch.as_tensor(w, dtype=torch.float64),
            torch.as_tensor(Ps, dtype=torch.float64),
            self.weighting,
        ).numpy()
        return q * state["scale"] + state["centre"]

    def predict_weights(self, X):
        """The feature-dependent aggregation weights at ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The input samples.

        Returns
        -------
        weights : ndarray
            ``(n, n_models)`` for coarse, ``(n, n_levels, n_models)`` for
            medium, ``(n, n_levels, n_models, n_levels)`` (output level, model,
            source level) for fine. Each row lies on the simplex.
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False)
        w = self._local_weight_array(X, self._state)
        if self.weighting == "fine":
            M, T = self._state["shape"]
            w = w.reshape(len(X), T, M, T)
        return w
