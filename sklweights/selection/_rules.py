"""Multiwinner score functions as OWA committee scoring rules on utilities.

Every rule scores a committee ``W`` from a voter-by-candidate utility matrix
``U`` and an OWA vector ``lam`` (length ``k``):

    score(W) = sum_v w_v sum_j lam_j u_v,(j),

where ``u_v,(1) >= u_v,(2) >= ...`` are voter ``v``'s utilities for ``W``'s
members, sorted, and ``w_v`` are voter weights. ``input="utilities"`` gives
``U`` directly (a 0/1 approval matrix gives the Thiele rules, for ballots of
any size). Rankings are held as an ``(n, m)`` integer array ``P`` of
*positions* (``P[v, c]`` is where voter ``v`` ranks ``c``, 0 = best) and a
positional score vector ``s``; their utilities are ``U = s[P]``. When ``s``
is not non-increasing (a custom ``rule="owa"``), a voter's members are ordered
by position rather than by utility, and the solvers get the order as a
separate ``key``.
"""

import functools
import numbers
import warnings
from fractions import Fraction

import numpy as np

RANKING_RULES = (
    "sntv",
    "borda",
    "bloc",
    "borda_cc",
    "approval_cc",
    "pav",
    "slav",
    "owa",
)
UTILITY_RULES = ("av", "sav", "cc", "pav", "slav", "owa")
RULES = RANKING_RULES[:-1] + ("av", "sav", "cc", "owa")
INPUTS = ("positions", "orders", "scores", "utilities")
_APPROVAL_RULES = ("bloc", "approval_cc", "pav", "slav")
_SEPARABLE = ("sntv", "borda", "bloc", "av", "sav")
_CC = ("borda_cc", "approval_cc", "cc")


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
        f"input='utilities' (scored as they are, ties included) or "
        f"input='scores' (ranked, ties broken by column index)."
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
        position ``j``. ``"scores"``: ``X[v, c]`` is a value that ranks the
        candidates (higher is better; ties broken by the lower column index;
        :func:`check_score_ties` says where that changes a score).

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
        raise ValueError(
            f"input must be one of {INPUTS[:3]} to make rankings; got {input!r}."
        )
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


def owa_vector_exact(rule, size, owa=None):
    """The exact OWA weights of a rule for committees of ``size`` members.

    Named rules give exact rationals (``1/j`` for PAV, ``1/(2j - 1)`` for
    SLAV); a user-given ``owa`` gives the exact values of its floats.
    """
    if rule != "owa":
        return list(_named_owa_exact(rule, int(size)))
    lam = np.asarray(owa, dtype=float).ravel()
    if lam.size < size:
        raise ValueError(
            f"owa has length {lam.size}, but committees of size {size} are scored; "
            "give one weight per committee member."
        )
    return [Fraction(float(x)) for x in lam[:size]]


@functools.lru_cache(maxsize=256)
def _named_owa_exact(rule, size):
    """Exact OWA weights of a named rule, a tuple (cached: never mutated)."""
    if rule in _SEPARABLE:
        return (Fraction(1),) * size
    if rule in _CC:
        return tuple(Fraction(int(j == 0)) for j in range(size))
    if rule == "pav":
        return tuple(Fraction(1, j) for j in range(1, size + 1))
    if rule == "slav":
        return tuple(Fraction(1, 2 * j - 1) for j in range(1, size + 1))
    raise ValueError(f"rule must be one of {RULES}; got {rule!r}.")


@functools.lru_cache(maxsize=256)
def _named_owa_float(rule, size):
    return tuple(float(x) for x in _named_owa_exact(rule, size))


def owa_vector(rule, size, owa=None):
    """The OWA vector of a rule for committees of ``size`` members (floats)."""
    if rule != "owa":
        return np.array(_named_owa_float(rule, int(size)))
    return np.array([float(x) for x in owa_vector_exact(rule, size, owa)])


