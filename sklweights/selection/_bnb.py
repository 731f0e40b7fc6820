"""Exact branch and bound for Thiele rules (non-increasing OWA vector ``lam >= 0``).

Shifting each voter's utilities by their minimum (a constant per committee
size) gives ``f(W) = sum_v w_v sum_j lam_j (u_v,(j) - min_c u_vc)``. With a
non-increasing ``lam``, ``f`` is submodular with ``f(empty) = 0``: by the level
decomposition of the guide, it is a weighted sum of concave functions
``Lambda(|W & B|)`` of ballot counts. So for any committee ``S`` and any set
``T`` of ``q`` more candidates

    f(S + T) <= f(S) + sum of the q largest marginal gains over S        (*)

(Nemhauser, Wolsey and Fisher 1978). Chamberlin-Courant (``lam = (lam_1, 0,
..., 0)``) is the facility-location case, ``f(W) = lam_1 sum_v w_v max_{c in
W} u_vc``. The search is a depth-first enumeration of committees in which
every node keeps its candidates sorted by marginal gain; child ``j`` adds the
``j``-th candidate and may only add candidates after it, so every committee is
visited at most once. By (*), the children's bounds decrease with ``j`` and
the first child whose bound does not beat the incumbent ends the loop. Gains
are updated incrementally: for Chamberlin-Courant, adding ``c`` changes only
the ballots that rank ``c`` above their current representative; for 0/1
(approval) utilities a voter's gain is ``lam`` at its count of approved
members; otherwise the gains are recomputed from the sorted members.

Disjoint group bounds are handled exactly: a child is kept only when its
committee can still be completed within the bounds, and its bound is the best
completion of the (sorted) gains that respects them. Overlapping groups are
left to the MILP.

The incumbent starts from the greedy committee; the search stops at once when
the incumbent reaches the trivial bound (every voter gets its ``k`` favourite
candidates). It stops early at ``max_nodes`` (the caller then hands the
incumbent to the MILP) or at ``deadline`` (the incumbent and a valid upper
bound are returned: the largest child bound still open on the search path).
With ``collect``, it instead visits every committee whose value reaches a
target (all optimal committees, for ties).
"""

import time

import numpy as np

from sklweights.selection._bounds import make_feasibility_check
from sklweights.selection._rules import marginal_gain_matrix

OPTIMAL_BNB = "optimal"
NODE_LIMIT = "node_limit"
TIME_LIMIT = "time_limit"
COLLECT_LIMIT = "collect_limit"

# Above this many merged-ballot x candidate entries the dense utility matrix
# is not built and the MILP is used directly.
MAX_ENTRIES = 5_000_000


class _Stop(Exception):
    def __init__(self, why):
        self.why = why


def shifted_utilities(U, weights):
    """Merged non-negative utilities ``(B, m)``, their weights, and the shift.

    Each voter's utilities are shifted by their minimum. Rows of identical
    shifted utilities (for approval ballots: identical ballots) are merged,
    and rows with no positive utility (voters whose score cannot change) are
    dropped. The committee value is ``f(merged) + Lambda(k) * shift``.
    """
    umin = U.min(axis=1) if U.shape[1] else np.zeros(U.shape[0])
    Us = U - umin[:, None]
    Uu, inv = np.unique(Us, axis=0, return_inverse=True)
    w = np.bincount(inv.ravel(), weights=weights, minlength=Uu.shape[0])
    keep = (Uu.max(axis=1) > 0) & (w > 0)
    shift = float(weights @ umin)
    return np.ascontiguousarray(Uu[keep], dtype=float), w[keep], shift


class _Groups:
    """Disjoint group bounds in the form the search needs."""

    def __init__(self, gc):
        self.gi = gc.group_index
        self.G = len(gc.labels)
        self.lower = np.asarray(gc.lower, dtype=np.int64)
        self.upper = np.asarray(gc.upper, dtype=np.int64)
        # group index shifted by one so that ungrouped candidates are column 0
        self.col = self.gi + 1

    def completion(self, g, cand, cnt, q):
        """Best sum of ``q`` gains among ``cand`` (sorted by gain, descending).

        Respects the bounds given the counts ``cnt`` already chosen; -inf when
        no completion exists.
        """
        need_low = np.maximum(self.lower - cnt, 0)
        room = self.upper - cnt
        if np.any(room < 0) or need_low.sum() > q:
            return -np.inf
        if q == 0:
            return 0.0
        col = self.col[cand]
        # rank of each candidate within its group in gain order
        onehot = np.zeros((cand.size, self.G + 1), dtype=np.int64)
        onehot[np.arange(cand.size), col] = 1
        rank = np.cumsum(onehot, axis=0)[np.arange(cand.size), col] - 1
        grouped = col > 0
        gidx = col - 1
        mandatory = np.zeros(cand.size, dtype=bool)
        mandatory[grouped] = rank[grouped] < need_low[gidx[grouped]]
        if int(mandatory.sum()) < need_low.sum():
            return -np.inf  # a group lacks candidates to reach its lower bound
        eligible = ~mandatory
        eligible[grouped] &= rank[grouped] < room[gidx[grouped]]
        rest = q - int(need_low.sum())
        extra = g[eligible][:rest]
        if extra.size < rest:
            return -np.inf
        return float(g[mandatory].sum() + extra.sum())


