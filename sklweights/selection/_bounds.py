"""Candidate groups and group bounds: parsing, proportional bounds, feasibility."""

import math
import numbers
from dataclasses import dataclass

import numpy as np


@dataclass
class GroupConstraints:
    """Group membership and count bounds in one normalised shape.

    Attributes
    ----------
    labels : list
        One label per group (the keys users write in ``group_bounds``).
    membership : ndarray of shape (n_groups, n_candidates), dtype bool
    lower, upper : ndarray of shape (n_groups,), dtype int
    disjoint : bool
        Every candidate is in at most one group.
    """

    labels: list
    membership: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    disjoint: bool

    @property
    def group_index(self):
        """Group of each candidate (-1 for none); only for disjoint groups."""
        gi = np.full(self.membership.shape[1], -1, dtype=np.intp)
        rows, cols = np.nonzero(self.membership)
        gi[cols] = rows
        return gi

    def counts(self, committee):
        mask = np.zeros(self.membership.shape[1], dtype=bool)
        mask[np.asarray(committee, dtype=np.intp)] = True
        return self.membership[:, mask].sum(axis=1)

    def satisfied(self, committee):
        c = self.counts(committee)
        return bool(np.all(c >= self.lower) and np.all(c <= self.upper))

    @property
    def active(self):
        """Whether any bound constrains anything."""
        sizes = self.membership.sum(axis=1)
        return bool(np.any(self.lower > 0) or np.any(self.upper < sizes))


def _is_missing(value):
    """None, NaN, ``pandas.NA`` or ``NaT``: a missing group label."""
    if value is None:
        return True
    if type(value).__name__ in ("NAType", "NaTType"):
        return True
    try:
        return bool(value != value)  # NaN (float, numpy or Decimal)
    except (TypeError, ValueError):
        return False


def _label_kind(label):
    # numbers first, then strings, then other types by type name, then the
    # missing label: for uniform labels, the order np.unique gives
    if label is None:
        return (3, "")
    if isinstance(label, numbers.Real):
        return (0, "")
    if isinstance(label, str):
        return (1, "")
    return (2, type(label).__qualname__)


def _sorted_labels(groups):
    """Indices of ``groups`` in label order (see encode_group_labels)."""
    kinds = {}
    for g, label in enumerate(groups):
        kinds.setdefault(_label_kind(label), []).append(g)
    order = []
    for kind in sorted(kinds):
        members = kinds[kind]
        try:
            members = sorted(members, key=groups.__getitem__)
        except TypeError:  # values of this type do not compare
            pass
        order.extend(members)
    return order


def encode_group_labels(labels):
    """Distinct group labels in a deterministic order, and each entry's code.

    Labels are categories compared by equality, of any mix of hashable types
    (``[None, 1, "a"]``). Missing labels (None, NaN, ``pandas.NA``, ``NaT``)
    form one group of their own, labelled None. The groups are sorted:
    numbers by value, then strings, then other types by type name, then the
    missing label; where labels of one type do not compare, they keep the
    order of first appearance.

    Parameters
    ----------
    labels : ndarray of shape (n,)
        One label per candidate.

    Returns
    -------
    groups : list
        The distinct labels (Python scalars, None for missing).
    codes : ndarray of shape (n,), dtype intp
        ``groups[codes[i]]`` is the group of entry ``i``.
    """
    if labels.dtype.kind in "biuUS":  # uniform and sortable: numpy's fast path
        groups = np.unique(labels)
        return groups.tolist(), np.searchsorted(groups, labels)
    if labels.dtype.kind == "f":
        groups = np.unique(labels)  # one NaN, sorted last, as searchsorted finds it
        codes = np.searchsorted(groups, labels)
        return [None if np.isnan(g) else g for g in groups.tolist()], codes
    index = {}
    codes = np.empty(labels.shape[0], dtype=np.intp)
    for i, value in enumerate(labels.tolist()):
        if _is_missing(value):
            value = None
        elif isinstance(value, np.generic):
            value = value.item()
        try:
            codes[i] = index.setdefault(value, len(index))
        except TypeError:
            raise TypeError(
                "candidate_groups labels must be hashable values such as str, "
                f"int or None; got {type(value).__name__} {value!r} for candidate "
                f"{i}."
            ) from None
    groups = list(index)
    order = _sorted_labels(groups)
    rank = np.empty(len(groups), dtype=np.intp)
    rank[order] = np.arange(len(groups))
    return [groups[g] for g in order], rank[codes]


def group_label(key):
    """A ``group_bounds`` key as stored among the labels (missing -> None)."""
    return None if _is_missing(key) else key


