"""``memory=``: the base-model fits of the quantile aggregators are cached.

A counting base learner records every fit in a module-level list (not on the
instance: the instance is part of the cache key), so a test can tell a fit
from a cache hit.
"""

import numpy as np
import pytest
from joblib import Memory
from sklearn.base import BaseEstimator, RegressorMixin

from sklweights import DeepQuantileAggregator, QuantileAggregator
from sklweights.datasets import make_heteroscedastic_regression

LEVELS = [0.1, 0.5, 0.9]
FITS = []


class _CountingQuantiles(RegressorMixin, BaseEstimator):
    """Shrunken empirical quantiles of y plus a slope on x0; counts its fits."""

    def __init__(self, shrink=0.0):
        self.shrink = shrink

    def fit(self, X, y, sample_weight=None):
        FITS.append((self.shrink, len(y)))
        X, y = np.asarray(X), np.asarray(y, dtype=float)
        self.slope_ = np.polyfit(X[:, 0], y, 1)[0]
        self.resid_ = y - self.slope_ * X[:, 0]
        return self

    def predict(self, X, quantiles=(0.5,)):
        q = (1.0 - self.shrink) * np.quantile(self.resid_, quantiles)
        return self.slope_ * np.asarray(X)[:, [0]] + q


@pytest.fixture
def data():
    FITS.clear()
    yield make_heteroscedastic_regression(120, 2, random_state=0)
    FITS.clear()


def _library(shrink_b=0.2):
    # two different learners: identical ones would share their cache entries
    return [
        ("a", _CountingQuantiles()),
        ("b", _CountingQuantiles(shrink=shrink_b)),
    ]


def _agg(memory=None, **params):
    params = {"quantiles": LEVELS, "cv": 3, "random_state": 0, **params}
    return QuantileAggregator(_library(), memory=memory, **params)


@pytest.mark.parametrize("memory_kind", ["str", "Memory"])
def test_second_fit_makes_no_base_fit_and_predicts_the_same(
    data, tmp_path, memory_kind
):
    X, y = data
    memory = str(tmp_path) if memory_kind == "str" else Memory(tmp_path, verbose=0)
    plain = _agg(weighting="coarse").fit(X, y)
    n_plain = len(FITS)
    assert n_plain == 2 * (3 + 1)  # 2 learners x (3 folds + the refit)

    first = _agg(memory, weighting="coarse").fit(X, y)
    assert len(FITS) == 2 * n_plain  # the cache was empty
    np.testing.assert_array_equal(
        first.predict_quantiles(X), plain.predict_quantiles(X)
    )

    # other aggregation parameters, same base fits: no new fit
    for params in (
        {"weighting": "coarse"},
        {"weighting": "medium"},
        {"weighting": "fine", "conformal": "cv"},
    ):
        before = len(FITS)
        cached = _agg(memory, **params).fit(X, y)
        assert len(FITS) == before, params
        ref = _agg(**params).fit(X, y)  # without memory: fits again
        assert len(FITS) == before + n_plain
        np.testing.assert_array_equal(
            cached.predict_quantiles(X), ref.predict_quantiles(X)
        )
        np.testing.assert_array_equal(cached.weights_, ref.weights_)
        assert cached.oof_losses_ == ref.oof_losses_


def test_changing_a_learner_parameter_invalidates_its_fits_only(data, tmp_path):
    X, y = data
    memory = Memory(tmp_path, verbose=0)
    QuantileAggregator(
        _library(), quantiles=LEVELS, cv=3, memory=memory, random_state=0
    ).fit(X, y)
    assert len(FITS) == 8
    FITS.clear()
    agg = QuantileAggregator(
        _library(shrink_b=0.3), quantiles=LEVELS, cv=3, memory=memory, random_state=0
    ).fit(X, y)
    # learner "b" (new shrink) is fitted again on each fold and refit; "a" is not
    assert sorted(FITS) == sorted([(0.3, 80)] * 3 + [(0.3, 120)])
    ref = QuantileAggregator(
        _library(shrink_b=0.3), quantiles=LEVELS, cv=3, random_state=0
    ).fit(X, y)
    np.testing.assert_array_equal(agg.predict_quantiles(X), ref.predict_quantiles(X))
    FITS.clear()
    # set_params on the aggregator reaches the learner, and the key
    agg.set_params(b__shrink=0.5).fit(X, y)
    assert sorted(FITS) == sorted([(0.5, 80)] * 3 + [(0.5, 120)])


