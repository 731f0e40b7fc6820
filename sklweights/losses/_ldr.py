"""Label-distributionally robust losses (LDR-KL, ALDR-KL) and noise-robust baselines.

Zhu, Ying & Yang, "Label Distributionally Robust Losses for Multi-class
Classification: Consistency, Robustness and Adaptivity", ICML 2023
(arXiv 2112.14869). Only the abstract of the paper could be read; the
equations follow the authors' code (``Optimization-AI/ICML2023_LDR``,
``loss.py``), with its traps fixed (see the user guide).

With logits ``z`` (normalised, see ``normalize``), label ``y``, margin ``c``
and temperature ``lam``, the gaps are ``d_k = z_k - z_y + c [k != y]`` and

    LDR-KL(z, y) = lam * log( (1/K) sum_k exp(d_k / lam) ),

the worst case over label distributions ``q`` of ``sum_k q_k d_k - lam
KL(q || uniform)``: at ``lam = 1`` with no margin it is cross-entropy minus
``log K``; as ``lam`` grows it tends to the mean gap (robust to label noise,
like MAE); as ``lam -> 0`` to the largest gap (a multiclass hinge).
"""

import math

from ._validation import check_positive, import_losses_torch, reduce_rows

__all__ = [
    "NORMALIZATIONS",
    "ROBUST_LOSSES",
    "aldr_kl_temperature",
    "cross_entropy_loss",
    "default_normalization",
    "generalized_cross_entropy",
    "ldr_kl_loss",
    "mean_absolute_error_loss",
    "symmetric_cross_entropy",
]

#: Logit normalisations: ``"softplus_mean"`` (the authors' LDR-KL:
#: ``softplus(z) / mean_k softplus(z)_k``), ``"l1"`` (their ALDR-KL:
#: ``z / mean_k |z_k|``, invariant to positive rescaling; degenerate for two
#: classes, see ``default_normalization``), ``None``.
NORMALIZATIONS = ("softplus_mean", "l1", None)

#: Names of the per-row losses a classifier can be trained with.
ROBUST_LOSSES = ("aldr_kl", "ldr_kl", "ce", "gce", "sce", "mae")


def check_temperature(temperature):
    """A positive scalar temperature, or a ValueError naming ``temperature``."""
    return check_positive("temperature", temperature)


def default_normalization(loss, n_classes):
    """The logit normalisation of ``loss`` ("ldr_kl" or "aldr_kl") for K classes.

    The authors' choices ("softplus_mean" for LDR-KL, "l1" for ALDR-KL), but
    "softplus_mean" for ALDR-KL with two classes: with ``K = 2`` the L1
    normalisation maps every pair of logits of opposite signs to
    ``(1, -1)`` or ``(-1, 1)``, so the loss is piecewise constant there, with
    a zero gradient, and a row on the wrong side stays wrong. (For
    ``K >= 3`` the normalised gaps still move with every logit.)

    Parameters
    ----------
    loss : {"ldr_kl", "aldr_kl"}
        The loss.
    n_classes : int
        Number of classes K.

    Returns
    -------
    normalize : str
        One of ``NORMALIZATIONS``.
    """
    if loss == "ldr_kl":
        return "softplus_mean"
    if loss == "aldr_kl":
        return "l1" if n_classes > 2 else "softplus_mean"
    raise ValueError(f"loss must be 'ldr_kl' or 'aldr_kl'; got {loss!r}.")


def normalize_logits(z, normalize, eps=1e-12):
    """The logit normalisation ``normalize`` (one of ``NORMALIZATIONS``)."""
    torch = import_losses_torch()
    if normalize is None:
        return z
    if normalize == "softplus_mean":
        z = torch.nn.functional.softplus(z)
        return z / (z.mean(dim=1, keepdim=True) + eps)
    if normalize == "l1":
        # eps: the reference divides by ||z||_1 / K with no guard (0 at z = 0)
        return z / (z.abs().mean(dim=1, keepdim=True) + eps)
    raise ValueError(f"normalize must be one of {NORMALIZATIONS}; got {normalize!r}.")


def _check_inputs(torch, logits, y):
    if logits.ndim != 2:
        raise ValueError(
            f"logits must have shape (n_samples, n_classes); got {tuple(logits.shape)}."
        )
    y = torch.as_tensor(y, device=logits.device).long().reshape(-1)
    if y.shape[0] != logits.shape[0]:
        raise ValueError(
            f"y must hold one label per row of logits; got {y.shape[0]} labels for "
            f"{logits.shape[0]} rows."
        )
    return y


def _gaps(z, y, margin):
    torch = import_losses_torch()
    onehot = torch.nn.functional.one_hot(y, z.shape[1]).to(z.dtype)
    z_y = (z * onehot).sum(dim=1, keepdim=True)
    return z - z_y + margin * (1 - onehot)


