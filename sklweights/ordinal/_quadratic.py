"""The penalised quadratic models of the PRESTO proximal Newton method.

Every outer step of :class:`~sklweights.ordinal._newton.ProximalNewtonSolver`
minimises a model of the objective around the current point ``z``
(flattened parameters)::

    g'(u - z) + (u - z)' H (u - z) / 2 + lam1 * |u_pen|_1

possibly subject to linear rows ``A u >= margin`` (the training no-crossing
constraint). This module holds the solvers of that model, fastest first:

* :func:`_model_minimiser_near`: an exact active-set method (Cholesky solves
  on the support) started at the support and signs of a nearby point;
* :func:`solve_quadratic_model`: that method, then Jacobi-preconditioned
  FISTA with an exact polish where it does not certify a solution;
* :func:`_qp_dual_newton`: the constrained model by a semismooth Newton
  method on its dual (each dual point one active-set solve);
* :func:`_qp_clarabel` and :func:`_qp_cvxpy`: the constrained model by an
  interior-point solver, the certified fallback;
* :func:`constrained_model`: the active-set loop over training (row,
  threshold) pairs around those solvers.

Nothing here knows about alphas, paths or estimators; the likelihood enters
only through ``g``, ``H`` and the design rows of the constraint.
"""

import warnings

import numpy as np
from scipy import linalg

from ._likelihood import kkt_residual, linear_predictor


def _soft(x, t):
    return np.sign(x) * np.maximum(np.abs(x) - t, 0.0)


def _polish(g, H, z, pen, lam1, S, sgn):
    """Minimiser of the model on support S with fixed signs; None if invalid."""
    if not S.any():
        return np.zeros_like(z)
    HS = H[np.ix_(S, S)]
    rhs = -(g[S] + lam1 * sgn[S]) + HS @ z[S] + H[np.ix_(S, ~S)] @ z[~S]
    try:
        with np.errstate(all="ignore"):
            uS = np.linalg.solve(HS, rhs)  # small and dense: LAPACK directly
    except np.linalg.LinAlgError:
        return None
    if not np.all(np.isfinite(uS)):
        return None
    pS = pen[S]
    if not np.all(np.sign(uS[pS]) == sgn[S][pS]):
        return None
    cand = np.zeros_like(z)
    cand[S] = uS
    return cand


def solve_quadratic_model(g, H, z, pen, lam1, inner_tol, max_inner=2000, max_rounds=50):
    """min_u g'(u-z) + (u-z)'H(u-z)/2 + lam1 |u_pen|_1 (flattened arrays).

    First an exact active-set method started at the support and signs of
    ``z`` (:func:`_model_minimiser_near`; along a warm-started path they
    rarely change, so this is a few linear solves); where it does not
    certify a solution within ``max_rounds`` linear solves, Jacobi-
    preconditioned FISTA with restarts, then an exact polish on the support it
    finds.
    """
    m = z.size
    if lam1 == 0.0 or not pen.any():
        Hr = H + 1e-12 * np.trace(H) / m * np.eye(m)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", linalg.LinAlgWarning)
                step = linalg.solve(Hr, g, assume_a="pos")
        except (linalg.LinAlgError, ValueError):
            step = linalg.lstsq(Hr, g)[0]
        return z - step

    def model_grad(u):
        return g + H @ (u - z)

    def resid(u):
        return kkt_residual(model_grad(u), u, pen, lam1)

    # 1. exact active-set solve from the support and signs of z (along the
    # Newton iterations and a warm-started path they change little)
    cand, _, _ = _model_minimiser_near(
        g, H, z, pen, lam1, inner_tol, z, rounds=max_rounds, fallback=False
    )
    if cand is not None:
        return cand
    # 2. otherwise Jacobi-preconditioned FISTA
    d = np.diag(H).copy()
    floor = 1e-10 * max(d.max(), 1e-300)
    d = np.maximum(d, floor)
    s = 1.0 / np.sqrt(d)
    M = H * s[:, None] * s[None, :]
    L = linalg.eigh(M, eigvals_only=True, subset_by_index=[m - 1, m - 1])[0]
    L = max(L, 1e-12) * 1.0001
    thr = np.where(pen, lam1 / (L * d), 0.0)

    u = z.copy()
    y_ = u.copy()
    t = 1.0
    best_res = np.inf
    for it in range(max_inner):
        grad = model_grad(y_)
        u_new = y_ - grad / (L * d)
        u_new = np.where(pen, _soft(u_new, thr), u_new)
        t_new = 0.5 * (1.0 + np.sqrt(1.0 + 4.0 * t * t))
        y_ = u_new + ((t - 1.0) / t_new) * (u_new - u)
        # restart on non-monotone progress (O'Donoghue & Candes gradient rule)
        if np.dot(u_new - u, y_ - u_new) > 0:
            y_ = u_new
            t_new = 1.0
        u, t = u_new, t_new
        if it % 10 == 9:
            best_res = resid(u)
            if best_res <= inner_tol:
                break
    # 3. polish: exact minimiser on the support with the signs found
    S = ~pen | (u != 0)
    cand = _polish(g, H, z, pen, lam1, S, np.where(pen, np.sign(u), 0.0))
    if cand is not None:
        res = resid(cand)
        if res < (best_res if np.isfinite(best_res) else resid(u)):
            return cand
    return u


