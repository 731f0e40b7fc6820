"""Multiwinner score functions as OWA committee scoring rules on rankings.

A profile of ``n`` rankings of ``m`` candidates is held as an ``(n, m)`` integer
array ``P`` of *positions*: ``P[v, c]`` is where voter ``v`` ranks candidate
``c`` (0 = best). A rule is a positional score vector ``s`` (length ``m``) and
an OWA vector ``lam`` (length ``k``); the score of a committee ``W`` is

    score(W) = sum_v w_v sum_j lam_j s(p_j),

where ``p_1 < p_2 < ...`` are the positions of ``W``'s members in voter ``v``'s
ranking and ``w_v`` are voter weights.
"""

import numbers

import numpy as np

RULES = ("sntv", "borda", "bloc", "borda_cc", "approval_cc", "pav", "owa")
INPUTS = ("positions", "orders", "scores")
_APPROVAL_RULES = ("bloc", "approval_cc", "pav")


def _row_permutation_error(P, what, name):
    """Raise a ValueError naming the first row of ``P`` that is not a permutation."""
    n, m = P.shape
    in_range = (P >= 0) & (P < m)
    if in_range.all():
        # O(nm) check: every value 0..m-1 appears exactly once per row
        flat = (P + m * np.arange(n)[:, None]).ravel()
        counts = np.bincount(flat, minlength=n * m).reshape(n, m)
        bad = np.flatnonzero(np.any(counts != 1, axis=1))
    else:
        bad = np.flatnonzero(~in_range.all(axis=1))
    if bad.size == 0:
        return
    v = int(bad[0])
    row = P[v]
    out = row[(row < 0) | (row >= m)]
    if out.size:
        raise ValueError(
            f"Row {v} of {name} is not a permutation of 0..{m - 1} ({what}): it "
            f"holds {out[0].item()!r}, outside that range."
        )
    vals, counts = np.unique(row, return_counts=True)
    dup = vals[counts > 1][0]
    raise ValueError(
        f"Row {v} of {name} is not a permutation of 0..{m - 1} ({what}): "
        f"{dup!r} appears {counts[counts > 1][0]} times. Ties are not allowed "
        f"with input='positions' or input='orders'; pass utilities with "
        f"input='scores' to have ties broken by column index."
    )


def to_positions(X, input="positions", name="X"):
    """Convert a validated 2-D numeric array into an ``(n, m)`` position array.

    Parameters
    ----------
    X : ndarray of shape (n_voters, n_candidates)
        Finite numbers.
    input : {"positions", "orders", "scores"}
        ``"positions"``: ``X[v, c]`` is the position of candidate ``c`` in voter
        ``v``'s ranking (0 = best). ``"orders"``: ``X[v, j]`` is the candidate at
        position ``j``. ``"scores"``: ``X[v, c]`` is voter ``v``'s utility for
        ``c`` (higher is better; ties broken by the lower column index).

    Returns
    -------
    P : ndarray of shape (n_voters, n_candidates), dtype intp
    """
    X = np.asarray(X)
    if X.ndim != 2:
        raise ValueError(f"{name} must be 2-D (voters x candidates); got {X.ndim}-D.")
    n, m = X.shape
    if input == "scores":
        order = np.argsort(-X, axis=1, kind="stable")
        P = np.empty((n, m), dtype=np.intp)
        np.put_along_axis(P, order, np.arange(m)[None, :], axis=1)
        return P
    if input not in ("positions", "orders"):
        raise ValueError(f"input must be one of {INPUTS}; got {input!r}.")
    if not np.all(np.isfinite(X)):
        raise ValueError(f"{name} contains NaN or infinity.")
    Xi = np.rint(X).astype(np.intp) if X.dtype.kind == "f" else X.astype(np.intp)
    if X.dtype.kind == "f" and np.any(Xi != X):
        raise ValueError(
            f"{name} must hold integer {input} with input={input!r}; got "
            "non-integer values. Use input='scores' for real-valued utilities."
        )
    what = (
        "positions: X[v, c] is the position of candidate c, 0 = best"
        if input == "positions"
        else "orders: X[v, j] is the candidate at position j"
    )
    _row_permutation_error(Xi, what, name)
    if input == "positions":
        return Xi
    P = np.empty((n, m), dtype=np.intp)
    np.put_along_axis(P, Xi, np.arange(m)[None, :], axis=1)
    return P


def _check_int(value, name, low, high):
    if not isinstance(value, numbers.Integral) or isinstance(value, bool):
        raise TypeError(f"{name} must be an int; got {value!r}.")
    if not low <= value <= high:
        raise ValueError(f"{name} must be in [{low}, {high}]; got {value}.")
    return int(value)


