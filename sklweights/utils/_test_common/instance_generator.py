"""One table, keyed by class, of the common checks' instances and failures.

The layout of scikit-learn's ``sklearn/utils/_test_common/instance_generator.py``
and imbalanced-learn's: every estimator's fast constructor arguments and every
expected failure of scikit-learn's common checks in one place, each failure with
the reason a reviewer would accept. Only tests import this module (it imports
every estimator); :mod:`sklweights.utils._test_common` reads it.

``PER_ESTIMATOR_CHECK_PARAMS``
    ``{Class: {param: value}}``: constructor arguments that keep the checks fast
    (fewer epochs, a small grid). The estimator's behaviour must not depend on
    them.
``PER_ESTIMATOR_XFAIL_CHECKS``
    ``{Class: {"check_name": "reason"}}``.
``DEFAULTS_CHECK_PARAMS``
    For the slow run on default parameters: only the arguments the checks'
    small random data force even then, the reason next to each.
``DEFAULTS_XFAIL_CHECKS``
    Failures of the default configuration only (e.g. a default base model from
    another library), added to the first table.
"""

import numpy as np
from sklearn.ensemble import GradientBoostingRegressor
from sklearn.linear_model import QuantileRegressor

from sklweights.classification import AnyLossClassifier, LDRClassifier
from sklweights.ordinal import PrestoClassifier, PrestoClassifierCV
from sklweights.quantile import (
    DeepQuantileAggregator,
    MultiQuantileRegressor,
    QuantileAggregator,
)
from sklweights.recsys import BalancedPropensity, DebiasedMF
from sklweights.regression import HLGaussRegressor
from sklweights.selection import FairCommitteeSelector
from sklweights.sparse import UnfoldedFISTA, UnfoldedIHT, UnfoldedISTA
from sklweights.text import DomainWeightedCapsuleClassifier

# -- sparse: a coder takes measurements of its dictionary's width only --------
# (``SparseCoder`` too: scikit-learn's own suite gives it a dictionary per
# check). The instances get a (5, 3) dictionary, the width of most checks'
# data; the checks whose data has another width are expected to fail here and
# run in ``tests/test_sparse_unfolded.py`` with a dictionary of their width.
SPARSE_CODERS = (UnfoldedFISTA, UnfoldedIHT, UnfoldedISTA)
SPARSE_DICTIONARY = np.random.RandomState(0).normal(size=(5, 3))

