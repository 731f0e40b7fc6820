"""One policy for optimisation solvers (CONVENTIONS section 5).

Every estimator that calls an optimiser reports what happened the same way:

* a solution that is optimal is used silently;
* a solution that is usable but not certified (an inaccurate cvxpy status, an
  iteration limit reached, a MIP stopped by its time limit with a feasible
  incumbent) is used, and a :class:`~sklearn.exceptions.ConvergenceWarning`
  says so;
* no usable solution raises ``ValueError`` naming the status (infeasible
  constraints, unbounded problem, solver failure).

Estimators record the returned :class:`SolverResult` fields in their fitted
``solver_status_`` / ``n_iter_`` attributes.
"""

import warnings
from dataclasses import dataclass

from sklearn.exceptions import ConvergenceWarning

OPTIMAL = "optimal"
INACCURATE = "inaccurate"  # usable, not certified
FAILED = "failed"  # nothing usable

_CVXPY_MAP = {
    "optimal": OPTIMAL,
    "optimal_inaccurate": INACCURATE,
    "user_limit": INACCURATE,
    "infeasible": FAILED,
    "infeasible_inaccurate": FAILED,
    "unbounded": FAILED,
    "unbounded_inaccurate": FAILED,
    "infeasible_or_unbounded": FAILED,
    "solver_error": FAILED,
}


@dataclass
class SolverResult:
    """What a solver call produced, in one shape for every solver.

    Each parameter is kept as the attribute of the same name.

    Parameters
    ----------
    status : {"optimal", "inaccurate", "failed"}
        The normalised status.
    raw_status : str
        The solver's own status text.
    solver : str
        Which solver produced it.
    n_iter : int or None, default=None
        Iterations used, where the solver reports them.
    message : str, default=""
        Human-readable detail.
    """

    status: str
    raw_status: str
    solver: str
    n_iter: int | None = None
    message: str = ""

    @property
    def usable(self):
        """Whether the solution can be used: an optimal or inaccurate status."""
        return self.status in (OPTIMAL, INACCURATE)


def check_solver_result(result, *, what, stacklevel=3):
    """Apply the policy: warn on an inaccurate result, raise on a failed one.

    Parameters
    ----------
    result : SolverResult
        The normalised outcome of a solver call.
    what : str
        What was solved, used in messages (e.g. ``"PrestoClassifier"``).
    stacklevel : int, default=3
        ``stacklevel`` of the ``ConvergenceWarning`` of an inaccurate result.

    Returns
    -------
    result : SolverResult
        The same object, for chaining.
    """
    if result.status == OPTIMAL:
        return result
    detail = f" ({result.message})" if result.message else ""
    if result.status == INACCURATE:
        warnings.warn(
            f"{what}: solver {result.solver!r} returned status "
            f"{result.raw_status!r}; the solution is used but is not certified "
            f"optimal{detail}. Consider increasing max_iter/time_limit or "
            "loosening tol.",
            ConvergenceWarning,
            stacklevel=stacklevel,
        )
        return result
    raise ValueError(
        f"{what}: solver {result.solver!r} found no usable solution: status "
        f"{result.raw_status!r}{detail}."
    )


def iteration_result(converged, n_iter, *, solver, max_iter, tol=None):
    """Status of an iterative algorithm that stops at ``max_iter``.

    Parameters
    ----------
    converged : bool
        Whether the algorithm met its stopping criterion.
    n_iter : int
        Iterations used.
    solver : str
        Name of the algorithm.
    max_iter : int
        The iteration cap, quoted in the message.
    tol : float, default=None
        The tolerance, quoted in the message when given.

    Returns
    -------
    result : SolverResult
        ``"optimal"`` when converged, else ``"inaccurate"`` ("max_iter reached").
    """
    if converged:
        return SolverResult(OPTIMAL, "converged", solver, n_iter)
    tol_text = f" to tol={tol}" if tol is not None else ""
    return SolverResult(
        INACCURATE,
        "max_iter reached",
        solver,
        n_iter,
        f"did not converge{tol_text} in max_iter={max_iter} iterations",
    )


def solve_cvxpy(problem, *, solvers, what, **solve_kwargs):
    """Solve a cvxpy problem along a fallback list of solvers, with the policy.

    Parameters
    ----------
    problem : cvxpy.Problem
        The problem to solve.
    solvers : list of str
        Tried in order; a solver that is not installed or raises
        ``SolverError`` passes to the next one.
    what : str
        Used in messages.
    **solve_kwargs : dict
        Passed to ``problem.solve`` for every solver.

    Returns
    -------
    result : SolverResult
        Already checked: an inaccurate status has warned, a failed one raised.
    """
    import cvxpy as cp

    installed = set(cp.installed_solvers())
    last = None
    for name in solvers:
        if name not in installed:
            last = SolverResult(FAILED, "not installed", name)
            continue
        try:
            problem.solve(solver=name, **solve_kwargs)
        except cp.error.SolverError as exc:
            last = SolverResult(FAILED, "solver_error", name, message=str(exc))
            continue
        raw = str(problem.status)
        status = _CVXPY_MAP.get(raw, FAILED)
        last = SolverResult(status, raw, name)
        if status == OPTIMAL or (status == INACCURATE and name == solvers[-1]):
            break
        if raw in ("infeasible", "unbounded"):
            break  # a certificate: another solver will not change it
    if last is None:
        last = SolverResult(FAILED, "no solver tried", "none")
    return check_solver_result(last, what=what, stacklevel=3)
