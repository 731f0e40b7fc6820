"""AnyLoss: a confusion-matrix metric as a differentiable loss.

Han, Moniz & Chawla, "AnyLoss: Transforming Classification Metrics into Loss
Functions", KDD 2024 (arXiv 2405.14745). The predicted probability ``p`` is
pushed towards 0 or 1 by the *amplifier* ``A(p) = 1 / (1 + exp(-L (p - 0.5)))``
and the confusion matrix is filled with soft counts over the batch in hand:
``TP = sum y A(p)``, ``FP = sum A(p) - TP``, ``FN = sum y - TP``,
``TN = N - sum y - sum A(p) + TP``. The loss is ``1 - metric(TN, FP, FN, TP)``.

Every count comes from the batch the loss is called on (the authors' README
snippet mixes the whole training set's ``N`` with batch sums, which
under-weights false positives in G-mean and balanced accuracy by the batch
fraction).
"""

from ._validation import check_positive

__all__ = ["METRICS", "anyloss", "soft_confusion_matrix"]


def _f_beta(tn, fp, fn, tp, *, beta, eps):
    b2 = beta * beta
    return (1 + b2) * tp / ((1 + b2) * tp + b2 * fn + fp + eps)


def _accuracy(tn, fp, fn, tp, *, beta, eps):
    return (tp + tn) / (tn + fp + fn + tp + eps)


def _rates(tn, fp, fn, tp, eps):
    return tp / (tp + fn + eps), tn / (tn + fp + eps)


def _balanced_accuracy(tn, fp, fn, tp, *, beta, eps):
    tpr, tnr = _rates(tn, fp, fn, tp, eps)
    return 0.5 * (tpr + tnr)


def _gmean_squared(tn, fp, fn, tp, *, beta, eps):
    tpr, tnr = _rates(tn, fp, fn, tp, eps)
    return tpr * tnr


def _gmean(tn, fp, fn, tp, *, beta, eps):
    # the square root's slope is infinite at 0: clamp its argument at eps**2
    # (the metric is then off by at most eps, and only at a degenerate batch)
    return (
        _gmean_squared(tn, fp, fn, tp, beta=beta, eps=eps).clamp_min(eps * eps).sqrt()
    )


def _f1(tn, fp, fn, tp, *, beta, eps):
    return _f_beta(tn, fp, fn, tp, beta=1.0, eps=eps)


#: ``name -> metric(tn, fp, fn, tp, *, beta, eps)`` (higher is better).
#: ``"gmean"`` is sqrt(recall * specificity); ``"gmean_squared"`` is the
#: product itself (the authors' extension trains on it).
METRICS = {
    "accuracy": _accuracy,
    "f1": _f1,
    "fbeta": _f_beta,
    "gmean": _gmean,
    "gmean_squared": _gmean_squared,
    "balanced_accuracy": _balanced_accuracy,
}


def check_amplifier(amplifier):
    """``amplifier`` as a positive finite float, or a ValueError naming it."""
    return check_positive("amplifier", amplifier, hint=" (the paper uses 73)")


def resolve_metric(metric, beta):
    """The metric function for ``metric`` (a name or a callable)."""
    if callable(metric):
        return lambda tn, fp, fn, tp, *, beta, eps: metric(tn, fp, fn, tp)
    if not isinstance(metric, str) or metric not in METRICS:
        raise ValueError(
            f"metric must be one of {sorted(METRICS)} or a callable "
            f"metric(tn, fp, fn, tp); got {metric!r}."
        )
    check_positive("beta", beta)
    return METRICS[metric]


def _as_float_tensors(torch, proba, y, sample_weight):
    proba = torch.as_tensor(proba)
    if not proba.is_floating_point():
        proba = proba.double()
    y = torch.as_tensor(y, device=proba.device).to(proba.dtype)
    proba, y = proba.reshape(-1), y.reshape(-1)
    if proba.shape != y.shape:
        raise ValueError(
            f"proba and y must hold one value per row; got {proba.numel()} "
            f"probabilities and {y.numel()} labels."
        )
    if sample_weight is not None:
        sample_weight = torch.as_tensor(sample_weight, device=proba.device)
        sample_weight = sample_weight.to(proba.dtype).reshape(-1)
        if sample_weight.shape != y.shape:
            raise ValueError(
                f"sample_weight must hold one weight per row; got "
                f"{sample_weight.numel()} weights for {y.numel()} rows."
            )
    return proba, y, sample_weight


