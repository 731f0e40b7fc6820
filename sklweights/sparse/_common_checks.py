"""Fast constructor arguments and expected failures for the common checks.

A coder with a given dictionary accepts measurements of the dictionary's
width only (``SparseCoder`` too: scikit-learn's own suite gives it a
dictionary per check). The instances get a (5, 3) dictionary, the width of
most checks' data; the checks whose data has another width are expected to
fail here and run in ``tests/test_sparse_unfolded.py`` with a dictionary of
their width (``CHECK_WIDTHS``).
"""

import numpy as np

NAMES = ("UnfoldedFISTA", "UnfoldedIHT", "UnfoldedISTA")

_DICTIONARY = np.random.RandomState(0).normal(size=(5, 3))

# 100 epochs are the default; 5 keep the checks fast and still move the steps
CHECK_PARAMS = {
    name: {
        "dictionary": _DICTIONARY,
        "max_epochs": 5,
        "device": "cpu",
        "random_state": 0,
    }
    for name in NAMES
}

#: The default-parameter run: the dictionary is a required argument.
DEFAULTS_CHECK_PARAMS = {name: {"dictionary": _DICTIONARY} for name in NAMES}

#: Number of features of the data of each check that is not 3.
CHECK_WIDTHS = {
    "check_dataframe_column_names_consistency": 8,
    "check_dtype_object": 10,
    "check_estimators_dtypes": 5,
    "check_estimators_fit_returns_self": 2,
    "check_estimators_overwrite_params": 2,
    "check_fit2d_1feature": 1,
    "check_fit2d_1sample": 10,
    "check_fit_check_is_fitted": 2,
    "check_fit_idempotent": 2,
    "check_n_features_in": 2,
    "check_n_features_in_after_fitting": 4,
    "check_positive_only_tag_during_fit": 4,
    "check_readonly_memmap_input": 2,
}

_WIDTH_REASON = (
    "the check's data has {width} features and the instance's dictionary fixes "
    "n_features=3 (a coder takes measurements of its dictionary's width only); "
    "tests/test_sparse_unfolded.py runs this check with a dictionary of width "
    "{width}"
)

EXPECTED_FAILED_CHECKS = {
    name: {
        **{
            check: _WIDTH_REASON.format(width=width)
            for check, width in CHECK_WIDTHS.items()
        },
        "check_fit_score_takes_y": (
            "fit(Y, X_true=None) keeps the compressed-sensing names of the "
            "issue's API (measurements Y, true codes X_true) instead of (X, y); "
            "the targets are still the second positional argument, so Pipeline "
            "and fit_transform pass them (tested in tests/test_sparse_unfolded.py), "
            "and score(Y, y=None) takes the check's y"
        ),
    }
    for name in NAMES
}
