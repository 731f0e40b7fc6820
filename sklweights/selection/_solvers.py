"""Exact and approximate solvers for group-constrained OWA committee selection.

Every solver takes a utility matrix ``U`` (voters x candidates), voter weights
and an OWA vector ``lam``; rankings arrive as ``U = s[P]`` (and an order ``key``
where ``s`` is not non-increasing).

* ``sort``: separable rules (constant OWA vector) with disjoint group bounds:
  each group's best ``lower`` candidates, then the best of the rest while the
  upper bounds allow. Exact, O(nm + m log m); exact ties go to the lower index.
* ``milp``: HiGHS (through ``highspy``, else :func:`scipy.optimize.milp`)
  with ``m`` binaries.
  Non-separable rules with a non-increasing OWA vector use the nested-ballot
  reduction (each voter's utility levels give nested ballots: a weighted
  Thiele rule, identical ballots merged) or, for Chamberlin-Courant, the
  assignment formulation, whichever has fewer non-zeros.
* ``bnb``: Thiele rules (non-increasing ``lam >= 0``) by branch and bound
  (:mod:`._bnb`), handing its incumbent and bound to the MILP after a budget.
* ``brute_force``: every size-k subset (small instances, any OWA vector).
* ``greedy``: marginal gains with a feasibility look-ahead; an approximation
  (sequential Thiele rules), exact ties to the lower index.
* :func:`optimal_committees`: every optimal committee (up to a cap), by the
  branch and bound's collect mode or by enumeration, decided exactly.
"""

import functools
import itertools
import math
import time

import numpy as np

from sklweights.selection._bnb import (
    COLLECT_LIMIT,
    MAX_ENTRIES,
    NODE_LIMIT,
    OPTIMAL_BNB,
    TIME_LIMIT,
    branch_and_bound,
)
from sklweights.selection._bounds import make_feasibility_check
from sklweights.selection._exact import refined_order, tie_tolerance
from sklweights.selection._rules import (
    candidate_scores,
    is_separable,
    marginal_gain_matrix,
    per_voter_scores,
)
from sklweights.utils._solver import (
    FAILED,
    INACCURATE,
    OPTIMAL,
    SolverResult,
)

BRUTE_FORCE_MAX = 5_000_000
# solver="auto" enumerates every committee when C(m, k) * n * k is at most
# this (one vectorised pass, well under a millisecond)
ENUMERATE_MAX_ENTRIES = 20_000


def merge_voters(U, weights):
    """Merge identical utility rows; returns unique rows and summed weights."""
    uniq, inv = np.unique(U, axis=0, return_inverse=True)
    w = np.bincount(inv.ravel(), weights=weights, minlength=uniq.shape[0])
    return uniq, w


def is_cc_owa(lam):
    """Chamberlin-Courant's OWA vector: ``(lam_1 > 0, 0, ..., 0)``."""
    lam = np.asarray(lam)
    return bool(lam[0] > 0 and not lam[1:].any())


def needs_concave(lam, key=None):
    """Reason string when the MILP cannot represent the rule, else None.

    ``key`` is not None for rankings whose positional vector is not
    non-increasing (members are then ordered by position, not utility).
    """
    lam = np.asarray(lam)
    if is_separable(lam):
        return None
    if (lam[1:] - lam[:-1] > 1e-12).any():
        return "the OWA vector is not non-increasing"
    if key is not None:
        return "the positional vector is not non-increasing"
    return None


def is_thiele(lam, key=None):
    """Rules the branch and bound solves: non-increasing ``lam >= 0``."""
    lam = np.asarray(lam)
    return bool(
        key is None
        and needs_concave(lam, key) is None
        and (lam >= 0).all()
        and lam[0] > 0
    )


