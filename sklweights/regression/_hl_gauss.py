"""HLGaussRegressor: an MLP regressor trained by classification over histogram bins."""

import numbers
import warnings

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import _check_sample_weight

from sklweights.losses._hl_gauss import bin_centers, uniform_bin_edges
from sklweights.losses._validation import reduce_rows
from sklweights.metrics._quantile import (
    DEFAULT_QUANTILES,
    _check_levels,
    interval_levels,
)
from sklweights.utils._optional import import_torch
from sklweights.utils._sklearn_compat import (
    Interval,
    StrOptions,
    _fit_context,
    check_is_fitted,
)
from sklweights.utils._torch import (
    TORCH_OPTIMIZER_CONSTRAINTS,
    TORCH_PARAMETER_CONSTRAINTS,
    TorchTrainingMixin,
    fill_torch_docstring,
    torch_seed,
)
from sklweights.utils._torch._network import (
    ACTIVATIONS,
    NetworkOutputsMixin,
    WeightedStandardizer,
    build_network,
    check_hidden_layer_sizes,
)
from sklweights.utils._validation import validate_regression_data

__all__ = ["HLGaussRegressor", "histogram_quantiles"]

#: The training losses: HL-Gauss, or squared error on the same network.
REGRESSION_LOSSES = ("hl_gauss", "squared_error")

#: Up to this many float32 cells (64 MB), the soft labels are computed once
#: before training (3x cheaper loss steps); above, each batch computes its own.
PRECOMPUTED_LABELS_MAX = 2**24


def histogram_quantiles(proba, bin_edges, quantiles):
    """Quantiles of histograms whose mass is spread uniformly inside each bin.

    The CDF is piecewise linear through ``(bin_edges[k], sum_{i<k} p_i)``;
    each level's quantile is where it crosses the level (always inside the
    support, and non-decreasing in the level).

    Parameters
    ----------
    proba : ndarray of shape (n_samples, n_bins)
        Bin probabilities (rows sum to one).
    bin_edges : ndarray of shape (n_bins + 1,)
        Edges of the histogram's bins, increasing.
    quantiles : ndarray of shape (n_levels,)
        Levels in (0, 1).

    Returns
    -------
    y_quantiles : ndarray of shape (n_samples, n_levels)
        Quantiles of each row's histogram, one column per level.
    """
    proba = np.asarray(proba, dtype=np.float64)
    n, m = proba.shape
    cdf = np.zeros((n, m + 1))
    np.cumsum(proba, axis=1, out=cdf[:, 1:])
    cdf /= cdf[:, -1:]
    rows = np.arange(n)
    out = np.empty((n, len(quantiles)))
    widths = np.diff(bin_edges)
    for j, tau in enumerate(quantiles):
        # the bin k with cdf[k] < tau <= cdf[k + 1]
        k = np.minimum((cdf[:, 1:] < tau).sum(axis=1), m - 1)
        mass = proba[rows, k]
        inside = np.divide(tau - cdf[rows, k], mass, out=np.zeros(n), where=mass > 0)
        out[:, j] = bin_edges[k] + np.clip(inside, 0.0, 1.0) * widths[k]
    return out


def _check_value_range(value_range):
    """``value_range`` as a (low, high) float pair, or None."""
    if value_range is None:
        return None
    values = np.asarray(value_range, dtype=object).reshape(-1)
    if values.shape != (2,) or not all(
        isinstance(v, numbers.Real) and not isinstance(v, bool) for v in values
    ):
        raise ValueError(
            f"value_range must be a pair (low, high) of numbers or None; got "
            f"{value_range!r}."
        )
    low, high = float(values[0]), float(values[1])
    if not (np.isfinite(low) and np.isfinite(high) and low < high):
        raise ValueError(
            f"value_range must be finite with low < high; got {value_range!r}."
        )
    return low, high


def _has_distribution(estimator):
    if estimator.loss != "hl_gauss":
        raise AttributeError(
            f"loss={estimator.loss!r} predicts a single value, no distribution; "
            "use loss='hl_gauss'."
        )
    return True


