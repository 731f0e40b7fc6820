"""Proximal Newton solver for the PRESTO penalised cumulative-logit model.

Notation (the paper's and ordinalNet's sign convention, used internally):
classes ``0..K-1``, thresholds ``k = 0..K-2``,
``P(y <= k | x) = sigmoid(eta_k)``, ``eta_k = a_k + x' b_k`` and
``b_k = d_0 + ... + d_k``. The parameters are held as one array
``Z`` of shape ``(K-1, p+1)``: ``Z[k, 0] = a_k`` (never penalised) and
``Z[k, 1:] = d_k`` (the difference coordinates, penalised; ``d_0`` only when
``penalize_first``). The objective is::

    F(Z) = -(1 / sum w) sum_i w_i log P(y_i | x_i)
           + lam1 * sum |D_pen| + lam2 / 2 * sum D_pen ** 2

with ``lam1 = alpha * l1_ratio`` and ``lam2 = alpha * (1 - l1_ratio)``.

Each outer iteration builds the exact gradient and Hessian of the smooth part
(the likelihood is a sum over rows of a function of two adjacent linear
predictors, so the Hessian in ``(a_k, b_k)`` is block tridiagonal and costs
three weighted Gram products over the rows), maps them to the difference
coordinates, solves the penalised quadratic model exactly by an active-set
method on its support (Cholesky solves; Jacobi-preconditioned FISTA and a
polish as fallback), and takes a backtracking (Armijo) step that keeps every
iterate inside the domain: the observed class has positive probability at
every training row and, with ``monotone_training=True``, the cumulative
probabilities do not cross at any training row. Where the free step would
cross, the model is solved with the binding training rows as linear
constraints: a semismooth Newton method on the dual (a handful of Cholesky
solves when few rows bind), Clarabel where that does not certify a solution.
Convergence is declared on the optimality (KKT) residual.
"""

import warnings

import numpy as np
from scipy import linalg
from scipy.special import expit, log_expit

# --------------------------------------------------------------------------
# likelihood pieces
# --------------------------------------------------------------------------


def linear_predictor(Xs, Z):
    """``eta`` of shape (n, K-1) from standardised X and parameters Z."""
    B = np.cumsum(Z[:, 1:], axis=0)
    return Z[:, 0] + Xs @ B.T


def _log_or(x, exact):
    """``log(x)`` where every entry is a normal positive number, else ``exact()``."""
    if x.size and x.min() > 1e-300:
        return np.log(x)
    return exact()