# --------------------------------------------------------------------------- sort
def solve_sort(cand_scores, k, gc, tie_order=None, exact=None, tol=0.0):
    """Exact selection for modular objectives under disjoint group bounds.

    ``exact(cands)``: exact scores of candidates, used to order runs of
    values within ``tol`` (exact ties keep the tie order: lower index first).
    """
    m = cand_scores.shape[0]
    idx = np.arange(m) if tie_order is None else np.asarray(tie_order)
    order = idx[np.argsort(-cand_scores[idx], kind="stable")]
    if exact is not None:
        rank = np.empty(m, dtype=np.intp)
        rank[idx] = np.arange(m)
        order = np.fromiter(
            refined_order(order, cand_scores, tol, exact, rank), dtype=np.intp, count=m
        )
    chosen = np.zeros(m, dtype=bool)
    if gc is None:
        chosen[order[:k]] = True
        return np.flatnonzero(chosen)
    gi = gc.group_index
    counts = np.zeros(len(gc.labels), dtype=np.int64)
    # mandatory: each group's best `lower` candidates
    for c in order:
        g = gi[c]
        if g >= 0 and counts[g] < gc.lower[g]:
            chosen[c] = True
            counts[g] += 1
    total = int(chosen.sum())
    for c in order:
        if total >= k:
            break
        if chosen[c]:
            continue
        g = gi[c]
        if g >= 0:
            if counts[g] >= gc.upper[g]:
                continue
            counts[g] += 1
        chosen[c] = True
        total += 1
    return np.flatnonzero(chosen)


# ---------------------------------------------------------------------- greedy
def solve_greedy(
    U, weights, lam, k, gc, tie_order=None, *, key=None, exact=None, tol=0.0
):
    """Greedy by marginal gain, never taking a step that makes bounds unreachable.

    ``exact``: an :class:`~._exact.ExactScorer`; gains within ``tol`` of each
    other are then compared exactly, and an exact tie goes to the candidate
    first in ``tie_order`` (default: the lower index), as in the sequential
    Thiele rules.
    """
    n, m = U.shape
    feasible = make_feasibility_check(gc, k)
    chosen = []
    mask = np.zeros(m, dtype=bool)
    idx = np.arange(m) if tie_order is None else np.asarray(tie_order)
    rank = np.empty(m, dtype=np.intp)
    rank[idx] = np.arange(m)
    # 0/1 utilities ordered by utility: a voter who approves c and j members
    # gains lam[j] from c, so the gains are one product per step
    approval = key is None and bool(((U == 0) | (U == 1)).all())
    approved = np.zeros(n, dtype=np.intp)
    for step in range(k):
        if approval:
            gains = (weights * lam[approved]) @ U
        else:
            gains = weights @ marginal_gain_matrix(U, chosen, lam[: step + 1], key)
        gains[mask] = -np.inf
        order = idx[np.argsort(-gains[idx], kind="stable")]
        order = order[~mask[order]]
        if exact is not None:
            order = refined_order(
                order,
                gains,
                tol,
                lambda run, base=list(chosen): exact.scores(
                    np.array([base + [int(c)] for c in run], dtype=np.intp)
                ),
                rank,
            )
        picked = None
        for c in order:
            mask[c] = True
            if feasible(mask):
                picked = c
                break
            mask[c] = False
        if picked is None:
            return None
        chosen.append(int(picked))
        if approval:
            approved += U[:, picked] == 1
    return np.sort(np.asarray(chosen, dtype=np.intp))


# ------------------------------------------------------------------ brute force
def _check_enumerable(m, k):
    total = math.comb(m, k)
    if total > BRUTE_FORCE_MAX:
        raise ValueError(
            f"solver='brute_force' would enumerate C({m}, {k}) = {total} committees "
            f"(limit {BRUTE_FORCE_MAX}); use solver='milp'."
        )


# C(m, k) index arrays up to this many rows are kept (small instances, where
# building them is a good part of the enumeration's time)
_CACHED_COMBINATIONS_MAX = 20_000


@functools.lru_cache(maxsize=64)
def _all_combinations(m, k):
    """Every size-k subset of range(m), lexicographic, ``(C(m, k), k)``; read-only."""
    block = np.fromiter(
        itertools.chain.from_iterable(itertools.combinations(range(m), k)),
        dtype=np.intp,
        count=math.comb(m, k) * k,
    ).reshape(-1, k)
    block.flags.writeable = False
    return block


def _combination_chunks(m, k, chunk):
    """The size-k subsets of range(m) in lexicographic blocks of ``chunk``."""
    combos_iter = itertools.combinations(range(m), k)
    while True:
        block = np.fromiter(
            itertools.chain.from_iterable(itertools.islice(combos_iter, chunk)),
            dtype=np.intp,
        )
        if block.size == 0:
            return
        yield block.reshape(-1, k)


