"""scikit-learn's common estimator checks on every public estimator.

Instances and expected failures (each with its reason) come from one table
keyed by class, ``sklweights/utils/_test_common/instance_generator.py``.
"""

import pytest
from sklearn.utils.estimator_checks import (
    check_dataframe_column_names_consistency,
    check_param_validation,
    parametrize_with_checks,
)

from sklweights.utils import all_estimators
from sklweights.utils._test_common import (
    check_instances,
    default_expected_failed_checks,
    expected_failed_checks,
    method_subpackages,
)

INSTANCES = check_instances()
DEFAULT_INSTANCES = check_instances(defaults=True)


def _id(est):
    return type(est).__name__


def test_discovery_finds_every_public_estimator():
    import sklweights

    names = {name for name, _ in all_estimators()}
    assert {"classification", "ordinal", "regression", "text"} <= set(
        method_subpackages()
    )
    for sub in method_subpackages():
        module = getattr(sklweights, sub, None) or __import__(
            f"sklweights.{sub}", fromlist=["__all__"]
        )
        for public in module.__all__:
            obj = getattr(module, public)
            if isinstance(obj, type) and hasattr(obj, "get_params"):
                assert public in names


if INSTANCES:

    @parametrize_with_checks(INSTANCES, expected_failed_checks=expected_failed_checks)
    def test_sklearn_compatible_estimator(estimator, check):
        check(estimator)

    # the same checks with the default parameters (but for the arguments the
    # checks' data force, DEFAULTS_CHECK_PARAMS): slow, the defaults train
    # full-size networks and base-model libraries
    @pytest.mark.slow
    @parametrize_with_checks(
        DEFAULT_INSTANCES, expected_failed_checks=default_expected_failed_checks
    )
    def test_sklearn_compatible_estimator_with_defaults(estimator, check):
        check(estimator)

    @pytest.mark.parametrize("estimator", INSTANCES, ids=_id)
    def test_check_param_validation(estimator):
        if "check_param_validation" in expected_failed_checks(estimator):
            pytest.xfail(expected_failed_checks(estimator)["check_param_validation"])
        check_param_validation(type(estimator).__name__, estimator)

    @pytest.mark.parametrize("estimator", INSTANCES, ids=_id)
    def test_dataframe_column_names_consistency(estimator):
        table = expected_failed_checks(estimator)
        if "check_dataframe_column_names_consistency" in table:
            pytest.xfail(table["check_dataframe_column_names_consistency"])
        check_dataframe_column_names_consistency(type(estimator).__name__, estimator)
