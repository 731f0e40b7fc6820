"""The PRESTO likelihood: data of one fit, value, gradient and Hessian.

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

A row of class ``c`` depends on two linear predictors only, ``u = eta_c``
(upper) and ``v = eta_{c-1}`` (lower), through
``log P = log(sigmoid(u) - sigmoid(v))``. One kernel,
:meth:`PrestoProblem.row_terms`, gives for every class block that term, its
derivatives in ``u`` and ``v`` (the gradient's row weights) and the three
second derivatives (the Hessian's row weights); the value, the gradient and
the block-tridiagonal Hessian in ``(a_k, b_k)`` are weighted sums over rows
of those, and :func:`to_difference_coords` maps them to ``(a_k, d_k)``.
"""

import numpy as np
from scipy.special import expit, log_expit


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
        Number of classes.
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

    def row_terms(self, eta, with_value=True):
        """The one likelihood kernel: value, gradient and Hessian row weights.

        ``eta`` is in the (K-1, n) layout of :meth:`eta`. Returns
        ``(value, G, hw)``: the weighted mean negative log-likelihood (None
        when ``with_value`` is false; ``inf`` outside the domain, and then
        ``G`` and ``hw`` are None), the gradient ``G`` of shape (K-1, p+1) in
        ``(a_k, b_k)``, and per class the Hessian row weights
        ``(upper, lower, off-diagonal)`` (None for a missing term).

        Per row of a middle class, with ``s(.)`` the logistic function,
        ``e = 1 - exp(v - u)`` and ``r = (1 - e) / e``::

            -log P   = -log e - log s(u) - log s(-v)
            d/du     = s(u) - 1 - r          d/dv = s(v) + r
            d2/du2   = s(u) s(-u) + r / e    d2/dv2 = s(v) s(-v) + r / e
            d2/dudv  = -r / e

        The first class has only ``u`` (``-log s(u)``), the last only ``v``
        (``-log s(-v)``). The value uses sigmoids and one logarithm of the
        probability's factors (far cheaper than ``log_expit``), the exact
        log form only where a factor underflows; ``s(u) - 1`` as ``su - 1``
        is exact to 1e-16 in absolute terms, all the gradient needs.
        """
        K, m = self.K, self.p + 1
        total = 0.0
        G = np.zeros((K - 1, m))
        hw = []
        for c, (idx, _, XcT, wc) in enumerate(self._blocks):
            if idx.stop == idx.start:
                hw.append(None)
                continue
            if c == 0:
                u = eta[0, idx]
                su = expit(u)
                if with_value:
                    total -= wc @ _log_or(su, lambda u=u: log_expit(u))
                gu = su - 1.0
                G[0] += XcT @ (wc * gu)
                hw.append((wc * (-gu * su), None, None))
            elif c == K - 1:
                v = eta[K - 2, idx]
                smv = expit(-v)
                if with_value:
                    total -= wc @ _log_or(smv, lambda v=v: log_expit(-v))
                sv = 1.0 - smv  # sigmoid(v)
                G[K - 2] += XcT @ (wc * sv)
                hw.append((None, wc * (sv * smv), None))
            else:
                u = eta[c, idx]
                v = eta[c - 1, idx]
                d = u - v
                if with_value and np.any(d <= 0):
                    return np.inf, None, None
                em1 = -np.expm1(-d)  # 1 - e^(v-u)
                su = expit(u)
                smv = expit(-v)
                if with_value:
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
        if not with_value:
            return None, G, hw
        if not np.isfinite(total):
            return np.inf, None, None
        return float(total), G, hw

    def value(self, eta):
        """Weighted mean negative log-likelihood; ``inf`` outside the domain.

        The gradient and the Hessian row weights of the same pass are cached
        for :meth:`grad_hess` on the same ``eta`` object: an accepted
        line-search point needs them next.
        """
        total, G, hw = self.row_terms(eta)
        self._cache = None if G is None else (eta, G, hw)
        return total

    def grad_hess(self, eta, hessian=True):
        """Gradient (K-1, p+1) and Hessian ((K-1)(p+1),)*2 in (a, b).

        ``eta`` is in the (K-1, n) layout of :meth:`eta`.

        Row i of class c touches only eta_c (upper) and eta_{c-1} (lower), so
        each class block adds at most three weighted Gram products.
        """
        if self._cache is not None and self._cache[0] is eta:
            G, hw = self._cache[1].copy(), self._cache[2]
        else:
            _, G, hw = self.row_terms(eta, with_value=False)
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


def in_domain(eta, monotone_training):
    """Every training row keeps non-crossing predictors ((K-1, n) layout)."""
    if not monotone_training or eta.shape[0] < 2:
        return True
    return bool(np.all(eta[1:] >= eta[:-1]))


def objective(problem, Z, pen, lam1, lam2, eta=None):
    """The penalised objective ``F(Z)`` (``inf`` outside the domain)."""
    if eta is None:
        eta = problem.eta(Z)
    D = Z[pen]
    return problem.value(eta) + lam1 * np.abs(D).sum() + 0.5 * lam2 * np.dot(D, D)
