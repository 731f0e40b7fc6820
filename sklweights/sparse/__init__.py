"""Sparse recovery: deep-unfolded solvers with learned per-layer steps.

* :class:`UnfoldedISTA`, :class:`UnfoldedFISTA`: ISTA and FISTA unfolded into
  a fixed number of layers whose steps (and FISTA's momenta) are trained,
  without known codes (the objective itself) or with them (their squared
  error), after Nagahisa, Hayakawa & Iiguni (arXiv:2509.01331);
* :class:`UnfoldedIHT`: the same for iterative hard thresholding (l0);
* :func:`sparse_coding_objective`: the objective they minimise.

Transformers in the manner of :class:`sklearn.decomposition.SparseCoder`:
the dictionary has one atom per row and ``transform`` returns codes.
"""

from ._unfolded import (
    UnfoldedFISTA,
    UnfoldedIHT,
    UnfoldedISTA,
    sparse_coding_objective,
)

__all__ = ["UnfoldedFISTA", "UnfoldedIHT", "UnfoldedISTA", "sparse_coding_objective"]
