"""The PRESTO proximal Newton solver, its warm-started path and the null model.

:class:`ProximalNewtonSolver` minimises the penalised objective of
:mod:`sklweights.ordinal._likelihood` at one alpha, in the manner of
scikit-learn's ``NewtonSolver`` (``sklearn/linear_model/_glm/_newton_solver.py``):
named steps called by :meth:`~ProximalNewtonSolver.solve`::

    setup                     start point inside the domain
    loop:
        update_gradient       gradient in difference coordinates, KKT residual
        check_convergence     KKT residual <= tol, or out of iterations
        update_hessian        exact likelihood Hessian (+ ridge, + a
                              Levenberg-Marquardt term where it is singular)
        inner_solve           the penalised quadratic model (free, or with the
                              training no-crossing rows as constraints)
        line_search           Armijo backtracking inside the domain
    finalize                  FitInfo (and its SolverResult)

and named tolerances (class attributes, one place to read and change them).
:func:`fit_path` runs the solver along a decreasing grid of alphas with warm
starts; the CV folds and the final fits both use it.
"""

import numpy as np

from sklweights.utils._solver import SolverResult, iteration_result

from . import _quadratic
from ._likelihood import (
    in_domain,
    intercept_only,
    kkt_residual,
    linear_predictor,
    objective,
    penalty_mask,
    to_difference_coords,
)


class FitInfo:
    """What one solve produced (besides the parameters)."""

    __slots__ = ("converged", "n_iter", "kkt", "objective", "stalled", "hessian")

    def __init__(self, converged, n_iter, kkt, objective, stalled, hessian=None):
        self.hessian = hessian
        self.converged = converged
        self.n_iter = n_iter
        self.kkt = kkt
        self.objective = objective
        self.stalled = stalled

    def solver_result(self, *, max_iter, tol):
        """The outcome in the package's solver vocabulary (:class:`SolverResult`)."""
        if self.stalled:
            return SolverResult(
                "inaccurate",
                "stalled at the training no-crossing boundary",
                ProximalNewtonSolver.name,
                self.n_iter,
                "the line search could not move further without crossing "
                "cumulative probabilities at a training row (monotone_training="
                f"True); optimality residual {self.kkt:.2e} > tol={tol}",
            )
        return iteration_result(
            self.converged,
            self.n_iter,
            solver=ProximalNewtonSolver.name,
            max_iter=max_iter,
            tol=tol,
        )