@fill_torch_docstring
class HLGaussRegressor(
    NetworkOutputsMixin, TorchTrainingMixin, RegressorMixin, BaseEstimator
):
    """MLP regression by classification over histogram bins (HL-Gauss).

    The target's range is cut into ``n_bins`` bins; each training target
    becomes the mass of a Gaussian ``N(y, sigma^2)`` in every bin (its soft
    label) and the network, one logit per bin, is trained with cross-entropy
    on these labels (Imani & White, 2018; Farebrother et al., 2024). The
    prediction is the mean of the predicted histogram, which also gives a
    predictive distribution and its quantiles. ``loss="squared_error"``
    trains the same network, with one output, on squared error: the twin
    that isolates the loss. Read more in the :ref:`User Guide <hl-gauss>`.

    Parameters
    ----------
    n_bins : int, default=32
        Number of bins of the support (at least 2).
    sigma_ratio : float, default=2.0
        Width of the Gaussian labels in bin widths (``sigma = sigma_ratio x
        bin width``).
    value_range : (float, float) or None, default=None
        Support ``(low, high)`` in target units. None: the training targets'
        range widened by ``support_padding`` of it on both sides. Targets
        outside the support are clipped to it (with a warning in ``fit``), and
        predictions never leave it.
    support_padding : float, default=0.1
        Widening of the learned support, as a fraction of the targets' range
        (ignored with ``value_range``).
    loss : {"hl_gauss", "squared_error"}, default="hl_gauss"
        ``"squared_error"``: the same network with one output trained on the
        squared error of the standardised target (no distribution).
    quantiles : array-like of shape (n_levels,), default=None
        Levels that :meth:`predict_quantiles` returns when called without
        levels, and that the quantile scorers of :mod:`sklweights.metrics`
        score (``quantiles_``); ``(0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95)``
        when None. Any other level can be asked for at predict time.
    %(hidden_layer_sizes)s
    %(activation)s
    %(optimizer)s
    %(momentum)s
    %(weight_decay)s
    %(lr_milestones)s
    %(lr_decay)s
    %(device)s
    %(batch_size)s
    %(max_epochs)s
    %(learning_rate)s
    %(early_stopping)s
        The validation loss is the training loss (cross-entropy against the
        soft labels, or squared error) on the held-out rows.
    %(validation_fraction)s
    %(n_iter_no_change)s
    %(tol)s
    %(random_state)s
    %(verbose)s

    Attributes
    ----------
    bin_edges_ : ndarray of shape (n_bins + 1,) or None
        Edges of the support in target units (None with squared error).
    bin_centers_ : ndarray of shape (n_bins,) or None
    sigma_ : float or None
        Width of the Gaussian labels in target units.
    quantiles_ : ndarray of shape (n_levels,) or None
        The default levels of :meth:`predict_quantiles` (None with squared
        error).
    module_ : torch.nn.Module
        The trained network (on the CPU, in eval mode), on standardised
        features; it outputs one logit per bin (HL-Gauss) or the standardised
        target (squared error).
    history_ : list of dict
        Per epoch: ``epoch``, ``train_loss``, ``valid_loss`` (with early
        stopping), ``lr``, ``time``.
    n_epochs_ : int
    best_epoch_ : int
    device_ : str
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (`n_features_in_`,)

    See Also
    --------
    sklearn.neural_network.MLPRegressor : an MLP on squared error.
    sklweights.quantile.QuantileAggregator : takes this model as a base
        quantile learner (through ``predict(X, quantiles=...)``).
    sklweights.losses.HLGaussLoss : the loss alone, for plain torch.

    Notes
    -----
    Features and targets are standardised inside ``fit`` (sample-weighted),
    so that the fit does not depend on the target's location and scale; the
    support and ``sigma_`` scale with it. Predictions always lie between the
    first and the last bin centre: the model cannot extrapolate beyond the
    support.

    References
    ----------
    E. Imani and M. White, "Improving Regression Performance with
    Distributional Losses", ICML 2018, arXiv:1806.04613.

    J. Farebrother, J. Orbay, Q. Vuong, A. A. Taiga, Y. Chebotar, T. Xiao,
    A. Irpan, S. Levine, P. S. Castro, A. Faust, A. Kumar and R. Agarwal,
    "Stop Regressing: Training Value Functions via Classification for
    Scalable Deep RL", ICML 2024, arXiv:2403.03950.

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from sklweights.regression import HLGaussRegressor
    >>> X, y = load_diabetes(return_X_y=True)
    >>> reg = HLGaussRegressor(max_epochs=5, random_state=0).fit(X, y)
    >>> reg.predict(X[:2]).shape, reg.predict_distribution(X[:2]).shape
    ((2,), (2, 32))
    >>> reg.predict_quantiles(X[:2], quantiles=[0.1, 0.5, 0.9]).shape
    (2, 3)
    """

    _requires_torch = True

    @classmethod
    def _torch_hint_example_data(cls, rng):
        """Small valid ``fit`` arguments (used to test the missing-torch hint)."""
        X = rng.normal(size=(40, 3))
        return (X, X[:, 0] + 0.1 * rng.normal(size=40)), {}

    _parameter_constraints = {
        **TORCH_PARAMETER_CONSTRAINTS,
        **TORCH_OPTIMIZER_CONSTRAINTS,
        "n_bins": [Interval(numbers.Integral, 2, None, closed="left")],
        "sigma_ratio": [Interval(numbers.Real, 0, None, closed="neither")],
        "value_range": ["array-like", None],
        "support_padding": [Interval(numbers.Real, 0, None, closed="left")],
        "loss": [StrOptions(set(REGRESSION_LOSSES))],
        "quantiles": ["array-like", None],
        "hidden_layer_sizes": ["array-like"],
        "activation": [StrOptions(set(ACTIVATIONS))],
    }

    def __init__(
        self,
        n_bins=32,
        *,
        sigma_ratio=2.0,
        value_range=None,
        support_padding=0.1,
        loss="hl_gauss",
        quantiles=None,
        hidden_layer_sizes=(128, 128),
        activation="relu",
        optimizer="adam",
        momentum=0.0,
        weight_decay=0.0,
        lr_milestones=(),
        lr_decay=0.1,
        device="auto",
        batch_size=64,
        max_epochs=200,
        learning_rate=1e-3,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=1e-4,
        random_state=None,
        verbose=0,
    ):
        self.n_bins = n_bins
        self.sigma_ratio = sigma_ratio
        self.value_range = value_range
        self.support_padding = support_padding
        self.loss = loss
        self.quantiles = quantiles
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.optimizer = optimizer
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.lr_milestones = lr_milestones
        self.lr_decay = lr_decay
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

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = False
        return tags

    def _support(self, y_std, value_range):
        """Bin edges in standardised target units."""
        if value_range is not None:
            low, high = value_range
            low = (low - self._y_mean) / self._y_scale
            high = (high - self._y_mean) / self._y_scale
        else:
            low, high = float(y_std.min()), float(y_std.max())
            spread = high - low if high > low else 1.0  # a constant target
            low -= self.support_padding * spread
            high += self.support_padding * spread
        return uniform_bin_edges(low, high, self.n_bins)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Train the network.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The training samples.
        y : array-like of shape (n_samples,)
            Finite targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Row weights of the loss (a weighted mean per batch) and of the
            standardisation.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        hidden = check_hidden_layer_sizes(self.hidden_layer_sizes)
        value_range = _check_value_range(self.value_range)
        levels = _check_levels(
            DEFAULT_QUANTILES if self.quantiles is None else self.quantiles,
            "quantiles",
        )
        X, y = validate_regression_data(self, X, y, dtype=np.float64)
        weighted = sample_weight is not None
        sw = _check_sample_weight(sample_weight, X, dtype=np.float64)
        import_torch("HLGaussRegressor")

        self._scaler = WeightedStandardizer(X, sw)
        Xs = self._scaler.transform(X)
        self._y_mean = float(np.average(y, weights=sw))
        scale = float(np.sqrt(np.average((y - self._y_mean) ** 2, weights=sw)))
        self._y_scale = scale if scale > 1e-12 * max(1.0, abs(self._y_mean)) else 1.0
        y_std = (y - self._y_mean) / self._y_scale
        arrays = (Xs, y_std.astype(np.float32)) + (
            (sw.astype(np.float32),) if weighted else ()
        )

        if self.loss == "hl_gauss":
            edges = self._support(y_std, value_range)
            outside = int(np.sum((y_std < edges[0]) | (y_std > edges[-1])))
            if outside:
                warnings.warn(
                    f"{outside} of {len(y)} training targets lie outside "
                    f"value_range={value_range}; they are clipped to it.",
                    UserWarning,
                    stacklevel=2,
                )
            sigma = self.sigma_ratio * (edges[1] - edges[0])
            n_out = self.n_bins
            from sklweights.losses import HLGaussLoss

            criterion = HLGaussLoss(edges, sigma)
            if len(y) * self.n_bins <= PRECOMPUTED_LABELS_MAX:
                labels = criterion.soft_labels(arrays[1]).numpy()
                arrays = (arrays[0], labels) + arrays[2:]

            def loss_fn(module, xb, yb, wb=None):
                return criterion(module(xb), yb, sample_weight=wb)

            self.bin_edges_ = edges * self._y_scale + self._y_mean
            self.bin_centers_ = bin_centers(self.bin_edges_)
            self.sigma_ = float(sigma * self._y_scale)
            self.quantiles_ = levels
        else:
            criterion, n_out = None, 1

            def loss_fn(module, xb, yb, wb=None):
                return reduce_rows((module(xb)[:, 0] - yb) ** 2, wb, "mean")

            self.bin_edges_ = self.bin_centers_ = self.sigma_ = None
            self.quantiles_ = None

        device = self._fit_device()
        with torch_seed(self._torch_seed_, device) as gen:
            module = build_network(X.shape[1], hidden, n_out, self.activation)
            if criterion is not None:
                criterion.to(device)
            self.module_ = self._train(
                module, loss_fn, arrays, generator=gen, device=device
            )
        return self

    @available_if(_has_distribution)
    def predict_distribution(self, X):
        """Predicted bin probabilities (the histogram over ``bin_edges_``).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The input samples.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_bins)
            Rows sum to one.
        """
        return self._network_probabilities(X)

    @available_if(_has_distribution)
    def predict_quantiles(self, X, quantiles=None):
        """Quantiles of the predicted histogram (uniform mass inside each bin).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The input samples.
        quantiles : array-like of shape (n_levels,), default=None
            Increasing levels in (0, 1); ``quantiles_`` when None.

        Returns
        -------
        y_quantiles : ndarray of shape (n_samples, n_levels)
            Non-decreasing along each row.
        """
        check_is_fitted(self)
        levels = self.quantiles_ if quantiles is None else _check_levels(quantiles)
        return histogram_quantiles(
            self.predict_distribution(X), self.bin_edges_, levels
        )

    def predict(self, X, quantiles=None):
        """The mean of the predicted histogram (or quantiles, when asked).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The input samples.
        quantiles : array-like of shape (n_levels,), default=None
            When given, return :meth:`predict_quantiles` at these levels (the
            many-level convention of quantile-forest, which lets
            :class:`sklweights.quantile.QuantileAggregator` use this model).

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_levels)
            Predicted values (means), or quantiles when ``quantiles`` is given.
        """
        if quantiles is not None:
            check_is_fitted(self)
            if self.loss != "hl_gauss":
                raise ValueError(
                    f"quantiles need a predicted distribution; loss={self.loss!r} "
                    "predicts a single value. Use loss='hl_gauss'."
                )
            return self.predict_quantiles(X, quantiles)
        if self.loss == "hl_gauss":
            return self._network_probabilities(X) @ self.bin_centers_
        return self._network_outputs(X)[:, 0] * self._y_scale + self._y_mean

    @available_if(_has_distribution)
    def predict_interval(self, X, confidence_level=0.9):
        """The central interval of the predicted histogram.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The input samples.
        confidence_level : float, default=0.9
            Its quantiles are ``(1 - confidence_level) / 2`` and
            ``(1 + confidence_level) / 2``.

        Returns
        -------
        bounds : ndarray of shape (n_samples, 2)
            Lower and upper bounds.
        """
        return self.predict_quantiles(X, quantiles=interval_levels(confidence_level))
