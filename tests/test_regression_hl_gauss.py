"""HLGaussRegressor: support, invariances, distribution, quantiles, errors."""

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_diabetes, make_friedman1
from sklearn.model_selection import GridSearchCV, KFold, ShuffleSplit
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklweights.metrics import (
    multi_pinball_loss,
    neg_interval_score_scorer,
    neg_weighted_interval_score_scorer,
    weighted_interval_score,
)
from sklweights.regression import HLGaussRegressor, histogram_quantiles

pytest.importorskip("torch")

FAST = dict(max_epochs=15, hidden_layer_sizes=(16,), device="cpu", random_state=0)


@pytest.fixture(scope="module")
def data():
    X, y = make_friedman1(200, noise=0.5, random_state=0)
    return X, y


@pytest.fixture(scope="module")
def fitted(data):
    X, y = data
    return HLGaussRegressor(**FAST).fit(X, y)


def test_support_is_the_padded_target_range(fitted, data):
    _, y = data
    lo, hi = y.min(), y.max()
    pad = 0.1 * (hi - lo)
    np.testing.assert_allclose(fitted.bin_edges_[[0, -1]], [lo - pad, hi + pad])
    assert fitted.bin_edges_.shape == (33,)
    width = fitted.bin_edges_[1] - fitted.bin_edges_[0]
    np.testing.assert_allclose(np.diff(fitted.bin_edges_), width)
    assert fitted.sigma_ == pytest.approx(2.0 * width)
    np.testing.assert_allclose(
        fitted.bin_centers_, 0.5 * (fitted.bin_edges_[1:] + fitted.bin_edges_[:-1])
    )


def test_predictions_never_leave_the_support(fitted):
    rng = np.random.default_rng(0)
    X_far = rng.normal(scale=1e3, size=(50, 10))
    pred = fitted.predict(X_far)
    assert np.all(np.isfinite(pred))
    assert np.all(pred >= fitted.bin_centers_[0] - 1e-9)
    assert np.all(pred <= fitted.bin_centers_[-1] + 1e-9)


def test_prediction_is_the_mean_of_the_distribution(fitted, data):
    X, _ = data
    proba = fitted.predict_distribution(X)
    assert proba.shape == (len(X), 32)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-12)
    np.testing.assert_allclose(fitted.predict(X), proba @ fitted.bin_centers_)


def test_invariant_to_target_shift_and_scale(data):
    X, y = data
    a = HLGaussRegressor(**FAST).fit(X, y)
    b = HLGaussRegressor(**FAST).fit(X, 250.0 * y - 1e4)
    np.testing.assert_allclose(
        b.predict(X), 250.0 * a.predict(X) - 1e4, rtol=1e-5, atol=1e-4
    )
    np.testing.assert_allclose(
        b.predict_distribution(X), a.predict_distribution(X), atol=1e-5
    )
    np.testing.assert_allclose(b.sigma_, 250.0 * a.sigma_, rtol=1e-10)
    twin_a = HLGaussRegressor(loss="squared_error", **FAST).fit(X, y)
    twin_b = HLGaussRegressor(loss="squared_error", **FAST).fit(X, 250.0 * y - 1e4)
    np.testing.assert_allclose(
        twin_b.predict(X), 250.0 * twin_a.predict(X) - 1e4, rtol=1e-5, atol=1e-3
    )


def test_soft_labels_computed_once_or_per_batch_give_the_same_fit(data, monkeypatch):
    import sklweights.regression._hl_gauss as mod

    X, y = data
    once = HLGaussRegressor(**FAST).fit(X, y)
    monkeypatch.setattr(mod, "PRECOMPUTED_LABELS_MAX", 0)
    per_batch = HLGaussRegressor(**FAST).fit(X, y)
    np.testing.assert_allclose(per_batch.predict(X), once.predict(X), rtol=1e-5)


def test_value_range_fixes_the_support_and_warns_on_clipped_targets(data):
    X, y = data
    reg = HLGaussRegressor(value_range=(0.0, 40.0), n_bins=8, **FAST).fit(X, y)
    np.testing.assert_allclose(reg.bin_edges_, np.linspace(0.0, 40.0, 9))
    with pytest.warns(UserWarning, match=r"training targets lie outside"):
        HLGaussRegressor(value_range=(5.0, 20.0), **FAST).fit(X, y)