def resolve_rule(
    score,
    n_candidates,
    k,
    *,
    positional=None,
    owa=None,
    approval_top=None,
    input="positions",
):
    """Positional vector ``s`` and OWA vector ``lam`` of a named rule.

    Returns
    -------
    s : ndarray of shape (n_candidates,), or None with ``input="utilities"``
    lam : ndarray of shape (k,)
    """
    m = n_candidates
    if score not in RULES:
        raise ValueError(f"rule must be one of {RULES}; got {score!r}.")
    utilities = input == "utilities"
    allowed = UTILITY_RULES if utilities else RANKING_RULES
    if score not in allowed:
        if utilities:
            hint = {
                "sntv": "av",
                "borda": "av",
                "bloc": "av",
                "borda_cc": "cc",
                "approval_cc": "cc",
            }[score]
            raise ValueError(
                f"rule={score!r} scores positions in rankings, but input="
                f"'utilities' scores X's values as they are; use one of "
                f"{UTILITY_RULES} (e.g. rule={hint!r} on a 0/1 approval matrix)."
            )
        raise ValueError(
            f"rule={score!r} scores utilities (input='utilities'); with input="
            f"{input!r} use one of {RANKING_RULES} (e.g. 'bloc' or "
            "'approval_cc' with approval_top)."
        )
    if score != "owa" and (positional is not None or owa is not None):
        raise ValueError(
            "positional and owa are only used with rule='owa'; got rule="
            f"{score!r} with positional={'set' if positional is not None else None} "
            f"and owa={'set' if owa is not None else None}."
        )
    if approval_top is not None and (utilities or score not in _APPROVAL_RULES):
        raise ValueError(
            f"approval_top is only used with rule in {_APPROVAL_RULES} on rankings; "
            f"got rule={score!r} with input={input!r}"
            + (
                " (a utility matrix says itself who approves whom)."
                if utilities
                else "."
            )
        )
    if score == "owa":
        if owa is None or (positional is None and not utilities):
            raise ValueError(
                "rule='owa' needs both positional (length n_candidates) and owa "
                "(length k) vectors."
                if not utilities
                else "rule='owa' needs an owa vector (length k)."
            )
        if utilities and positional is not None:
            raise ValueError(
                "positional is not used with input='utilities' (X's values are "
                "the utilities); pass owa only."
            )
        lam = np.asarray(owa, dtype=float)
        if lam.ndim != 1 or lam.shape[0] != k:
            raise ValueError(
                f"owa must be a 1-D vector of length k={k}; got shape {lam.shape}."
            )
        if utilities:
            if not np.all(np.isfinite(lam)):
                raise ValueError("owa must be finite.")
            return None, lam.copy()
        s = np.asarray(positional, dtype=float)
        if s.ndim != 1 or s.shape[0] != m:
            raise ValueError(
                f"positional must be a 1-D vector of length n_candidates={m}; got "
                f"shape {s.shape}."
            )
        if not (np.all(np.isfinite(s)) and np.all(np.isfinite(lam))):
            raise ValueError("positional and owa must be finite.")
        return s.copy(), lam.copy()
    lam = owa_vector(score, k)
    if utilities:
        return None, lam
    if score == "sntv":
        s = np.zeros(m)
        s[0] = 1.0
    elif score in ("borda", "borda_cc"):
        s = np.arange(m - 1, -1, -1, dtype=float)
    else:  # top-t approvals
        t = k if approval_top is None else approval_top
        t = _check_int(t, "approval_top", 1, m)
        s = (np.arange(m) < t).astype(float)
    return s, lam


def check_score_ties(X, s, rule, name="X"):
    """Error or warning where ``input="scores"`` splits tied values unevenly.

    ``input="scores"`` ranks each row (ties broken by the lower column index)
    and then scores positions with ``s``. Where tied values fall on positions
    with different scores, the tie-break, not ``X``, decides a voter's
    utility: for the top-``t`` approval rules that moves the approval cut
    (a ValueError), for other rules it favours lower column indices (a
    UserWarning).
    """
    X = np.asarray(X, dtype=float)
    if X.shape[1] < 2:
        return
    Xs = -np.sort(-X, axis=1)
    steps = s[:-1] != s[1:]
    straddle = (Xs[:, :-1] == Xs[:, 1:]) & steps[None, :]
    bad = np.flatnonzero(straddle.any(axis=1))
    if bad.size == 0:
        return
    v = int(bad[0])
    j = int(np.flatnonzero(straddle[v])[0])
    text = (
        f"{name} has tied values in {bad.size} of its {X.shape[0]} rows (first: row "
        f"{v}, value {Xs[v, j]:g} at ranks {j + 1} and {j + 2}), and input='scores' "
        f"ranks tied candidates by column index, so they get different positional "
        f"scores ({s[j]:g} and {s[j + 1]:g})"
    )
    if rule in _APPROVAL_RULES:
        raise ValueError(
            text + f": with rule={rule!r} the tie-break decides who is approved "
            "(the approval cut falls inside a tie). To score X's values as they "
            "are (e.g. a 0/1 approval matrix with ballots of any size), pass "
            "input='utilities' with rule in "
            f"{UTILITY_RULES}; or break the ties in X."
        )
    warnings.warn(
        text + ". Pass input='utilities' to score X's values as they are, or "
        "break the ties in X.",
        UserWarning,
        stacklevel=4,
    )


