"""Behaviour of the quantile module: metrics, MultiQuantileRegressor,
QuantileAggregator (LP weights, non-crossing, conformal calibration)."""

import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.ensemble import GradientBoostingRegressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LinearRegression, QuantileRegressor
from sklearn.metrics import mean_pinball_loss
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import SplineTransformer, StandardScaler

from sklweights import MultiQuantileRegressor, QuantileAggregator
from sklweights.datasets import make_heteroscedastic_regression
from sklweights.metrics import (
    crossing_rate,
    empirical_coverage,
    interval_score,
    make_quantile_scorer,
    mean_interval_width,
    multi_pinball_loss,
    neg_interval_score_scorer,
    neg_weighted_interval_score_scorer,
    weighted_interval_score,
)
from sklweights.quantile._common import apply_noncrossing
from sklweights.quantile._linear import _LinearQuantileRegressor

LEVELS = [0.1, 0.5, 0.9]


def _fast_library():
    return [
        ("linear", QuantileRegressor(alpha=0.0, solver="highs")),
        (
            "gbr",
            GradientBoostingRegressor(n_estimators=20, max_depth=2, random_state=0),
        ),
    ]


@pytest.fixture(scope="module")
def data():
    X, y = make_heteroscedastic_regression(240, 3, random_state=0)
    Xt, yt = make_heteroscedastic_regression(300, 3, random_state=1)
    return X, y, Xt, yt


# ----------------------------------------------------------------- metrics
def test_multi_pinball_matches_sklearn_per_level():
    rng = np.random.RandomState(0)
    y = rng.normal(size=50)
    q = np.sort(rng.normal(size=(50, 3)), axis=1)
    w = rng.uniform(0.5, 2, size=50)
    per = multi_pinball_loss(
        y, q, quantiles=LEVELS, sample_weight=w, multioutput="raw_values"
    )
    expected = [
        mean_pinball_loss(y, q[:, k], alpha=a, sample_weight=w)
        for k, a in enumerate(LEVELS)
    ]
    np.testing.assert_allclose(per, expected)
    assert multi_pinball_loss(y, q, quantiles=LEVELS, sample_weight=w) == (
        pytest.approx(np.mean(expected))
    )


def test_wis_equals_bracher_formula():
    rng = np.random.RandomState(1)
    y = rng.normal(size=40)
    levels = [0.05, 0.25, 0.5, 0.75, 0.95]
    q = np.sort(rng.normal(size=(40, 5)), axis=1)
    alphas = [0.1, 0.5]
    total = 0.5 * np.abs(y - q[:, 2])
    for k, a in enumerate(alphas):
        lo, hi = q[:, k], q[:, 4 - k]
        IS = (hi - lo) + 2 / a * (np.maximum(lo - y, 0) + np.maximum(y - hi, 0))
        total = total + a / 2 * IS
    expected = np.mean(total / (len(alphas) + 0.5))
    assert weighted_interval_score(y, q, quantiles=levels) == pytest.approx(expected)
    a = 0.1
    assert interval_score(y, q[:, 0], q[:, 4], alpha=a) == pytest.approx(
        np.mean(
            (q[:, 4] - q[:, 0])
            + 2 / a * (np.maximum(q[:, 0] - y, 0) + np.maximum(y - q[:, 4], 0))
        )
    )


def test_coverage_width_crossing():
    y = np.array([0.0, 1.0, 2.0, 3.0])
    lo, hi = np.array([-1, 0, 3, 3.0]), np.array([1, 2, 4, 3.0])
    assert empirical_coverage(y, lo, hi) == 0.75
    assert empirical_coverage(y, lo, hi, sample_weight=[1, 1, 2, 0]) == 0.5
    assert mean_interval_width(lo, hi) == pytest.approx(1.25)
    assert crossing_rate([[0, 1, 2], [1, 0, 2], [0, 0, 0]]) == pytest.approx(1 / 3)
    assert crossing_rate([[0, 1, 0.999]], tol=0.01) == 0.0
    assert crossing_rate([[1.0], [2.0]]) == 0.0


