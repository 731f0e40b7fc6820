"""HL-Gauss: regression by classification over a histogram of the target.

Imani & White, "Improving Regression Performance with Distributional Losses"
(ICML 2018, arXiv 1806.04613); Farebrother et al., "Stop Regressing: Training
Value Functions via Classification for Scalable Deep RL" (ICML 2024, arXiv
2403.03950). A fixed support ``b_0 < ... < b_m`` cuts the target's range into
``m`` bins. A scalar target ``y`` becomes the mass that a Gaussian
``N(y, sigma^2)``, truncated to the support, puts in each bin,

    p_i(y) = [Phi((b_{i+1} - y) / sigma) - Phi((b_i - y) / sigma)]
             / [Phi((b_m - y) / sigma) - Phi((b_0 - y) / sigma)],

and a network with ``m`` outputs is trained with the cross-entropy between
``p(y)`` and the softmax of its logits. The prediction is the mean of the
predicted histogram, ``sum_i softmax(z)_i c_i`` with bin centres ``c_i``.

Differences from the reference form (``transform_to_probs`` of the authors'
appendix, as coded in ``hl-gauss-pytorch-jax`` and the Imani group's
``TruncGaussHistTransform``): a target outside the support is clipped to its
nearest edge first (the reference normaliser is then ``0`` and the row
``0 / 0 = NaN``), and each bin's mass is taken from the nearer tail of the
Gaussian (``erfc`` differences), so that the bins far from ``y`` keep their
relative accuracy in float32; the rows are normalised by their sum, which is
the reference normaliser up to rounding.
"""

import math
import numbers
import sys

import numpy as np

from ._validation import check_positive, import_losses_torch, reduce_rows

__all__ = [
    "bin_centers",
    "check_bin_edges",
    "hl_gauss_loss",
    "hl_gauss_target",
    "uniform_bin_edges",
]


def _is_tensor(value):
    torch = sys.modules.get("torch")  # a tensor exists only once torch is imported
    return torch is not None and isinstance(value, torch.Tensor)


def check_bin_edges(bin_edges):
    """``bin_edges`` as a float64 array: finite, strictly increasing, >= 3 edges."""
    values = np.asarray(
        bin_edges.detach().cpu().numpy() if _is_tensor(bin_edges) else bin_edges
    )
    if values.ndim != 1 or values.shape[0] < 3:
        raise ValueError(
            "bin_edges must be a 1-D sequence of at least 3 increasing edges (2 "
            f"bins); got shape {values.shape}."
        )
    if not np.issubdtype(values.dtype, np.number) or np.iscomplexobj(values):
        raise TypeError(f"bin_edges must be real numbers; got dtype {values.dtype}.")
    values = values.astype(np.float64)
    if not np.all(np.isfinite(values)) or np.any(np.diff(values) <= 0):
        raise ValueError(
            "bin_edges must be finite and strictly increasing; got "
            f"{np.array2string(values, threshold=8)}."
        )
    return values


def _histogram(xp, erfc, y, edges, sigma):
    """(n, m) HL-Gauss labels of flat ``y`` (numpy or torch, per ``xp``)."""
    y = xp.clip(y, edges[0], edges[-1])
    z = (edges[None, :] - y[:, None]) / (math.sqrt(2.0) * sigma)
    lo, hi = z[:, :-1], z[:, 1:]
    # each bin from the tail it lies in: 0.5 erfc(.) is the mass beyond a point
    below = 0.5 * (erfc(-hi) - erfc(-lo))
    above = 0.5 * (erfc(lo) - erfc(hi))
    mass = xp.where(hi <= 0, below, above)
    return mass / mass.sum(-1, keepdims=True)


def hl_gauss_target(y, bin_edges, sigma):
    """The HL-Gauss soft labels of scalar targets: one histogram per target.

    Parameters
    ----------
    y : array-like or torch.Tensor of shape (n_samples,)
        Targets. Values outside ``[bin_edges[0], bin_edges[-1]]`` are clipped
        to the nearest edge (all of their mass lands in the edge bins),
        so that every row is a distribution: never NaN.
    bin_edges : array-like of shape (n_bins + 1,)
        Strictly increasing edges of the support.
    sigma : float
        Standard deviation of the Gaussian, in target units (Imani & White
        use one bin width, Farebrother et al.'s code two; see the user
        guide).

    Returns
    -------
    probabilities : ndarray or torch.Tensor of shape (n_samples, n_bins)
        Rows sum to one. A torch tensor (on ``y``'s device, in its floating
        dtype, differentiable in ``y``) when ``y`` is one; else float64 numpy.

    Examples
    --------
    >>> import numpy as np
    >>> from sklweights.losses import hl_gauss_target
    >>> edges = np.linspace(0.0, 1.0, 6)  # 5 bins of width 0.2
    >>> p = hl_gauss_target([0.5, 7.0], edges, sigma=0.2)
    >>> p.round(3)
    array([[0.061, 0.245, 0.388, 0.245, 0.061],
           [0.   , 0.003, 0.043, 0.272, 0.683]])
    >>> p.sum(axis=1)
    array([1., 1.])

    7.0 lies outside the support: it counts as 1.0, the upper edge.
    """
    sigma = check_positive("sigma", sigma)
    edges_np = check_bin_edges(bin_edges)
    if _is_tensor(y):
        torch = import_losses_torch()
        dtype = y.dtype if y.is_floating_point() else torch.get_default_dtype()
        yt = y.to(dtype).reshape(-1)
        if not torch.all(torch.isfinite(yt.detach())):
            raise ValueError("y must be finite; it holds NaN or infinity.")
        edges = torch.as_tensor(edges_np, dtype=dtype, device=y.device)
        return _histogram(torch, torch.special.erfc, yt, edges, sigma)
    from scipy.special import erfc

    y = np.asarray(y, dtype=np.float64).reshape(-1)
    if not np.all(np.isfinite(y)):
        raise ValueError("y must be finite; it holds NaN or infinity.")
    return _histogram(np, erfc, y, edges_np, sigma)