def gap_rows(problem, pairs):
    """Linear rows of eta_k - eta_{k-1} at (row, k) pairs, flattened Z layout."""
    K, p = problem.K, problem.p
    m = p + 1
    A = np.zeros((len(pairs), (K - 1) * m))
    r = np.arange(len(pairs))
    i, k = pairs[:, 0], pairs[:, 1]
    A[r, k * m] = 1.0
    A[r, (k - 1) * m] = -1.0
    cols = k[:, None] * m + 1 + np.arange(p)[None, :]
    A[r[:, None], cols] = problem.Xs[i]
    return A


def constrained_model(
    problem,
    g,
    H,
    z,
    pen,
    lam1,
    active,
    gaps_u,
    rounds=50,
    *,
    lam_prev=None,
    inner_tol=1e-10,
    add_per_threshold=3,
):
    """The quadratic model with the training no-crossing rows as constraints.

    Active-set loop: solve with the current set of (row, k) pairs, add the
    pairs the solution violates (where they are many, the
    ``add_per_threshold`` most violated of each threshold), repeat until
    none is violated: the solution of the model with a subset of the rows
    that satisfies all of them solves the full model. Starting from the
    pairs at the margin at ``z`` and a few of those the free step ``gaps_u``
    crosses, rather than all of them, keeps the QPs small where classes hold
    a few rows (thousands of pairs cross, a few dozen bind). Each solve is a
    semismooth Newton method on the dual (:func:`_qp_dual_newton`, warm-
    started from ``lam_prev``, the multipliers of ``active`` at the last
    outer step); where it does not certify a solution, Clarabel, then cvxpy
    (the same convex QP: the paths agree to the solvers' tolerances).
    Returns ``(u, active, multipliers, ok)``.
    """
    K = problem.K
    eta_z = linear_predictor(problem.Xs, z.reshape(K - 1, -1))
    gaps_z = np.diff(eta_z, axis=1)
    scale = 1e-6 * max(1.0, float(np.abs(eta_z).max()))
    # fraction to the boundary: a row's own class interval (the gap whose
    # log is its likelihood term) may shrink at most tenfold in one step. The
    # quadratic model does not see that the likelihood is a barrier there;
    # a step that puts such a gap at the margin is accepted by the line
    # search (the other rows gain) and Newton then needs one iteration per
    # doubling of the gap to walk back. Near the optimum the steps are small
    # and these rows never bind.
    own = np.zeros(gaps_z.shape, dtype=bool)
    rows = np.flatnonzero((problem.y >= 1) & (problem.y <= K - 2))
    own[rows, problem.y[rows] - 1] = True
    floor = np.where(own, 0.1 * np.maximum(gaps_z, 0.0), 0.0)
    # the working set: the pairs at the margin now, and of the pairs the
    # free step crosses only the most violated few per threshold (thousands
    # cross where classes hold a few rows; a few dozen bind at the solution)
    near = np.vstack(
        [np.argwhere(gaps_z <= scale), _most_violated(gaps_u, floor, add_per_threshold)]
    )
    near[:, 1] += 1  # column j of diff is eta_{j+1} - eta_j
    prev = {}
    if lam_prev is not None and len(lam_prev) == len(active):
        prev = {tuple(r): v for r, v in zip(active.tolist(), lam_prev)}
    active = np.unique(np.vstack([active, near]), axis=0)
    m = z.size
    Hs = 0.5 * (H + H.T)
    # a tiny margin keeps the model's solution strictly inside, so every
    # point of the segment from z is feasible for the line search
    margin = 1e-7 * max(1.0, float(np.abs(eta_z).max()))
    for _ in range(rounds):
        A = gap_rows(problem, active) if len(active) else np.zeros((0, m))
        lower = np.maximum(margin, floor[active[:, 0], active[:, 1] - 1])
        lam0 = np.array([prev.get(tuple(r), 0.0) for r in active.tolist()])
        sol = _qp_dual_newton(Hs, g, z, pen, lam1, A, lower, inner_tol, lam0)
        if sol is None and _USE_ACTIVE_SET:
            sol = _qp_active_set(Hs, g, z, pen, lam1, A, lower, inner_tol, lam0)
        if sol is None:
            sol = _qp_clarabel(Hs, g, z, pen, lam1, A, lower)
        if sol is None:
            sol = _qp_cvxpy(Hs, g, z, pen, lam1, A, lower)
        if sol is None:
            return z, active, None, False
        uv, lam = sol
        # interior-point zeros are 1e-12-ish: make them exact
        uv[pen & (np.abs(uv) <= 1e-9 * max(1.0, float(np.abs(uv).max())))] = 0.0
        gaps = np.diff(linear_predictor(problem.Xs, uv.reshape(K - 1, -1)), axis=1)
        # violations at the rows already in the set are solver round-off
        # (pulled back below); of the others the most violated few enter
        short = floor - gaps
        short[active[:, 0], active[:, 1] - 1] = -np.inf
        viol = _most_violated(-short, 0.0, add_per_threshold)
        viol[:, 1] += 1
        if viol.size == 0:
            # exact feasibility for the line search: pull back onto the segment
            bad = gaps < 0
            if np.any(bad):
                dz = gaps - gaps_z
                with np.errstate(divide="ignore", invalid="ignore"):
                    tmax = np.min(np.where(bad & (dz < 0), -gaps_z / dz, 1.0))
                uv = z + max(min(tmax, 1.0), 0.0) * (uv - z)
            return uv, active, lam, True
        prev = {tuple(r): v for r, v in zip(active.tolist(), lam)}
        active = np.unique(np.vstack([active, viol]), axis=0)
    return z, active, None, False