def soft_confusion_matrix(proba, y, *, amplifier=73.0, sample_weight=None):
    """The differentiable confusion matrix of AnyLoss, over the rows given.

    Parameters
    ----------
    proba : tensor or array-like of shape (n_samples,)
        Predicted probabilities of the positive class.
    y : tensor or array-like of shape (n_samples,)
        True labels in {0, 1}.
    amplifier : float, default=73.0
        ``L`` of the amplifier ``A(p) = 1 / (1 + exp(-L (p - 0.5)))``; the
        larger, the closer the soft counts are to the counts at threshold
        0.5 (and the steeper the loss).
    sample_weight : tensor or array-like of shape (n_samples,), default=None
        Row weights: every count is a weighted sum.

    Returns
    -------
    matrix : tensor of shape (2, 2)
        ``[[TN, FP], [FN, TP]]``, the layout of
        :func:`sklearn.metrics.confusion_matrix` (``matrix.ravel()`` gives
        ``tn, fp, fn, tp``), differentiable in ``proba``.

    Examples
    --------
    >>> import torch
    >>> from sklweights.losses import soft_confusion_matrix
    >>> p = torch.tensor([0.9, 0.8, 0.3, 0.1])
    >>> y = torch.tensor([1, 0, 1, 0])
    >>> soft_confusion_matrix(p, y, amplifier=1e4).round()
    tensor([[1., 1.],
            [1., 1.]])
    """
    from sklweights.utils._optional import import_torch

    torch = import_torch("soft_confusion_matrix")
    amplifier = check_amplifier(amplifier)
    proba, y, w = _as_float_tensors(torch, proba, y, sample_weight)
    a = torch.sigmoid(amplifier * (proba - 0.5))
    if w is None:
        n, pos, pred = proba.new_tensor(float(len(y))), y.sum(), a.sum()
        tp = (y * a).sum()
    else:
        n, pos, pred = w.sum(), (w * y).sum(), (w * a).sum()
        tp = (w * y * a).sum()
    fp, fn = pred - tp, pos - tp
    tn = n - pos - pred + tp
    return torch.stack([torch.stack([tn, fp]), torch.stack([fn, tp])])


def anyloss(
    logits,
    y,
    *,
    metric="f1",
    beta=1.0,
    amplifier=73.0,
    sample_weight=None,
    eps=1e-7,
):
    """``1 - metric`` of the soft confusion matrix of a batch (AnyLoss).

    Parameters
    ----------
    logits : tensor of shape (n_samples,) or (n_samples, 1)
        Raw scores; the probability is ``sigmoid(logits)``.
    y : tensor or array-like of shape (n_samples,)
        True labels in {0, 1}.
    metric : {"accuracy", "f1", "fbeta", "gmean", "gmean_squared", \
"balanced_accuracy"} or callable, default="f1"
        The metric to maximise; a callable gets the soft counts
        ``(tn, fp, fn, tp)`` (0-d tensors) and returns a 0-d tensor, higher
        being better.
    beta : float, default=1.0
        ``beta`` of ``"fbeta"`` (recall weighs ``beta`` times precision).
    amplifier : float, default=73.0
        ``L`` of :func:`soft_confusion_matrix`.
    sample_weight : tensor or array-like of shape (n_samples,), default=None
        Row weights (weighted soft counts).
    eps : float, default=1e-7
        Added to the denominators of the metrics (no 0/0 on a batch without
        positives or predicted positives).

    Returns
    -------
    loss : 0-d tensor
        In [0, 1] for the named metrics.

    Notes
    -----
    The counts, ``N`` and ``sum y`` included, are those of the batch given,
    so the loss of a batch does not depend on the rest of the data set. The
    metric is a batch statistic: its mini-batch gradient is a biased
    estimate of the full-data one, so train with large batches or the full
    batch.

    Examples
    --------
    In a plain torch training loop:

    >>> import torch
    >>> from sklweights.losses import anyloss
    >>> _ = torch.manual_seed(0)
    >>> X = torch.randn(200, 3)
    >>> y = (X[:, 0] + 0.5 * torch.randn(200) > 1.0).float()
    >>> model = torch.nn.Linear(3, 1)
    >>> opt = torch.optim.Adam(model.parameters(), lr=0.05)
    >>> for _ in range(200):
    ...     opt.zero_grad()
    ...     loss = anyloss(model(X), y, metric="f1")
    ...     loss.backward()
    ...     opt.step()
    >>> bool(loss < 0.3)
    True
    """
    from sklweights.utils._optional import import_torch

    torch = import_torch("anyloss")
    fn = resolve_metric(metric, beta)
    logits = torch.as_tensor(logits)
    cm = soft_confusion_matrix(
        torch.sigmoid(logits), y, amplifier=amplifier, sample_weight=sample_weight
    )
    tn, fp, fn_, tp = cm.reshape(-1).unbind()
    return 1 - fn(tn, fp, fn_, tp, beta=float(beta), eps=eps)
