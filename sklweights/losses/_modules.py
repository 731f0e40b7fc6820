"""``torch.nn.Module`` forms of the losses (this module imports torch).

:mod:`sklweights.losses` loads it on first access of a module class, so that
``import sklweights.losses`` never imports torch.
"""

import math
import numbers

import torch

from ._anyloss import anyloss, check_amplifier, resolve_metric
from ._hl_gauss import (
    bin_centers,
    check_bin_edges,
    check_logits_targets,
    hl_gauss_rows,
    hl_gauss_target,
    uniform_bin_edges,
)
from ._ldr import (
    NORMALIZATIONS,
    _ldr_rows,
    aldr_kl_temperature,
    check_temperature,
    default_normalization,
    ldr_kl_loss,
    normalize_logits,
)
from ._validation import check_positive, reduce_rows

__all__ = ["ALDRKLLoss", "AnyLoss", "HLGaussLoss", "LDRKLLoss"]


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
        """The batch loss: :func:`~sklweights.losses.anyloss`, these settings.

        Parameters
        ----------
        logits : tensor of shape (n_samples,) or (n_samples, 1)
            Raw scores; the probability is ``sigmoid(logits)``.
        target : tensor or array-like of shape (n_samples,)
            True labels in {0, 1}.
        sample_weight : tensor or array-like of shape (n_samples,), default=None
            Row weights (weighted soft counts).

        Returns
        -------
        loss : tensor
            0-d, in [0, 1] for the named metrics.
        """
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
        """The settings shown in the module's ``repr``."""
        return f"metric={self.metric!r}, beta={self.beta}, amplifier={self.amplifier}"


def _check_normalize(normalize):
    if normalize != "auto" and normalize not in NORMALIZATIONS:
        raise ValueError(
            f"normalize must be 'auto' or one of {NORMALIZATIONS}; got {normalize!r}."
        )
    return normalize


def _resolve_normalize(normalize, loss, n_classes):
    """``"auto"``: the classifier's default for this loss and class count."""
    if normalize == "auto":
        return default_normalization(loss, n_classes)
    return normalize


class LDRKLLoss(torch.nn.Module):
    """LDR-KL as a criterion (:func:`sklweights.losses.ldr_kl_loss`).

    Parameters
    ----------
    temperature : float, default=10.0
        ``lambda``: large values make the loss nearly linear in the gaps (robust to
        label noise), small ones a hinge on the largest gap.
    margin : float, default=0.1
        ``c``, added to the gaps of the wrong classes.
    normalize : {"softplus_mean", "l1", "auto"} or None, default="softplus_mean"
        Logit normalisation before the gaps (``NORMALIZATIONS``; the authors' LDR-KL
        uses ``"softplus_mean"``, which is also what ``"auto"`` picks).

    Examples
    --------
    >>> import torch
    >>> from sklweights.losses import LDRKLLoss
    >>> crit = LDRKLLoss(temperature=10.0)
    >>> z = torch.randn(8, 4, requires_grad=True)
    >>> crit(z, torch.arange(8) % 4).backward()
    """

    def __init__(self, temperature=10.0, *, margin=0.1, normalize="softplus_mean"):
        super().__init__()
        self.temperature = check_temperature(temperature)
        self.margin = float(margin)
        self.normalize = _check_normalize(normalize)

    def forward(self, logits, target, sample_weight=None):
        """The batch loss: :func:`~sklweights.losses.ldr_kl_loss`, these settings.

        Parameters
        ----------
        logits : tensor of shape (n_samples, n_classes)
            Raw network outputs, one column per class.
        target : tensor or array-like of shape (n_samples,)
            Class indices in ``[0, n_classes)``.
        sample_weight : tensor of shape (n_samples,), default=None
            Row weights of the mean.

        Returns
        -------
        loss : tensor
            0-d, the (row-weighted) mean over rows.
        """
        return ldr_kl_loss(
            logits,
            target,
            temperature=self.temperature,
            margin=self.margin,
            normalize=_resolve_normalize(self.normalize, "ldr_kl", logits.shape[1]),
            sample_weight=sample_weight,
        )