def _ldr_rows(z, y, temperature, margin):
    """Per-row LDR-KL of already normalised logits; ``temperature`` scalar or (n,)."""
    torch = import_losses_torch()
    lam = torch.as_tensor(temperature, dtype=z.dtype, device=z.device)
    if lam.ndim == 1:
        lam = lam[:, None]
    d = _gaps(z, y, margin)
    k = z.shape[1]
    return (lam * (torch.logsumexp(d / lam, dim=1, keepdim=True) - math.log(k)))[:, 0]


def ldr_kl_loss(
    logits,
    y,
    *,
    temperature=10.0,
    margin=0.1,
    normalize="softplus_mean",
    sample_weight=None,
    reduction="mean",
):
    """The LDR-KL loss: a temperature-scaled log-mean-exp of the margin gaps.

    Parameters
    ----------
    logits : tensor of shape (n_samples, n_classes)
        Raw network outputs, one column per class.
    y : tensor or array-like of shape (n_samples,)
        Class indices in ``[0, n_classes)``.
    temperature : float or tensor of shape (n_samples,), default=10.0
        ``lambda``: large values make the loss nearly linear in the gaps
        (robust to label noise), small ones a hinge on the largest gap.
    margin : float, default=0.1
        ``c``, added to the gaps of the wrong classes.
    normalize : {"softplus_mean", "l1"} or None, default="softplus_mean"
        Logit normalisation before the gaps (``NORMALIZATIONS``; the
        authors' LDR-KL uses ``"softplus_mean"``).
    sample_weight : tensor of shape (n_samples,), default=None
        Row weights of the mean.
    reduction : {"mean", "none"}, default="mean"
        ``"mean"``: the (row-weighted) mean over rows, a 0-d tensor; ``"none"``:
        the unweighted loss of each row.

    Returns
    -------
    loss : tensor
        0-d (``"mean"``) or of shape (n_samples,). The log-*mean*-exp (the
        authors' ``1/K`` inside the log) makes the loss 0 when every gap is
        0, not when the model is right: compare values, not signs.

    Examples
    --------
    >>> import torch
    >>> from sklweights.losses import ldr_kl_loss
    >>> z = torch.tensor([[2.0, 0.5, -1.0], [0.1, 0.3, 2.0]], requires_grad=True)
    >>> loss = ldr_kl_loss(z, torch.tensor([0, 2]), temperature=1.0, margin=0.0,
    ...                    normalize=None)
    >>> ce = torch.nn.functional.cross_entropy(z, torch.tensor([0, 2]))
    >>> bool(torch.isclose(loss, ce - torch.log(torch.tensor(3.0))))
    True
    >>> loss.backward()
    """
    torch = import_losses_torch()
    if not isinstance(temperature, torch.Tensor):
        check_temperature(temperature)
    logits = torch.as_tensor(logits)
    y = _check_inputs(torch, logits, y)
    z = normalize_logits(logits, normalize)
    return reduce_rows(_ldr_rows(z, y, temperature, margin), sample_weight, reduction)


def aldr_kl_temperature(z, previous, *, temperature, alpha):
    """ALDR-KL's per-row temperature update (no gradient).

    ``p = normalise(softmax(z / previous) + 1e-5)``, ``KL = KL(p || uniform)``
    and ``lambda = lambda0 (1 - KL / (alpha log K))``, in
    ``[lambda0 (1 - 1/alpha), lambda0]``: a confident prediction (large KL)
    gets a lower temperature. It depends on the prediction only, not the
    label. ``z`` are normalised logits, ``previous`` the rows' current
    temperatures.

    Parameters
    ----------
    z : tensor of shape (n_samples, n_classes)
        Normalised logits.
    previous : tensor of shape (n_samples,)
        The rows' current temperatures.
    temperature : float
        ``lambda0``, the starting and largest temperature.
    alpha : float
        Bounds the temperatures to ``[lambda0 (1 - 1/alpha), lambda0]``;
        must exceed 1.

    Returns
    -------
    temperature : tensor of shape (n_samples,)
        The rows' new temperatures.
    """
    torch = import_losses_torch()
    with torch.no_grad():
        k = z.shape[1]
        p = torch.softmax(z / previous[:, None], dim=1) + 1e-5
        p = p / p.sum(dim=1, keepdim=True)
        kl = (p * torch.log(k * p)).sum(dim=1)
        return temperature * (1 - kl / (alpha * math.log(k)))


def _probabilities(logits):
    torch = import_losses_torch()
    return torch.softmax(logits, dim=1)