def parse_candidate_groups(candidate_groups, n_candidates):
    """Labels and membership matrix from labels or an (m, G) membership matrix.

    Returns
    -------
    labels : list
    membership : ndarray of shape (n_groups, n_candidates), dtype bool
    disjoint : bool
    """
    arr = np.asarray(candidate_groups)
    if arr.ndim == 1:
        if arr.shape[0] != n_candidates:
            raise ValueError(
                "candidate_groups must give one label per candidate (column of X): "
                f"expected length {n_candidates}, got {arr.shape[0]}."
            )
        labels, codes = encode_group_labels(arr)
        membership = codes[None, :] == np.arange(len(labels))[:, None]
        return labels, membership, True
    if arr.ndim == 2:
        if arr.shape[0] != n_candidates:
            raise ValueError(
                "A candidate_groups membership matrix must have shape (n_candidates, "
                f"n_groups) = ({n_candidates}, G); got {arr.shape}."
            )
        if not np.isin(arr, (0, 1, True, False)).all():
            raise ValueError(
                "A candidate_groups membership matrix must hold 0/1 or booleans."
            )
        membership = arr.astype(bool).T
        disjoint = bool(np.all(membership.sum(axis=0) <= 1))
        return list(range(arr.shape[1])), membership, disjoint
    raise ValueError(
        "candidate_groups must be a 1-D array of labels or an (n_candidates, "
        f"n_groups) membership matrix; got {arr.ndim}-D."
    )


def _bound_pair(label, value, k):
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        lo = hi = int(value)
    else:
        try:
            lo, hi = value
        except (TypeError, ValueError):
            raise ValueError(
                f"group_bounds[{label!r}] must be (lower, upper) or an int exact "
                f"count; got {value!r}."
            ) from None
        lo = 0 if lo is None else lo
        hi = k if hi is None else hi
    for v in (lo, hi):
        if not isinstance(v, numbers.Integral) or isinstance(v, bool):
            raise ValueError(
                f"group_bounds[{label!r}] must hold ints (or None); got {value!r}."
            )
    return int(lo), int(hi)


def proportional_group_bounds(candidate_groups, k, *, slack=0):
    """Proportional group bounds: floor/ceil of ``k`` times each group's share.

    Group ``g`` with ``m_g`` of the ``m`` candidates gets the bounds
    ``(max(0, floor(k m_g / m) - slack), min(m_g, ceil(k m_g / m) + slack))``.

    Parameters
    ----------
    candidate_groups : array-like of shape (n_candidates,) or (n_candidates, G)
        Group label of each candidate (any hashable labels, mixed types
        allowed; a missing label is the group ``None``), or a 0/1 membership
        matrix (overlapping groups allowed).
    k : int
        Committee size.
    slack : int, default=0
        Widens every bound by this many seats.

    Returns
    -------
    group_bounds : dict
        ``{group label: (lower, upper)}``.

    Examples
    --------
    >>> from sklweights.selection import proportional_group_bounds
    >>> proportional_group_bounds(["a"] * 6 + ["b"] * 4, k=5)
    {'a': (3, 3), 'b': (2, 2)}
    """
    if not isinstance(k, numbers.Integral) or k < 1:
        raise ValueError(f"k must be a positive int; got {k!r}.")
    if not isinstance(slack, numbers.Integral) or slack < 0:
        raise ValueError(f"slack must be a non-negative int; got {slack!r}.")
    arr = np.asarray(candidate_groups)
    m = arr.shape[0]
    labels, membership, _ = parse_candidate_groups(arr, m)
    out = {}
    for lab, row in zip(labels, membership):
        size = int(row.sum())
        share = k * size / m
        # guard against floating error on exact shares
        lo = math.floor(share + 1e-9)
        hi = math.ceil(share - 1e-9)
        out[lab] = (max(0, lo - int(slack)), min(size, hi + int(slack)))
    return out