@pytest.mark.parametrize(
    "levels, match",
    [
        ([0.1, 0.5, 1.2], "strictly between 0 and 1"),
        ([0.5, 0.1, 0.9], "sorted in increasing order"),
        ([0.1, 0.1, 0.9], "duplicates"),
    ],
)
def test_metric_level_errors(levels, match):
    with pytest.raises(ValueError, match=match):
        multi_pinball_loss([1.0], [[0.0, 1.0, 2.0]], quantiles=levels)


def test_metric_shape_and_symmetry_errors():
    with pytest.raises(ValueError, match="2 columns but 3 quantile levels"):
        multi_pinball_loss([1.0], [[0.0, 1.0]], quantiles=LEVELS)
    with pytest.raises(ValueError, match="symmetric around 0.5"):
        weighted_interval_score([1.0], [[0.0, 1.0]], quantiles=[0.1, 0.5])
    with pytest.raises(ValueError, match="symmetric around 0.5"):
        make_quantile_scorer("weighted_interval_score", quantiles=[0.2, 0.9])
    with pytest.raises(ValueError, match="must be 1-d"):
        empirical_coverage([[1.0]], [0.0], [2.0])


# ----------------------------------------------------------------- non-crossing
@settings(max_examples=150, deadline=None)
@given(
    st.integers(2, 11).flatmap(
        lambda m: st.tuples(
            st.lists(st.floats(0.001, 0.999), min_size=m, max_size=m, unique=True).map(
                sorted
            ),
            st.lists(st.floats(-100, 100), min_size=m, max_size=m),
            st.floats(-100, 100),
        )
    )
)
def test_sort_and_isotonic_never_increase_pinball_sum(case):
    """Pointwise: for every single (q, y), not only on average."""
    levels, q, y = case
    levels = np.asarray(levels)
    if np.any(np.diff(levels) <= 1e-9):
        return
    q = np.asarray(q, dtype=float)[None, :]

    def loss(v):
        u = y - v[0]
        return np.sum(np.maximum(levels * u, (levels - 1) * u))

    base = loss(q)
    for method in ("sort", "isotonic"):
        out = apply_noncrossing(q, method)
        assert np.all(np.diff(out[0]) >= -1e-12)
        assert loss(out) <= base + 1e-9 * (1 + abs(base))


def test_isotonic_rows_are_the_l2_projection_onto_monotone_rows():
    # independent oracle: the projection written as a bounded least-squares
    # problem, row = A z with A lower-triangular ones and increments z[1:] >= 0
    from scipy.optimize import lsq_linear

    rng = np.random.RandomState(0)
    q = rng.normal(size=(40, 9))
    q[:5] = np.sort(q[:5], axis=1)  # rows already ordered stay as they are
    out = apply_noncrossing(q, "isotonic")
    A = np.tril(np.ones((9, 9)))
    lower = np.r_[-np.inf, np.zeros(8)]
    for row, got in zip(q, out):
        z = lsq_linear(A, row, bounds=(lower, np.inf), tol=1e-12).x
        np.testing.assert_allclose(got, A @ z, atol=1e-8)
    np.testing.assert_array_equal(out[:5], q[:5])
    with pytest.raises(ValueError, match="noncrossing must be"):
        apply_noncrossing(np.zeros((2, 3)), "cummax")


# ----------------------------------------------------------------- MultiQuantile
def test_multi_quantile_equals_manual_clones(data):
    X, y, Xt, _ = data
    mqr = MultiQuantileRegressor(
        QuantileRegressor(alpha=0.0), quantiles=LEVELS, noncrossing=None
    ).fit(X, y)
    manual = np.column_stack(
        [QuantileRegressor(alpha=0.0, quantile=t).fit(X, y).predict(Xt) for t in LEVELS]
    )
    np.testing.assert_allclose(mqr.predict_quantiles(Xt), manual)
    np.testing.assert_allclose(mqr.predict(Xt), manual[:, 1])
    assert mqr.predict_interval(Xt, confidence_level=0.8).shape == (len(Xt), 2)


