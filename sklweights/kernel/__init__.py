"""Kernel ridge regression, self-distilled.

* :class:`SelfDistilledKernelRidge`: kernel ridge regression refitted on a
  mix of the labels and its own previous fit, with the ground-truth weight
  fixed or chosen in closed form (Borup & Andersen, NeurIPS 2021; Dang,
  Patil & Rinaldo, 2026); every step from one eigendecomposition.
* :func:`self_distillation_path`: the fitted values and validation losses of
  every step for a grid of weights.
"""

from ._self_distillation import SelfDistilledKernelRidge, self_distillation_path

__all__ = ["SelfDistilledKernelRidge", "self_distillation_path"]