def _most_violated(gaps, floor, per_threshold):
    """The (row, column) pairs with ``gaps < floor``.

    All of them where they are few (at most ``_DUAL_NEWTON_MAX_ROWS``, as
    on well-populated classes); otherwise only the ``per_threshold`` most
    violated of each column (all of them when ``per_threshold`` is None).
    """
    viol = floor - gaps
    if per_threshold is None or np.count_nonzero(viol > 0) <= _DUAL_NEWTON_MAX_ROWS:
        return np.argwhere(viol > 0)
    n = gaps.shape[0]
    if n > per_threshold:
        top = np.argpartition(-viol, per_threshold - 1, axis=0)[:per_threshold]
    else:
        top = np.broadcast_to(np.arange(n)[:, None], gaps.shape)
    cols = np.broadcast_to(np.arange(gaps.shape[1]), top.shape)
    keep = viol[top, cols] > 0
    return np.column_stack([top[keep], cols[keep]]).astype(np.intp)


def _factor(HS):
    """Cholesky factor of a symmetric block; None where it is not positive."""
    try:
        return linalg.cho_factor(HS, check_finite=False)
    except (linalg.LinAlgError, ValueError):
        return None


def _factor_solve(F, b):
    return linalg.cho_solve(F, b, check_finite=False)


def _model_minimiser_near(
    g, H, z, pen, lam1, tol, u0, rounds=50, fast_rounds=3, fallback=True, work=None
):
    """The penalised model's minimiser by an active-set method started at ``u0``.

    Minimises ``g'(u-z) + (u-z)'H(u-z)/2 + lam1 |u_pen|_1`` (flattened
    arrays). Starting from the support and signs of ``u0``, each round solves
    the model exactly on the current support with fixed signs (one Cholesky
    solve). The first ``fast_rounds`` rounds are primal-dual active-set
    (semismooth Newton) steps: the next support and signs are those of a
    Jacobi-scaled proximal gradient step from the solution just found. Then
    a monotone active-set method: if a coordinate would change sign, move
    from the current point to the first sign change and drop that coordinate
    (the objective decreases); otherwise the zero coordinates that violate
    the optimality conditions enter with the sign that lowers the model (all
    at first, the most violated one at a time once an entering coordinate was
    dropped at once). A solution is returned only once it passes the
    optimality check to ``tol``. Along the dual steps of
    :func:`_qp_dual_newton` and the Newton iterations the support barely
    changes, so this takes one or a few solves. Without a certificate after
    ``rounds`` solves, or where ``H`` is singular on a support (e.g. binary
    features with a rare class), it gives up: to FISTA
    (:func:`solve_quadratic_model`) when ``fallback``.

    Returns ``(u, S, F)``: the minimiser, its free coordinates and the
    factorisation of ``H[S, S]`` (``S`` and ``F`` are None after the
    fallback; all three are None without a certificate when ``fallback`` is
    false). ``work`` (a one-element list), if given, is decreased by one per
    linear solve, and the method gives up when it goes negative.
    """

    def give_up():
        if not fallback:
            return None, None, None
        return solve_quadratic_model(g, H, z, pen, lam1, tol, max_rounds=0), None, None

    m = z.size
    Hz = H @ z
    if lam1 <= 0 or not pen.any():
        S = np.ones(m, dtype=bool)
        F = _factor(H)
        if F is None:
            return give_up()
        u = _factor_solve(F, Hz - g)
        if np.all(np.isfinite(u)):
            return u, S, F
        return give_up()
    dH = np.maximum(np.diag(H), 1e-300)
    x = np.where(pen & (u0 == 0), 0.0, u0)
    S = ~pen | (x != 0)
    sgn = np.where(pen, np.sign(x), 0.0)
    one_at_a_time = False
    entered = -1
    for it in range(rounds):
        if work is not None:
            work[0] -= 1
            if work[0] < 0:
                break
        idx = np.flatnonzero(S)
        F = _factor(H[np.ix_(idx, idx)])
        if F is None:
            break  # singular on this support: leave it to the fallback
        yS = _factor_solve(F, Hz[idx] - g[idx] - lam1 * sgn[idx])
        if not np.all(np.isfinite(yS)):
            break
        wrong = pen[idx] & (yS * sgn[idx] <= 0)
        if it < fast_rounds:
            # optimistic first rounds (primal-dual active set, a semismooth
            # Newton step): the support and signs become those of a
            # Jacobi-scaled proximal gradient step from the solution found
            y = np.zeros(m)
            y[idx] = yS
            grad = g + H @ (y - z)
            v = dH * y - grad
            S_new = ~pen | (np.abs(v) > lam1)
            sgn_new = np.where(pen & S_new, np.sign(v), 0.0)
            if not wrong.any() and np.array_equal(S_new, S):
                if np.array_equal(sgn_new[S], sgn[S]):
                    if kkt_residual(grad, y, pen, lam1) <= tol:
                        return y, S, F
            S, sgn = S_new, sgn_new
            # a sign-consistent point for the monotone rounds
            x = np.where(~pen | (np.sign(y) == sgn), y, 0.0)
            continue
        if wrong.any():
            xS = x[idx]
            xw, yw = xS[wrong], yS[wrong]
            with np.errstate(divide="ignore", invalid="ignore"):
                tw = np.where(xw == 0, 0.0, xw / (xw - yw))
            t = float(np.clip(tw.min(), 0.0, 1.0))
            x[idx] = xS + t * (yS - xS)
            out = idx[wrong][tw <= t]
            if t <= 0.0:
                if one_at_a_time and np.any(out == entered):
                    break  # the single entering coordinate cannot move: stuck
                one_at_a_time = True
            x[out] = 0.0
            S[out] = False
            sgn[out] = 0.0
            continue
        x = np.zeros(m)
        x[idx] = yS
        grad = g + H @ (x - z)
        enter = pen & ~S & (np.abs(grad) > lam1)
        if not enter.any():
            if kkt_residual(grad, x, pen, lam1) <= tol:
                return x, S, F
            break
        if one_at_a_time:
            entered = int(np.argmax(np.where(enter, np.abs(grad), -np.inf)))
            enter = np.zeros(m, dtype=bool)
            enter[entered] = True
        S |= enter
        sgn[enter] = -np.sign(grad[enter])
    return give_up()