def test_multi_quantile_known_learners_and_parallel(data):
    X, y, Xt, _ = data
    gbr = GradientBoostingRegressor(n_estimators=10, random_state=0)
    mqr = MultiQuantileRegressor(gbr, quantiles=LEVELS).fit(X, y)
    assert [m.alpha for m in mqr.estimators_] == LEVELS
    assert all(m.loss == "quantile" for m in mqr.estimators_)
    par = MultiQuantileRegressor(gbr, quantiles=LEVELS, n_jobs=2).fit(X, y)
    np.testing.assert_allclose(mqr.predict_quantiles(Xt), par.predict_quantiles(Xt))
    q = mqr.predict_quantiles(Xt)
    assert np.all(np.diff(q, axis=1) >= 0)
    # a Pipeline whose last step is a known learner
    pipe = make_pipeline(StandardScaler(), QuantileRegressor(alpha=0.0))
    mqr = MultiQuantileRegressor(pipe, quantiles=LEVELS).fit(X, y)
    assert [m[-1].quantile for m in mqr.estimators_] == LEVELS
    # explicit quantile_param
    mqr = MultiQuantileRegressor(
        _LinearQuantileRegressor(), quantiles=LEVELS, quantile_param="quantile"
    ).fit(X, y, sample_weight=np.ones(len(y)))
    assert mqr.predict_quantiles(Xt).shape == (len(Xt), 3)


def test_multi_quantile_passes_through_quantile_forest(data):
    qf = pytest.importorskip("quantile_forest")
    X, y, Xt, _ = data
    forest = qf.RandomForestQuantileRegressor(n_estimators=20, random_state=0)
    mqr = MultiQuantileRegressor(forest, quantiles=LEVELS).fit(X, y)
    assert len(mqr.estimators_) == 1  # fitted once
    expected = forest.fit(X, y).predict(Xt, quantiles=LEVELS)
    np.testing.assert_allclose(mqr.predict_quantiles(Xt), expected)
    # any level, predicted directly by the forest
    other = mqr.predict_quantiles(Xt, quantiles=[0.3])
    np.testing.assert_allclose(other[:, 0], forest.predict(Xt, quantiles=[0.3]))


def test_linear_irls_close_to_exact_lp(data):
    X, y, Xt, _ = data
    for tau in (0.1, 0.5, 0.9):
        ours = _LinearQuantileRegressor(quantile=tau).fit(X, y)
        exact = QuantileRegressor(quantile=tau, alpha=0.0).fit(X, y)
        lo = mean_pinball_loss(y, ours.predict(X), alpha=tau)
        hi = mean_pinball_loss(y, exact.predict(X), alpha=tau)
        assert lo <= hi * 1.002


@pytest.mark.parametrize("y_scale", [1e-25, 1e-3, 1e25])
@pytest.mark.parametrize("x_scale", [1e-13, 1.0, 1e13])
def test_linear_irls_equivariant_to_the_scales_of_x_and_y(data, x_scale, y_scale):
    # a ridge floor or smoothing epsilon in the units of y once swamped the
    # fit at y * 1e25 (predictions off by 3.3 relative)
    X, y, Xt, _ = data
    ref = _LinearQuantileRegressor(quantile=0.3).fit(X, y).predict(Xt)
    fit = _LinearQuantileRegressor(quantile=0.3).fit(X * x_scale, y * y_scale)
    got = fit.predict(Xt * x_scale) / y_scale
    np.testing.assert_allclose(got, ref, rtol=1e-7, atol=1e-7 * np.abs(ref).max())


def test_quantile_estimators_refuse_negative_sample_weight(data):
    X, y, _, _ = data
    sw = np.ones(len(y))
    sw[3] = -1.0
    for est in (
        _LinearQuantileRegressor(),
        MultiQuantileRegressor(QuantileRegressor(alpha=0.0), quantiles=LEVELS),
        QuantileAggregator(_fast_library(), quantiles=LEVELS, cv=2),
    ):
        with pytest.raises(ValueError, match="Negative values in data passed to"):
            est.fit(X, y, sample_weight=sw)


