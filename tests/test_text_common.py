"""scikit-learn API checks that apply to text estimators.

scikit-learn's ``parametrize_with_checks`` skips every check for estimators
tagged ``two_d_array=False`` (see
``sklweights/utils/_test_common/instance_generator.py``), so
the API checks that do not feed numeric data run here directly, and the data
checks run in text form.
"""

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils import estimator_checks as ec

from sklweights.datasets import make_multidomain_sentiment
from sklweights.text import (
    DomainWeightedCapsuleClassifier,
    LinearDomainWeightedClassifier,
)
from sklweights.utils._sklearn_compat import get_tags
from sklweights.utils._test_common import check_params

CHECK_PARAMS = check_params()

ESTIMATORS = [
    LinearDomainWeightedClassifier(
        **CHECK_PARAMS.get(LinearDomainWeightedClassifier, {})
    ),
    pytest.param(
        DomainWeightedCapsuleClassifier(
            **CHECK_PARAMS[DomainWeightedCapsuleClassifier], random_state=0
        ),
        marks=pytest.mark.torch,
    ),
]
API_CHECKS = [
    "check_estimator_cloneable",
    "check_estimator_tags_renamed",
    "check_valid_tag_types",
    "check_estimator_repr",
    "check_no_attributes_set_in_init",
    "check_do_not_raise_errors_in_init_or_set_params",
    "check_mixin_order",
    "check_get_params_invariance",
    "check_set_params",
    "check_parameters_default_constructible",
    "check_estimators_unfitted",
]


def _id(est):
    return type(est).__name__


@pytest.fixture(scope="module")
def text_data():
    X, y, d = make_multidomain_sentiment(
        n_domains=2, n_samples_per_domain=60, random_state=0
    )
    return X, np.where(y == 1, "pos", "neg").astype(object), d


@pytest.mark.parametrize("check", API_CHECKS)
@pytest.mark.parametrize("estimator", ESTIMATORS, ids=_id)
def test_api_checks(estimator, check):
    getattr(ec, check)(type(estimator).__name__, clone(estimator))


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=_id)
def test_text_tags(estimator):
    tags = get_tags(estimator)
    assert tags.input_tags.string and not tags.input_tags.two_d_array
    assert tags.estimator_type == "classifier"


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=_id)
def test_text_data_checks(estimator, text_data):
    X, y, d = text_data
    X_copy, y_copy, d_copy = X.copy(), y.copy(), d.copy()
    est = clone(estimator)
    params = est.get_params()
    with pytest.raises(NotFittedError):
        est.predict(X)
    assert est.fit(X, y, domains=d) is est  # fit returns self
    assert est.get_params() == params  # parameters untouched
    assert (X == X_copy).all() and (y == y_copy).all() and (d == d_copy).all()
    pred = est.predict(X)
    assert set(pred) <= {"neg", "pos"}
    proba = est.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-6)
    np.testing.assert_array_equal(pred, est.classes_[proba.argmax(1)])
    np.testing.assert_allclose(np.exp(est.predict_log_proba(X)), proba, rtol=1e-6)
    # methods on subsets equal the subsets of the methods
    np.testing.assert_allclose(est.predict_proba(X[:5]), proba[:5], rtol=1e-5)
    # idempotent fit, pickle round trip
    again = clone(estimator).fit(X, y, domains=d)
    np.testing.assert_allclose(again.predict_proba(X), proba, rtol=1e-6)
    loaded = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(loaded.predict_proba(X), proba)
    # integer labels work the same way
    est.fit(X, (y == "pos").astype(int), domains=d)
    assert set(est.predict(X)) <= {0, 1}