class PrestoProblem:
    """The data of one fit: standardised design, codes, weights, class rows.

    Rows of zero weight are dropped and the others are held sorted by class
    (``Xs``, ``y`` and ``w`` are stored in that order), so use ``problem.Xs``
    and :meth:`eta` rather than the caller's row order.

    Parameters
    ----------
    Xs : ndarray of shape (n, p)
        Centred (and possibly scaled) design.
    y : ndarray of int, shape (n,)
        Class codes 0..K-1.
    w : ndarray of shape (n,)
        Non-negative weights, normalised here to sum to one.
    K : int
    """

    def __init__(self, Xs, y, w, K):
        w = np.asarray(w, dtype=np.float64)
        y = np.asarray(y, dtype=np.intp)
        # zero-weight rows neither count nor constrain; the rows are held
        # sorted by class, so every class block is a contiguous slice (views
        # instead of gathers in the likelihood passes)
        keep = np.flatnonzero(w > 0)
        keep = keep[np.argsort(y[keep], kind="stable")]
        self.Xs = np.ascontiguousarray(np.asarray(Xs, dtype=np.float64)[keep])
        self.y = y[keep]
        self.w = w[keep] / w[keep].sum()
        self._cache = None
        self.K = K
        self.n, self.p = self.Xs.shape
        # per-class row blocks of [1, X] for the Gram products
        self._blocks = []
        bounds = np.searchsorted(self.y, np.arange(K + 1))
        for c in range(K):
            idx = slice(int(bounds[c]), int(bounds[c + 1]))
            Xc = np.empty((idx.stop - idx.start, self.p + 1))
            Xc[:, 0] = 1.0
            Xc[:, 1:] = self.Xs[idx]
            # the transposed copy makes the weighted Gram products faster
            self._blocks.append((idx, Xc, np.ascontiguousarray(Xc.T), self.w[idx]))
        # [1, Xs] transposed: eta in the (K-1, n) layout is one product and
        # each class block of a threshold row is a contiguous slice
        self._X1T = np.empty((self.p + 1, self.n))
        self._X1T[0] = 1.0
        self._X1T[1:] = self.Xs.T

    def eta(self, Z):
        """Linear predictors in the solver's layout, shape (K-1, n).

        Row k is ``a_k + Xs @ b_k`` (the transpose of
        :func:`linear_predictor`), for the rows held by this problem.
        """
        W = np.cumsum(Z, axis=0)
        W[:, 0] = Z[:, 0]
        return W @ self._X1T

    # -- value, gradient, Hessian in the (a_k, b_k) coordinates ------------
    def value(self, eta):
        """Weighted mean negative log-likelihood; ``inf`` outside the domain.

        ``eta`` is in the (K-1, n) layout of :meth:`eta`.

        The gradient and the row weights of the Hessian are computed in the
        same pass (they share the transcendental functions) and cached for
        :meth:`grad_hess` on the same ``eta`` object: an accepted line-search
        point needs them next.
        """
        K, m = self.K, self.p + 1
        total = 0.0
        G = np.zeros((K - 1, m))
        hw = []  # per class: (upper, lower, off-diagonal) Hessian row weights
        self._cache = None
        for c, (idx, _, XcT, wc) in enumerate(self._blocks):
            if idx.stop == idx.start:
                hw.append(None)
                continue
            # sigmoids and one log of the class probability's factors (far
            # cheaper than log_expit); the exact log form only where a
            # factor underflows. sigmoid(u) - 1 as su - 1 is exact to 1e-16
            # in absolute terms, all the gradient needs.
            if c == 0:
                u = eta[0, idx]
                su = expit(u)
                total -= wc @ _log_or(su, lambda u=u: log_expit(u))
                gu = su - 1.0
                G[0] += XcT @ (wc * gu)
                hw.append((wc * (-gu * su), None, None))
            elif c == K - 1:
                v = eta[K - 2, idx]
                smv = expit(-v)
                total -= wc @ _log_or(smv, lambda v=v: log_expit(-v))
                sv = 1.0 - smv  # sigmoid(v)
                G[K - 2] += XcT @ (wc * sv)
                hw.append((None, wc * (sv * smv), None))
            else:
                u = eta[c, idx]
                v = eta[c - 1, idx]
                d = u - v
                if np.any(d <= 0):
                    return np.inf
                em1 = -np.expm1(-d)  # 1 - e^(v-u)
                su = expit(u)
                smv = expit(-v)
                total -= wc @ _log_or(
                    su * smv * em1,
                    lambda u=u, v=v, em1=em1: (
                        np.log(em1) + log_expit(u) + log_expit(-v)
                    ),
                )
                r = (1.0 - em1) / em1
                gu = su - 1.0  # sigmoid(u) - 1
                sv = 1.0 - smv  # sigmoid(v)
                G[c] += XcT @ (wc * (gu - r))
                G[c - 1] += XcT @ (wc * (r + sv))
                wq = wc * (r / em1)
                hw.append((wq + wc * (-gu * su), wq + wc * (sv * smv), -wq))
        if not np.isfinite(total):
            return np.inf
        self._cache = (eta, G, hw)
        return float(total)

    def _row_weights(self, eta):
        """Gradient and Hessian row weights at ``eta`` (as :meth:`value`)."""
        K, m = self.K, self.p + 1
        G = np.zeros((K - 1, m))
        hw = []
        for c, (idx, _, XcT, wc) in enumerate(self._blocks):
            if idx.stop == idx.start:
                hw.append(None)
                continue
            if c == 0:
                su = expit(eta[0, idx])
                G[0] += XcT @ (wc * (su - 1.0))
                hw.append((wc * su * (1.0 - su), None, None))
                continue
            if c == K - 1:
                sv = expit(eta[K - 2, idx])
                G[K - 2] += XcT @ (wc * sv)
                hw.append((None, wc * sv * (1.0 - sv), None))
                continue
            u = eta[c, idx]
            v = eta[c - 1, idx]
            su, sv = expit(u), expit(v)
            em1 = -np.expm1(v - u)  # 1 - e^(v-u) > 0 in the domain
            r = (1.0 - em1) / em1
            G[c] += XcT @ (wc * (su - 1.0 - r))
            G[c - 1] += XcT @ (wc * (sv + r))
            wq = wc * (r / em1)
            hw.append((wq + wc * su * (1.0 - su), wq + wc * sv * (1.0 - sv), -wq))
        return G, hw

    def grad_hess(self, eta, hessian=True):
        """Gradient (K-1, p+1) and Hessian ((K-1)(p+1),)*2 in (a, b).

        ``eta`` is in the (K-1, n) layout of :meth:`eta`.

        Row i of class c touches only eta_c (upper) and eta_{c-1} (lower), so
        each class block adds at most three weighted Gram products.
        """
        if self._cache is not None and self._cache[0] is eta:
            G, hw = self._cache[1].copy(), self._cache[2]
        else:
            G, hw = self._row_weights(eta)
        if not hessian:
            return G, None
        K, m = self.K, self.p + 1
        H = np.zeros((K - 1, m, K - 1, m))
        for c, (_, Xc, XcT, _) in enumerate(self._blocks):
            if hw[c] is None:
                continue
            up, lo, off = hw[c]
            if up is not None:
                H[c, :, c, :] += (XcT * up) @ Xc
            if lo is not None:
                H[c - 1, :, c - 1, :] += (XcT * lo) @ Xc
            if off is not None:
                Hoff = (XcT * off) @ Xc
                H[c, :, c - 1, :] += Hoff
                H[c - 1, :, c, :] += Hoff
        return G, H