def _committee_blocks(U, weights, lam, k, gc, key=None):
    """Feasible committees in lexicographic blocks, with their float values."""
    n, m = U.shape
    separable = is_separable(lam)
    cs = candidate_scores(U, weights) * lam[0] if separable else None
    chunk = max(1, int(4_000_000 // max(1, n * k)))
    total = math.comb(m, k)
    if total <= min(chunk, _CACHED_COMBINATIONS_MAX):
        blocks = iter((_all_combinations(m, k),))
    else:
        blocks = _combination_chunks(m, k, chunk)
    for block in blocks:
        if gc is not None:
            cnt = gc.membership[:, block].sum(axis=2)  # (G, B)
            ok = np.all((cnt >= gc.lower[:, None]) & (cnt <= gc.upper[:, None]), axis=0)
            block = block[ok]
            if block.size == 0:
                continue
        if separable:
            vals = cs[block].sum(axis=1)
        else:
            V = U[:, block]  # (n, B, k)
            if key is None:
                V = -np.sort(-V, axis=2)
            else:
                o = np.argsort(-key[:, block], axis=2, kind="stable")
                V = np.take_along_axis(V, o, axis=2)
            vals = weights @ (V @ lam)
        yield block, vals


def solve_brute_force(U, weights, lam, k, gc, key=None):
    """Best feasible committee by enumeration (lexicographically first on ties)."""
    _check_enumerable(U.shape[1], k)
    best_val, best = -np.inf, None
    for block, vals in _committee_blocks(U, weights, lam, k, gc, key):
        j = int(np.argmax(vals))
        if best is None or vals[j] > best_val + 1e-12 * max(1.0, abs(best_val)):
            best_val, best = vals[j], block[j].copy()
    return best


# ------------------------------------------------------------------------- milp
def _utility_levels(Uu):
    """Each voter's candidates by decreasing utility and the steps between them.

    Returns ``order`` (n, m) and ``D`` (n, m - 1): ``D[v, r - 1] > 0`` is the
    drop in voter ``v``'s utility after its ``r`` best candidates, the weight of
    its top-``r`` ballot.
    """
    order = np.argsort(-Uu, axis=1, kind="stable")
    V = np.take_along_axis(Uu, order, axis=1)
    return order, V[:, :-1] - V[:, 1:], V[:, -1]


def _nested_ballots(Uu, wu):
    """Merged weighted level ballots: list of (members (B, r), weights (B,), r).

    A voter's utility is its minimum plus the sum of the steps ``D`` above
    each candidate, so a committee's score is a weighted Thiele score on the
    ballots "the voter's ``r`` best candidates" (one per step), for ballots of
    any size and per-voter levels (approval ballots: one ballot per voter).
    """
    order, D, _ = _utility_levels(Uu)
    out = []
    for r in np.flatnonzero((D > 0).any(axis=0)) + 1:
        rows = np.flatnonzero(D[:, r - 1] > 0)
        top = np.sort(order[rows, :r], axis=1)
        uniq, inv = np.unique(top, axis=0, return_inverse=True)
        wb = np.bincount(
            inv.ravel(), weights=wu[rows] * D[rows, r - 1], minlength=uniq.shape[0]
        )
        out.append((uniq, wb, int(r)))
    return out


def _milp_model(Uu, wu, lam, k, gc, formulation):
    """Objective c (to maximise), integrality, and constraint blocks."""
    import scipy.sparse as sp

    n, m = Uu.shape
    rows, cols, vals, lbs, ubs = [], [], [], [], []
    n_rows = 0

    def add_row(cidx, coef, lo, hi):
        nonlocal n_rows
        rows.append(np.full(len(cidx), n_rows))
        cols.append(np.asarray(cidx))
        vals.append(np.asarray(coef, dtype=float))
        lbs.append(lo)
        ubs.append(hi)
        n_rows += 1

    add_row(np.arange(m), np.ones(m), k, k)
    if gc is not None:
        for g in range(len(gc.labels)):
            members = np.flatnonzero(gc.membership[g])
            size = members.size
            if gc.lower[g] > 0 or gc.upper[g] < min(size, k):
                add_row(members, np.ones(size), gc.lower[g], gc.upper[g])

    obj = [np.zeros(m)]
    const = 0.0
    n_var = m
    if formulation == "linear":
        obj[0] = candidate_scores(Uu, wu) * lam[0]
    elif formulation == "assignment":
        # y[v, c] in [0, 1], y <= x, sum_c y[v, c] = 1; lam = (lam1, 0, ...)
        nv = Uu.shape[0]
        y0 = n_var
        n_var += nv * m
        obj.append((lam[0] * wu[:, None] * Uu).ravel())
        yidx = y0 + np.arange(nv * m).reshape(nv, m)
        # y[v,c] - x[c] <= 0 in bulk
        rr = n_rows + np.arange(nv * m)
        rows.append(np.concatenate([rr, rr]))
        cols.append(np.concatenate([yidx.ravel(), np.tile(np.arange(m), nv)]))
        vals.append(np.concatenate([np.ones(nv * m), -np.ones(nv * m)]))
        lbs.append(np.full(nv * m, -np.inf))
        ubs.append(np.zeros(nv * m))
        n_rows += nv * m
        rr = n_rows + np.arange(nv)
        rows.append(np.repeat(rr, m))
        cols.append(yidx.ravel())
        vals.append(np.ones(nv * m))
        lbs.append(np.ones(nv))
        ubs.append(np.ones(nv))
        n_rows += nv
    else:  # nested
        nonneg = bool(np.all(lam >= 0))
        n_pos = int(np.sum(lam > 0)) if nonneg else k
        cum = np.cumsum(lam)
        const = float(cum[k - 1] * (wu @ _utility_levels(Uu)[2]))
        for members, wb, r in _nested_ballots(Uu, wu):
            L = min(r, k, n_pos)
            if L == 0:
                continue
            B = members.shape[0]
            u0 = n_var
            n_var += B * L
            obj.append((wb[:, None] * lam[None, :L]).ravel())
            uidx = u0 + np.arange(B * L).reshape(B, L)
            rr = n_rows + np.arange(B)
            rows.append(np.concatenate([np.repeat(rr, L), np.repeat(rr, r)]))
            cols.append(np.concatenate([uidx.ravel(), members.ravel()]))
            vals.append(np.concatenate([np.ones(B * L), -np.ones(B * r)]))
            lbs.append(np.zeros(B) if not nonneg else np.full(B, -np.inf))
            ubs.append(np.zeros(B))
            n_rows += B
    c = np.concatenate(obj)
    A = sp.csr_array(
        (
            np.concatenate(vals),
            (np.concatenate(rows), np.concatenate(cols)),
        ),
        shape=(n_rows, n_var),
    )
    lb = np.concatenate([np.atleast_1d(np.asarray(x, dtype=float)) for x in lbs])
    ub = np.concatenate([np.atleast_1d(np.asarray(x, dtype=float)) for x in ubs])
    integrality = np.zeros(n_var)
    integrality[:m] = 1
    return c, integrality, A, lb, ub, const


def choose_formulation(Uu, lam, k):
    """'linear', 'assignment' or 'nested' (fewest non-zeros for CC)."""
    if is_separable(lam):
        return "linear"
    if not is_cc_owa(lam):
        return "nested"
    n, m = Uu.shape
    _, D, _ = _utility_levels(Uu)
    steps = np.arange(1, m)[None, :] * (D > 0)  # ballot sizes r
    nested_nnz = float(np.sum(steps + (D > 0)))
    assign_nnz = 3.0 * n * m
    return "nested" if nested_nnz <= assign_nnz else "assignment"


_HIGHS_BANNER = [True]


def _new_highs(highspy):
    """A ``highspy.Highs`` without its licence banner on stdout.

    HiGHS prints the banner from C when the first instance of a process is
    created, before any option can silence it; that one construction runs
    with file descriptor 1 sent to /dev/null.
    """
    if not _HIGHS_BANNER[0]:
        return highspy.Highs()
    import os
    import sys

    sys.stdout.flush()
    saved = os.dup(1)
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, 1)
        h = highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(null)
        _HIGHS_BANNER[0] = False
    return h


def _milp_highspy(c, integrality, A, lb, ub, time_limit, start=None):
    """``min c'x`` over ``x`` in [0, 1], ``lb <= A x <= ub``, through highspy.

    The same solver as :func:`scipy.optimize.milp` (HiGHS), called directly:
    the highspy releases are newer than the HiGHS that scipy bundles, and on
    the small Chamberlin-Courant models they were 5-40x faster (measured
    with highspy 1.16 against scipy 1.17's HiGHS). Returns a result with
    scipy's fields (``x``, ``status``, ``message``, ``mip_dual_bound``,
    ``mip_gap``), or None when highspy is not installed. ``start``: values of
    the first ``start.size`` (integer) columns of a feasible point, handed to
    HiGHS as its first incumbent (it completes the continuous columns).
    """
    try:
        import highspy
    except ImportError:
        return None
    from scipy.optimize import OptimizeResult

    A = A.tocsr()
    n_var = c.size
    inf = highspy.kHighsInf
    h = _new_highs(highspy)
    h.setOptionValue("output_flag", False)
    h.setOptionValue("mip_rel_gap", 0.0)
    if time_limit is not None:
        h.setOptionValue("time_limit", float(time_limit))
    h.addVars(n_var, np.zeros(n_var), np.ones(n_var))
    idx = np.arange(n_var, dtype=np.int32)
    h.changeColsCost(n_var, idx, np.asarray(c, dtype=float))
    kinds = np.where(
        np.asarray(integrality) > 0,
        highspy.HighsVarType.kInteger,
        highspy.HighsVarType.kContinuous,
    )
    h.changeColsIntegrality(n_var, idx, kinds)
    h.addRows(
        A.shape[0],
        np.where(np.isinf(lb), -inf, lb),
        np.where(np.isinf(ub), inf, ub),
        A.nnz,
        A.indptr[:-1].astype(np.int32),
        A.indices.astype(np.int32),
        A.data.astype(float),
    )
    if start is not None:
        start = np.asarray(start, dtype=float)
        h.setSolution(start.size, np.arange(start.size, dtype=np.int32), start)
    h.run()
    model = h.getModelStatus()
    info = h.getInfo()
    S = highspy.HighsModelStatus
    if model == S.kOptimal:
        status = 0
    elif model in (S.kTimeLimit, S.kIterationLimit, S.kSolutionLimit):
        status = 1
    elif model == S.kInfeasible:
        status = 2
    elif model in (S.kUnbounded, S.kUnboundedOrInfeasible):
        status = 3
    else:
        status = 4
    has_x = info.primal_solution_status == 2  # a feasible point
    x = np.asarray(h.getSolution().col_value, dtype=float) if has_x else None
    return OptimizeResult(
        x=x,
        status=status,
        message=h.modelStatusToString(model),
        mip_dual_bound=float(info.mip_dual_bound),
        mip_gap=float(info.mip_gap) if has_x else None,
    )


def solve_milp(
    U,
    weights,
    lam,
    k,
    gc,
    *,
    time_limit=None,
    formulation="auto",
    start=None,
    outer_bound=None,
    name_prefix="",
):
    """Exact selection with HiGHS; returns (committee, SolverResult, mip_gap).

    ``start``: a feasible committee handed to HiGHS as its first incumbent
    (highspy only). ``outer_bound``: an upper bound on the optimum known from
    elsewhere (the branch and bound), used for the gap when tighter.
    """
    from scipy.optimize import Bounds, LinearConstraint, milp

    reason = needs_concave(lam)
    if reason is not None:
        raise ValueError(
            f"The MILP needs a non-increasing OWA vector and positional vector for "
            f"non-separable rules, but {reason}; use solver='brute_force' (small "
            "instances) or solver='greedy' (approximate)."
        )
    Uu, wu = merge_voters(U, weights)
    if is_cc_owa(lam) and start is None and (gc is None or gc.disjoint):
        # Certificate without the MILP: a greedy feasible committee whose score
        # reaches the trivial bound (every voter gets its favourite) is optimal;
        # common for Chamberlin-Courant when every voter can be covered.
        bound = float(lam[0] * (wu @ Uu.max(axis=1)))
        W0 = solve_greedy(Uu, wu, lam, k, gc)
        if W0 is not None:
            val = float(wu @ per_voter_scores(Uu, W0, lam))
            if val >= bound - 1e-9 * max(1.0, abs(bound)):
                return W0, SolverResult(OPTIMAL, "Optimal", "greedy-certified"), 0.0
    if formulation == "auto":
        formulation = choose_formulation(Uu, lam, k)
    m = U.shape[1]
    c, integrality, A, lb, ub, const = _milp_model(Uu, wu, lam, k, gc, formulation)
    t0 = time.perf_counter()
    x0 = None
    if start is not None:
        x0 = np.zeros(m)
        x0[np.asarray(start, dtype=np.intp)] = 1.0
    res = _milp_highspy(-c, integrality, A, lb, ub, time_limit, start=x0)
    if res is None:  # highspy not installed: scipy's bundled HiGHS
        options = {"mip_rel_gap": 0.0}
        if time_limit is not None:
            options["time_limit"] = float(time_limit)
        res = milp(
            -c,
            integrality=integrality,
            bounds=Bounds(0.0, 1.0),
            constraints=[LinearConstraint(A, lb, ub)],
            options=options,
        )
    elapsed = time.perf_counter() - t0
    name = f"{name_prefix}highs-milp-{formulation}"
    committee = None
    if res.x is not None:
        x = res.x[:m]
        cand = np.flatnonzero(x > 0.5)
        if cand.size == k and (gc is None or gc.satisfied(cand)):
            committee = cand
    dual = getattr(res, "mip_dual_bound", None)
    if res.status == 0 and committee is not None:
        return committee, SolverResult(OPTIMAL, "Optimal", name), 0.0
    if res.status == 2:
        labels = [] if gc is None else gc.labels
        raise ValueError(
            "The group bounds are infeasible: no committee of size "
            f"k={k} meets them jointly (groups {labels}, lower "
            f"{[] if gc is None else gc.lower.tolist()}, upper "
            f"{[] if gc is None else gc.upper.tolist()})."
        )
    if res.status == 1 or (res.status == 0 and committee is None):
        fallback = False
        if committee is None and start is not None:
            committee = np.sort(np.asarray(start, dtype=np.intp))
        if committee is None:
            committee = solve_greedy(U, weights, lam, k, gc)
            fallback = True
        if committee is None:
            return (
                None,
                SolverResult(FAILED, str(res.message), name, message="no incumbent"),
                None,
            )
        # objective and bound in the selector's units (the model drops const)
        val = float(weights @ per_voter_scores(U, committee, lam))
        gap = None
        bound = None
        if dual is not None and np.isfinite(dual):
            bound = -float(dual) + const
        if outer_bound is not None and (bound is None or outer_bound < bound):
            bound = float(outer_bound)
        if bound is not None:
            gap = max(0.0, (bound - val) / max(abs(bound), 1e-12))
        elif res.mip_gap is not None and not fallback:
            gap = float(res.mip_gap)
        used = "greedy feasible committee used (no MIP incumbent); "
        msg = (
            f"stopped after {elapsed:.2f} s at time_limit={time_limit}; "
            + (used if fallback else "")
            + f"relative MIP gap {gap if gap is None else round(gap, 6)}"
        )
        return (
            committee,
            SolverResult(INACCURATE, "time_limit", name, message=msg),
            gap,
        )
    return None, SolverResult(FAILED, str(res.message), name), None


# ------------------------------------------------------- branch and bound
BNB_MAX_NODES = 10_000
# deeper searches recurse past what the bound can prune; the MILP takes them
BNB_MAX_K = 200
# Thiele rules other than Chamberlin-Courant: the search runs first only on
# small profiles (voters x candidates), where the MILP's set-up dominates, and
# with a smaller node budget (a node recomputes every gain).
THIELE_BNB_MAX_ENTRIES = 20_000
THIELE_BNB_MAX_NODES = 2_000


def is_cc_rule(lam, key=None):
    """Chamberlin-Courant shape: ``lam = (lam_1 > 0, 0, ...)``, members by utility."""
    return is_cc_owa(lam) and key is None


def solve_bnb(U, weights, lam, k, gc, *, time_limit=None, max_nodes=BNB_MAX_NODES):
    """Exact Thiele rule: branch and bound, then the MILP if needed.

    The branch and bound (:mod:`._bnb`) solves most instances in a few
    hundred nodes; after ``max_nodes`` (None: no limit) its incumbent and
    bound go to the MILP, which gets the rest of ``time_limit``. Returns
    ``(committee, SolverResult, gap)`` like :func:`solve_milp`.
    """
    t0 = time.perf_counter()
    deadline = None if time_limit is None else t0 + float(time_limit)
    n, m = U.shape
    too_big = n * m > MAX_ENTRIES and np.unique(U, axis=0).shape[0] * m > MAX_ENTRIES
    if too_big or k > BNB_MAX_K:
        # the dense (merged voters x candidates) utilities would not fit, or
        # the search would be deeper than it can usefully go (the MILP keeps
        # the greedy certificate, which is what settles large k)
        return solve_milp(U, weights, lam, k, gc, time_limit=time_limit)
    W, val, bound, status, nodes = branch_and_bound(
        U,
        weights,
        lam,
        k,
        gc,
        greedy=solve_greedy,
        max_nodes=max_nodes,
        deadline=deadline,
    )
    name = "branch-and-bound"
    if status == OPTIMAL_BNB:
        if W is None:
            raise ValueError(
                "The group bounds are infeasible: no committee of size "
                f"k={k} meets them jointly (groups {gc.labels}, lower "
                f"{gc.lower.tolist()}, upper {gc.upper.tolist()})."
            )
        return W, SolverResult(OPTIMAL, "Optimal", name, n_iter=nodes), 0.0
    if status == NODE_LIMIT:
        remaining = None
        if deadline is not None:
            remaining = max(deadline - time.perf_counter(), 1e-3)
        return solve_milp(
            U,
            weights,
            lam,
            k,
            gc,
            time_limit=remaining,
            start=W,
            outer_bound=bound,
            name_prefix=f"branch-and-bound ({nodes} nodes), then ",
        )
    # time limit inside the branch and bound
    if W is None:
        return (
            None,
            SolverResult(FAILED, "time_limit", name, message="no incumbent"),
            None,
        )
    gap = max(0.0, (bound - val) / max(abs(bound), 1e-12))
    msg = (
        f"stopped after {time.perf_counter() - t0:.2f} s at "
        f"time_limit={time_limit} ({nodes} nodes); relative gap {round(gap, 6)}"
    )
    return (
        W,
        SolverResult(INACCURATE, "time_limit", name, n_iter=nodes, message=msg),
        gap,
    )


# ------------------------------------------------------ every optimal committee
def optimal_committees(
    U, weights, lam, k, gc, best, exact, *, limit, key=None, deadline=None
):
    """Every optimal committee, up to ``limit``, decided exactly.

    ``best`` is an optimal committee found by an exact solver. Committees
    whose float score is within the tie tolerance of it are candidates; their
    exact scores (``exact``, an :class:`~._exact.ExactScorer`) decide which
    tie. Thiele rules with no or disjoint groups are enumerated by the branch
    and bound's collect mode (only subtrees whose bound reaches the optimum
    are visited); other rules by enumerating every committee.

    Returns
    -------
    committees : ndarray of shape (n_committees, k)
        Lexicographic order.
    complete : bool
        False when more than ``limit`` optimal committees exist (or the
        deadline stopped the enumeration).
    """
    best = np.sort(np.asarray(best, dtype=np.intp))
    target = float(weights @ per_voter_scores(U, best, lam, key))
    tol = tie_tolerance(U, weights, lam)
    found = {"best": exact.score(best), "list": []}

    def keep(W):
        val = exact.score(W)
        if val > found["best"]:  # a float near-tie that is exactly better
            found["best"], found["list"] = val, []
        if val == found["best"]:
            found["list"].append(tuple(int(c) for c in W))
        return len(found["list"]) <= limit

    complete = True
    if is_thiele(lam, key) and (gc is None or gc.disjoint):
        *_, status, _ = branch_and_bound(
            U, weights, lam, k, gc, collect=(target, tol, keep), deadline=deadline
        )
        complete = status not in (COLLECT_LIMIT, TIME_LIMIT)
    else:
        _check_enumerable(U.shape[1], k)
        for block, vals in _committee_blocks(U, weights, lam, k, gc, key):
            for j in np.flatnonzero(vals >= target - tol):
                if not keep(block[j]):
                    complete = False
                    break
            if not complete:
                break
    committees = sorted(found["list"])[:limit]
    return np.array(committees, dtype=np.intp).reshape(-1, k), complete
