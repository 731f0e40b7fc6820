"""Classifiers trained for what they are scored on.

* :class:`AnyLossClassifier`: a binary classifier trained on ``1 - metric``
  (F1, F-beta, G-mean, balanced accuracy) through a differentiable confusion
  matrix (Han, Moniz & Chawla, KDD 2024).
* :class:`LDRClassifier`: an MLP classifier for noisy labels, trained with
  the label-distributionally robust losses LDR-KL / ALDR-KL (Zhu, Ying &
  Yang, ICML 2023) or a robust baseline.

The losses themselves live in :mod:`sklweights.losses`, usable from plain
torch and skorch too.
"""

from ._anyloss import AnyLossClassifier
from ._ldr import LDRClassifier

__all__ = ["AnyLossClassifier", "LDRClassifier"]