def to_difference_coords(G, H):
    """Map gradient/Hessian from (a_k, b_k) to (a_k, d_k), b_k = cumsum d."""
    # reverse cumulative sums as in-place slice additions (same order of
    # summation as cumsum; far faster than cumsum over flipped 4-d views)
    k1, m = G.shape
    Gz = G.copy()
    for k in range(k1 - 2, -1, -1):
        Gz[k, 1:] += Gz[k + 1, 1:]
    if H is None:
        return Gz, None
    Hz = H.copy()
    for k in range(k1 - 2, -1, -1):
        Hz[k, 1:] += Hz[k + 1, 1:]
    for k in range(k1 - 2, -1, -1):
        Hz[:, :, k, 1:] += Hz[:, :, k + 1, 1:]
    return Gz, Hz.reshape(k1 * m, k1 * m)


def penalty_mask(K, p, penalize_first):
    pen = np.ones((K - 1, p + 1), dtype=bool)
    pen[:, 0] = False
    if not penalize_first:
        pen[0, :] = False
    return pen


def kkt_residual(Gz, Z, pen, lam1):
    """Largest violation of the optimality conditions (sup norm).

    ``Gz`` is the gradient of the smooth part (likelihood + ridge term).
    """
    r = np.abs(Gz)
    nz = pen & (Z != 0)
    r[nz] = np.abs(Gz[nz] + lam1 * np.sign(Z[nz]))
    zero = pen & (Z == 0)
    r[zero] = np.maximum(np.abs(Gz[zero]) - lam1, 0.0)
    return float(r.max()) if r.size else 0.0


def intercept_only(y, w, K):
    """Thresholds of the intercept-only model: logits of cumulative freqs."""
    freq = np.bincount(y, weights=w, minlength=K) / w.sum()
    cum = np.clip(np.cumsum(freq)[:-1], 1e-300, 1 - 1e-16)
    return np.log(cum) - np.log1p(-cum)


# --------------------------------------------------------------------------
# the penalised quadratic model
# --------------------------------------------------------------------------


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