def test_multi_quantile_errors(data):
    X, y, _, _ = data
    with pytest.raises(TypeError, match="cannot produce quantiles"):
        MultiQuantileRegressor(LinearRegression()).fit(X, y)
    with pytest.raises(ValueError, match="is not a parameter"):
        MultiQuantileRegressor(LinearRegression(), quantile_param="alpha").fit(X, y)
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        MultiQuantileRegressor(QuantileRegressor(), quantiles=[0, 0.5]).fit(X, y)
    with pytest.raises(ValueError, match="sorted in increasing order"):
        MultiQuantileRegressor(QuantileRegressor(), quantiles=[0.9, 0.1]).fit(X, y)
    with pytest.raises(ValueError, match="duplicates"):
        MultiQuantileRegressor(QuantileRegressor(), quantiles=[0.1, 0.1]).fit(X, y)
    mqr = MultiQuantileRegressor(QuantileRegressor(alpha=0.0), quantiles=LEVELS)
    mqr.fit(X, y)
    with pytest.raises(ValueError, match="outside the fitted levels"):
        mqr.predict_quantiles(X, quantiles=[0.05])
    with pytest.raises(ValueError, match="confidence_level"):
        mqr.predict_interval(X, confidence_level=1.0)
    with pytest.raises(TypeError, match="confidence_level must be a real number"):
        mqr.predict_interval(X, confidence_level="0.9")


def test_multi_quantile_warns_when_weights_ignored(data):
    X, y, _, _ = data

    class NoWeights(QuantileRegressor):
        def fit(self, X, y):
            return super().fit(X, y)

    with pytest.warns(UserWarning, match="does not accept sample_weight"):
        MultiQuantileRegressor(NoWeights(alpha=0.0), quantiles=[0.5]).fit(
            X, y, sample_weight=np.ones(len(y))
        )


# ----------------------------------------------------------------- aggregator
@pytest.mark.parametrize("weighting", ["mean", "coarse", "medium", "fine"])
def test_weights_on_simplex_and_lp_optimal(data, weighting):
    X, y, _, _ = data
    agg = QuantileAggregator(
        _fast_library(), quantiles=LEVELS, weighting=weighting, cv=3, random_state=0
    ).fit(X, y)
    W = agg.weights_
    shapes = {"mean": (2,), "coarse": (2,), "medium": (3, 2), "fine": (3, 2, 3)}
    assert W.shape == shapes[weighting]
    assert np.all(W >= 0)
    sums = W.sum() if W.ndim == 1 else W.reshape(3, -1).sum(axis=1)
    np.testing.assert_allclose(sums, 1.0)
    losses = agg.oof_losses_
    tol = 1e-7
    if weighting != "mean":
        assert agg.solver_status_ == "optimal"
        for name in ("linear", "gbr", "mean"):
            assert losses["aggregate"] <= losses[name] + tol
    else:
        assert losses["aggregate"] == pytest.approx(losses["mean"])


def test_medium_lp_matches_cvxpy_oracle():
    cp = pytest.importorskip("cvxpy")
    from sklweights.quantile._lp import solve_global_weights

    rng = np.random.RandomState(0)
    n, M, T = 60, 3, 2
    P = rng.normal(size=(n, M, T)) + np.arange(T)
    y = rng.normal(size=n)
    s = rng.uniform(0.5, 2.0, size=n)
    levels = np.array([0.2, 0.7])
    W, _ = solve_global_weights(P, y, s, levels, "medium")
    for t, tau in enumerate(levels):
        w = cp.Variable(M, nonneg=True)
        u = y - P[:, :, t] @ w
        obj = cp.sum(cp.multiply(s, cp.maximum(tau * u, (tau - 1) * u)))
        cp.Problem(cp.Minimize(obj), [cp.sum(w) == 1]).solve(solver="CLARABEL")

        def value(v, t=t, tau=tau):
            r = y - P[:, :, t] @ v
            return np.sum(s * np.maximum(tau * r, (tau - 1) * r))

        assert value(W[t]) <= value(w.value) + 1e-6