# the exact primal active-set QP (:class:`_PrimalActiveSetQP`) between the
# dual Newton step and the interior point; off until its tests are complete
_USE_ACTIVE_SET = False

# the dual Newton step's dense least-squares solve is skipped (interior point
# instead) above this many binding rows (and twice the free coordinates)
_DUAL_NEWTON_MAX_ROWS = 200


def _qp_dual_newton(
    H, g, z, pen, lam1, A, margin, tol, lam0=None, max_iter=12, max_solves=30
):
    """The constrained model by a semismooth Newton method on its dual.

    Minimise ``g'(u-z) + (u-z)'H(u-z)/2 + lam1 |u_pen|_1`` subject to
    ``A u >= margin`` (``margin`` a scalar or one bound per row) through the
    concave, piecewise quadratic dual
    ``phi(lam) = min_u [model(u) - lam'(A u - margin)]``, ``lam >= 0``. Each
    dual point needs one penalised model solve (the active-set method of
    :func:`_model_minimiser_near`, warm-started at the previous point: one or
    two Cholesky solves on the support). On that support ``u`` moves with
    ``lam`` through ``H_SS^{-1} A_S'``, so the slacks ``r = A u - margin``
    move through ``M = A_S H_SS^{-1} A_S'``; the step is the primal-dual
    active-set (semismooth Newton) step for the complementarity conditions
    ``lam >= 0, r >= 0, lam'r = 0``: the rows predicted to bind
    (``lam - r / diag(M) > 0``) are solved to zero slack, the others lose
    their multiplier. Once the support and the binding rows are right the
    step is exact, so with the few rows the no-crossing constraint binds at
    it takes one to three steps. Steps are halved until ``phi`` does not
    decrease. Identical rows of ``A`` count once (the tightest bound; the
    multiplier goes to that row).

    Returns ``(u, lam)``, one multiplier per row of ``A``, once the
    optimality conditions hold (stationarity to ``tol``, every row at most
    ``1e-3 * min|margin|`` short of its bound, and at most that much slack
    where the multiplier is positive), or None when that is not reached
    within ``max_iter`` steps and ``max_solves`` linear solves, or the
    Hessian is singular on a support (the caller then uses an interior-point
    solver).
    """
    n_rows = A.shape[0]
    first, inv, seen = [], np.empty(n_rows, dtype=np.intp), {}
    for i in range(n_rows):
        j = seen.setdefault(A[i].tobytes(), len(first))
        if j == len(first):
            first.append(i)
        inv[i] = j
    Au = A[first]
    # identical rows: the tightest bound stands for them all
    margin = np.broadcast_to(margin, (n_rows,))
    ftol = max(1e-3 * float(np.abs(margin).min()), 1e-12) if n_rows else 0.0
    for i in range(n_rows):
        if margin[i] > margin[first[inv[i]]]:
            first[inv[i]] = i
    margin = margin[first]
    lam = np.zeros(len(first))
    if lam0 is not None and len(lam0) == n_rows:
        np.add.at(lam, inv, np.maximum(lam0, 0.0))

    work = [max_solves]

    def inner(lam, u0):
        u, S, F = _model_minimiser_near(
            g - Au.T @ lam, H, z, pen, lam1, tol, u0, fallback=False, work=work
        )
        if u is None:
            return None, None, None, None, None
        du = u - z
        r = Au @ u - margin
        phi = g @ du + 0.5 * du @ (H @ du) + lam1 * np.abs(u[pen]).sum() - lam @ r
        return u, r, phi, S, F

    u, r, phi, S, F = inner(lam, z)
    if u is None:
        return None
    for _ in range(max_iter):
        if not r.size or (r.min() >= -ftol and np.all(r[lam > 0] <= ftol)):
            grad = g + H @ (u - z) - Au.T @ lam
            if kkt_residual(grad, u, pen, lam1) > tol:
                return None
            lam_full = np.zeros(n_rows)
            lam_full[first] = lam
            return u, lam_full
        # semismooth Newton step on the complementarity conditions: rows
        # predicted to bind (W) are solved to zero slack on the current
        # support, the others lose their multiplier
        AS = Au[:, S]
        M = AS @ _factor_solve(F, AS.T)
        dM = np.maximum(np.diag(M), 1e-300)
        W = lam - r / dM > 0
        if W.sum() > max(2 * int(S.sum()), _DUAL_NEWTON_MAX_ROWS):
            # far more binding rows than free coordinates (classes of a few
            # rows: many training rows sit at the no-crossing margin). M has
            # rank at most |S|, the step below needs a dense least-squares
            # solve of size |W| (seconds at a few thousand rows) and rarely
            # certifies; the interior-point solver takes the whole QP at once.
            return None
        d = -lam.copy()
        if W.any():
            rhs = -r[W] - M[np.ix_(W, ~W)] @ d[~W]
            try:
                dW = linalg.lstsq(M[np.ix_(W, W)], rhs, cond=1e-12, check_finite=False)[
                    0
                ]
            except (linalg.LinAlgError, ValueError):
                return None
            d[W] = dW
        if not np.all(np.isfinite(d)):
            return None
        t = 1.0
        slack = 1e-14 * max(abs(phi), 1.0)
        for _ in range(8):
            lam_t = np.maximum(lam + t * d, 0.0)
            u_t, r_t, phi_t, S_t, F_t = inner(lam_t, u)
            if u_t is None:
                return None
            if phi_t > phi - slack:
                break
            t *= 0.5
        else:
            return None
        if not np.any(lam_t != lam):
            return None  # no progress possible here
        lam, u, r, phi, S, F = lam_t, u_t, r_t, phi_t, S_t, F_t
    return None