def _solve_quadratic_model(
    g, H, z, pen, lam1, inner_tol, max_inner=2000, max_rounds=50
):
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


# --------------------------------------------------------------------------
# the outer proximal Newton loop
# --------------------------------------------------------------------------


class FitInfo:
    __slots__ = ("converged", "n_iter", "kkt", "objective", "stalled", "hessian")

    def __init__(self, converged, n_iter, kkt, objective, stalled, hessian=None):
        self.hessian = hessian
        self.converged = converged
        self.n_iter = n_iter
        self.kkt = kkt
        self.objective = objective
        self.stalled = stalled


def in_domain(eta, monotone_training):
    """Every training row keeps non-crossing predictors ((K-1, n) layout)."""
    if not monotone_training or eta.shape[0] < 2:
        return True
    return bool(np.all(eta[1:] >= eta[:-1]))


def objective(problem, Z, pen, lam1, lam2, eta=None):
    if eta is None:
        eta = problem.eta(Z)
    D = Z[pen]
    return problem.value(eta) + lam1 * np.abs(D).sum() + 0.5 * lam2 * np.dot(D, D)


def fit_presto(
    problem,
    alpha,
    *,
    l1_ratio=1.0,
    penalize_first=True,
    monotone_training=True,
    Z0=None,
    tol=1e-7,
    max_iter=100,
    hessian=None,
    f_tol=None,
    fallback=None,
):
    """Solve the penalised problem at one alpha; returns (Z, FitInfo).

    ``f_tol`` (optional) also stops after a full (unit) Newton step whose
    predicted decrease is below ``f_tol * max(|F|, 1)``: the objective is
    then within about the square of that decrease of the optimum. The CV
    paths use it (only held-out scores are needed there); single fits and
    the refit stop on the optimality residual alone. ``fallback`` is the
    start used when ``Z0`` is outside the domain (e.g. an extrapolated
    path point), before the intercept-only model.

    ``hessian`` (the likelihood Hessian in difference coordinates at a nearby
    point, e.g. the previous alpha's ``info.hessian``) replaces the first
    Hessian evaluation along a warm-started path; later iterations use the
    exact one. The line search keeps the method monotone either way.
    """
    K, p = problem.K, problem.p
    pen = penalty_mask(K, p, penalize_first)
    lam1 = float(alpha * l1_ratio)
    lam2 = float(alpha * (1.0 - l1_ratio))
    if Z0 is None:
        Z = np.zeros((K - 1, p + 1))
        Z[:, 0] = intercept_only(problem.y, problem.w, K)
    else:
        Z = np.array(Z0, dtype=np.float64)
    eta = problem.eta(Z)
    f = objective(problem, Z, pen, lam1, lam2, eta)
    if fallback is not None and (
        not np.isfinite(f) or not in_domain(eta, monotone_training)
    ):
        Z = np.array(fallback, dtype=np.float64)
        eta = problem.eta(Z)
        f = objective(problem, Z, pen, lam1, lam2, eta)
    if not np.isfinite(f) or not in_domain(eta, monotone_training):
        Z = np.zeros((K - 1, p + 1))
        Z[:, 0] = intercept_only(problem.y, problem.w, K)
        eta = problem.eta(Z)
        f = objective(problem, Z, pen, lam1, lam2, eta)
    penf = pen.ravel()
    last_hessian = hessian
    kkt = np.inf
    stalled = False
    constrained = False  # switched on when the training no-crossing bites
    active = np.zeros((0, 2), dtype=np.intp)  # (row, k) constraint pairs
    lam_active = np.zeros(0)
    converged = False
    n_iter = 0

    def line_search(u, decrease):
        """Armijo backtracking inside the domain; (accepted, t, Z, eta, f)."""
        step = (u - Z.ravel()).reshape(Z.shape)
        eta_step = problem.eta(step)
        t = 1.0
        for _ in range(60):
            eta_t = eta + t * eta_step
            if in_domain(eta_t, monotone_training):
                Z_t = Z + t * step
                f_t = objective(problem, Z_t, pen, lam1, lam2, eta_t)
                slack = 1e-13 * max(abs(f), 1.0)
                if (
                    np.isfinite(f_t)
                    and f_t <= f + 1e-4 * t * min(decrease, 0.0) + slack
                ):
                    return True, t, Z_t, eta_t, f_t
            t *= 0.5
        return False, 0.0, Z, eta, f

    def predicted_decrease(g, u, z):
        return np.dot(g, u - z) + lam1 * (np.abs(u[penf]).sum() - np.abs(z[penf]).sum())

    for n_iter in range(1, max_iter + 1):
        G, _ = problem.grad_hess(eta, hessian=False)
        Gz, _ = to_difference_coords(G, None)
        Gz = Gz + lam2 * pen * Z
        kkt = kkt_residual(Gz, Z, pen, lam1)
        if constrained and len(active) and lam_active is not None:
            # optimality with the multipliers of the last constrained model
            Gl = Gz - (_gap_rows(problem, active).T @ lam_active).reshape(Z.shape)
            kkt = min(kkt, kkt_residual(Gl, Z, pen, lam1))
        if kkt <= tol:
            converged = True
            n_iter -= 1
            break
        if hessian is not None and n_iter == 1:
            Hlik = hessian
        else:
            _, H = problem.grad_hess(eta)
            _, Hlik = to_difference_coords(G, H)
        last_hessian = Hlik
        Hz = Hlik.copy()
        Hz[np.diag_indices_from(Hz)] += lam2 * penf
        z = Z.ravel()
        inner_tol = max(min(0.1 * kkt, kkt**1.5), 0.1 * tol)
        g = Gz.ravel()
        if constrained and len(active):
            # the constraint bound at the last step: go straight to the
            # constrained model (its solution is the free one where the
            # constraint no longer binds), skipping the free model's solve
            crossing = True
            gaps_u = np.diff(eta, axis=0).T  # no new rows beyond the active set
        else:
            u = _solve_quadratic_model(g, Hz, z, penf, lam1, inner_tol)
            if not np.any(u != z):
                converged = True
                break
            decrease = predicted_decrease(g, u, z)
            accepted, t, Z_t, eta_t, f_t = line_search(u, decrease)
            crossing = monotone_training and K > 2 and (not accepted or t < 1e-2)
            if crossing:
                gaps_u = np.diff(
                    linear_predictor(problem.Xs, u.reshape(Z.shape)), axis=1
                )
                crossing = bool(np.any(gaps_u < 0))
        constrained = crossing
        if crossing:
            # the free step is blocked by the training no-crossing rows:
            # solve the model with those rows as linear constraints
            u, active, lam_active, ok = _constrained_model(
                problem,
                g,
                Hz,
                z,
                penf,
                lam1,
                active,
                gaps_u,
                lam_prev=lam_active,
                inner_tol=inner_tol,
            )
            if not ok:
                stalled = True
                break
            decrease = predicted_decrease(g, u, z)
            if -decrease <= 1e-15 * max(abs(f), 1.0):
                converged = True  # the constrained model cannot improve z
                n_iter -= 1
                break
            accepted, t, Z_t, eta_t, f_t = line_search(u, decrease)
        if not accepted:
            stalled = True
            converged = abs(decrease) <= 1e-12 * max(abs(f), 1.0)
            break
        Z, eta, f = Z_t, eta_t, f_t
        if f_tol is not None and t == 1.0 and -decrease <= f_tol * max(abs(f), 1.0):
            converged = True
            G, _ = problem.grad_hess(eta, hessian=False)
            Gz, _ = to_difference_coords(G, None)
            kkt = kkt_residual(Gz + lam2 * pen * Z, Z, pen, lam1)
            break
    else:
        # out of iterations: final residual
        G, _ = problem.grad_hess(eta, hessian=False)
        Gz, _ = to_difference_coords(G, None)
        Gz = Gz + lam2 * pen * Z
        kkt = kkt_residual(Gz, Z, pen, lam1)
        converged = kkt <= tol
    return Z, FitInfo(
        converged, n_iter, kkt, f, stalled and not converged, last_hessian
    )