def test_aggregate_beats_mean_out_of_sample(data):
    X, y, Xt, yt = data
    kw = dict(quantiles=LEVELS, cv=3, random_state=0)
    med = QuantileAggregator(_fast_library(), weighting="medium", **kw).fit(X, y)
    assert med.oof_losses_["aggregate"] <= med.oof_losses_["mean"]
    q = med.predict_quantiles(Xt)
    assert q.shape == (len(Xt), 3)
    assert np.all(np.diff(q, axis=1) >= 0)
    assert med.score(Xt, yt) == pytest.approx(
        1 - np.sum((yt - q[:, 1]) ** 2) / np.sum((yt - yt.mean()) ** 2)
    )


@pytest.mark.parametrize("noncrossing", ["sort", "isotonic"])
@pytest.mark.parametrize("conformal", [None, "split", "cv"])
def test_predictions_ordered_after_calibration(data, noncrossing, conformal):
    X, y, Xt, _ = data
    agg = QuantileAggregator(
        _fast_library(),
        quantiles=[0.05, 0.1, 0.5, 0.9, 0.95],
        weighting="fine",
        noncrossing=noncrossing,
        conformal=conformal,
        calibration_size=0.3,
        cv=3,
        random_state=0,
    )
    with np.errstate(all="ignore"):
        agg.fit(X, y)
    q = agg.predict_quantiles(Xt)
    assert q.shape == (len(Xt), 5)
    assert crossing_rate(q) == 0.0
    corr = agg.conformal_corrections_
    np.testing.assert_allclose(corr, -corr[::-1])
    assert corr[2] == 0.0
    if conformal is None:
        assert np.all(corr == 0)
    bounds = agg.predict_interval(Xt, confidence_level=0.9)
    np.testing.assert_allclose(bounds, q[:, [0, 4]])


def test_raw_aggregate_can_cross_without_noncrossing(data):
    X, y, Xt, _ = data
    levels = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]
    agg = QuantileAggregator(
        _fast_library(), quantiles=levels, noncrossing=None, cv=3, random_state=0
    ).fit(X, y)
    raw = agg.predict_quantiles(Xt)
    sorted_ = np.sort(raw, axis=1)
    assert multi_pinball_loss(Xt[:, 0], sorted_, quantiles=levels) <= (
        multi_pinball_loss(Xt[:, 0], raw, quantiles=levels) + 1e-12
    )


def test_split_calibration_rows_are_held_out(data):
    X, y, _, _ = data
    agg = QuantileAggregator(
        [("linear", _LinearQuantileRegressor())],
        quantiles=LEVELS,
        conformal="split",
        calibration_size=60,
        cv=3,
        random_state=0,
    ).fit(X, y)
    # the refit base model saw only the training rows
    rng = np.random.RandomState(0)
    seed = int(rng.randint(np.iinfo(np.int32).max))
    perm = np.random.RandomState(seed).permutation(len(y))
    train = np.sort(perm[60:])
    ref = _LinearQuantileRegressor(quantile=0.1).fit(X[train], y[train])
    np.testing.assert_allclose(
        agg.estimators_[0].estimators_[0].coef_, ref.coef_, rtol=1e-8
    )


