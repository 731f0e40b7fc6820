"""Cross-fitting keeps no fold model alive: only out-of-fold predictions.

A tracked base learner registers every fitted instance in a weak set; at the
start of each ``fit`` it counts the fold models (fitted on fewer rows than the
full training set) still alive elsewhere. Fold models must die with their task,
so that a sequential fit holds at most one fold model at a time (issue #4: the
fold models of all base learners used to be kept until the last fit ended).
"""

import gc
import weakref

import numpy as np
import pytest
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.linear_model import QuantileRegressor
from sklearn.metrics import mean_pinball_loss
from sklearn.model_selection import KFold

from sklweights import DeepQuantileAggregator, QuantileAggregator
from sklweights.datasets import make_heteroscedastic_regression

LEVELS = [0.1, 0.5, 0.9]
N = 120

_FITTED = weakref.WeakSet()
_OTHER_FOLD_MODELS_AT_FIT = []


class _TrackedQuantiles(RegressorMixin, BaseEstimator):
    """Empirical quantiles of y (a multi-level learner), with a live registry."""

    def fit(self, X, y):
        gc.collect()
        _OTHER_FOLD_MODELS_AT_FIT.append(
            sum(1 for m in list(_FITTED) if m is not self and m.n_fit_ < N)
        )
        self.n_fit_ = len(y)
        self.y_ = np.asarray(y, dtype=float)
        _FITTED.add(self)
        return self

    def predict(self, X, quantiles=(0.5,)):
        q = np.quantile(self.y_, quantiles)
        return np.tile(q, (len(X), 1))


def _alive_fold_models():
    gc.collect()
    return sum(1 for m in list(_FITTED) if m.n_fit_ < N)


@pytest.fixture
def data():
    X, y = make_heteroscedastic_regression(N, 2, random_state=0)
    _FITTED.clear()  # forget models a failed test may still hold
    _OTHER_FOLD_MODELS_AT_FIT.clear()
    yield X, y
    _FITTED.clear()
    _OTHER_FOLD_MODELS_AT_FIT.clear()


def _library():
    return [("a", _TrackedQuantiles()), ("b", _TrackedQuantiles())]


@pytest.mark.parametrize("conformal, cv", [(None, 5), ("cv", 3)])
def test_sequential_fit_drops_each_fold_model(data, conformal, cv):
    X, y = data
    agg = QuantileAggregator(
        _library(), quantiles=LEVELS, cv=cv, conformal=conformal, n_jobs=1
    ).fit(X, y)
    # 2 learners x (cv folds + 1 refit) fits, in this order
    assert len(_OTHER_FOLD_MODELS_AT_FIT) == 2 * (cv + 1)
    # each fold model was gone before the next fit started (the old code kept
    # all of them: 0, 1, ..., cv, then cv, ..., 2 cv)
    assert max(_OTHER_FOLD_MODELS_AT_FIT) == 0
    assert _alive_fold_models() == 0
    # the two refits are kept, and still predict
    assert [m.estimators_[0].n_fit_ for m in agg.estimators_] == [N, N]
    assert agg.predict_quantiles(X[:3]).shape == (3, len(LEVELS))


def test_oof_predictions_come_from_the_fold_models(data):
    # the out-of-fold column of a row is the quantile of the other folds' y,
    # read back through the out-of-fold loss of learner "a"
    X, y = data
    cv = KFold(4, shuffle=True, random_state=0)
    agg = QuantileAggregator(
        [("a", _TrackedQuantiles()), ("lin", QuantileRegressor(alpha=0.0))],
        quantiles=LEVELS,
        cv=cv,
        weighting="coarse",
        random_state=0,
    ).fit(X, y)
    P = np.empty((len(y), len(LEVELS)))
    for train, test in cv.split(X, y):
        P[test] = np.quantile(y[train], LEVELS)
    expected = np.mean(
        [mean_pinball_loss(y, P[:, t], alpha=a) for t, a in enumerate(LEVELS)]
    )
    assert agg.oof_losses_["a"] == pytest.approx(expected, rel=1e-12)
    # the in-sample quantiles (no cross-fitting) have another loss
    full = np.mean(
        [
            mean_pinball_loss(y, np.full(len(y), np.quantile(y, a)), alpha=a)
            for a in LEVELS
        ]
    )
    assert agg.oof_losses_["a"] != pytest.approx(full, rel=1e-6)


@pytest.mark.torch
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_deep_sequential_fit_drops_each_fold_model(data):
    X, y = data
    DeepQuantileAggregator(
        _library(),
        quantiles=LEVELS,
        cv=3,
        conformal="cv",
        max_epochs=2,
        device="cpu",
        n_jobs=1,
        random_state=0,
    ).fit(X, y)
    assert len(_OTHER_FOLD_MODELS_AT_FIT) == 8
    assert max(_OTHER_FOLD_MODELS_AT_FIT) == 0
    assert _alive_fold_models() == 0