def _gap_rows(problem, pairs):
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


def _constrained_model(
    problem,
    g,
    H,
    z,
    pen,
    lam1,
    active,
    gaps_u,
    rounds=20,
    *,
    lam_prev=None,
    inner_tol=1e-10,
):
    """The quadratic model with the training no-crossing rows as constraints.

    Active-set loop: solve with the current set of (row, k) pairs, add the
    pairs the solution violates, repeat. Each solve is a semismooth Newton
    method on the dual (:func:`_qp_dual_newton`, warm-started from
    ``lam_prev``, the multipliers of ``active`` at the last outer step); where
    it does not certify a solution, Clarabel, then cvxpy (the same convex
    QP: the paths agree to the solvers' tolerances). Returns
    ``(u, active, multipliers, ok)``.
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
    near = np.argwhere((gaps_z <= scale) | (gaps_u < floor))
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
        A = _gap_rows(problem, active) if len(active) else np.zeros((0, m))
        lower = np.maximum(margin, floor[active[:, 0], active[:, 1] - 1])
        lam0 = np.array([prev.get(tuple(r), 0.0) for r in active.tolist()])
        sol = _qp_dual_newton(Hs, g, z, pen, lam1, A, lower, inner_tol, lam0)
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
        viol = np.argwhere(gaps < floor)
        if viol.size:
            viol[:, 1] += 1
            known = {tuple(r) for r in active.tolist()}
            if all(tuple(r) in known for r in viol.tolist()):
                viol = viol[:0]  # solver round-off on known rows: pull back
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
    (:func:`_solve_quadratic_model`) when ``fallback``.

    Returns ``(u, S, F)``: the minimiser, its free coordinates and the
    factorisation of ``H[S, S]`` (``S`` and ``F`` are None after the
    fallback; all three are None without a certificate when ``fallback`` is
    false). ``work`` (a one-element list), if given, is decreased by one per
    linear solve, and the method gives up when it goes negative.
    """

    def give_up():
        if not fallback:
            return None, None, None
        return _solve_quadratic_model(g, H, z, pen, lam1, tol, max_rounds=0), None, None

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
    """The model with every penalised coordinate at zero."""
    K, p = problem.K, problem.p
    Z = np.zeros((K - 1, p + 1))
    Z[:, 0] = intercept_only(problem.y, problem.w, K)
    if penalize_first or p == 0:
        return Z
    # proportional odds: only the intercepts and d_0 are free
    sub = PrestoProblem(problem.Xs, problem.y, problem.w, K)
    Zf, _ = _fit_restricted_po(sub, Z, tol=tol, max_iter=max_iter)
    return Zf


