"""Classifiers trained for what they are scored on.

* :class:`AnyLossClassifier`: a binary classifier trained on ``1 - metric``
  (F1, F-beta, G-mean, balanced accuracy) through a differentiable confusion
  matrix (Han, Moniz & Chawla, KDD 2024).

The losses themselves live in :mod:`sklweights.losses`, usable from plain
torch and skorch too.
"""

from ._anyloss import AnyLossClassifier

__all__ = ["AnyLossClassifier"]