class _CCGains:
    """Chamberlin-Courant: the state is each voter's current best utility."""

    def __init__(self, U, w):
        self.U, self.w, self.UT = U, w, np.ascontiguousarray(U.T)

    def root(self):
        return np.zeros(self.U.shape[0]), self.UT @ self.w

    def child(self, cur, c, chosen, R, g):
        # a voter's gain from r drops by clip(u_r, cur, u_c) - cur, and only
        # ballots that rank c above their current representative change
        uc = self.UT[c]
        rows = np.flatnonzero(uc > cur)
        new_cur = cur.copy()
        new_cur[rows] = uc[rows]
        if rows.size:
            lo = cur[rows]
            sub = self.U[rows][:, R]
            np.maximum(sub, lo[:, None], out=sub)
            np.minimum(sub, uc[rows][:, None], out=sub)
            wr = self.w[rows]
            g = g - (wr @ sub - wr @ lo)
        return new_cur, g


class _ApprovalGains:
    """0/1 utilities: the state is each voter's number of approved members."""

    def __init__(self, U, w, lam):
        self.U, self.w = U, w
        self.lam = np.concatenate([lam, np.zeros(U.shape[1] + 1 - lam.size)])

    def root(self):
        return np.zeros(self.U.shape[0], dtype=np.intp), self.lam[0] * (self.w @ self.U)

    def child(self, cnt, c, chosen, R, g):
        cnt = cnt + (self.U[:, c] > 0)
        return cnt, (self.w * self.lam[cnt]) @ self.U[:, R]


class _ThieleGains:
    """Any utilities: gains recomputed from the sorted members."""

    def __init__(self, U, w, lam):
        self.U, self.w, self.lam, self._mgm = U, w, lam, marginal_gain_matrix

    def root(self):
        return None, self.lam[0] * (self.w @ self.U)

    def child(self, state, c, chosen, R, g):
        W = chosen + [c]
        lam = self.lam[: len(W) + 1]
        return None, self.w @ self._mgm(
            self.U[:, np.concatenate([W, R])], np.arange(len(W)), lam
        )[:, len(W) :]