def build_constraints(
    candidate_groups, group_bounds, proportional, slack, k, n_candidates
):
    """Normalise the selector's group parameters; None when there are no groups."""
    if candidate_groups is None:
        if group_bounds is not None or proportional:
            raise ValueError(
                "group_bounds and proportional=True need candidate_groups (the group "
                "of each candidate)."
            )
        return None
    labels, membership, disjoint = parse_candidate_groups(
        candidate_groups, n_candidates
    )
    if proportional and group_bounds is not None:
        raise ValueError("Give either group_bounds or proportional=True, not both.")
    if proportional:
        bounds = proportional_group_bounds(candidate_groups, k, slack=slack)
    elif group_bounds is None:
        bounds = {}
    else:
        if not isinstance(group_bounds, dict):
            raise TypeError(
                "group_bounds must be a dict {group label: (lower, upper)}; got "
                f"{type(group_bounds).__name__}."
            )
        bounds = {}
        for key, val in group_bounds.items():
            lab = group_label(key)
            if lab not in labels:
                raise ValueError(
                    f"group_bounds names group {key!r}, which is not in "
                    f"candidate_groups (labels: {labels})."
                )
            if lab in bounds:
                raise ValueError(
                    f"group_bounds names group {lab!r} twice (as {key!r}); "
                    "None and NaN both name the group of missing labels."
                )
            bounds[lab] = _bound_pair(key, val, k)
    sizes = membership.sum(axis=1)
    lower = np.zeros(len(labels), dtype=np.int64)
    upper = np.minimum(sizes, k).astype(np.int64)
    for g, lab in enumerate(labels):
        if lab not in bounds:
            continue
        lo, hi = bounds[lab]
        if lo < 0 or hi < 0:
            raise ValueError(
                f"Group {lab!r}: bounds must be non-negative; got ({lo}, {hi})."
            )
        if lo > hi:
            raise ValueError(
                f"Group {lab!r} is infeasible: lower bound {lo} exceeds upper bound "
                f"{hi}."
            )
        if lo > sizes[g]:
            raise ValueError(
                f"Group {lab!r} is infeasible: lower bound {lo} exceeds the group's "
                f"{sizes[g]} candidates."
            )
        if lo > k:
            raise ValueError(
                f"Group {lab!r} is infeasible: lower bound {lo} exceeds the "
                f"committee size k={k}."
            )
        lower[g] = lo
        upper[g] = min(hi, sizes[g], k)
    gc = GroupConstraints(labels, membership, lower, upper, disjoint)
    if disjoint:
        ungrouped = int(n_candidates - sizes.sum())
        if lower.sum() > k:
            raise ValueError(
                f"The group bounds are infeasible: the lower bounds sum to "
                f"{int(lower.sum())} > k={k} "
                f"({dict(zip(labels, lower.tolist()))})."
            )
        if upper.sum() + ungrouped < k:
            raise ValueError(
                f"The group bounds are infeasible: the upper bounds (capped at group "
                f"sizes) allow at most {int(upper.sum()) + ungrouped} candidates < "
                f"k={k} ({dict(zip(labels, upper.tolist()))})."
            )
    return gc


# ------------------------------------------------------------------ feasibility
def _can_complete_disjoint(gc, gi, chosen_mask, k):
    m = chosen_mask.shape[0]
    r = int(chosen_mask.sum())
    rest = k - r
    if rest < 0:
        return False
    G = len(gc.labels)
    cnt = np.bincount(gi[chosen_mask & (gi >= 0)], minlength=G)
    if np.any(cnt > gc.upper):
        return False
    deficit = np.maximum(gc.lower - cnt, 0).sum()
    if deficit > rest:
        return False
    avail = np.bincount(gi[~chosen_mask & (gi >= 0)], minlength=G)
    ungrouped = int(np.sum(~chosen_mask & (gi < 0)))
    capacity = np.minimum(gc.upper - cnt, avail).sum() + ungrouped
    return capacity >= rest and r + int(np.sum(~chosen_mask)) >= k and m >= k


def _can_complete_milp(gc, chosen_mask, k):
    from scipy.optimize import Bounds, LinearConstraint, milp

    m = chosen_mask.shape[0]
    A = np.vstack([np.ones((1, m)), gc.membership.astype(float)])
    lb = np.concatenate([[k], gc.lower])
    ub = np.concatenate([[k], gc.upper])
    res = milp(
        np.zeros(m),
        integrality=np.ones(m),
        bounds=Bounds(chosen_mask.astype(float), np.ones(m)),
        constraints=[LinearConstraint(A, lb, ub)],
    )
    return res.status == 0


def make_feasibility_check(gc, k):
    """``feasible(mask)``: whether a partial committee can still meet the bounds.

    ``mask`` marks the chosen candidates; with ``gc`` None only the size is
    checked. Disjoint groups are checked by counting, overlapping ones by a
    feasibility MILP.
    """
    if gc is None:
        return lambda mask: int(mask.sum()) <= k
    if gc.disjoint:
        gi = gc.group_index
        return lambda mask: _can_complete_disjoint(gc, gi, mask, k)
    return lambda mask: _can_complete_milp(gc, mask, k)