def cross_entropy_loss(logits, y, *, sample_weight=None, reduction="mean"):
    """Cross-entropy of the softmax, with row weights (the baseline).

    Parameters
    ----------
    logits : tensor of shape (n_samples, n_classes)
        Raw network outputs, one column per class.
    y : tensor or array-like of shape (n_samples,)
        Class indices in ``[0, n_classes)``.
    sample_weight : tensor of shape (n_samples,), default=None
        Row weights of the mean.
    reduction : {"mean", "none"}, default="mean"
        ``"mean"``: the (row-weighted) mean over rows, a 0-d tensor; ``"none"``:
        the unweighted loss of each row.

    Returns
    -------
    loss : tensor
        0-d (``"mean"``) or of shape (n_samples,).
    """
    torch = import_losses_torch()
    logits = torch.as_tensor(logits)
    y = _check_inputs(torch, logits, y)
    per_row = torch.nn.functional.cross_entropy(logits, y, reduction="none")
    return reduce_rows(per_row, sample_weight, reduction)


def generalized_cross_entropy(
    logits, y, *, q=0.7, sample_weight=None, reduction="mean"
):
    """Generalised cross-entropy ``(1 - p_y^q) / q`` (Zhang & Sabuncu, 2018).

    ``q -> 0`` gives cross-entropy, ``q = 1`` the (scaled) mean absolute
    error.

    Parameters
    ----------
    logits : tensor of shape (n_samples, n_classes)
        Raw network outputs, one column per class.
    y : tensor or array-like of shape (n_samples,)
        Class indices in ``[0, n_classes)``.
    q : float, default=0.7
        The exponent; positive.
    sample_weight : tensor of shape (n_samples,), default=None
        Row weights of the mean.
    reduction : {"mean", "none"}, default="mean"
        ``"mean"``: the (row-weighted) mean over rows, a 0-d tensor; ``"none"``:
        the unweighted loss of each row.

    Returns
    -------
    loss : tensor
        0-d (``"mean"``) or of shape (n_samples,).
    """
    torch = import_losses_torch()
    q = check_positive("q", q)
    logits = torch.as_tensor(logits)
    y = _check_inputs(torch, logits, y)
    p_y = _probabilities(logits).gather(1, y[:, None])[:, 0].clamp_min(1e-7)
    return reduce_rows((1 - p_y**q) / q, sample_weight, reduction)


def symmetric_cross_entropy(
    logits, y, *, alpha=0.1, beta=1.0, sample_weight=None, reduction="mean"
):
    """Symmetric cross-entropy ``alpha CE + beta RCE`` (Wang et al., 2019).

    The reverse cross-entropy takes ``log 0`` as ``log 1e-4`` (the authors'
    clamp): ``RCE = -log(1e-4) (1 - p_y)``.

    Parameters
    ----------
    logits : tensor of shape (n_samples, n_classes)
        Raw network outputs, one column per class.
    y : tensor or array-like of shape (n_samples,)
        Class indices in ``[0, n_classes)``.
    alpha : float, default=0.1
        Weight of the cross-entropy.
    beta : float, default=1.0
        Weight of the reverse cross-entropy.
    sample_weight : tensor of shape (n_samples,), default=None
        Row weights of the mean.
    reduction : {"mean", "none"}, default="mean"
        ``"mean"``: the (row-weighted) mean over rows, a 0-d tensor; ``"none"``:
        the unweighted loss of each row.

    Returns
    -------
    loss : tensor
        0-d (``"mean"``) or of shape (n_samples,).
    """
    torch = import_losses_torch()
    logits = torch.as_tensor(logits)
    y = _check_inputs(torch, logits, y)
    ce = torch.nn.functional.cross_entropy(logits, y, reduction="none")
    p_y = _probabilities(logits).gather(1, y[:, None])[:, 0]
    rce = -math.log(1e-4) * (1 - p_y)
    return reduce_rows(alpha * ce + beta * rce, sample_weight, reduction)


def mean_absolute_error_loss(logits, y, *, sample_weight=None, reduction="mean"):
    """MAE between the one-hot label and the softmax: ``2 (1 - p_y)``.

    The authors' ``MAELoss`` sums the *signed* differences, which is 0 for
    every input: it trains on a constant. This is the intended loss.

    Parameters
    ----------
    logits : tensor of shape (n_samples, n_classes)
        Raw network outputs, one column per class.
    y : tensor or array-like of shape (n_samples,)
        Class indices in ``[0, n_classes)``.
    sample_weight : tensor of shape (n_samples,), default=None
        Row weights of the mean.
    reduction : {"mean", "none"}, default="mean"
        ``"mean"``: the (row-weighted) mean over rows, a 0-d tensor; ``"none"``:
        the unweighted loss of each row.

    Returns
    -------
    loss : tensor
        0-d (``"mean"``) or of shape (n_samples,).
    """
    torch = import_losses_torch()
    logits = torch.as_tensor(logits)
    y = _check_inputs(torch, logits, y)
    p_y = _probabilities(logits).gather(1, y[:, None])[:, 0]
    return reduce_rows(2 * (1 - p_y), sample_weight, reduction)