class ALDRKLLoss(torch.nn.Module):
    """Adaptive LDR-KL: one temperature per training row, kept in a buffer.

    At each call, the rows' temperatures are updated from the confidence of
    the model's prediction (:func:`sklweights.losses.aldr_kl_temperature`,
    no gradient) and the loss is LDR-KL at those temperatures plus the
    authors' penalty ``-(alpha log K / (2 lambda0)) (lambda_i - lambda0)^2``
    (a constant for the gradient: it shifts the reported value only).

    Parameters
    ----------
    n_samples : int
        Rows of the training set; ``forward`` gets each batch's row indices.
    temperature : float, default=10.0
        ``lambda0``, the starting and largest temperature.
    alpha : float, default=2.0
        Bounds the temperatures to ``[lambda0 (1 - 1/alpha), lambda0]``;
        must exceed 1 (positive temperatures). A huge ``alpha`` keeps them at
        ``lambda0``: plain LDR-KL.
    margin : float, default=0.1
        ``c``, added to the gaps of the wrong classes.
    normalize : {"auto", "l1", "softplus_mean"} or None, default="auto"
        The authors' ALDR-KL uses ``"l1"`` (``z / mean_k |z_k|``). With two
        classes that normalisation has a zero gradient (the two normalised
        logits are +-1 whatever the network outputs), so ``"auto"`` takes
        ``"l1"`` for three or more classes and ``"softplus_mean"`` for two,
        as :class:`~sklweights.classification.LDRClassifier` does; pass
        ``"l1"`` for the authors' choice in every case.

    Attributes
    ----------
    temperatures : tensor of shape (n_samples,)
        The current per-row temperatures (a buffer: it moves with ``.to``
        and is saved in the ``state_dict``).

    Examples
    --------
    >>> import torch
    >>> from sklweights.losses import ALDRKLLoss
    >>> crit = ALDRKLLoss(n_samples=100)
    >>> z = torch.randn(10, 3, requires_grad=True)
    >>> rows = torch.arange(10, 20)                      # which training rows
    >>> crit(z, torch.arange(10) % 3, rows).backward()
    >>> bool((crit.temperatures[rows] <= 10).all())
    True
    >>> with torch.no_grad():                            # a validation pass
    ...     _ = crit(z, torch.arange(10) % 3, rows, update=False)
    """

    def __init__(
        self, n_samples, *, temperature=10.0, alpha=2.0, margin=0.1, normalize="auto"
    ):
        super().__init__()
        if not isinstance(n_samples, numbers.Integral) or n_samples < 1:
            raise ValueError(f"n_samples must be a positive int; got {n_samples!r}.")
        self.temperature = check_temperature(temperature)
        alpha = check_positive("alpha", alpha, allow_inf=True)
        if not alpha > 1:
            raise ValueError(
                f"alpha must exceed 1 (it keeps the temperatures positive); got "
                f"{alpha!r}."
            )
        self.alpha = alpha
        self.margin = float(margin)
        self.normalize = _check_normalize(normalize)
        self.n_samples = int(n_samples)
        self.register_buffer(
            "temperatures", torch.full((self.n_samples,), self.temperature)
        )

    def forward(
        self,
        logits,
        target,
        sample_idx,
        *,
        update=True,
        sample_weight=None,
        reduction="mean",
    ):
        """The batch's loss; ``update=False`` leaves the temperatures alone.

        Parameters
        ----------
        logits : tensor of shape (n_samples, n_classes)
            Raw network outputs, one column per class.
        target : tensor or array-like of shape (n_samples,)
            Class indices in ``[0, n_classes)``.
        sample_idx : tensor or array-like of int of shape (n_samples,)
            Training-set index of each row, in ``[0, n_samples)`` of the
            constructor: whose temperature to use and update.
        update : bool, default=True
            Store the rows' updated temperatures (False for validation rows).
        sample_weight : tensor of shape (n_samples,), default=None
            Row weights of the mean.
        reduction : {"mean", "none"}, default="mean"
            ``"mean"``: the (row-weighted) mean over rows, a 0-d tensor;
            ``"none"``: the unweighted loss of each row.

        Returns
        -------
        loss : tensor
            0-d (``"mean"``) or of shape (n_samples,).
        """
        idx = torch.as_tensor(sample_idx, device=self.temperatures.device).long()
        idx = idx.reshape(-1)
        if idx.shape[0] != logits.shape[0]:
            raise ValueError(
                f"sample_idx must hold one row index per row of logits; got "
                f"{idx.shape[0]} indices for {logits.shape[0]} rows."
            )
        if idx.numel() and (int(idx.min()) < 0 or int(idx.max()) >= self.n_samples):
            raise ValueError(
                f"sample_idx must lie in [0, n_samples={self.n_samples}); got "
                f"[{int(idx.min())}, {int(idx.max())}]."
            )
        target = torch.as_tensor(target, device=logits.device).long().reshape(-1)
        z = normalize_logits(
            logits, _resolve_normalize(self.normalize, "aldr_kl", logits.shape[1])
        )
        previous = self.temperatures[idx].to(z.device, z.dtype)
        if math.isinf(self.alpha):
            lam = previous
        else:
            lam = aldr_kl_temperature(
                z.detach(), previous, temperature=self.temperature, alpha=self.alpha
            )
        if update:
            self.temperatures[idx] = lam.to(self.temperatures.dtype)
        k = logits.shape[1]
        penalty = 0.0
        if not math.isinf(self.alpha):
            penalty = (
                -(self.alpha * math.log(k) / (2 * self.temperature))
                * (lam - self.temperature) ** 2
            )
        rows = _ldr_rows(z, target, lam, self.margin) + penalty
        return reduce_rows(rows, sample_weight, reduction)

    def extra_repr(self):
        """The settings shown in the module's ``repr``."""
        return (
            f"n_samples={self.n_samples}, temperature={self.temperature}, "
            f"alpha={self.alpha}, margin={self.margin}, normalize={self.normalize!r}"
        )


