"""Shared machinery: compatibility imports, optional imports, solver policy,
the torch training base, estimator discovery and ``fit_many``."""

from ._discovery import all_estimators
from ._fit_many import fit_many
from ._optional import import_optional, import_torch, is_available
from ._parallel import limited_threads, parallel_map
from ._solver import SolverResult, check_solver_result, iteration_result, solve_cvxpy

__all__ = [
    "SolverResult",
    "all_estimators",
    "check_solver_result",
    "fit_many",
    "import_optional",
    "import_torch",
    "is_available",
    "iteration_result",
    "limited_threads",
    "parallel_map",
    "solve_cvxpy",
]