def test_sample_weight_equals_duplication():
    """LP path with deterministic base models and matched folds."""
    X, y = make_heteroscedastic_regression(90, 2, random_state=3)
    rng = np.random.RandomState(0)
    w = rng.randint(1, 4, size=len(y))
    fold_of = rng.permutation(np.arange(len(y)) % 3)
    folds = [
        (np.flatnonzero(fold_of != k), np.flatnonzero(fold_of == k)) for k in range(3)
    ]
    rep = np.repeat(np.arange(len(y)), w)
    fold_rep = fold_of[rep]
    folds_rep = [
        (np.flatnonzero(fold_rep != k), np.flatnonzero(fold_rep == k)) for k in range(3)
    ]
    lib = [
        ("qr", QuantileRegressor(alpha=0.0, solver="highs")),
        (
            "spline",
            make_pipeline(SplineTransformer(n_knots=4), QuantileRegressor(alpha=0.0)),
        ),
    ]
    Xt, _ = make_heteroscedastic_regression(50, 2, random_state=4)
    for weighting in ("coarse", "medium"):
        a = QuantileAggregator(
            lib, quantiles=LEVELS, weighting=weighting, cv=folds
        ).fit(X, y, sample_weight=w)
        b = QuantileAggregator(
            lib, quantiles=LEVELS, weighting=weighting, cv=folds_rep
        ).fit(X[rep], y[rep])
        np.testing.assert_allclose(a.weights_, b.weights_, atol=1e-6)
        np.testing.assert_allclose(
            a.predict_quantiles(Xt), b.predict_quantiles(Xt), rtol=1e-5, atol=1e-6
        )


def test_pipeline_gridsearch_with_wis_scorer(data):
    X, y, Xt, yt = data
    pipe = make_pipeline(
        StandardScaler(),
        QuantileAggregator(_fast_library(), quantiles=LEVELS, cv=3, random_state=0),
    )
    search = GridSearchCV(
        pipe,
        {"quantileaggregator__weighting": ["mean", "medium"]},
        scoring=neg_weighted_interval_score_scorer,
        cv=KFold(2, shuffle=True, random_state=0),
    ).fit(X, y)
    assert search.best_params_["quantileaggregator__weighting"] in ("mean", "medium")
    assert np.isfinite(search.best_score_)
    assert search.predict(Xt).shape == (len(Xt),)
    # tuning a base model's parameter through name__param
    agg = QuantileAggregator(_fast_library(), quantiles=LEVELS, cv=3, random_state=0)
    search = GridSearchCV(
        agg,
        {"gbr__max_depth": [1, 2]},
        scoring=make_quantile_scorer("pinball"),
        cv=2,
    ).fit(X, y)
    assert search.best_params_["gbr__max_depth"] in (1, 2)
    score = make_quantile_scorer("interval_score", confidence_level=0.8)(
        search.best_estimator_, Xt, yt
    )
    assert score < 0
    with pytest.raises(ValueError, match="outside the fitted levels"):
        neg_interval_score_scorer(search.best_estimator_, Xt, yt)  # needs 5%/95%


def test_clone_pickle_determinism(data):
    X, y, Xt, _ = data
    agg = QuantileAggregator(
        _fast_library(), quantiles=LEVELS, conformal="cv", cv=3, random_state=7
    )
    a = clone(agg).fit(X, y)
    b = clone(agg).fit(X, y)
    np.testing.assert_array_equal(a.predict_quantiles(Xt), b.predict_quantiles(Xt))
    c = pickle.loads(pickle.dumps(a))
    np.testing.assert_array_equal(a.predict_quantiles(Xt), c.predict_quantiles(Xt))
    par = clone(agg).set_params(n_jobs=2).fit(X, y)
    np.testing.assert_allclose(a.predict_quantiles(Xt), par.predict_quantiles(Xt))
    params = agg.get_params()
    assert "gbr__max_depth" in params and "linear" in params
    agg.set_params(gbr__max_depth=1)
    assert dict(agg.estimators)["gbr"].max_depth == 1


def test_interpolated_levels_and_feature_names(data):
    pd = pytest.importorskip("pandas")
    X, y, Xt, _ = data
    df = pd.DataFrame(X, columns=["a", "b", "c"])
    agg = QuantileAggregator(
        _fast_library(), quantiles=LEVELS, cv=3, random_state=0
    ).fit(df, y)
    np.testing.assert_array_equal(agg.feature_names_in_, ["a", "b", "c"])
    q = agg.predict_quantiles(pd.DataFrame(Xt, columns=["a", "b", "c"]))
    mid = agg.predict_quantiles(
        pd.DataFrame(Xt, columns=["a", "b", "c"]), quantiles=[0.3]
    )
    np.testing.assert_allclose(mid[:, 0], 0.5 * (q[:, 0] + q[:, 1]))