class HLGaussLoss(torch.nn.Module):
    """HL-Gauss as a criterion: cross-entropy against Gaussian histogram labels.

    Parameters
    ----------
    bin_edges : array-like of shape (n_bins + 1,)
        Strictly increasing edges of the support (target units).
    sigma : float
        Width of the Gaussian in target units; :meth:`from_range` sets it as a
        multiple of the bin width.

    Attributes
    ----------
    bin_edges, bin_centers : torch.Tensor
        Buffers (they follow ``.to(device)``).
    sigma : float
    n_bins : int

    Notes
    -----
    ``forward(logits, target, sample_weight=None, reduction="mean")`` takes
    one logit per bin and scalar targets of shape (n,), or their soft labels
    of shape (n, n_bins) from :meth:`soft_labels` (computed once before
    training, they save the labels' cost at every step: 3x faster losses on
    32 bins); :meth:`predict` turns logits into the histogram mean, the point
    prediction. See :func:`sklweights.losses.hl_gauss_loss`.

    Examples
    --------
    A one-layer network in plain torch, targets on ``[0, 10]``:

    >>> import torch
    >>> from sklweights.losses import HLGaussLoss
    >>> _ = torch.manual_seed(0)
    >>> x = torch.rand(256, 1) * 10
    >>> y = x[:, 0] + 0.1 * torch.randn(256)
    >>> criterion = HLGaussLoss.from_range(-1.0, 11.0, n_bins=24, sigma_ratio=2.0)
    >>> net = torch.nn.Sequential(
    ...     torch.nn.Linear(1, 32), torch.nn.ReLU(), torch.nn.Linear(32, 24))
    >>> opt = torch.optim.Adam(net.parameters(), lr=1e-2)
    >>> for _ in range(300):
    ...     opt.zero_grad()
    ...     criterion(net(x), y).backward()
    ...     opt.step()
    >>> pred = criterion.predict(net(torch.tensor([[2.0], [7.0]])))
    >>> [round(v, 0) for v in pred.tolist()]
    [2.0, 7.0]
    """

    def __init__(self, bin_edges, sigma):
        super().__init__()
        edges = check_bin_edges(bin_edges)
        self.sigma = check_positive("sigma", sigma)
        dtype = torch.get_default_dtype()
        self.register_buffer("bin_edges", torch.as_tensor(edges, dtype=dtype))
        self.register_buffer(
            "bin_centers", torch.as_tensor(bin_centers(edges), dtype=dtype)
        )

    @classmethod
    def from_range(cls, low, high, n_bins, sigma_ratio=2.0):
        """``n_bins`` equal bins on ``[low, high]``, ``sigma = sigma_ratio`` x width.

        Parameters
        ----------
        low, high : float
            Ends of the support (target units), ``low < high``.
        n_bins : int
            Number of bins.
        sigma_ratio : float, default=2.0
            Width of the Gaussian in bin widths.

        Returns
        -------
        criterion : HLGaussLoss
            The criterion on these bins.
        """
        edges = uniform_bin_edges(low, high, n_bins)
        ratio = check_positive("sigma_ratio", sigma_ratio)
        return cls(edges, ratio * (edges[1] - edges[0]))

    @property
    def n_bins(self):
        return int(self.bin_centers.shape[0])

    def forward(self, logits, target, sample_weight=None, reduction="mean"):
        """The batch's loss (see :func:`sklweights.losses.hl_gauss_loss`).

        Parameters
        ----------
        logits : tensor of shape (n_samples, n_bins)
            One raw score per bin.
        target : tensor or array-like of shape (n_samples,) or (n_samples, n_bins)
            Scalar targets, or their soft labels from :meth:`soft_labels`.
        sample_weight : tensor of shape (n_samples,), default=None
            Row weights of the mean.
        reduction : {"mean", "none"}, default="mean"
            ``"mean"``: the (row-weighted) mean over rows, a 0-d tensor;
            ``"none"``: the unweighted loss of each row.

        Returns
        -------
        loss : tensor
            0-d (``"mean"``) or of shape (n_samples,).
        """
        target = check_logits_targets(logits, target, self.n_bins)
        edges = self.bin_edges.to(logits.device, logits.dtype)
        rows = hl_gauss_rows(logits, target, edges, self.sigma)
        return reduce_rows(rows, sample_weight, reduction)

    def soft_labels(self, y):
        """The soft labels of scalar targets ``y``: shape (n, n_bins), no grad.

        Parameters
        ----------
        y : tensor or array-like of shape (n_samples,)
            Scalar targets (clipped to the support).

        Returns
        -------
        soft_labels : tensor of shape (n_samples, n_bins)
            Each row's Gaussian histogram label (rows sum to one).
        """
        y = torch.as_tensor(y, device=self.bin_edges.device)
        if not y.is_floating_point():
            y = y.to(self.bin_edges.dtype)
        with torch.no_grad():
            return hl_gauss_target(y.reshape(-1), self.bin_edges, self.sigma)

    def predict(self, logits):
        """The histogram mean ``softmax(logits) @ bin_centers`` of each row.

        Parameters
        ----------
        logits : tensor of shape (n_samples, n_bins)
            One raw score per bin.

        Returns
        -------
        y_pred : tensor of shape (n_samples,)
            The point predictions.
        """
        probs = torch.softmax(logits, dim=-1)
        return probs @ self.bin_centers.to(probs.device, probs.dtype)

    def extra_repr(self):
        """The settings shown in the module's ``repr``."""
        return f"n_bins={self.n_bins}, sigma={self.sigma}"
