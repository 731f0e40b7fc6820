"""Reusable torch losses, for our estimators, plain torch and skorch alike.

* :func:`anyloss`, :func:`soft_confusion_matrix`, :class:`AnyLoss`: a
  confusion-matrix metric (F1, F-beta, G-mean, balanced accuracy, accuracy)
  as a differentiable loss (Han, Moniz & Chawla, KDD 2024).
* :func:`ldr_kl_loss`, :class:`LDRKLLoss`, :class:`ALDRKLLoss`: label-
  distributionally robust losses for noisy labels (Zhu, Ying & Yang, ICML
  2023), with the baselines :func:`generalized_cross_entropy`,
  :func:`symmetric_cross_entropy` and :func:`mean_absolute_error_loss`.
* :func:`hl_gauss_target`, :func:`hl_gauss_loss`, :class:`HLGaussLoss`:
  regression as classification over a histogram of the target, with
  Gaussian soft labels (HL-Gauss; Imani & White, ICML 2018; Farebrother et
  al., ICML 2024).

The functions take torch tensors and import torch when called; the
``torch.nn.Module`` classes are loaded on first access. ``import
sklweights.losses`` itself never imports torch.
"""

from ._anyloss import METRICS as ANYLOSS_METRICS
from ._anyloss import anyloss, soft_confusion_matrix
from ._hl_gauss import hl_gauss_loss, hl_gauss_target
from ._ldr import (
    aldr_kl_temperature,
    cross_entropy_loss,
    generalized_cross_entropy,
    ldr_kl_loss,
    mean_absolute_error_loss,
    symmetric_cross_entropy,
)

_MODULE_CLASSES = {"ALDRKLLoss", "AnyLoss", "HLGaussLoss", "LDRKLLoss"}

__all__ = [
    "ALDRKLLoss",
    "ANYLOSS_METRICS",
    "AnyLoss",
    "HLGaussLoss",
    "LDRKLLoss",
    "aldr_kl_temperature",
    "anyloss",
    "cross_entropy_loss",
    "generalized_cross_entropy",
    "hl_gauss_loss",
    "hl_gauss_target",
    "ldr_kl_loss",
    "mean_absolute_error_loss",
    "soft_confusion_matrix",
    "symmetric_cross_entropy",
]


def __getattr__(name):
    if name in _MODULE_CLASSES:
        from sklweights.utils._optional import import_torch

        import_torch(f"sklweights.losses.{name}")
        from . import _modules

        return getattr(_modules, name)
    raise AttributeError(f"module 'sklweights.losses' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | _MODULE_CLASSES)