def test_other_data_weights_or_folds_are_not_found_in_the_cache(data, tmp_path):
    X, y = data
    memory = Memory(tmp_path, verbose=0)
    _agg(memory).fit(X, y)
    FITS.clear()
    _agg(memory).fit(X, y + 1.0)
    assert len(FITS) == 8
    FITS.clear()
    _agg(memory).fit(X, y, sample_weight=np.linspace(1, 2, len(y)))
    assert len(FITS) == 8
    FITS.clear()
    _agg(memory, random_state=1).fit(X, y)  # other folds, same refits
    assert sorted(FITS) == sorted([(0.0, 80)] * 3 + [(0.2, 80)] * 3)
    FITS.clear()
    _agg(memory, quantiles=[0.2, 0.5, 0.8]).fit(X, y)  # other levels
    assert len(FITS) == 8


def test_parallel_fit_finds_the_sequential_fits(data, tmp_path):
    X, y = data
    memory = Memory(tmp_path, verbose=0)
    seq = _agg(memory, n_jobs=1).fit(X, y)
    # a process worker cannot append to this process's FITS: count the
    # cache entries instead (one per task)
    entries = sorted(p.name for p in tmp_path.rglob("*") if (p / "output.pkl").exists())
    assert len(entries) == 8
    par = _agg(memory, n_jobs=2).fit(X, y)
    after = sorted(p.name for p in tmp_path.rglob("*") if (p / "output.pkl").exists())
    assert after == entries
    np.testing.assert_array_equal(par.predict_quantiles(X), seq.predict_quantiles(X))


def test_memory_like_object_and_bad_memory(data):
    X, y = data

    class Recorder:
        def __init__(self):
            self.calls = 0

        def cache(self, func):
            def wrapped(*args, **kwargs):
                self.calls += 1
                return func(*args, **kwargs)

            return wrapped

    rec = Recorder()
    _agg(rec).fit(X, y)
    assert rec.calls == 8
    with pytest.raises(ValueError, match="memory"):
        _agg(memory=3).fit(X, y)


def test_fit_times_are_fitted_and_documented(data, tmp_path):
    X, y = data
    agg = _agg(Memory(tmp_path, verbose=0)).fit(X, y)
    assert set(agg.fit_times_) == {"bases", "aggregation"}
    assert all(v >= 0 for v in agg.fit_times_.values())
    for cls in (QuantileAggregator, DeepQuantileAggregator):
        doc = cls.__doc__
        assert "fit_times_ : dict" in doc
        assert "memory : str or object with the joblib.Memory interface" in doc
        assert "memory" in cls().get_params()
    # the benchmark hooks are gone
    for hook in ("_reuse_bases", "_keep_bases", "_bases_cache", "_timings"):
        assert not hasattr(agg, hook)


@pytest.mark.torch
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_deep_aggregator_shares_the_cached_base_fits(data, tmp_path):
    X, y = data
    memory = Memory(tmp_path, verbose=0)
    _agg(memory).fit(X, y)
    FITS.clear()
    deep = DeepQuantileAggregator(
        _library(),
        quantiles=LEVELS,
        cv=3,
        max_epochs=2,
        device="cpu",
        memory=memory,
        random_state=0,
    ).fit(X, y)
    assert FITS == []
    assert set(deep.fit_times_) == {"bases", "aggregation"}