def owa_vector(score, size, owa=None):
    """The OWA vector of a rule for committees of ``size`` members."""
    if score in ("sntv", "borda", "bloc"):
        return np.ones(size)
    if score in ("borda_cc", "approval_cc"):
        lam = np.zeros(size)
        lam[:1] = 1.0
        return lam
    if score == "pav":
        return 1.0 / np.arange(1, size + 1)
    lam = np.asarray(owa, dtype=float)
    if lam.size < size:
        raise ValueError(
            f"owa has length {lam.size}, but committees of size {size} are scored; "
            "give one weight per committee member."
        )
    return lam[:size].copy()


def resolve_rule(
    score, n_candidates, k, *, positional=None, owa=None, approval_top=None
):
    """Positional vector ``s`` and OWA vector ``lam`` of a named rule.

    Returns
    -------
    s : ndarray of shape (n_candidates,)
    lam : ndarray of shape (k,)
    """
    m = n_candidates
    if score not in RULES:
        raise ValueError(f"rule must be one of {RULES}; got {score!r}.")
    if score != "owa" and (positional is not None or owa is not None):
        raise ValueError(
            "positional and owa are only used with rule='owa'; got rule="
            f"{score!r} with positional={'set' if positional is not None else None} "
            f"and owa={'set' if owa is not None else None}."
        )
    if approval_top is not None and score not in _APPROVAL_RULES:
        raise ValueError(
            f"approval_top is only used with rule in {_APPROVAL_RULES}; got "
            f"rule={score!r}."
        )
    if score == "sntv":
        s = np.zeros(m)
        s[0] = 1.0
    elif score in ("borda", "borda_cc"):
        s = np.arange(m - 1, -1, -1, dtype=float)
    elif score in _APPROVAL_RULES:
        t = k if approval_top is None else approval_top
        t = _check_int(t, "approval_top", 1, m)
        s = (np.arange(m) < t).astype(float)
    else:
        if positional is None or owa is None:
            raise ValueError(
                "rule='owa' needs both positional (length n_candidates) and owa "
                "(length k) vectors."
            )
        s = np.asarray(positional, dtype=float)
        if s.ndim != 1 or s.shape[0] != m:
            raise ValueError(
                f"positional must be a 1-D vector of length n_candidates={m}; got "
                f"shape {s.shape}."
            )
        lam = np.asarray(owa, dtype=float)
        if lam.ndim != 1 or lam.shape[0] != k:
            raise ValueError(
                f"owa must be a 1-D vector of length k={k}; got shape {lam.shape}."
            )
        if not (np.all(np.isfinite(s)) and np.all(np.isfinite(lam))):
            raise ValueError("positional and owa must be finite.")
        return s.copy(), lam.copy()
    return s, owa_vector(score, k)


def is_separable(lam):
    """Whether an OWA vector is constant (the rule is a sum of candidate scores)."""
    return bool(np.all(lam == lam[0]))


def candidate_scores(P, s, weights=None):
    """Weighted positional score of every candidate, shape ``(m,)``."""
    S = s[P]
    if weights is None:
        return S.sum(axis=0)
    return weights @ S


def per_voter_scores(P, committee, s, lam):
    """Score of ``committee`` for each voter, shape ``(n,)``."""
    committee = np.asarray(committee, dtype=np.intp)
    if committee.size == 0:
        return np.zeros(P.shape[0])
    pos = P[:, committee]
    lam = lam[: committee.size]
    if is_separable(lam):
        return s[pos].sum(axis=1) * lam[0]
    pos = np.sort(pos, axis=1)
    return s[pos] @ lam


def marginal_gain_matrix(P, committee, s, lam_next):
    """Per-voter gains ``(n, m)`` of adding each candidate to ``committee``.

    ``lam_next`` is the OWA vector of length ``len(committee) + 1``. Entries for
    members of ``committee`` are 0.
    """
    n, m = P.shape
    committee = np.asarray(committee, dtype=np.intp)
    r = committee.size
    if r == 0:
        return lam_next[0] * s[P]
    S = np.sort(P[:, committee], axis=1)  # (n, r)
    # rank[v, c]: number of members ranked above c by v
    rank = np.zeros((n, m), dtype=np.intp)
    for i in range(r):
        rank += P > S[:, i : i + 1]
    diff = lam_next[1:] - lam_next[:-1]  # (r,)
    contrib = s[S] * diff[None, :]  # (n, r)
    T = np.zeros((n, r + 1))
    T[:, :r] = np.cumsum(contrib[:, ::-1], axis=1)[:, ::-1]
    gains = lam_next[rank] * s[P] + np.take_along_axis(T, rank, axis=1)
    gains[:, committee] = 0.0
    return gains