def test_histogram_quantiles_of_known_histograms():
    edges = np.array([0.0, 1.0, 3.0, 4.0])
    # all mass uniform in the middle bin [1, 3]: quantiles linear in the level
    q = histogram_quantiles([[0.0, 1.0, 0.0]], edges, np.array([0.1, 0.5, 0.75]))
    np.testing.assert_allclose(q, [[1.2, 2.0, 2.5]])
    # mass 0.2, 0.5, 0.3: CDF 0, 0.2, 0.7, 1 at the edges
    q = histogram_quantiles(
        [[0.2, 0.5, 0.3]], edges, np.array([0.1, 0.2, 0.45, 0.7, 0.85, 0.999])
    )
    np.testing.assert_allclose(q, [[0.5, 1.0, 2.0, 3.0, 3.5, 3.0 + 0.299 / 0.3]])


def test_quantiles_follow_the_histogram_and_do_not_cross(fitted, data):
    X, _ = data
    levels = np.linspace(0.01, 0.99, 41)
    q = fitted.predict_quantiles(X, quantiles=levels)
    assert q.shape == (len(X), 41)
    assert np.all(np.diff(q, axis=1) >= 0)
    assert np.all(q >= fitted.bin_edges_[0]) and np.all(q <= fitted.bin_edges_[-1])
    # the CDF of the histogram at each quantile is its level
    proba = fitted.predict_distribution(X)
    cdf = np.concatenate([np.zeros((len(X), 1)), np.cumsum(proba, axis=1)], axis=1)
    at = np.array([np.interp(q[i], fitted.bin_edges_, cdf[i]) for i in range(len(X))])
    np.testing.assert_allclose(at, np.broadcast_to(levels, at.shape), atol=1e-9)
    np.testing.assert_array_equal(fitted.predict(X, quantiles=levels), q)
    np.testing.assert_array_equal(
        fitted.predict_quantiles(X), fitted.predict_quantiles(X, fitted.quantiles_)
    )
    bounds = fitted.predict_interval(X, confidence_level=0.8)
    np.testing.assert_allclose(bounds, fitted.predict_quantiles(X, [0.1, 0.9]))


def test_in_the_quantile_metrics_scorers_and_aggregator(data):
    from sklearn.linear_model import QuantileRegressor

    from sklweights.quantile import MultiQuantileRegressor, QuantileAggregator

    X, y = data
    levels = [0.1, 0.5, 0.9]
    reg = HLGaussRegressor(quantiles=levels, **FAST).fit(X[:150], y[:150])
    q = reg.predict_quantiles(X[150:])
    wis = weighted_interval_score(y[150:], q, quantiles=levels)
    assert wis > 0
    assert neg_weighted_interval_score_scorer(reg, X[150:], y[150:]) == -wis
    assert multi_pinball_loss(y[150:], q, quantiles=levels) == pytest.approx(wis / 2)
    assert neg_interval_score_scorer(reg, X[150:], y[150:]) < 0
    # one model answers every level (the many-level convention)
    multi = MultiQuantileRegressor(
        HLGaussRegressor(**FAST), quantiles=levels, noncrossing=None
    ).fit(X[:150], y[:150])
    assert len(multi.estimators_) == 1
    np.testing.assert_allclose(multi.predict_quantiles(X[150:]), q)
    agg = QuantileAggregator(
        [
            ("hl", HLGaussRegressor(**FAST)),
            ("linear", QuantileRegressor(alpha=0.0, solver="highs")),
        ],
        quantiles=levels,
        cv=2,
        random_state=0,
    ).fit(X[:150], y[:150])
    out = agg.predict_quantiles(X[150:])
    assert out.shape == (50, 3) and np.all(np.isfinite(out))
    assert isinstance(agg.named_estimators_["hl"].estimators_[0], HLGaussRegressor)


def test_squared_error_twin_has_no_distribution(data):
    X, y = data
    twin = HLGaussRegressor(loss="squared_error", **FAST).fit(X, y)
    assert twin.module_[-1].out_features == 1
    assert twin.bin_edges_ is None and twin.quantiles_ is None
    for name in ("predict_distribution", "predict_quantiles", "predict_interval"):
        assert not hasattr(twin, name)
    with pytest.raises(ValueError, match="quantiles need a predicted distribution"):
        twin.predict(X, quantiles=[0.5])
    assert twin.predict(X).shape == (len(X),)


def test_twin_trains_the_same_network_on_the_same_draws(data):
    X, y = data
    hl = HLGaussRegressor(**FAST).fit(X, y)
    twin = HLGaussRegressor(loss="squared_error", **FAST).fit(X, y)
    # same hidden layers, same initial draws: only the head differs
    for a, b in zip(hl.module_[:-1], twin.module_[:-1]):
        assert type(a) is type(b)
    assert hl.module_[0].weight.shape == twin.module_[0].weight.shape
    assert len(hl.history_) == len(twin.history_) == FAST["max_epochs"]


