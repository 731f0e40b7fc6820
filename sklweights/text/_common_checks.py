"""Settings for scikit-learn's common checks on the text estimators.

Both estimators declare ``input_tags.string = True`` and
``input_tags.two_d_array = False``: they tokenise raw documents. For such
estimators scikit-learn's ``parametrize_with_checks`` yields only
``check_estimator_cloneable`` (its ``_yield_all_checks`` warns
"Can't test estimator ... which requires input of type ..." and stops), and
``check_dataframe_column_names_consistency`` returns at once; every numeric
check is skipped by scikit-learn itself, so no entry is needed below.
``check_param_validation`` does run, with a numeric X: parameter validation
happens before the input is read, so it passes.

``tests/test_text_common.py`` runs the API checks that do not depend on
numeric data and text versions of the data checks (fit returns self, no
parameter or input mutation, batch invariance, pickling, unfitted errors).
"""

CHECK_PARAMS = {
    "LinearDomainWeightedClassifier": {},
    "DomainWeightedCapsuleClassifier": {
        "max_epochs": 2,
        "early_stopping": False,
        "embed_dim": 8,
        "n_filters": 8,
        "n_capsule_channels": 2,
        "capsule_dim": 4,
        "class_capsule_dim": 4,
        "device": "cpu",
    },
}

EXPECTED_FAILED_CHECKS = {}