def test_default_library_runs():
    pytest.importorskip("quantile_forest")
    X, y = make_heteroscedastic_regression(120, 2, random_state=0)
    agg = QuantileAggregator(quantiles=LEVELS, cv=2, random_state=0).fit(X, y)
    assert list(agg.named_estimators_) == ["forest", "boosting", "linear"]
    assert agg.weights_.shape == (3, 3)


def test_aggregator_errors(data):
    X, y, _, _ = data
    lib = _fast_library()
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        QuantileAggregator(lib, quantiles=[0.0, 0.5]).fit(X, y)
    with pytest.raises(ValueError, match="sorted in increasing order"):
        QuantileAggregator(lib, quantiles=[0.5, 0.1]).fit(X, y)
    with pytest.raises(ValueError, match="duplicates"):
        QuantileAggregator(lib, quantiles=[0.1, 0.5, 0.5]).fit(X, y)
    with pytest.raises(TypeError, match="cannot produce quantiles"):
        QuantileAggregator([("ols", LinearRegression())]).fit(X, y)
    with pytest.raises(ValueError, match="needs at least 5 training rows"):
        QuantileAggregator(lib, quantiles=LEVELS).fit(X[:4], y[:4])
    with pytest.raises(ValueError, match="leaves too few rows"):
        QuantileAggregator(
            lib, quantiles=LEVELS, conformal="split", calibration_size=239
        ).fit(X, y)
    with pytest.raises(ValueError, match="each row out exactly once"):
        idx = np.arange(len(y))
        QuantileAggregator(lib, quantiles=LEVELS, cv=[(idx[:100], idx[100:150])]).fit(
            X, y
        )
    with pytest.raises(ValueError, match="unique"):
        QuantileAggregator([lib[0], lib[0]], quantiles=LEVELS).fit(X, y)
    with pytest.raises(ValueError, match=r"list of \(name, estimator\)"):
        QuantileAggregator([QuantileRegressor()], quantiles=LEVELS).fit(X, y)
    with pytest.raises(ValueError, match="non-empty"):
        QuantileAggregator([], quantiles=LEVELS).fit(X, y)
    # names that would break name__param routing
    with pytest.raises(ValueError, match="must not contain __"):
        QuantileAggregator([("a__b", lib[0][1])], quantiles=LEVELS).fit(X, y)
    with pytest.raises(ValueError, match="conflict with constructor arguments"):
        QuantileAggregator([("cv", lib[0][1])], quantiles=LEVELS).fit(X, y)


def test_too_few_calibration_rows_warns(data):
    X, y, _, _ = data
    agg = QuantileAggregator(
        [("linear", _LinearQuantileRegressor())],
        quantiles=[0.01, 0.5, 0.99],
        conformal="split",
        calibration_size=20,
        cv=3,
        random_state=0,
    )
    with pytest.warns(UserWarning, match="too few calibration rows"):
        agg.fit(X, y)


def test_solver_status_policy(data, monkeypatch):
    import scipy.optimize

    X, y, _, _ = data
    real = scipy.optimize.linprog

    def failing(*args, **kwargs):
        res = real(*args, **kwargs)
        res.status, res.x, res.message = 2, None, "forced infeasible"
        return res

    def inaccurate(*args, **kwargs):
        res = real(*args, **kwargs)
        res.status = 4
        return res

    agg = QuantileAggregator(_fast_library(), quantiles=LEVELS, cv=3, random_state=0)
    monkeypatch.setattr(scipy.optimize, "linprog", failing)
    with pytest.raises(ValueError, match="'infeasible'"):
        clone(agg).fit(X, y)
    monkeypatch.setattr(scipy.optimize, "linprog", inaccurate)
    with pytest.warns(ConvergenceWarning, match="numerical"):
        fitted = clone(agg).fit(X, y)
    assert fitted.solver_status_ == "inaccurate"