def test_sample_weight_zero_is_removal_and_integers_are_repeats(data):
    X, y = data
    X, y = X[:60], y[:60]
    full = dict(FAST, batch_size=None)
    w = np.r_[np.ones(40), np.zeros(20)]
    a = HLGaussRegressor(value_range=(0, 30), **full).fit(X, y, sample_weight=w)
    b = HLGaussRegressor(value_range=(0, 30), **full).fit(X[:40], y[:40])
    np.testing.assert_allclose(a.predict(X), b.predict(X), rtol=2e-5, atol=2e-5)
    reps = np.random.default_rng(0).integers(1, 4, 60)
    c = HLGaussRegressor(value_range=(0, 30), **full).fit(X, y, sample_weight=reps)
    d = HLGaussRegressor(value_range=(0, 30), **full).fit(
        np.repeat(X, reps, axis=0), np.repeat(y, reps)
    )
    np.testing.assert_allclose(c.predict(X), d.predict(X), rtol=2e-5, atol=2e-5)


def test_pipeline_gridsearch_clone_pickle(data):
    X, y = data
    pipe = make_pipeline(StandardScaler(), HLGaussRegressor(**FAST))
    search = GridSearchCV(
        pipe,
        {"hlgaussregressor__n_bins": [8, 16]},
        cv=KFold(2),
        scoring=neg_weighted_interval_score_scorer,
    ).fit(X, y)
    assert search.best_params_["hlgaussregressor__n_bins"] in (8, 16)
    reg = clone(HLGaussRegressor(**FAST)).fit(X, y)
    again = pickle.loads(pickle.dumps(reg))
    np.testing.assert_array_equal(again.predict(X), reg.predict(X))
    np.testing.assert_array_equal(again.predict_quantiles(X), reg.predict_quantiles(X))


def test_early_stopping_on_the_held_out_cross_entropy(data):
    X, y = data
    reg = HLGaussRegressor(
        early_stopping=True,
        **dict(FAST, max_epochs=300, learning_rate=1e-2, hidden_layer_sizes=(64, 64)),
    ).fit(X, y)
    assert reg.n_epochs_ < 300
    valid = [h["valid_loss"] for h in reg.history_]
    assert reg.best_epoch_ == int(np.argmin(valid)) + 1


@pytest.mark.parametrize(
    "params, match",
    [
        ({"n_bins": 1}, "n_bins"),
        ({"sigma_ratio": 0.0}, "sigma_ratio"),
        ({"sigma_ratio": -1.0}, "sigma_ratio"),
        ({"value_range": (2.0, 1.0)}, "value_range must be finite with low < high"),
        ({"value_range": (0.0, np.inf)}, "value_range must be finite"),
        ({"value_range": (0.0, 1.0, 2.0)}, "value_range must be a pair"),
        ({"value_range": ("a", "b")}, "value_range must be a pair"),
        ({"support_padding": -0.1}, "support_padding"),
        ({"loss": "huber"}, "loss"),
        ({"quantiles": [0.5, 1.5]}, "quantiles"),
        ({"hidden_layer_sizes": (0,)}, "hidden_layer_sizes"),
    ],
)
def test_bad_parameters_are_named(data, params, match):
    X, y = data
    with pytest.raises(ValueError, match=match):
        HLGaussRegressor(**{**FAST, **params}).fit(X, y)


def test_bad_targets(data):
    X, y = data
    for bad in (np.nan, np.inf):
        y_bad = y.copy()
        y_bad[3] = bad
        with pytest.raises(ValueError, match="y"):
            HLGaussRegressor(**FAST).fit(X, y_bad)
    with pytest.raises(ValueError, match="levels|quantiles"):
        HLGaussRegressor(**FAST).fit(X, y).predict_quantiles(X, [0.9, 0.1])


@pytest.mark.slow
def test_hl_gauss_beats_its_squared_error_twin_on_diabetes_at_200_epochs():
    # Farebrother et al.'s robustness claim on tabular data (notes: HL-Gauss
    # 0.79-0.80 x the squared-error MLP at 200 epochs, 5 random splits).
    # The bound on the mean test MSE over the splits.
    X, y = load_diabetes(return_X_y=True)
    mse_hl, mse_twin = [], []
    for seed, (tr, te) in enumerate(
        ShuffleSplit(5, test_size=0.25, random_state=0).split(X)
    ):
        common = dict(max_epochs=200, random_state=seed, device="cpu")
        hl = HLGaussRegressor(**common).fit(X[tr], y[tr])
        twin = HLGaussRegressor(loss="squared_error", **common).fit(X[tr], y[tr])
        mse_hl.append(np.mean((hl.predict(X[te]) - y[te]) ** 2))
        mse_twin.append(np.mean((twin.predict(X[te]) - y[te]) ** 2))
    ratio = np.mean(mse_hl) / np.mean(mse_twin)
    assert ratio <= 0.85, (ratio, mse_hl, mse_twin)