class _PrimalActiveSetQP:
    """The constrained model by a primal active-set method (orthant-wise for L1).

    Minimises ``g'(u-z) + (u-z)'H(u-z)/2 + lam1 |u_pen|_1`` subject to
    ``A u >= margin`` from the feasible point ``z``. Within an orthant (the
    signs ``sigma`` of the free penalised coordinates) the model is a smooth
    quadratic, and the L1 term adds the bound constraints ``sigma_j u_j >= 0``;
    a penalised coordinate at zero is an equality ``u_j = 0`` whose multiplier
    ``mu_j`` (the model's gradient there) may be at most ``lam1`` in size.
    The working set holds constraint rows ``R`` (at equality) and fixed
    coordinates ``F``. Each iteration solves the equality-constrained model on
    the working set exactly; where that step is blocked by a row or by a
    coordinate reaching zero, the blocking constraint enters (it is
    independent of the working set, so the working set stays of full rank);
    at the minimiser of the working set a row with a negative multiplier, or
    a fixed coordinate with ``|mu_j| > lam1`` (it is released with the sign
    that lowers the model), leaves. The objective decreases monotonically;
    a certificate (stationarity to ``tol``, feasibility and complementarity
    to ``1e-3 * min margin``) is checked with the exact ``H`` at the end.

    The equality-constrained steps use one Cholesky factor of ``H`` on the
    support ``S0`` (the unpenalised coordinates, those nonzero at ``z`` and
    those that enter later, which refactor) and a Schur complement on the
    working set: with ``C`` the working-set rows and ``Y = H^-1 C'``, the
    step is ``d = -H^-1 q + Y nu``, ``(C Y) nu = C H^-1 q``, so a change of
    the working set costs a dense solve of its own size (tens), not a
    factorisation of the support (hundreds). Where ``H`` is singular on the
    support (classes of one or two rows), the factor is that of
    ``H + delta I`` and the solve is repeated as a proximal-point iteration
    (the ``delta`` term centred at the last solution, warm-started with its
    working set) until the certificate holds with the exact ``H``.
    """

    #: a Cholesky factor whose smallest pivot ratio is below this is
    #: treated as singular (then the proximal ridge is used)
    pivot_rtol = 1e-9
    #: relative proximal ridge on a singular support
    ridge_rtol = 1e-7
    #: starting rows: multipliers of the last solve above this fraction of
    #: the largest
    start_rtol = 1e-6
    #: a step component below this fraction (of its scale) does not block
    direction_rtol = 1e-11
    #: a Schur complement of the working set with a pivot ratio below this
    #: hands the step to the full KKT system
    schur_rtol = 1e-10
    #: proximal-point rounds at most
    max_prox = 30

    def __init__(self, H, g, z, pen, lam1, A, margin, tol):
        self.H, self.g, self.z, self.pen, self.lam1 = H, g, z, pen, float(lam1)
        self.A = A
        self.b = np.array(np.broadcast_to(margin, (A.shape[0],)), dtype=np.float64)
        self.tol = tol
        self.n_iter = 0
        self.m = z.size
        dmax = float(np.max(np.abs(np.diag(H)))) if self.m else 1.0
        self.dscale = max(dmax, 1e-300)
        self.ftol = (
            max(1e-3 * float(np.abs(self.b).min()), 1e-12) if self.b.size else 0.0
        )

    # -- the support's factorisation ------------------------------------
    def _factorise(self, S0, delta):
        self.s0 = np.flatnonzero(S0)
        self.S0 = S0.copy()
        self.loc = np.full(self.m, -1, dtype=np.intp)
        self.loc[self.s0] = np.arange(self.s0.size)
        self.Hss = Hs = self.H[np.ix_(self.s0, self.s0)]
        if delta > 0:
            Hs = Hs + delta * np.eye(self.s0.size)
        F = _factor(Hs)
        if F is not None:
            piv = np.abs(np.diag(F[0])) ** 2
            if piv.min() < self.pivot_rtol * piv.max() and delta == 0:
                F = None
        if F is None:
            if delta > 0:
                return False
            # singular on the support: the proximal ridge from now on
            return self._factorise(S0, self.ridge_rtol * self.dscale)
        self.F = F
        self.delta = delta
        self.As = self.A[:, self.s0]
        self.HiA = _factor_solve(F, self.As.T) if self.A.shape[0] else None
        # A H^-1 A' once per factorisation: the working set's Schur
        # complement is then gathered, not multiplied, at each iteration
        self.AHA = self.As @ self.HiA if self.A.shape[0] else None
        self.cols = {}
        return True

    def _independent(self, rows):
        MF = _factor(self.As[rows] @ self.HiA[:, rows])
        if MF is None:
            return False
        piv = np.abs(np.diag(MF[0])) ** 2
        return bool(piv.min() >= self.pivot_rtol * piv.max())

    def _hinv_col(self, j):
        c = self.cols.get(j)
        if c is None:
            e = np.zeros(self.s0.size)
            e[self.loc[j]] = 1.0
            c = self.cols[j] = _factor_solve(self.F, e)
        return c

    def _kkt_step(self, q, x, Rl, Fl):
        """``(d, nu)`` from the symmetric indefinite KKT system, or None."""
        s0 = self.s0
        ns = s0.size
        C = np.zeros((len(Rl) + len(Fl), ns))
        C[: len(Rl)] = self.As[Rl]
        C[np.arange(len(Rl), len(Rl) + len(Fl)), self.loc[Fl]] = 1.0
        c = np.zeros(C.shape[0])
        c[: len(Rl)] = self.b[Rl] - self.As[Rl] @ x[s0]
        w = C.shape[0]
        Kmat = np.zeros((ns + w, ns + w))
        Kmat[:ns, :ns] = self.Hss
        Kmat[np.diag_indices(ns)] += self.delta
        Kmat[:ns, ns:] = C.T
        Kmat[ns:, :ns] = C
        rhs = np.concatenate([-q, c])
        try:
            with warnings.catch_warnings():
                # ill-conditioned is expected here; the residual decides
                warnings.simplefilter("ignore", linalg.LinAlgWarning)
                sol = linalg.solve(Kmat, rhs, assume_a="sym", check_finite=False)
        except (linalg.LinAlgError, ValueError):
            return None
        res = np.abs(Kmat @ sol - rhs).max()
        if not np.isfinite(res) or res > 1e-9 * max(np.abs(rhs).max(), 1e-300):
            return None
        return sol[:ns], -sol[ns:]

    # -- one run of the active-set method (fixed factor and centre) -----
    def _run(self, x, R, Fx, sgn, centre, max_iter):
        """Active-set iterations from the feasible ``x``; returns the state or None."""
        H, g, z, pen, lam1 = self.H, self.g, self.z, self.pen, self.lam1
        A, b = self.A, self.b
        itol = 0.1 * self.tol
        stationary = False
        nu = None
        prep = None
        one_at_a_time = False
        released = set()
        for _ in range(max_iter):
            self.n_iter += 1
            s0 = self.s0
            Rl, Fl = list(R), list(Fx)
            if not stationary:
                # the step to the minimiser of the working set
                if prep is not self.F:
                    # H^-1 q = H^-1 (lin + lam1 sigma) + x: two solves per
                    # factorisation, then updates by cached columns
                    lin = g - H @ z - self.delta * centre
                    base = _factor_solve(self.F, lin[s0])
                    hsig = _factor_solve(self.F, sgn[s0])
                    prep = self.F
                Hq = base + x[s0] + lam1 * hsig
                if Rl or Fl:
                    Y = np.column_stack(
                        ([self.HiA[:, Rl]] if Rl else [])
                        + (
                            [np.column_stack([self._hinv_col(j) for j in Fl])]
                            if Fl
                            else []
                        )
                    )
                    C_Y = np.vstack(
                        (
                            [
                                np.hstack(
                                    [
                                        self.AHA[np.ix_(Rl, Rl)],
                                        Y[self.loc[Fl]][:, : len(Rl)].T,
                                    ]
                                )
                            ]
                            if Rl
                            else []
                        )
                        + ([Y[self.loc[Fl]]] if Fl else [])
                    )
                    # rows of R to equality (a start row may have slack),
                    # fixed coordinates stay at zero
                    C_Hq = np.concatenate(
                        [
                            self.As[Rl] @ (Hq - x[s0]) + b[Rl] if Rl else np.zeros(0),
                            Hq[self.loc[Fl]],
                        ]
                    )
                    MF = _factor(0.5 * (C_Y + C_Y.T))
                    if MF is not None:
                        piv = np.abs(np.diag(MF[0])) ** 2
                        if piv.min() < self.schur_rtol * piv.max():
                            MF = None
                    if MF is not None:
                        nu = _factor_solve(MF, C_Hq)
                        d = Y @ nu - Hq
                    else:
                        # the Schur complement squares the conditioning of
                        # H (nearly singular where classes hold one or two
                        # rows, made well-posed by the working set): the
                        # step from the full KKT system instead
                        q = lin[s0] + self.Hss @ x[s0] + self.delta * x[s0]
                        step = self._kkt_step(q + lam1 * sgn[s0], x, Rl, Fl)
                        if step is None:
                            self.reason = "working set not of full rank"
                            return None
                        d, nu = step
                else:
                    nu = np.zeros(0)
                    d = -Hq
                if Fl:
                    d[self.loc[Fl]] = 0.0
                # ratio test: rows outside R, and free penalised coordinates
                alpha, block = 1.0, None
                if A.shape[0]:
                    Ad = self.As @ d
                    slack = np.maximum(self.As @ x[s0] - b, 0.0)
                    # round-off directions do not block (a row they would
                    # add may be dependent on the working set)
                    cand = Ad < -self.direction_rtol * (np.abs(self.As) @ np.abs(d))
                    cand[Rl] = False
                    if cand.any():
                        ratios = slack[cand] / -Ad[cand]
                        k = int(np.argmin(ratios))
                        if ratios[k] < alpha:
                            alpha, block = (
                                float(ratios[k]),
                                ("row", int(np.flatnonzero(cand)[k])),
                            )
                xs = x[s0]
                sg = sgn[s0]
                dtol = self.direction_rtol * float(np.abs(d).max())
                cand = (sg != 0) & (sg * d < -dtol)
                if cand.any():
                    ratios = -xs[cand] / d[cand]
                    k = int(np.argmin(ratios))
                    if ratios[k] <= alpha:
                        alpha, block = (
                            max(float(ratios[k]), 0.0),
                            ("coord", int(s0[np.flatnonzero(cand)[k]])),
                        )
                x[s0] = xs + alpha * d
                if alpha <= 0.0 and block[0] == "coord" and block[1] in released:
                    # a coordinate just released cannot move: from now on
                    # one condition at a time (no cycling through batches)
                    one_at_a_time = True
                if alpha < 1.0 and Rl:
                    # a start row that has not reached its bound leaves the
                    # working set: then every working row is at equality and
                    # a blocking row is independent of the working set
                    off = self.As[Rl] @ x[s0] - b[Rl] > self.ftol
                    if off.any():
                        R[:] = [i for i, o in zip(Rl, off) if not o]
                if block is None:
                    stationary = True
                    continue
                kind, i = block
                if kind == "row":
                    R.append(i)
                else:
                    x[i] = 0.0
                    Fx.append(i)
                    hsig -= sgn[i] * self._hinv_col(i)
                    sgn[i] = 0.0
                continue
            # at the minimiser of the working set: multipliers
            lam = nu[: len(Rl)]
            grad = g + H @ (x - z) + self.delta * (x - centre)
            if Rl:
                grad = grad - A[Rl].T @ lam
            zero = pen & (x == 0) & (sgn == 0)
            viol_c = np.where(zero, np.abs(grad) - lam1, -np.inf)
            jc = int(np.argmax(viol_c)) if viol_c.size else -1
            vc = viol_c[jc] if jc >= 0 else -np.inf
            ir = int(np.argmin(lam)) if lam.size else -1
            vr = -lam[ir] if ir >= 0 else -np.inf
            if vc <= itol and vr <= itol:
                return x, R, Fx, sgn, lam, grad
            stationary = False
            if one_at_a_time:
                drop_rows = [ir] if vr >= vc else []
                release = np.zeros(self.m, dtype=bool)
                if vr < vc:
                    release[jc] = True
            else:
                # first every violated condition at once (the step is
                # still a descent step and the ratio test keeps it
                # feasible); after a zero step, one at a time
                drop_rows = list(np.flatnonzero(lam < -itol))
                release = viol_c > itol
            for k in sorted(drop_rows, reverse=True):
                R.pop(int(k))
            if not release.any():
                continue
            released = set(np.flatnonzero(release).tolist())
            sgn[release] = -np.sign(grad[release])
            outside = release & ~self.S0
            if outside.any():
                # coordinates outside the factorised support enter; the others
                # that violate their condition join the support as fixed
                # coordinates (one factorisation for them all)
                more = (viol_c > itol) & ~self.S0 & ~release
                if not self._factorise(self.S0 | outside | more, self.delta):
                    self.reason = "support not factorisable"
                    return None
                Fx.extend(int(j) for j in np.flatnonzero(more))
            gone = set(np.flatnonzero(release & ~outside).tolist())
            if gone:
                Fx[:] = [j for j in Fx if j not in gone]
                if prep is self.F:
                    for j in gone:
                        hsig += sgn[j] * self._hinv_col(j)
        self.reason = "iteration cap"
        return None

    def solve(self, lam0=None):
        """``(u, lam)`` with the certificate checked, or None."""
        H, g, z, pen, lam1 = self.H, self.g, self.z, self.pen, self.lam1
        A, b = self.A, self.b
        n_rows = A.shape[0]
        sgn = np.where(pen, np.sign(z), 0.0)
        S0 = ~pen | (sgn != 0)
        if not self._factorise(S0, 0.0):
            return None
        x = z.copy()
        # start: the rows bound at the last solve and those at the margin
        # now, kept while the working set stays of full rank
        R = []
        if n_rows:
            slack = A @ z - b
            start = slack <= self.ftol
            if lam0 is not None and len(lam0) == n_rows and np.any(lam0 > 0):
                # interior-point multipliers are positive everywhere: only
                # the clearly positive ones mark bound rows
                start |= lam0 > self.start_rtol * float(lam0.max())
                order = np.flatnonzero(start)
                order = order[np.argsort(-lam0[order], kind="stable")]
            else:
                order = np.flatnonzero(start)
            if order.size and self._independent(order.tolist()):
                order = order[:0]
                R = [int(i) for i in np.flatnonzero(start)]
            for i in order:  # greedy where they are dependent
                if self._independent(R + [int(i)]):
                    R.append(int(i))
        Fx = []
        max_iter = 4 * (self.m + n_rows) + 50
        centre = z
        for _ in range(self.max_prox):
            state = self._run(x, R, Fx, sgn, centre, max_iter)
            if state is None:
                return None
            x, R, Fx, sgn, lam_R, _ = state
            lam = np.zeros(n_rows)
            lam[R] = np.maximum(lam_R, 0.0)
            grad = g + H @ (x - z) - A.T @ lam
            r = A @ x - b if n_rows else np.zeros(0)
            ok = kkt_residual(grad, x, pen, lam1) <= self.tol
            ok &= not r.size or (
                r.min() >= -self.ftol and np.all(r[lam > 0] <= self.ftol)
            )
            if ok:
                return x.copy(), lam
            if self.delta == 0 or np.array_equal(x, centre):
                return None  # exact H, or the proximal rounds stall
            centre = x.copy()
        return None