class ProximalNewtonSolver:
    """Proximal Newton method for PRESTO at one alpha.

    Each iteration builds the exact gradient and Hessian of the smooth part
    (the likelihood Hessian in ``(a_k, b_k)`` is block tridiagonal and costs
    three weighted Gram products over the rows), maps them to the difference
    coordinates, solves the penalised quadratic model exactly
    (:mod:`sklweights.ordinal._quadratic`) and takes a backtracking (Armijo)
    step that keeps every iterate inside the domain: the observed class has
    positive probability at every training row and, with
    ``monotone_training``, the cumulative probabilities do not cross at any
    training row. Where the free step would cross, the model is solved with
    the binding training rows as linear constraints. Convergence is declared
    on the optimality (KKT) residual.

    Parameters
    ----------
    problem : PrestoProblem
    alpha : float
    l1_ratio, penalize_first, monotone_training : see PrestoClassifier
    tol : float
        KKT residual at which the solve stops.
    max_iter : int
        Accepted Newton steps at most.
    f_tol : float or None
        Also stop after a full (unit) step whose predicted decrease is below
        ``f_tol * max(|F|, 1)``: the objective is then within about the
        square of that decrease of the optimum (the CV paths use it; only
        held-out scores are needed there).
    """

    name = "proximal-newton"

    # -- named tolerances ---------------------------------------------------
    #: Armijo sufficient-decrease fraction of the predicted decrease
    armijo = 1e-4
    #: step halvings before the line search gives up
    max_halvings = 60
    #: relative round-off slack of the Armijo test
    objective_slack = 1e-13
    #: a free step cut below this fraction is treated as blocked by the
    #: training no-crossing rows (then the constrained model is solved)
    blocked_step = 1e-2
    #: a predicted decrease below this (relative to |F|) at a failed line
    #: search means the point is optimal to round-off
    stall_rtol = 1e-12
    #: a constrained model whose predicted decrease is below this (relative)
    #: cannot improve the point
    no_progress_rtol = 1e-15
    #: inner (model) tolerance: max(min(0.1 * kkt, kkt ** 1.5), 0.1 * tol)
    inner_factor = 0.1
    inner_power = 1.5

    def __init__(
        self,
        problem,
        alpha,
        *,
        l1_ratio=1.0,
        penalize_first=True,
        monotone_training=True,
        tol=1e-7,
        max_iter=100,
        f_tol=None,
    ):
        self.problem = problem
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.penalize_first = penalize_first
        self.monotone_training = monotone_training
        self.tol = tol
        self.max_iter = max_iter
        self.f_tol = f_tol

    # -- the named steps ----------------------------------------------------
    def setup(self, Z0=None, *, fallback=None, hessian=None):
        """Start point inside the domain: ``Z0``, else ``fallback``, else the
        intercept-only model. ``hessian`` (the likelihood Hessian in
        difference coordinates at a nearby point, e.g. the previous alpha's)
        replaces the first Hessian evaluation."""
        problem = self.problem
        K, p = problem.K, problem.p
        self.pen = penalty_mask(K, p, self.penalize_first)
        self.penf = self.pen.ravel()
        self.lam1 = float(self.alpha * self.l1_ratio)
        self.lam2 = float(self.alpha * (1.0 - self.l1_ratio))
        null = np.zeros((K - 1, p + 1))
        null[:, 0] = intercept_only(problem.y, problem.w, K)
        for start in (null if Z0 is None else Z0, fallback, null):
            if start is None:
                continue
            self.Z = np.array(start, dtype=np.float64)
            self.eta = problem.eta(self.Z)
            self.f = self._objective(self.Z, self.eta)
            if np.isfinite(self.f) and in_domain(self.eta, self.monotone_training):
                break
        self.first_hessian = hessian
        self.hessian = hessian
        self.kkt = np.inf
        self.n_iter = 0
        self.converged = False
        self.stalled = False
        # the training no-crossing constraint bound at the last step: its
        # (row, k) pairs and multipliers
        self.constrained = False
        self.active = np.zeros((0, 2), dtype=np.intp)
        self.lam_active = np.zeros(0)

    def update_gradient(self):
        """Gradient of the smooth part in difference coordinates; KKT residual
        (with the multipliers of the last constrained model, where it bound)."""
        problem = self.problem
        G, _ = problem.grad_hess(self.eta, hessian=False)
        self.G = G
        Gz, _ = to_difference_coords(G, None)
        self.Gz = Gz + self.lam2 * self.pen * self.Z
        kkt = kkt_residual(self.Gz, self.Z, self.pen, self.lam1)
        if self.constrained and len(self.active) and self.lam_active is not None:
            rows = _quadratic.gap_rows(problem, self.active)
            Gl = self.Gz - (rows.T @ self.lam_active).reshape(self.Z.shape)
            kkt = min(kkt, kkt_residual(Gl, self.Z, self.pen, self.lam1))
        self.kkt = kkt

    def check_convergence(self):
        """True when the KKT residual is below ``tol``."""
        if self.kkt <= self.tol:
            self.converged = True
        return self.converged

    def update_hessian(self):
        """Likelihood Hessian in difference coordinates, plus the ridge."""
        if self.first_hessian is not None and self.n_iter == 0:
            Hlik = self.first_hessian
        else:
            _, H = self.problem.grad_hess(self.eta)
            _, Hlik = to_difference_coords(self.G, H)
        self.first_hessian = None
        self.hessian = Hlik
        Hz = Hlik.copy()
        Hz[np.diag_indices_from(Hz)] += self.lam2 * self.penf
        self.Hz = Hz

    def inner_solve(self):
        """The step's target ``u`` and its line-search outcome.

        Returns ``(u, decrease, trial)`` with ``trial`` the accepted line
        search ``(t, Z, eta, f)`` or None; or None when the iteration ends
        the solve (``converged``/``stalled`` say how).
        """
        z = self.Z.ravel()
        g = self.Gz.ravel()
        inner_tol = max(
            min(self.inner_factor * self.kkt, self.kkt**self.inner_power),
            self.inner_factor * self.tol,
        )
        K = self.problem.K
        if self.constrained and len(self.active):
            # the constraint bound at the last step: go straight to the
            # constrained model (its solution is the free one where the
            # constraint no longer binds), skipping the free model's solve
            blocked = True
            gaps_u = np.diff(self.eta, axis=0).T  # no new rows beyond the active set
        else:
            u = _quadratic.solve_quadratic_model(
                g, self.Hz, z, self.penf, self.lam1, inner_tol
            )
            if not np.any(u != z):
                self.converged = True  # the model cannot move: optimal
                return None
            decrease = self._predicted_decrease(g, u, z)
            trial = self.line_search(u, decrease)
            blocked = (
                self.monotone_training
                and K > 2
                and (trial is None or trial[0] < self.blocked_step)
            )
            if blocked:
                gaps_u = np.diff(
                    linear_predictor(self.problem.Xs, u.reshape(self.Z.shape)), axis=1
                )
                blocked = bool(np.any(gaps_u < 0))
        self.constrained = blocked
        if not blocked:
            return u, decrease, trial
        # the free step is blocked by the training no-crossing rows: solve
        # the model with those rows as linear constraints
        u, self.active, self.lam_active, ok = _quadratic.constrained_model(
            self.problem,
            g,
            self.Hz,
            z,
            self.penf,
            self.lam1,
            self.active,
            gaps_u,
            lam_prev=self.lam_active,
            inner_tol=inner_tol,
        )
        if not ok:
            self.stalled = True
            return None
        decrease = self._predicted_decrease(g, u, z)
        if -decrease <= self.no_progress_rtol * max(abs(self.f), 1.0):
            self.converged = True  # the constrained model cannot improve z
            return None
        return u, decrease, self.line_search(u, decrease)

    def line_search(self, u, decrease):
        """Armijo backtracking inside the domain; ``(t, Z, eta, f)`` or None."""
        problem = self.problem
        step = (u - self.Z.ravel()).reshape(self.Z.shape)
        eta_step = problem.eta(step)
        slack = self.objective_slack * max(abs(self.f), 1.0)
        t = 1.0
        for _ in range(self.max_halvings):
            eta_t = self.eta + t * eta_step
            if in_domain(eta_t, self.monotone_training):
                Z_t = self.Z + t * step
                f_t = self._objective(Z_t, eta_t)
                sufficient = self.f + self.armijo * t * min(decrease, 0.0) + slack
                if np.isfinite(f_t) and f_t <= sufficient:
                    return t, Z_t, eta_t, f_t
            t *= 0.5
        return None

    def finalize(self):
        """The parameters and a :class:`FitInfo`."""
        return self.Z, FitInfo(
            self.converged,
            self.n_iter,
            self.kkt,
            self.f,
            self.stalled and not self.converged,
            self.hessian,
        )

    # -- the loop -----------------------------------------------------------
    def solve(self, Z0=None, *, fallback=None, hessian=None):
        """Run the named steps; returns ``(Z, FitInfo)``."""
        self.setup(Z0, fallback=fallback, hessian=hessian)
        while True:
            self.update_gradient()
            if self.check_convergence() or self.n_iter >= self.max_iter:
                break
            self.update_hessian()
            outcome = self.inner_solve()
            if outcome is None:
                break
            u, decrease, trial = outcome
            if trial is None:
                self.stalled = True
                scale = max(abs(self.f), 1.0)
                self.converged = abs(decrease) <= self.stall_rtol * scale
                break
            t, self.Z, self.eta, self.f = trial
            self.n_iter += 1
            if (
                self.f_tol is not None
                and t == 1.0
                and -decrease <= self.f_tol * max(abs(self.f), 1.0)
            ):
                self.converged = True
                self.constrained = False  # report the plain residual
                self.update_gradient()
                break
        return self.finalize()

    # -- helpers --------------------------------------------------------------
    def _objective(self, Z, eta):
        return objective(self.problem, Z, self.pen, self.lam1, self.lam2, eta)

    def _predicted_decrease(self, g, u, z):
        penf = self.penf
        return np.dot(g, u - z) + self.lam1 * (
            np.abs(u[penf]).sum() - np.abs(z[penf]).sum()
        )