def test_make_heteroscedastic_regression_oracle():
    X, y, q = make_heteroscedastic_regression(
        20000, 2, quantiles=[0.05, 0.5, 0.95], random_state=0
    )
    assert X.shape == (20000, 2) and q.shape == (20000, 3)
    cover = np.mean((y >= q[:, 0]) & (y <= q[:, 2]))
    assert abs(cover - 0.9) < 0.01
    _, yt, qt = make_heteroscedastic_regression(
        20000, 1, noise="t", quantiles=[0.5], random_state=0
    )
    assert abs(np.mean(yt <= qt[:, 0]) - 0.5) < 0.015


# ----------------------------------------------------------------- slow
@pytest.mark.slow
def test_split_cqr_marginal_coverage_many_seeds():
    """alpha = 0.1, n_cal = 200: theory gives coverage in [0.9, 0.9 + 1/201].

    With 100 seeds and 1000 test rows each, the seed-to-seed sd of the
    coverage is about sqrt(0.9 * 0.1 / 200) = 0.021 (calibration draw), so the
    mean over seeds has sd about 0.0022: [0.89, 0.915] is more than 4 sd wide
    on each side of the theoretical range.
    """
    covers = []
    for seed in range(100):
        X, y = make_heteroscedastic_regression(600, 2, random_state=seed)
        Xt, yt = make_heteroscedastic_regression(1000, 2, random_state=10_000 + seed)
        agg = QuantileAggregator(
            [
                ("linear", _LinearQuantileRegressor()),
                ("linear2", _LinearQuantileRegressor(tol=1e-3)),
            ],
            quantiles=[0.05, 0.5, 0.95],
            conformal="split",
            calibration_size=200,
            cv=3,
            random_state=seed,
        ).fit(X, y)
        lo, hi = agg.predict_interval(Xt, confidence_level=0.9).T
        covers.append(empirical_coverage(yt, lo, hi))
    assert 0.89 <= np.mean(covers) <= 0.915


@pytest.mark.slow
def test_cross_fitted_cqr_coverage_close_to_nominal():
    """No finite-sample guarantee for "cv"; it should still be near 0.9."""
    covers = []
    for seed in range(20):
        X, y = make_heteroscedastic_regression(400, 2, random_state=seed)
        Xt, yt = make_heteroscedastic_regression(1000, 2, random_state=10_000 + seed)
        agg = QuantileAggregator(
            [("linear", _LinearQuantileRegressor())],
            quantiles=[0.05, 0.5, 0.95],
            conformal="cv",
            cv=5,
            random_state=seed,
        ).fit(X, y)
        lo, hi = agg.predict_interval(Xt).T
        covers.append(empirical_coverage(yt, lo, hi))
    assert 0.87 <= np.mean(covers) <= 0.93


class _ThreadRecorder(QuantileRegressor):
    """Records the OpenMP/BLAS thread counts seen inside fit."""

    def fit(self, X, y, sample_weight=None):
        from threadpoolctl import threadpool_info

        self.threads_seen_ = sorted({p["num_threads"] for p in threadpool_info()})
        return super().fit(X, y, sample_weight=sample_weight)


def test_native_threads_capped_inside_workers(data):
    import os

    from sklweights.utils._parallel import inner_thread_limit

    X, y, _, _ = data
    cores = os.cpu_count() or 1
    assert inner_thread_limit(None) is None
    assert inner_thread_limit(1) is None
    assert inner_thread_limit(cores) == 1
    mqr = MultiQuantileRegressor(
        _ThreadRecorder(alpha=0.0),
        quantiles=LEVELS,
        quantile_param="quantile",
        n_jobs=2,
    ).fit(X[:60], y[:60])
    limit = max(1, cores // 2)
    for est in mqr.estimators_:
        assert max(est.threads_seen_, default=1) <= limit