def _qp_active_set(H, g, z, pen, lam1, A, margin, tol, lam0=None):
    """The constrained model by :class:`_PrimalActiveSetQP`; ``(u, lam)`` or None.

    ``z`` must satisfy ``A z >= margin`` (to round-off). ``lam0``, the
    multipliers of a nearby solve (one per row), chooses the starting
    working set; where that start fails, the method is run once more from
    the rows at the margin at ``z`` only.
    """
    with np.errstate(all="ignore"):
        for start in (lam0, None) if lam0 is not None else (None,):
            try:
                sol = _PrimalActiveSetQP(H, g, z, pen, lam1, A, margin, tol).solve(
                    start
                )
            except (linalg.LinAlgError, ValueError):
                sol = None
            if sol is not None:
                return sol
    return None


def _qp_clarabel(H, g, z, pen, lam1, A, margin):
    """The constrained model as a QP for Clarabel (interior point); None on failure.

    Clarabel rather than OSQP: OSQP's extension crashes the interpreter
    (segmentation fault in ``setup``) once PuLP's solver interfaces are
    imported in the same process (seen with osqp 1.1.3 and pulp 3.3, e.g.
    through abcvoting); Clarabel is as fast on these small QPs and as exact.

    Variables ``[u, s]`` with ``s >= |u_pen|``: minimise
    ``(u-z)'H(u-z)/2 + g'(u-z) + lam1 sum(s)`` subject to ``A u >= margin``
    (``margin`` a scalar or one bound per row). Returns ``u`` and the
    multipliers of ``A u >= margin``.
    """
    try:
        import clarabel
    except ImportError:  # pragma: no cover - clarabel ships with cvxpy
        return None
    from scipy import sparse

    m = z.size
    ip = np.flatnonzero(pen) if lam1 > 0 else np.zeros(0, dtype=np.intp)
    k = ip.size
    P = sparse.block_diag(
        [sparse.csc_matrix(np.triu(H)), sparse.csc_matrix((k, k))], format="csc"
    )
    q = np.concatenate([g - H @ z, np.full(k, lam1)])
    E = sparse.csc_matrix((np.ones(k), (np.arange(k), ip)), shape=(k, m))
    eye = sparse.identity(k, format="csc")
    G = sparse.vstack(
        [
            sparse.hstack([-E, eye]),
            sparse.hstack([E, eye]),
            sparse.hstack([sparse.csc_matrix(A), sparse.csc_matrix((A.shape[0], k))]),
        ],
        format="csc",
    )
    h = np.concatenate([np.zeros(2 * k), np.broadcast_to(margin, (A.shape[0],))])
    # Clarabel: A x + s = b, s in the nonnegative cone  <=>  G x >= h
    settings = clarabel.DefaultSettings()
    settings.verbose = False
    settings.tol_gap_abs = settings.tol_gap_rel = 1e-10
    settings.tol_feas = 1e-10
    settings.max_iter = 200
    try:
        solver = clarabel.DefaultSolver(
            sparse.triu(P, format="csc"),
            q,
            (-G).tocsc(),
            -h,
            [clarabel.NonnegativeConeT(G.shape[0])],
            settings,
        )
        sol = solver.solve()
    except Exception:
        return None
    status = str(sol.status)
    if status not in ("Solved", "AlmostSolved") or sol.x is None:
        return None
    u = np.asarray(sol.x[:m], dtype=np.float64)
    lam = np.maximum(np.asarray(sol.z[2 * k :], dtype=np.float64), 0.0)
    return u, lam


def _qp_cvxpy(H, g, z, pen, lam1, A, margin):
    """The same model through cvxpy/Clarabel (fallback); None on failure."""
    import cvxpy as cp

    m = z.size
    u = cp.Variable(m)
    delta = u - z
    obj = g @ delta + 0.5 * cp.quad_form(delta, cp.psd_wrap(H))
    if lam1 > 0 and pen.any():
        obj = obj + lam1 * cp.norm1(u[np.flatnonzero(pen)])
    cons = [A @ u >= margin] if A.shape[0] else []
    prob = cp.Problem(cp.Minimize(obj), cons)
    try:
        prob.solve(
            solver="CLARABEL", tol_gap_abs=1e-12, tol_gap_rel=1e-12, tol_feas=1e-12
        )
    except cp.error.SolverError:
        return None
    if u.value is None or prob.status not in ("optimal", "optimal_inaccurate"):
        return None
    lam = (
        np.maximum(np.asarray(cons[0].dual_value).ravel(), 0.0) if cons else np.zeros(0)
    )
    return np.asarray(u.value, dtype=np.float64), lam