def hl_gauss_loss(logits, y, bin_edges, sigma, *, sample_weight=None, reduction="mean"):
    """Cross-entropy between the softmax of ``logits`` and HL-Gauss soft labels.

    Parameters
    ----------
    logits : torch.Tensor of shape (n_samples, n_bins)
        One raw score per bin.
    y : torch.Tensor or array-like of shape (n_samples,) or (n_samples, n_bins)
        Scalar targets (clipped to the support, see :func:`hl_gauss_target`),
        or their soft labels computed once by :func:`hl_gauss_target`.
    bin_edges : array-like of shape (n_bins + 1,)
        Edges of the histogram's bins, increasing.
    sigma : float
        Width of the Gaussian in target units.
    sample_weight : torch.Tensor of shape (n_samples,), default=None
        Row weights of the mean.
    reduction : {"mean", "none"}, default="mean"
        ``"mean"``: the (row-weighted) mean over rows, a 0-d tensor; ``"none"``:
        the unweighted loss of each row.

    Returns
    -------
    loss : torch.Tensor
        A scalar, or the per-row losses with ``reduction="none"``.

    Examples
    --------
    >>> import torch
    >>> from sklweights.losses import hl_gauss_loss
    >>> edges = torch.linspace(-3, 3, 33)
    >>> logits = torch.zeros(4, 32, requires_grad=True)
    >>> loss = hl_gauss_loss(logits, torch.tensor([0.0, 1.0, -2.0, 9.0]), edges,
    ...                      sigma=2 * 6 / 32)
    >>> loss.backward()
    >>> round(loss.item(), 4), logits.grad.shape
    (3.4657, torch.Size([4, 32]))
    """
    torch = import_losses_torch()
    logits = torch.as_tensor(logits)
    edges = check_bin_edges(bin_edges)
    y = check_logits_targets(logits, y, edges.shape[0] - 1)
    sigma = check_positive("sigma", sigma)
    edges_t = torch.as_tensor(edges, dtype=logits.dtype, device=logits.device)
    return reduce_rows(
        hl_gauss_rows(logits, y, edges_t, sigma), sample_weight, reduction
    )


def check_logits_targets(logits, target, n_bins):
    """``target`` on ``logits``' device and dtype, after the shape checks.

    ``target`` holds scalar targets (shape (n,)) or their soft labels (shape
    (n, n_bins), e.g. precomputed by :func:`hl_gauss_target`).
    """
    torch = import_losses_torch()
    if logits.ndim != 2 or logits.shape[1] != n_bins:
        raise ValueError(
            f"logits must have shape (n_samples, n_bins={n_bins}); got "
            f"{tuple(logits.shape)}."
        )
    target = torch.as_tensor(target, device=logits.device)
    if target.ndim == 2:
        if target.shape != logits.shape:
            raise ValueError(
                f"soft-label targets must have the shape of logits "
                f"{tuple(logits.shape)}; got {tuple(target.shape)}."
            )
        return target.to(logits.dtype)
    target = target.reshape(-1)
    if target.shape[0] != logits.shape[0]:
        raise ValueError(
            f"y must hold one target per row of logits; got {target.shape[0]} "
            f"targets for {logits.shape[0]} rows."
        )
    return target.to(logits.dtype)


def hl_gauss_rows(logits, target, edges, sigma):
    """Per-row HL-Gauss cross-entropy; ``edges`` a tensor on ``logits``' device.

    ``target``: scalar targets (n,) or their soft labels (n, n_bins). No
    checks (the hot path of a training loop): callers validate once.
    """
    torch = import_losses_torch()
    if target.ndim == 1:
        target = _histogram(torch, torch.special.erfc, target, edges, sigma)
    return -(target * torch.log_softmax(logits, dim=1)).sum(dim=1)


def bin_centers(bin_edges):
    """Centres of the bins of ``bin_edges`` (midpoints)."""
    edges = check_bin_edges(bin_edges)
    return 0.5 * (edges[:-1] + edges[1:])


def uniform_bin_edges(low, high, n_bins):
    """``n_bins`` equal bins on ``[low, high]``, or a ValueError naming the bad one."""
    if (
        isinstance(n_bins, bool)
        or not isinstance(n_bins, numbers.Integral)
        or n_bins < 2
    ):
        raise ValueError(f"n_bins must be an int >= 2; got {n_bins!r}.")
    if not (np.isfinite(low) and np.isfinite(high) and low < high):
        raise ValueError(
            f"the support must be finite with low < high; got ({low!r}, {high!r})."
        )
    return np.linspace(float(low), float(high), int(n_bins) + 1)
