"""Exact arithmetic for ties between committees and candidates.

The solvers compute in floating point. Where two values are within a float
tolerance of each other, :class:`ExactScorer` recomputes them exactly:
Python integers when every utility, weight and OWA weight is an integer, and
:class:`fractions.Fraction` otherwise (a float is an exact binary fraction, and
the OWA weights of the named rules are exact rationals such as ``1/j``). So an
exact tie is decided by the lower column index (or the given tie order), never
by rounding: ``1 + 1/2 + 1/6`` is ``1.6666666666666667`` summed in this order
and ``1.6666666666666665`` in the reverse one.
"""

from fractions import Fraction
from math import gcd

import numpy as np

# Two float values closer than TOL * scale are recomputed exactly. The float
# error of a committee score is about n * 2.2e-16 * scale, so this leaves a
# factor of 1e6 / n of room.
TOL = 1e-9


def exact_array(values):
    """Object array of Python ints (integral values) or exact Fractions."""
    a = np.asarray(values, dtype=float)
    vals, inv = np.unique(a, return_inverse=True)
    if np.all(vals == np.rint(vals)) and np.all(np.abs(vals) < 2.0**53):
        table = [int(v) for v in vals.tolist()]
    else:
        table = [Fraction(v) for v in vals.tolist()]
    lut = np.empty(len(table), dtype=object)
    lut[:] = table
    return lut[inv.ravel()].reshape(a.shape)


def tie_tolerance(U, weights, lam):
    """Float tolerance below which two scores are compared exactly."""
    scale = float(np.sum(np.abs(weights))) * float(np.max(np.abs(U), initial=0.0))
    scale *= max(float(np.sum(np.abs(lam))), 1.0)
    return TOL * max(scale, 1.0)


def floats_are_exact(U, weights, lam_exact, divisor=None):
    """Whether float arithmetic on these values is already exact.

    True for integer utilities, weights and OWA weights (approvals, Borda,
    AV, CC) whose sums stay below 2**53: every partial sum is then an
    integer that a float holds exactly, so ties need no second look.
    """
    if divisor is not None or any(int(x) != x for x in lam_exact):
        return False
    w = np.asarray(weights, dtype=float)
    if not (np.all(w == np.rint(w)) and np.all(U == np.rint(U))):
        return False
    scale = float(np.sum(np.abs(w))) * float(np.max(np.abs(U), initial=0.0))
    return scale * max(sum(abs(x) for x in lam_exact), 1) < 2.0**52


def _lcm_denominators(values):
    """Least common multiple of the denominators of ints and Fractions."""
    out = 1
    for x in values:
        d = x.denominator if isinstance(x, Fraction) else 1
        if d != 1:
            out = out * d // gcd(out, d)
    return out


class ExactScorer:
    """Exact committee scores ``sum_v w_v sum_j lam_j u_v,(j)``.

    Built lazily (only when a near tie needs deciding). ``divisor``: per-voter
    exact divisors of the utilities (satisfaction approval voting divides each
    row by its sum); ``key``: per-voter order of the candidates when it is not
    the order of the utilities (rankings with a positional vector that is not
    non-increasing).
    """

    def __init__(self, U, weights, lam_exact, *, divisor=None, key=None):
        self._args = (U, weights, lam_exact, divisor, key)
        self._built = False

    def _build(self):
        U, weights, lam_exact, divisor, key = self._args
        rows = U if key is None else np.hstack([U, key])
        uniq, inv = np.unique(rows, axis=0, return_inverse=True)
        inv = inv.ravel()
        w = exact_array(weights)
        if divisor is not None:
            d = exact_array(divisor)
            w = np.array([Fraction(a) / b for a, b in zip(w, d)], dtype=object)
        wu = np.zeros(uniq.shape[0], dtype=object)
        np.add.at(wu, inv, w)
        m = U.shape[1]
        Uf = uniq[:, :m]
        lam = list(lam_exact)
        # One common denominator per factor turns every value into an integer;
        # scores are then scaled by a positive constant, which keeps their
        # order and their ties. int64 where no sum can overflow.
        if np.all(Uf == np.rint(Uf)) and np.all(np.abs(Uf) < 2.0**53):
            Ui = Uf.astype(np.int64).astype(object)  # the common case
            big = int(np.max(np.abs(Uf), initial=0))
        else:
            Ux = exact_array(Uf)
            du = _lcm_denominators(Ux.ravel())
            Ui = np.array([int(x * du) for x in Ux.ravel()], dtype=object)
            Ui = Ui.reshape(Ux.shape)
            big = max((abs(int(x)) for x in Ui.ravel()), default=0)
        dw = _lcm_denominators(wu)
        dl = _lcm_denominators(lam)
        wi = np.array([int(x * dw) for x in wu], dtype=object)
        li = np.array([int(x * dl) for x in lam], dtype=object)
        bound = big * sum(abs(int(x)) for x in li) * sum(abs(int(x)) for x in wi)
        if bound < 2**62:
            Ui, wi, li = Ui.astype(np.int64), wi.astype(np.int64), li.astype(np.int64)
        self.U, self.w, self.lam = Ui, wi, li
        self.key = None if key is None else uniq[:, m:]
        self._built = True

    def scores(self, committees):
        """Exact scores of committees ``(B, r)`` (candidate indices); ``(B,)``."""
        if not self._built:
            self._build()
        C = np.asarray(committees, dtype=np.intp)
        if C.ndim == 1:
            C = C[:, None]
        B, r = C.shape
        if r == 0:
            return np.zeros(B, dtype=self.U.dtype)
        V = self.U[:, C]  # (nv, B, r)
        lam = self.lam[:r]
        if r > 1 and not np.all(lam == lam[0]):
            if self.key is None:
                V = np.sort(V, axis=2)[:, :, ::-1]
            else:
                order = np.argsort(-self.key[:, C], axis=2, kind="stable")
                V = np.take_along_axis(V, order, axis=2)
        per = (V * lam).sum(axis=2)  # (nv, B)
        return (self.w[:, None] * per).sum(axis=0)

    def score(self, committee):
        """Exact score of one committee."""
        return self.scores(np.asarray(committee, dtype=np.intp)[None, :])[0]


def refined_order(order, values, tol, exact, tie_rank=None):
    """Yield ``order`` with runs of near-equal ``values`` re-sorted exactly.

    ``order`` lists candidates by decreasing float value. A run of consecutive
    candidates whose values are within ``tol`` of their neighbours is re-sorted
    by the exact values ``exact(run)`` (decreasing), exact ties by
    ``tie_rank[c]`` (increasing; default: the candidate index, so the lower
    index first). A generator: the greedy only pays for the runs it reaches.
    """
    order = np.asarray(order)
    if tie_rank is None:
        tie_rank = np.arange(int(order.max()) + 1 if order.size else 0)
    i, n = 0, order.size
    while i < n:
        j = i + 1
        while j < n and values[order[j]] >= values[order[j - 1]] - tol:
            j += 1
        run = order[i:j]
        if run.size > 1:
            ex = exact(run)
            keys = sorted(range(run.size), key=lambda t: (-ex[t], tie_rank[run[t]]))
            run = run[keys]
        yield from run.tolist()
        i = j