def branch_and_bound(
    U,
    weights,
    lam,
    k,
    gc=None,
    *,
    incumbent=None,
    greedy=None,
    max_nodes=None,
    deadline=None,
    collect=None,
):
    """Best committee of a Thiele rule by branch and bound.

    Parameters
    ----------
    U : ndarray (n, m) of utilities
    weights : ndarray (n,)
    lam : ndarray (k,), non-increasing and non-negative
    k : int
    gc : GroupConstraints or None
        Disjoint groups only.
    incumbent : array of candidate indices or None
        A feasible committee to start from; None starts from the greedy one.
    greedy : callable or None
        ``greedy(U, weights, lam, k, gc)``: the greedy committee (or None) of
        rules other than Chamberlin-Courant, which has its own
        (:func:`greedy_cc`); the caller passes it (the solvers' sequential
        rule), so that this module needs nothing from them. None and no
        ``incumbent``: the search starts with no committee.
    max_nodes : int or None
        Stop with status ``"node_limit"`` after this many expanded nodes.
    deadline : float or None
        ``time.perf_counter()`` value at which to stop with ``"time_limit"``.
    collect : (target, tol, callback) or None
        Visit every committee whose value is at least ``target - tol`` and call
        ``callback(committee)`` on it (sorted indices); the search stops when
        the callback returns False (status ``"collect_limit"``).

    Returns
    -------
    committee : ndarray or None
        Best committee found (sorted), None when no feasible one was found.
    value : float
        Its objective (``-inf`` when none).
    bound : float
        Upper bound on the optimum.
    status : {"optimal", "node_limit", "time_limit", "collect_limit"}
    nodes : int
        Expanded nodes.
    """
    lam = np.asarray(lam, dtype=float)
    m = U.shape[1]
    cc = bool(lam[0] > 0 and np.all(lam[1:] == 0))
    Us, w, shift = shifted_utilities(U, weights)
    if cc:
        Us = lam[0] * Us
        gains = _CCGains(Us, w)
    elif np.all((Us == 0) | (Us == 1)):
        gains = _ApprovalGains(Us, w, lam)
    else:
        gains = _ThieleGains(Us, w, lam)
    shift *= float(lam.sum())
    groups = None if gc is None else _Groups(gc)
    # trivial bound: every voter gets its k favourite candidates
    if Us.shape[0] == 0:
        top_bound = 0.0
    elif cc:
        top_bound = float(w @ Us.max(axis=1))
    else:
        top = -np.sort(-Us, axis=1)[:, :k]
        top_bound = float(w @ (top @ lam[: top.shape[1]]))

    def value(W):
        if Us.shape[0] == 0:
            return 0.0
        V = -np.sort(-Us[:, W], axis=1)
        return float(w @ (V[:, 0] if cc else V @ lam[: len(W)]))

    best = {"val": -np.inf, "set": None}
    if incumbent is None and collect is None:
        if cc:
            incumbent = greedy_cc(Us, w, k, gc)
        elif greedy is not None:
            incumbent = greedy(Us, w, lam, k, gc)
    if incumbent is not None:
        W0 = np.sort(np.asarray(incumbent, dtype=np.intp))
        best["val"] = value(W0)
        best["set"] = W0

    def tol():
        v = best["val"]
        return 1e-9 * max(1.0, abs(v) if np.isfinite(v) else top_bound)

    if collect is None and (Us.shape[0] == 0 or best["val"] >= top_bound - tol()):
        # the incumbent reaches the trivial bound (or there is nothing to
        # gain): optimal without search; None when the bounds are infeasible
        val = best["val"] + shift if best["set"] is not None else -np.inf
        return best["set"], val, top_bound + shift, OPTIMAL_BNB, 0

    nodes = [0]
    # bound of the subtree currently explored at each depth (for the gap)
    path_bounds = []
    if collect is not None:
        target, ctol, callback = collect
        # a child is explored when its bound reaches the target
        thresh = [target - shift - ctol]
        strict = False
    else:
        # a child is explored only when its bound exceeds the incumbent
        thresh = [best["val"] + tol()]
        strict = True

    def pruned(b):
        return b <= thresh[0] if strict else b < thresh[0]

    def expand(val, state, R, g, chosen, cnt):
        """``R`` candidates still allowed, ``g`` their gains (same order)."""
        nodes[0] += 1
        if max_nodes is not None and nodes[0] > max_nodes:
            raise _Stop(NODE_LIMIT)
        if deadline is not None and (nodes[0] & 15) == 0:
            if time.perf_counter() > deadline:
                raise _Stop(TIME_LIMIT)
        need = k - len(chosen)
        order = np.argsort(-g, kind="stable")
        R = R[order]
        g = g[order]
        nR = R.size
        if nR < need:
            return
        cs = np.concatenate(([0.0], np.cumsum(g)))
        if groups is not None:
            gcol = groups.gi[R]
        for j in range(nR - need + 1):
            # unconstrained bound of child j: its gain plus the next need-1;
            # it also bounds every later sibling (gains are sorted)
            b_unc = val + cs[j + need] - cs[j]
            b = b_unc
            if pruned(b):
                break
            c = int(R[j])
            if groups is not None:
                cnt_c = cnt.copy()
                if gcol[j] >= 0:
                    cnt_c[gcol[j]] += 1
                comp = groups.completion(g[j + 1 :], R[j + 1 :], cnt_c, need - 1)
                if comp == -np.inf:
                    continue
                b = min(b, val + g[j] + comp)
                if pruned(b):
                    continue
            else:
                cnt_c = None
            if need == 1:
                W = np.sort(np.asarray(chosen + [c], dtype=np.intp))
                if collect is not None:
                    if not callback(W):
                        raise _Stop(COLLECT_LIMIT)
                    continue
                best["val"] = val + g[j]
                best["set"] = W
                thresh[0] = best["val"] + tol()
                if best["val"] >= top_bound - tol():
                    raise _Stop(OPTIMAL_BNB)
                if groups is None:
                    break  # sorted: no later child beats this one
                continue
            new_state, g_child = gains.child(state, c, chosen, R[j + 1 :], g[j + 1 :])
            path_bounds.append(b_unc)
            expand(val + g[j], new_state, R[j + 1 :], g_child, chosen + [c], cnt_c)
            path_bounds.pop()

    state0, g0 = gains.root()  # gains over the empty committee (utilities >= 0)
    cnt0 = None if groups is None else np.zeros(groups.G, dtype=np.int64)
    status = OPTIMAL_BNB
    try:
        expand(0.0, state0, np.arange(m), g0, [], cnt0)
    except _Stop as stop:
        status = stop.why
    n_nodes = nodes[0]
    if status == OPTIMAL_BNB:
        bound = best["val"] if best["set"] is not None else -np.inf
    else:
        open_b = max(path_bounds) if path_bounds else top_bound
        bound = min(top_bound, max(open_b, best["val"]))
    val = best["val"] + shift if best["set"] is not None else -np.inf
    return best["set"], val, bound + shift, status, n_nodes


def greedy_cc(U, w, k, gc=None):
    """Greedy committee on merged utilities (ties: lower index first).

    Never takes a step after which the group bounds cannot be met (the
    feasibility check of the other solvers); None when no feasible committee
    exists.
    """
    m = U.shape[1]
    UT = np.ascontiguousarray(U.T)
    feasible = make_feasibility_check(gc, k)
    cur = np.zeros(U.shape[0])
    mask = np.zeros(m, dtype=bool)
    for _ in range(k):
        gains = np.maximum(UT - cur, 0.0) @ w
        gains[mask] = -np.inf
        picked = None
        for c in np.argsort(-gains, kind="stable")[: m - int(mask.sum())]:
            mask[c] = True
            if feasible(mask):
                picked = int(c)
                break
            mask[c] = False
        if picked is None:
            return None
        cur = np.maximum(cur, UT[picked])
    return np.flatnonzero(mask)