def utility_matrix(X, input, s, rule, name="X"):
    """Utilities ``U``, the order key and the SAV divisors of a validated ``X``.

    Returns
    -------
    U : ndarray of shape (n, m), float
        The utilities the solvers use (SAV: each row divided by its sum).
    key : ndarray of shape (n, m) or None
        A voter's order of the candidates where it is not that of ``U``.
    divisor : ndarray of shape (n,) or None
        SAV's row sums (1 for empty rows), for exact arithmetic.
    raw : ndarray of shape (n, m)
        ``U`` before the SAV division.
    """
    X = np.asarray(X)
    if X.ndim != 2:
        raise ValueError(f"{name} must be 2-D (voters x candidates); got {X.ndim}-D.")
    if input == "utilities":
        U = np.asarray(X, dtype=float)
        if not np.all(np.isfinite(U)):
            raise ValueError(f"{name} contains NaN or infinity.")
        if rule != "sav":
            return U, None, None, U
        if np.any(U < 0):
            v, c = (int(i[0]) for i in np.nonzero(U < 0))
            raise ValueError(
                f"rule='sav' divides each voter's utilities by their sum, so they "
                f"must be non-negative; {name}[{v}, {c}] = {U[v, c]:g}."
            )
        div = U.sum(axis=1)
        div[div == 0] = 1.0  # an empty ballot scores 0 for every committee
        return U / div[:, None], None, div, U
    if input == "scores":
        check_score_ties(X, s, rule, name)
    P = to_positions(X, input, name)
    U = s[P]
    key = -P.astype(float) if np.any(np.diff(s) > 0) else None
    return U, key, None, U


def _check_int(value, name, low, high):
    if not isinstance(value, numbers.Integral) or isinstance(value, bool):
        raise TypeError(f"{name} must be an int; got {value!r}.")
    if not low <= value <= high:
        raise ValueError(f"{name} must be in [{low}, {high}]; got {value}.")
    return int(value)


def is_separable(lam):
    """Whether an OWA vector is constant (the rule is a sum of candidate scores)."""
    lam = np.asarray(lam)
    return bool((lam == lam[0]).all())


def candidate_scores(U, weights=None):
    """Weighted utility of every candidate, shape ``(m,)``."""
    if weights is None:
        return U.sum(axis=0)
    return weights @ U


def _sorted_members(U, committee, key=None):
    """Members' utilities per voter, in the voter's order (best first)."""
    V = U[:, committee]
    if key is None:
        return -np.sort(-V, axis=1)
    order = np.argsort(-key[:, committee], axis=1, kind="stable")
    return np.take_along_axis(V, order, axis=1)


def per_voter_scores(U, committee, lam, key=None):
    """Score of ``committee`` for each voter, shape ``(n,)``."""
    committee = np.asarray(committee, dtype=np.intp)
    if committee.size == 0:
        return np.zeros(U.shape[0])
    lam = lam[: committee.size]
    if is_separable(lam):
        return U[:, committee].sum(axis=1) * lam[0]
    return _sorted_members(U, committee, key) @ lam


def marginal_gain_matrix(U, committee, lam_next, key=None):
    """Per-voter gains ``(n, m)`` of adding each candidate to ``committee``.

    ``lam_next`` is the OWA vector of length ``len(committee) + 1``. Entries for
    members of ``committee`` are 0. A candidate joins a voter's sorted members
    after those the voter puts above it (by ``key``, default ``U``); tied
    utilities give the same value in either order.
    """
    n, m = U.shape
    committee = np.asarray(committee, dtype=np.intp)
    r = committee.size
    if r == 0:
        return lam_next[0] * U
    K = U if key is None else key
    S = _sorted_members(U, committee, key)  # (n, r)
    # rank[v, c]: number of members voter v puts strictly above c
    rank = np.zeros((n, m), dtype=np.intp)
    for c in committee:
        rank += K[:, c : c + 1] > K
    diff = lam_next[1:] - lam_next[:-1]  # (r,)
    contrib = S * diff[None, :]  # (n, r)
    T = np.zeros((n, r + 1))
    T[:, :r] = np.cumsum(contrib[:, ::-1], axis=1)[:, ::-1]
    gains = lam_next[rank] * U + np.take_along_axis(T, rank, axis=1)
    gains[:, committee] = 0.0
    return gains