def _fit_restricted_po(problem, Z, *, tol, max_iter):
    """Newton on (a, d_0) with d_1.. = 0 (proportional odds)."""
    K, p = problem.K, problem.p
    free = np.zeros((K - 1, p + 1), dtype=bool)
    free[:, 0] = True
    free[0, 1:] = True
    freef = free.ravel()
    eta = problem.eta(Z)
    f = problem.value(eta)
    for _ in range(max_iter):
        G, H = problem.grad_hess(eta)
        Gz, Hz = to_difference_coords(G, H)
        g = Gz.ravel()[freef]
        if np.abs(g).max() <= tol:
            break
        Hf = Hz[np.ix_(freef, freef)]
        Hf = Hf + 1e-12 * np.trace(Hf) / Hf.shape[0] * np.eye(Hf.shape[0])
        step = np.zeros(Z.size)
        step[freef] = -linalg.solve(Hf, g, assume_a="pos")
        step = step.reshape(Z.shape)
        t = 1.0
        for _ in range(60):
            Z_t = Z + t * step
            eta_t = problem.eta(Z_t)
            f_t = problem.value(eta_t)
            if (
                np.isfinite(f_t)
                and f_t <= f + 1e-4 * t * np.dot(g, step.ravel()[freef]) + 1e-13
            ):
                break
            t *= 0.5
        else:
            break
        Z, eta, f = Z_t, eta_t, f_t
    return Z, f


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