#: Number of features of the data of each check that is not 3.
SPARSE_CHECK_WIDTHS = {
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

_SPARSE_WIDTH = (
    "the check's data has {width} features and the instance's dictionary fixes "
    "n_features=3 (a coder takes measurements of its dictionary's width only); "
    "tests/test_sparse_unfolded.py runs this check with a dictionary of width "
    "{width}"
)

# -- quantile: a fast library of base models -----------------------------------
_FAST_LIBRARY = [
    ("linear", QuantileRegressor(alpha=0.0, solver="highs")),
    (
        "boosting",
        GradientBoostingRegressor(n_estimators=10, max_depth=2, random_state=0),
    ),
]

PER_ESTIMATOR_CHECK_PARAMS = {
    # 1000 full-batch epochs are the default; 50 keep the checks fast and
    # still move every weight
    AnyLossClassifier: {"max_epochs": 50, "device": "cpu", "random_state": 0},
    # 100 epochs of a 64x64 MLP are the default; 30 epochs of a 16-wide one
    # keep the checks fast and still fit the checks' easy problems
    LDRClassifier: {
        "max_epochs": 30,
        "hidden_layer_sizes": (16,),
        "device": "cpu",
        "random_state": 0,
    },
    PrestoClassifier: {"alpha": 0.01},
    PrestoClassifierCV: {"alphas": 3, "cv": 3},
    MultiQuantileRegressor: {
        "estimator": QuantileRegressor(alpha=0.0, solver="highs"),
        "quantiles": [0.1, 0.5, 0.9],
    },
    QuantileAggregator: {
        "estimators": _FAST_LIBRARY,
        "quantiles": [0.1, 0.5, 0.9],
        "cv": 3,
        "random_state": 0,
    },
    DeepQuantileAggregator: {
        "estimators": _FAST_LIBRARY,
        "quantiles": [0.1, 0.5, 0.9],
        "cv": 3,
        "max_epochs": 3,
        "hidden_layer_sizes": (8,),
        "early_stopping": False,
        "device": "cpu",
        "random_state": 0,
    },
    DebiasedMF: {
        "method": "kbips",
        "max_epochs": 2,
        "batch_size": 16,
        "device": "cpu",
        "random_state": 0,
    },
    BalancedPropensity: {"n_landmarks": 3, "max_iter": 500, "random_state": 0},
    # 200 epochs of a 128x128 MLP are the default; 30 epochs of a 32-wide one
    # at a 10x rate keep the checks fast and still pass check_regressors_train
    # (R^2 0.87 > 0.5 on its 100 rows; 0.08 at the default rate)
    HLGaussRegressor: {
        "max_epochs": 30,
        "hidden_layer_sizes": (32,),
        "learning_rate": 1e-2,
        "device": "cpu",
        "random_state": 0,
    },
    # The checks feed arbitrary real-valued matrices, which are not rankings:
    # the instance reads X as values that rank the candidates
    # (input="scores": each row ranked by descending value, ties broken by
    # column index, with a UserWarning where tied values get different Borda
    # scores) and selects k=1 candidate so that one-column inputs are valid.
    # With the default input="positions", rows must be permutations of
    # 0..m-1 and the checks' random floats are rejected by design.
    FairCommitteeSelector: {"k": 1, "input": "scores"},
    # 100 epochs are the default; 5 keep the checks fast and still move the steps
    **{
        cls: {
            "dictionary": SPARSE_DICTIONARY,
            "max_epochs": 5,
            "device": "cpu",
            "random_state": 0,
        }
        for cls in SPARSE_CODERS
    },
    # The text estimators declare input_tags.string=True and
    # two_d_array=False (they tokenise raw documents): scikit-learn's
    # parametrize_with_checks then yields only check_estimator_cloneable, and
    # tests/test_text_common.py runs text versions of the data checks.
    DomainWeightedCapsuleClassifier: {
        "max_epochs": 2,
        "early_stopping": False,
        "embed_dim": 8,
        "n_filters": 8,
        "n_capsule_channels": 2,
        "capsule_dim": 4,
        "class_capsule_dim": 4,
        "device": "cpu",
    },
    # LinearDomainWeightedClassifier, KernelSelfDistillation: the defaults are
    # fast and deterministic already
}

# -- expected failures ---------------------------------------------------------
_PRESTO_STRINGS = (
    "string labels with more than two classes have no order an ordinal model "
    "can trust, so fit raises and asks for an ordered pandas Categorical or "
    "integer codes (the issue requires this error); two string classes work."
)

# DebiasedMF takes X as (user id, item id) pairs: two columns of non-negative
# integers. The common checks feed continuous features (make_blobs, random
# normal data, 1, 3, 5 or 8 columns, negative values), which are not ids; it
# rejects them with a clear ValueError ("X must hold integer (user, item) ids
# ..."), so every check that fits on such data cannot run. The behaviours those
# checks guard (pickling, clone, idempotent fit, not-fitted errors,
# n_features_in_, feature names, sample order/subset invariance of
# predictions, decision/proba consistency, dtype handling, NaN rejection,
# pipelines) are tested on id data in tests/test_recsys.py.
_IDS = (
    "fits on continuous features generated by the check; DebiasedMF takes "
    "integer (user, item) id pairs and rejects such X with a ValueError "
    "(the same property is tested on id data in tests/test_recsys.py)"
)
_DEBIASED_MF_ID_CHECKS = (
    "check_fit_score_takes_y",
    "check_estimators_overwrite_params",
    "check_dont_overwrite_parameters",
    "check_estimators_fit_returns_self",
    "check_readonly_memmap_input",
    "check_n_features_in_after_fitting",
    "check_positive_only_tag_during_fit",
    "check_estimators_dtypes",
    "check_dtype_object",
    "check_pipeline_consistency",
    "check_estimators_nan_inf",
    "check_estimators_pickle",
    "check_f_contiguous_array_estimator",
    "check_classifier_data_not_an_array",
    "check_classifiers_one_label",
    "check_classifiers_classes",
    "check_classifiers_train",
    "check_classifiers_regression_target",
    "check_supervised_y_2d",
    "check_decision_proba_consistency",
    "check_classifier_not_supporting_multiclass",
    "check_methods_sample_order_invariance",
    "check_methods_subset_invariance",
    "check_fit2d_1sample",
    "check_fit2d_1feature",
    "check_dict_unchanged",
    "check_fit_idempotent",
    "check_fit_check_is_fitted",
    "check_n_features_in",
    "check_fit2d_predict1d",
    "check_requires_y_none",
    "check_dataframe_column_names_consistency",
)

PER_ESTIMATOR_XFAIL_CHECKS = {
    AnyLossClassifier: {
        "check_sample_weight_equivalence_on_dense_data": (
            "the network trains in float32: weighted and repeated rows give the "
            "same full-batch objective, and the fits agree to 2e-7 in "
            "probability (5e-7 relative), above the check's 1e-7 tolerance; "
            "tests/test_classification_anyloss.py tests the equivalence (and "
            "zero weights as removal) at float32 precision"
        ),
    },
    PrestoClassifier: {"check_classifiers_classes": _PRESTO_STRINGS},
    PrestoClassifierCV: {
        "check_classifiers_classes": _PRESTO_STRINGS,
        "check_sample_weight_equivalence_on_dense_data": (
            "cross-validation splits repeated rows differently from weighted "
            "rows, so the folds (and in general the chosen alpha) differ; the "
            "final refit is warm-started from the folds' solutions and agrees "
            "only to the solver tolerance (2e-9 in probability, the check asks "
            "for atol=1e-9). scikit-learn lists LogisticRegressionCV for the "
            "same reason; PrestoClassifier itself passes this check."
        ),
    },
    DeepQuantileAggregator: {
        "check_sample_weight_equivalence_on_dense_data": (
            "the weight network is trained by shuffled mini-batch Adam: a "
            "repeated row is drawn in different batches than one row of weight "
            "2, so the optimisation path (not the objective) differs; the LP "
            "path of QuantileAggregator is tested for exact equivalence"
        ),
    },
    DebiasedMF: {name: _IDS for name in _DEBIASED_MF_ID_CHECKS},
    HLGaussRegressor: {
        "check_sample_weight_equivalence_on_dense_data": (
            "the network trains in float32: the check's 15 rows (and their ~30 "
            "repeats) fit in one batch, so weighted and repeated rows give the "
            "same objective, and the fits agree to 2e-7 (relative 2e-7), above "
            "the check's 1e-7 tolerance; tests/test_regression_hl_gauss.py tests "
            "the equivalence (and zero weights as removal) at float32 precision"
        ),
    },
    **{
        cls: {
            **{
                check: _SPARSE_WIDTH.format(width=width)
                for check, width in SPARSE_CHECK_WIDTHS.items()
            },
            "check_fit_score_takes_y": (
                "fit(Y, X_true=None) keeps the compressed-sensing names of the "
                "issue's API (measurements Y, true codes X_true) instead of "
                "(X, y); the targets are still the second positional argument, "
                "so Pipeline and fit_transform pass them (tested in "
                "tests/test_sparse_unfolded.py), and score(Y, y=None) takes the "
                "check's y"
            ),
        }
        for cls in SPARSE_CODERS
    },
}

# -- the default-parameter run ---------------------------------------------------
DEFAULTS_CHECK_PARAMS = {
    # the same two arguments, forced by the checks' data: random floats are not
    # the default input's rankings (input="positions" rejects them by design)
    # and the default committee of k=10 needs at least 10 candidates where the
    # checks give 1-5 columns
    FairCommitteeSelector: {"k": 1, "input": "scores"},
    # the dictionary is a required argument
    **{cls: {"dictionary": SPARSE_DICTIONARY} for cls in SPARSE_CODERS},
}

_FOREST_MEMMAP = (
    "the default library's quantile random forest (quantile-forest 1.4) cannot "
    "be unpickled from a read-only memory map: its QuantileForest.__cinit__ "
    "raises 'buffer source array is read-only'; plain pickling works "
    "(the check's variant without memmap passes: scikit-learn matches "
    "expected failures by check name, so it is listed for both)"
)

DEFAULTS_XFAIL_CHECKS = {
    LDRClassifier: {
        "check_sample_weight_equivalence_on_dense_data": (
            "the network trains in float32: the check's 15 rows fit in one "
            "batch, weighted and repeated rows give the same objective, but "
            "100 epochs of the default 64x64 network carry the float32 rounding "
            "of the two sums to about 1e-5 in probability (measured; also with "
            "batch_size=None), above the check's 1e-7; the fast instance (30 "
            "epochs, 16 units) passes the check"
        ),
    },
    QuantileAggregator: {
        "check_estimators_pickle": _FOREST_MEMMAP,
        "check_sample_weight_equivalence_on_dense_data": (
            "the default library's random forest draws bootstrap samples: a row "
            "of weight 2 and two copies of it are drawn differently (scikit-"
            "learn lists the same check for its forests); the aggregator's own "
            "weights and calibration are tested for exact equivalence with the "
            "fast library"
        ),
    },
    DeepQuantileAggregator: {"check_estimators_pickle": _FOREST_MEMMAP},
}
