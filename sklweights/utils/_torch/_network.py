"""The feed-forward network of the MLP estimators (classification, regression)."""

import numbers

import numpy as np

from sklweights.utils._optional import import_torch
from sklweights.utils._sklearn_compat import check_is_fitted, validate_data

__all__ = [
    "ACTIVATIONS",
    "NetworkOutputsMixin",
    "WeightedStandardizer",
    "build_network",
    "check_hidden_layer_sizes",
]

#: Hidden-layer activations (scikit-learn MLP's names).
ACTIVATIONS = ("identity", "logistic", "relu", "tanh")


def check_hidden_layer_sizes(hidden_layer_sizes):
    """``hidden_layer_sizes`` as a tuple of positive ints, or a ValueError."""
    hidden = np.atleast_1d(np.asarray(hidden_layer_sizes, dtype=object))
    if hidden.ndim != 1 or not all(
        isinstance(h, numbers.Integral) and not isinstance(h, bool) and h >= 1
        for h in hidden
    ):
        raise ValueError(
            "hidden_layer_sizes must be a tuple of positive ints (() for no hidden "
            f"layer); got {hidden_layer_sizes!r}."
        )
    return tuple(int(h) for h in hidden)


def build_network(n_in, hidden, n_out, activation, *, zero_head=False):
    """Linear layers with ``activation`` between them.

    Layers keep torch's default initialisation (drawn under the fit's seed);
    ``zero_head`` starts the output layer at zero (every logit 0 at the first
    step, as the AnyLoss authors start their single-layer model).
    """
    torch = import_torch("sklweights")
    nn = torch.nn
    act = {
        "identity": nn.Identity,
        "logistic": nn.Sigmoid,
        "relu": nn.ReLU,
        "tanh": nn.Tanh,
    }[activation]
    layers, width = [], n_in
    for h in hidden:
        layers += [nn.Linear(width, h), act()]
        width = h
    head = nn.Linear(width, n_out)
    if zero_head:
        nn.init.zeros_(head.weight)
        nn.init.zeros_(head.bias)
    layers.append(head)
    return nn.Sequential(*layers)


class WeightedStandardizer:
    """Feature centring and scaling by the (sample-weighted) training moments.

    Weighted, so that a zero weight is the same as leaving the row out;
    constant features keep a scale of 1. ``transform`` returns float32 (the
    networks' dtype).
    """

    def __init__(self, X, sample_weight):
        self.mean = np.average(X, axis=0, weights=sample_weight)
        var = np.average((X - self.mean) ** 2, axis=0, weights=sample_weight)
        scale = np.sqrt(var)
        scale[scale < 1e-12] = 1.0
        self.scale = scale

    def transform(self, X):
        return ((X - self.mean) / self.scale).astype(np.float32)


class NetworkOutputsMixin:
    """``_network_outputs(X)``: the fitted network's outputs on new rows.

    For an MLP estimator of this package with ``module_`` and ``_scaler`` (a
    :class:`WeightedStandardizer`) set by ``fit``: checks fitting and the
    features, standardises, runs the network on the predict device in batches
    and returns float64 outputs of shape (n_samples, n_outputs);
    ``_network_probabilities(X)`` is their softmax.
    """

    def _network_outputs(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        out = self._predict_batches(
            self.module_, self.module_, [self._scaler.transform(X)]
        )
        return out.astype(np.float64)

    def _network_probabilities(self, X):
        """Softmax of :meth:`_network_outputs` (float64, rows sum to one)."""
        z = self._network_outputs(X)
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)
