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

import math
from fractions import Fraction
from math import gcd

import numpy as np

# Two float values closer than TOL * scale are recomputed exactly. The float
# error of a committee score is about n * 2.2e-16 * scale, so this leaves a
# factor of 1e6 / n of room.
TOL = 1e-9
# Identical voters are merged (one np.unique over the rows) above this many
_MERGE_MIN_VOTERS = 64


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
    scale = float(np.abs(weights).sum()) * float(np.abs(U).max(initial=0.0))
    scale *= max(float(np.abs(lam).sum()), 1.0)
    return TOL * max(scale, 1.0)


def floats_are_exact(U, weights, lam_exact, divisor=None):
    """Whether float arithmetic on these values is already exact.

    True for integer utilities, weights and OWA weights (approvals, Borda,
    AV, CC) whose sums stay below 2**53: every partial sum is then an
    integer that a float holds exactly, so ties need no second look.
    """
    if divisor is not None:
        return False
    lam = [x if type(x) is Fraction else Fraction(x) for x in lam_exact]
    if any(x.denominator != 1 for x in lam):
        return False
    lam_total = sum(abs(x.numerator) for x in lam)  # int sums: no Fractions
    w = np.asarray(weights, dtype=float)
    U = np.asarray(U)
    if not (w == np.rint(w)).all():
        return False
    if U.dtype.kind == "f" and not (U == np.rint(U)).all():
        return False
    scale = float(np.abs(w).sum()) * float(np.abs(U).max(initial=0.0))
    return scale * max(lam_total, 1) < 2.0**52


def integer_scaled(U, weights, lam_exact, divisor=None):
    """The problem scaled to integers that floats hold exactly, or None.

    For integer utilities, weights and divisors and rational OWA weights
    (approval ballots under AV, SAV, PAV, SLAV, CC), ``w_v L / d_v`` (``L``
    the least common multiple of the divisors ``d_v``) and ``lam_j D`` (``D``
    that of the OWA weights' denominators) are integers. Every score and gain
    is then the exact one times the positive constant ``L D``, an integer: in
    floats, exact while the scale stays below ``2**52``, so ties are exact
    ties and need no :class:`ExactScorer`. Returns float arrays ``(U, w,
    lam)`` holding those integers, or None where a value is not an integer or
    a sum could leave the exact range.
    """
    U = np.asarray(U)
    w = np.asarray(weights, dtype=float)
    if U.dtype.kind == "f" and not (U == np.rint(U)).all():
        return None
    if not (w == np.rint(w)).all():
        return None
    limit = 2**52
    big = float(np.abs(U).max(initial=0.0))
    if big >= limit or float(w.max(initial=0.0)) >= limit:
        return None
    wi = [int(x) for x in w.tolist()]
    if divisor is not None:
        d = np.asarray(divisor, dtype=float)
        if not ((d == np.rint(d)).all() and (d > 0).all() and (d < limit).all()):
            return None
        d = [int(x) for x in d.tolist()]
        L = math.lcm(*set(d))
        wi = [a * (L // b) for a, b in zip(wi, d)]
    lam = [x if type(x) is Fraction else Fraction(x) for x in lam_exact]
    dl = math.lcm(*(x.denominator for x in lam))
    li = [x.numerator * (dl // x.denominator) for x in lam]
    if int(big) * max(sum(abs(x) for x in li), 1) * max(sum(wi), 1) >= limit:
        return None
    return U.astype(float), np.array(wi, dtype=float), np.array(li, dtype=float)


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
        if not self._build_integral():
            self._build_general()
        self._built = True

    def _build_integral(self):
        """Integer utilities, weights and divisors (approvals, SAV): no Fractions.

        Each voter's weight becomes ``w_v * L / d_v`` for ``L`` the least
        common multiple of the divisors, an integer: scores are scaled by the
        positive constant ``L`` (times the OWA weights' common denominator).
        Returns False where a value is not an integer below ``2**53``.
        """
        U, weights, lam_exact, divisor, key = self._args
        U = np.asarray(U)
        w = np.asarray(weights, dtype=float)
        limit = 2.0**53
        if U.dtype.kind == "f" and not (
            (U == np.rint(U)).all() and (np.abs(U) < limit).all()
        ):
            return False
        if not ((w == np.rint(w)).all() and (np.abs(w) < limit).all()):
            return False
        wi = [int(x) for x in w.tolist()]
        if divisor is not None:
            d = np.asarray(divisor, dtype=float)
            if not ((d == np.rint(d)).all() and (d > 0).all() and (d < limit).all()):
                return False
            d = [int(x) for x in d.tolist()]
            L = math.lcm(*set(d))
            wi = [a * (L // b) for a, b in zip(wi, d)]
        n, m = U.shape
        rows = U if key is None else np.hstack([U, key])
        if n > _MERGE_MIN_VOTERS:  # identical voters merged, weights summed
            rows, inv = np.unique(rows, axis=0, return_inverse=True)
            wu = [0] * rows.shape[0]
            for i, a in zip(inv.ravel().tolist(), wi):
                wu[i] += a
            wi = wu
        lam = list(lam_exact)
        dl = _lcm_denominators(lam)
        li = [int(x * dl) for x in lam]
        Ui = rows[:, :m].astype(np.int64)
        big = int(np.abs(Ui).max(initial=0))
        bound = big * sum(abs(x) for x in li) * sum(abs(x) for x in wi)
        dtype = np.int64 if bound < 2**62 else object
        if dtype is object:
            Ui = Ui.astype(object)
        self.U = Ui
        self.w = np.array(wi, dtype=dtype)
        self.lam = np.array(li, dtype=dtype)
        self.key = None if key is None else rows[:, m:]
        return True

    def _build_general(self):
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