def fit_path(problem, alphas, *, Z0=None, f_tol=None, **options):
    """Warm-started solutions along ``alphas`` (decreasing); list of (Z, info).

    Each alpha starts from a secant prediction in ``log(alpha)`` through the
    two previous solutions (from the previous solution at the first two, or
    ``Z0``), falls back to the previous solution where the prediction leaves
    the domain, and reuses the previous alpha's Hessian for its first step.
    ``options`` are those of :class:`ProximalNewtonSolver`; ``f_tol`` is
    for the CV paths (see there).
    """
    out = []
    Z = Z0
    hessian = None
    for i, a in enumerate(alphas):
        start = Z
        if i >= 2 and a > 0 and alphas[i - 1] > a and alphas[i - 2] > 0:
            with np.errstate(divide="ignore", invalid="ignore"):
                r = np.log(alphas[i - 1] / a) / np.log(alphas[i - 2] / alphas[i - 1])
            if np.isfinite(r) and 0 < r <= 2:
                start = Z + r * (Z - out[i - 2][0])
        solver = ProximalNewtonSolver(problem, a, f_tol=f_tol, **options)
        Z, info = solver.solve(start, fallback=Z, hessian=hessian)
        hessian = info.hessian
        out.append((Z, info))
    return out


def alpha_max(problem, *, l1_ratio=1.0, penalize_first=True, Z_null=None):
    """Smallest alpha whose solution has every penalised coefficient zero.

    ``Z_null`` is the solution with the penalised coordinates fixed at zero
    (intercept-only when ``penalize_first``, proportional odds otherwise).
    """
    K, p = problem.K, problem.p
    pen = penalty_mask(K, p, penalize_first)
    if Z_null is None:
        Z_null = null_model(problem, penalize_first=penalize_first)
    eta = problem.eta(Z_null)
    G, _ = problem.grad_hess(eta, hessian=False)
    Gz, _ = to_difference_coords(G, None)
    g = np.abs(Gz[pen])
    top = float(g.max()) if g.size else 0.0
    return top / max(l1_ratio, 1e-3), Z_null


def null_model(problem, *, penalize_first=True, tol=1e-10, max_iter=100):
    """The model with every penalised coordinate at zero.

    Intercept-only when ``penalize_first``; otherwise proportional odds (the
    intercepts and ``d_0`` free), fitted by :class:`ProximalNewtonSolver` with
    a penalty no gradient can overcome, so the penalised coordinates stay at
    zero and each step is a Newton step on the free ones.
    """
    K, p = problem.K, problem.p
    Z = np.zeros((K - 1, p + 1))
    Z[:, 0] = intercept_only(problem.y, problem.w, K)
    if penalize_first or p == 0:
        return Z
    solver = ProximalNewtonSolver(
        problem,
        _UNBEATABLE_PENALTY,
        penalize_first=False,
        monotone_training=False,  # the gaps are the intercepts' differences
        tol=tol,
        max_iter=max_iter,
    )
    Zf, _ = solver.solve(Z)
    return Zf


# finite (0 * it is 0 in the objective) and far above any gradient
_UNBEATABLE_PENALTY = 1e300
