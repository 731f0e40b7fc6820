"""``torch.nn.Module`` forms of the losses (this module imports torch).

:mod:`sklweights.losses` loads it on first access of a module class, so that
``import sklweights.losses`` never imports torch.
"""

import torch

from ._anyloss import anyloss, check_amplifier, resolve_metric

__all__ = ["AnyLoss"]


class AnyLoss(torch.nn.Module):
    """AnyLoss as a criterion: ``1 - metric`` of the batch's soft confusion matrix.

    Parameters
    ----------
    metric : {"accuracy", "f1", "fbeta", "gmean", "gmean_squared", \
"balanced_accuracy"} or callable, default="f1"
        See :func:`sklweights.losses.anyloss`.
    beta : float, default=1.0
        ``beta`` of ``"fbeta"``.
    amplifier : float, default=73.0
        ``L`` of the amplifier.
    eps : float, default=1e-7
        Added to the metrics' denominators.

    Notes
    -----
    ``forward(logits, target, sample_weight=None)`` takes raw scores (the
    probability is their sigmoid), the skorch and ``BCEWithLogitsLoss``
    convention. The metric is a batch statistic: use large batches (in
    skorch, ``batch_size=-1`` is the full batch). skorch's binary classifier
    turns outputs into probabilities by itself only for its BCE criteria: give
    it ``predict_nonlinearity`` as below.

    Examples
    --------
    As the criterion of a skorch binary classifier (full batch):

    >>> import numpy as np, torch
    >>> from skorch import NeuralNetBinaryClassifier
    >>> from sklearn.datasets import make_classification
    >>> from sklweights.losses import AnyLoss
    >>> X, y = make_classification(400, 5, weights=[0.9], random_state=0)
    >>> def two_column_proba(logits):  # skorch infers it only for BCE criteria
    ...     p = torch.sigmoid(logits)
    ...     return torch.stack([1 - p, p], dim=1)
    >>> net = NeuralNetBinaryClassifier(
    ...     torch.nn.Linear(5, 1), criterion=AnyLoss, criterion__metric="f1",
    ...     predict_nonlinearity=two_column_proba, optimizer=torch.optim.Adam,
    ...     lr=0.05, batch_size=-1, max_epochs=100, train_split=None, verbose=0)
    >>> _ = net.fit(X.astype(np.float32), y.astype(np.float32))
    >>> from sklearn.metrics import f1_score
    >>> bool(f1_score(y, net.predict(X.astype(np.float32))) > 0.5)
    True
    """

    def __init__(self, metric="f1", *, beta=1.0, amplifier=73.0, eps=1e-7):
        super().__init__()
        resolve_metric(metric, beta)
        self.metric = metric
        self.beta = float(beta)
        self.amplifier = check_amplifier(amplifier)
        self.eps = float(eps)

    def forward(self, logits, target, sample_weight=None):
        return anyloss(
            logits,
            target,
            metric=self.metric,
            beta=self.beta,
            amplifier=self.amplifier,
            sample_weight=sample_weight,
            eps=self.eps,
        )

    def extra_repr(self):
        return f"metric={self.metric!r}, beta={self.beta}, amplifier={self.amplifier}"
