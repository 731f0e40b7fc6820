"""Reusable torch losses, for our estimators, plain torch and skorch alike.

* :func:`anyloss`, :func:`soft_confusion_matrix`, :class:`AnyLoss`: a
  confusion-matrix metric (F1, F-beta, G-mean, balanced accuracy, accuracy)
  as a differentiable loss (Han, Moniz & Chawla, KDD 2024).

The functions take torch tensors and import torch when called; the
``torch.nn.Module`` classes are loaded on first access. ``import
sklweights.losses`` itself never imports torch.
"""

from ._anyloss import METRICS as ANYLOSS_METRICS
from ._anyloss import anyloss, soft_confusion_matrix

_MODULE_CLASSES = {"AnyLoss"}

__all__ = ["ANYLOSS_METRICS", "AnyLoss", "anyloss", "soft_confusion_matrix"]


def __getattr__(name):
    if name in _MODULE_CLASSES:
        from sklweights.utils._optional import import_torch

        import_torch(f"sklweights.losses.{name}")
        from . import _modules

        return getattr(_modules, name)
    raise AttributeError(f"module 'sklweights.losses' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | _MODULE_CLASSES)
