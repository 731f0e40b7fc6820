"""Group labels of FairCommitteeSelector: any hashable labels, mixed types.

Labels are categories: a selector given ``[None, 1, "a", ...]`` must choose
the committee it chooses for the same groups coded 0, 1, 2, and report its
counts and bounds under the user's own labels.
"""

import numpy as np
import pandas as pd
import pytest

from sklweights.selection import (
    FairCommitteeSelector,
    estimate_smoothness,
    proportional_group_bounds,
)
from sklweights.selection._bounds import encode_group_labels

MIXED = [None, 1, "a", None, 1, "a", "b", 2.5]


def _codes(labels, order):
    """``labels`` coded by position in ``order`` (missing -> the None entry)."""
    return np.array([order.index(lab) for lab in labels])


@pytest.mark.parametrize(
    "rule, input, solver",
    [
        ("pav", "utilities", "auto"),
        ("pav", "utilities", "milp"),
        ("borda", "positions", "auto"),
        ("approval_cc", "positions", "milp"),
    ],
)
def test_mixed_labels_equal_the_integer_coded_groups(rule, input, solver):
    rng = np.random.default_rng(0)
    m = len(MIXED)
    if input == "utilities":
        X = (rng.random((12, m)) < 0.4).astype(float)
    else:
        X = np.argsort(rng.random((12, m)), axis=1).argsort(axis=1)
    order = [1, 2.5, "a", "b", None]
    codes = _codes(MIXED, order)
    bounds = {None: (2, 2), "a": (0, 1), 2.5: 1}
    coded_bounds = {order.index(lab): b for lab, b in bounds.items()}
    kw = dict(rule=rule, input=input, solver=solver)
    if input == "positions" and rule != "borda":
        kw["approval_top"] = 3
    mixed = FairCommitteeSelector(
        4, candidate_groups=MIXED, group_bounds=bounds, **kw
    ).fit(X)
    coded = FairCommitteeSelector(
        4, candidate_groups=codes, group_bounds=coded_bounds, **kw
    ).fit(X)
    assert mixed.selected_.tolist() == coded.selected_.tolist()
    assert mixed.objective_ == coded.objective_
    # counts under the user's labels, in a fixed order: numbers, strings, None
    assert list(mixed.group_counts_) == order
    assert [mixed.group_counts_[lab] for lab in order] == [
        coded.group_counts_[g] for g in range(len(order))
    ]
    assert mixed.group_counts_[None] == 2
    assert mixed.group_bounds_[2.5] == (1, 1)


def test_label_order_does_not_depend_on_first_appearance():
    a = encode_group_labels(np.array(MIXED, dtype=object))
    b = encode_group_labels(np.array(MIXED[::-1], dtype=object))
    assert a[0] == b[0] == [1, 2.5, "a", "b", None]
    assert [a[0][c] for c in a[1]] == MIXED
    assert [b[0][c] for c in b[1]] == MIXED[::-1]


def test_uniform_labels_keep_numpys_sorted_order():
    for labels in (["b", "a", "c", "a"], [3, 1, 2, 1], [True, False, True]):
        groups, codes = encode_group_labels(np.asarray(labels))
        assert groups == sorted(set(labels))
        assert [groups[c] for c in codes] == labels
        # an object array of the same labels (a pandas object column) agrees
        obj = encode_group_labels(np.asarray(labels, dtype=object))
        assert obj[0] == groups and obj[1].tolist() == codes.tolist()


def test_incomparable_labels_of_one_type_keep_first_appearance():
    labels = [2j, "x", 1j, 2j, 0]
    groups, codes = encode_group_labels(np.array(labels, dtype=object))
    assert groups == [0, "x", 2j, 1j]
    assert [groups[c] for c in codes] == labels


def test_missing_labels_are_one_group_named_none():
    # None, NaN and pandas.NA are one group; float NaN labels used to make
    # an empty group (NaN != NaN) and leave their candidates ungrouped
    obj = np.array(["x", None, np.nan, pd.NA, "x", "y"], dtype=object)
    groups, codes = encode_group_labels(obj)
    assert groups == ["x", "y", None]
    assert codes.tolist() == [0, 2, 2, 2, 0, 1]
    floats = [0.0, np.nan, np.nan, 1.0]
    assert proportional_group_bounds(floats, k=2) == {
        0.0: (0, 1),
        1.0: (0, 1),
        None: (1, 1),
    }
    rng = np.random.default_rng(1)
    X = np.argsort(rng.random((9, 4)), axis=1).argsort(axis=1)
    by_none = FairCommitteeSelector(2, candidate_groups=floats, group_bounds={None: 2})
    by_nan = FairCommitteeSelector(
        2, candidate_groups=floats, group_bounds={np.nan: (2, 2)}
    )
    assert by_none.fit(X).selected_.tolist() == [1, 2]
    assert by_nan.fit(X).selected_.tolist() == [1, 2]
    assert by_nan.group_counts_ == {0.0: 0, 1.0: 0, None: 2}
    with pytest.raises(ValueError, match="names group None twice"):
        FairCommitteeSelector(
            2, candidate_groups=floats, group_bounds={None: 2, np.nan: 2}
        ).fit(X)


def test_pandas_series_of_mixed_labels():
    rng = np.random.default_rng(2)
    X = np.argsort(rng.random((10, 6)), axis=1).argsort(axis=1)
    series = pd.Series(["a", 1, None, "a", 1, None])
    sel = FairCommitteeSelector(3, candidate_groups=series, proportional=True).fit(X)
    assert sel.group_counts_ == {1: 1, "a": 1, None: 1}


def test_unhashable_label_raises_before_any_solver():
    X = np.argsort(np.random.default_rng(3).random((5, 3)), axis=1).argsort(axis=1)
    groups = np.empty(3, dtype=object)
    groups[:] = ["a", {"team": 1}, "b"]
    sel = FairCommitteeSelector(2, candidate_groups=groups, solver="milp")
    with pytest.raises(TypeError, match=r"candidate_groups labels must be hashable"):
        sel.fit(X)
    with pytest.raises(TypeError, match=r"got dict \{'team': 1\} for candidate 1"):
        proportional_group_bounds(groups, k=2)
    assert not hasattr(sel, "selected_")


def test_estimate_smoothness_reads_mixed_labels():
    rng = np.random.default_rng(4)
    latent = np.argsort(rng.random((3, 8, 6)), axis=2).argsort(axis=2)
    biased = np.argsort(rng.random((3, 8, 6)), axis=2).argsort(axis=2)
    labels = [None, 1, "a", None, 1, "a"]
    codes = _codes(labels, [1, "a", None])
    a = estimate_smoothness(latent, biased, labels, rule="borda")
    b = estimate_smoothness(latent, biased, codes, rule="borda")
    assert np.array_equal(np.asarray(a.gamma), np.asarray(b.gamma))
