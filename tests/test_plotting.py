"""Displays: computed values against independent computations, drawing, agreement."""

import subprocess
import sys

import numpy as np
import pytest
from sklearn.calibration import calibration_curve
from sklearn.datasets import make_classification, make_friedman1
from sklearn.linear_model import LogisticRegression

from sklweights.metrics import rare_class_calibration_error
from sklweights.plotting import (
    CandidatePositionDisplay,
    CommitteeTradeoffDisplay,
    CumulativeProbabilityDisplay,
    DistillationPathDisplay,
    DomainWeightsDisplay,
    GroupScoreDisplay,
    IntervalCoverageDisplay,
    ObjectiveByLayerDisplay,
    PredictedHistogramDisplay,
    QuantileFanDisplay,
    ReliabilityDisplay,
    ScoreDistributionDisplay,
    ScoreRatioDisplay,
    ThresholdMetricDisplay,
    TrainingHistoryDisplay,
)

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
plt = pytest.importorskip("matplotlib.pyplot")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def regression():
    pytest.importorskip("torch")
    from sklweights.regression import HLGaussRegressor

    X, y = make_friedman1(150, noise=0.5, random_state=0)
    reg = HLGaussRegressor(
        max_epochs=60,
        learning_rate=1e-2,
        hidden_layer_sizes=(32,),
        early_stopping=True,
        n_iter_no_change=2,
        device="cpu",
        random_state=0,
    ).fit(X[:100], y[:100])
    return reg, X[100:], y[100:]


def test_import_sklweights_plotting_does_not_import_matplotlib():
    code = (
        "import sys, sklweights, sklweights.plotting\n"
        "assert 'matplotlib' not in sys.modules, 'matplotlib imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_training_history_display(regression):
    reg, _, _ = regression
    fig, ax = plt.subplots()
    disp = TrainingHistoryDisplay.from_estimator(reg, ax=ax)
    assert disp.ax_ is ax and disp.figure_ is fig
    np.testing.assert_array_equal(
        disp.curves["train_loss"], [h["train_loss"] for h in reg.history_]
    )
    np.testing.assert_array_equal(
        disp.curves["valid_loss"], [h["valid_loss"] for h in reg.history_]
    )
    assert disp.best_epoch == reg.best_epoch_ < reg.n_epochs_
    assert disp.best_line_ is not None and disp.best_line_.get_xdata()[0] == (
        reg.best_epoch_
    )
    assert len(disp.lines_) == 2
    same = TrainingHistoryDisplay.from_history(reg.history_, keys="time")
    np.testing.assert_array_equal(
        same.curves["time"], [h["time"] for h in reg.history_]
    )
    assert disp.plot(ax=ax, logy=True) is disp and ax.get_yscale() == "log"
    with pytest.raises(TypeError, match="no history_"):
        TrainingHistoryDisplay.from_estimator(
            LogisticRegression().fit([[0], [1]], [0, 1])
        )
    with pytest.raises(ValueError, match="empty"):
        TrainingHistoryDisplay.from_history([])
    with pytest.raises(ValueError, match="per-epoch dicts"):
        TrainingHistoryDisplay.from_history([1.0, 2.0])
    with pytest.raises(ValueError, match="not in the history"):
        TrainingHistoryDisplay.from_estimator(reg, keys=["balance_violation"])


def test_reliability_uniform_bins_are_calibration_curves():
    rng = np.random.default_rng(0)
    p = rng.uniform(size=700)
    y = rng.uniform(size=700) < p**1.5
    disp = ReliabilityDisplay.from_predictions(y, p, n_bins=8, strategy="uniform")
    prob_true, prob_pred = calibration_curve(y, p, n_bins=8, strategy="uniform")
    np.testing.assert_allclose(disp.prob_true, prob_true)
    np.testing.assert_allclose(disp.prob_pred, prob_pred)
    assert disp.bin_counts.sum() == 700


def test_reliability_equal_frequency_is_the_presto_metric():
    rng = np.random.default_rng(1)
    p = rng.beta(1, 8, size=503)
    y = rng.uniform(size=503) < p
    disp = ReliabilityDisplay.from_predictions(y, p, n_bins=12)
    assert disp.calibration_error == pytest.approx(
        rare_class_calibration_error(y, p, n_bins=12), rel=1e-12
    )
    # equal-size bins of the sorted predictions
    order = np.argsort(p, kind="stable")
    first = order[: disp.bin_counts[0]]
    assert disp.bin_counts.max() - disp.bin_counts.min() <= 1
    assert disp.prob_pred[0] == pytest.approx(p[first].mean())
    assert disp.prob_true[0] == pytest.approx(y[first].mean())


def test_reliability_from_estimator_takes_the_last_class_by_default():
    X, y = make_classification(400, 5, n_informative=3, n_classes=3, random_state=0)
    clf = LogisticRegression().fit(X, y)
    fig, ax = plt.subplots()
    disp = ReliabilityDisplay.from_estimator(clf, X, y, ax=ax)
    ref = ReliabilityDisplay.from_predictions(y == 2, clf.predict_proba(X)[:, 2])
    np.testing.assert_array_equal(disp.prob_true, ref.prob_true)
    assert disp.ax_ is ax and disp.line_ in ax.lines
    first = ReliabilityDisplay.from_estimator(clf, X, y, pos_label=0)
    assert first.calibration_error == pytest.approx(
        rare_class_calibration_error(y == 0, clf.predict_proba(X)[:, 0], n_bins=10)
    )
    with pytest.raises(ValueError, match="not a class"):
        ReliabilityDisplay.from_estimator(clf, X, y, pos_label=7)
    with pytest.raises(ValueError, match="strategy"):
        ReliabilityDisplay.from_predictions(
            y == 0, clf.predict_proba(X)[:, 0], strategy="kmeans"
        )
    with pytest.raises(ValueError, match="0/1"):
        ReliabilityDisplay.from_predictions(y, clf.predict_proba(X)[:, 0])


def test_quantile_fan_from_estimator_and_predictions_agree(regression):
    reg, X, y = regression
    disp = QuantileFanDisplay.from_estimator(reg, X, y, feature=3)
    q = reg.predict_quantiles(X)
    ref = QuantileFanDisplay.from_predictions(X[:, 3], q, reg.quantiles_, y_true=y)
    np.testing.assert_array_equal(disp.y_quantiles, ref.y_quantiles)
    assert np.all(np.diff(disp.x) >= 0)
    order = np.argsort(X[:, 3], kind="stable")
    np.testing.assert_array_equal(disp.y_quantiles, q[order])
    # one band per symmetric pair of the default levels, coverage by hand
    assert set(disp.coverage) == {(0.05, 0.95), (0.1, 0.9), (0.25, 0.75)}
    inside = (y >= q[:, 1]) & (y <= q[:, 5])
    assert disp.coverage[0.1, 0.9] == pytest.approx(inside.mean())
    assert len(disp.bands_) == 3 and disp.median_line_ is not None
    assert disp.xlabel == "feature 3"
    with pytest.raises(ValueError, match="feature must be a column index"):
        QuantileFanDisplay.from_estimator(reg, X, y, feature=99)
    with pytest.raises(TypeError, match="no predict_quantiles"):
        QuantileFanDisplay.from_estimator(LogisticRegression(), X, y)


def test_interval_coverage_by_width_bins(regression):
    reg, X, y = regression
    disp = IntervalCoverageDisplay.from_estimator(
        reg, X, y, confidence_level=0.8, n_bins=4
    )
    lo, hi = reg.predict_interval(X, confidence_level=0.8).T
    order = np.argsort(hi - lo, kind="stable")
    for k, rows in enumerate(np.array_split(order, 4)):
        inside = (y[rows] >= lo[rows]) & (y[rows] <= hi[rows])
        assert disp.coverage[k] == pytest.approx(inside.mean())
        assert disp.mean_width[k] == pytest.approx(np.mean(hi[rows] - lo[rows]))
    assert np.all(np.diff(disp.mean_width) >= 0)
    ref = IntervalCoverageDisplay.from_predictions(y, lo, hi, n_bins=4)
    np.testing.assert_array_equal(ref.coverage, disp.coverage)
    with pytest.raises(ValueError, match="n_bins"):
        IntervalCoverageDisplay.from_predictions(y, lo, hi, n_bins=0)


def test_predicted_histograms(regression):
    reg, X, y = regression
    disp = PredictedHistogramDisplay.from_estimator(reg, X[:3], y[:3])
    np.testing.assert_allclose(disp.mean, reg.predict(X[:3]))
    np.testing.assert_allclose((disp.density * np.diff(reg.bin_edges_)).sum(1), 1.0)
    assert len(disp.steps_) == 3
    with pytest.raises(ValueError, match="columns for"):
        PredictedHistogramDisplay.from_predictions([0, 1, 2], [[0.5, 0.3, 0.2]])
    with pytest.raises(ValueError, match="sum to one"):
        PredictedHistogramDisplay.from_predictions([0, 1, 2], [[0.5, 0.3]])


def test_domain_weights_and_group_scores():
    from sklweights.datasets import make_multidomain_sentiment
    from sklweights.text import LinearDomainWeightedClassifier

    X, y, d = make_multidomain_sentiment(
        n_domains=3, n_samples_per_domain=60, random_state=0
    )
    clf = LinearDomainWeightedClassifier().fit(X, y, domains=d)
    disp = DomainWeightsDisplay.from_estimator(clf, list(X[:4]))
    np.testing.assert_array_equal(disp.weights, clf.predict_weights(list(X[:4])))
    assert list(disp.domains) == list(clf.domains_) and len(disp.bars_) == 3
    assert all(len(label) <= 40 for label in disp.labels)
    scores = GroupScoreDisplay.from_estimator({"linear": clf}, X, y, d)
    pred = clf.predict(X)
    for k, g in enumerate(scores.groups):
        assert scores.scores["linear"][k] == pytest.approx(
            np.mean(pred[d == g] == y[d == g])
        )
    with pytest.raises(ValueError, match="simplex"):
        DomainWeightsDisplay.from_predictions([[0.5, 0.6]], ["a", "b"])
    with pytest.raises(ValueError, match="name the 2 columns"):
        DomainWeightsDisplay.from_predictions([[0.5, 0.5]], ["a"])


def test_threshold_metric_display():
    from sklearn.metrics import balanced_accuracy_score, f1_score

    X, y = make_classification(300, 5, weights=[0.85], random_state=0)
    clf = LogisticRegression().fit(X, y)
    disp = ThresholdMetricDisplay.from_estimator(clf, X, y)
    p = clf.predict_proba(X)[:, 1]
    manual = [f1_score(y, p > t) for t in disp.thresholds]
    np.testing.assert_allclose(disp.scores, manual)
    assert disp.best_threshold_ == disp.thresholds[np.argmax(manual)]
    bal = ThresholdMetricDisplay.from_predictions(
        y, p, metric=balanced_accuracy_score, thresholds=[0.3, 0.5]
    )
    np.testing.assert_allclose(
        bal.scores, [balanced_accuracy_score(y, p > t) for t in (0.3, 0.5)]
    )
    X3, y3 = make_classification(200, 5, n_informative=3, n_classes=3, random_state=0)
    with pytest.raises(ValueError, match="binary"):
        ThresholdMetricDisplay.from_estimator(LogisticRegression().fit(X3, y3), X3, y3)
    with pytest.raises(ValueError, match="metric must be one of"):
        ThresholdMetricDisplay.from_predictions(y, p, metric="auc")


def test_distillation_path_display():
    from sklweights.kernel import SelfDistilledKernelRidge, self_distillation_path

    rng = np.random.default_rng(0)
    X = rng.uniform(size=(60, 1))
    y = np.sin(6 * X[:, 0]) + 0.3 * rng.normal(size=60)
    Xv = rng.uniform(size=(40, 1))
    yv = np.sin(6 * Xv[:, 0])
    path = self_distillation_path(X, y, Xv, yv, weights=[0.2, 0.6], n_steps=4)
    disp = DistillationPathDisplay.from_path(path)
    np.testing.assert_array_equal(disp.val_mse, path.val_mse)
    np.testing.assert_array_equal(disp.best_step_, np.argmin(path.val_mse, axis=1))
    assert len(disp.lines_) == 2
    model = SelfDistilledKernelRidge(n_steps=3, weight=0.6).fit(X, y)
    fitted = DistillationPathDisplay.from_estimator(model, Xv, yv)
    manual = [np.mean((f - yv) ** 2) for f in model.staged_predict(Xv)]
    np.testing.assert_allclose(fitted.val_mse[0], manual)
    with pytest.raises(ValueError, match="val_mse"):
        DistillationPathDisplay.from_path(
            self_distillation_path(X, y, weights=[0.5], n_steps=2)
        )


def test_cumulative_probability_display():
    X, y = make_classification(
        300, 4, n_informative=3, n_redundant=0, n_classes=3, random_state=0
    )
    clf = LogisticRegression().fit(X, y)
    grid = np.linspace(-2, 2, 7)
    disp = CumulativeProbabilityDisplay.from_estimator(clf, X, feature=1, grid=grid)
    points = np.tile(np.median(X, axis=0), (7, 1))
    points[:, 1] = grid
    np.testing.assert_allclose(
        disp.cumulative, np.cumsum(clf.predict_proba(points), axis=1)[:, :2]
    )
    assert np.all(np.diff(disp.cumulative, axis=1) >= 0)
    assert len(disp.lines_) == 2
    with pytest.raises(ValueError, match="feature must be a column index"):
        CumulativeProbabilityDisplay.from_estimator(clf, X, feature=9)


def test_objective_by_layer_display():
    pytest.importorskip("torch")
    from sklweights.datasets import make_sparse_recovery
    from sklweights.sparse import UnfoldedISTA

    data = make_sparse_recovery(80, n_features=20, n_atoms=40, random_state=0)
    coder = UnfoldedISTA(data.dictionary, n_layers=6, learn_steps=False).fit(data.Y)
    disp = ObjectiveByLayerDisplay.from_estimator(coder, data.Y, name="ISTA")
    manual = [coder.objective(data.Y, c).mean() for c in coder.staged_transform(data.Y)]
    np.testing.assert_allclose(disp.objective, manual)
    np.testing.assert_array_equal(disp.layers, np.arange(1, 7))
    assert np.all(np.diff(disp.objective) <= 1e-12)  # ISTA at 1/L never goes up
    other = ObjectiveByLayerDisplay.from_predictions(manual, ax=disp.ax_)
    assert other.ax_ is disp.ax_ and len(disp.ax_.lines) == 2
    with pytest.raises(TypeError, match="staged_transform"):
        ObjectiveByLayerDisplay.from_estimator(LogisticRegression(), data.Y)


def test_committee_tradeoff_display():
    from sklweights.datasets import make_biased_rankings
    from sklweights.selection import FairCommitteeSelector, latent_quality_ratio

    L, B, g = make_biased_rankings(60, 20, swap_fraction=0.6, random_state=0)
    selector = FairCommitteeSelector(6, candidate_groups=g)
    settings = {"none": {}, "proportional": {"proportional": True}}
    disp = CommitteeTradeoffDisplay.from_estimator(
        selector, B, settings=settings, X_latent=L
    )
    for i, params in enumerate(settings.values()):
        chosen = FairCommitteeSelector(6, candidate_groups=g, **params).fit(B).selected_
        np.testing.assert_array_equal(disp.committees[i], chosen)
        assert list(disp.composition[i]) == [
            int(np.sum(g[chosen] == 0)),
            int(np.sum(g[chosen] == 1)),
        ]
        assert disp.quality[i] == pytest.approx(latent_quality_ratio(L, chosen))
    assert np.all(disp.composition.sum(axis=1) == 6)
    assert len(disp.bars_) == 2
    own = CommitteeTradeoffDisplay.from_estimator(selector, B, settings={"none": {}})
    assert own.quality[0] == pytest.approx(1.0)  # the optimum on its own rankings
    with pytest.raises(ValueError, match="candidate_groups"):
        CommitteeTradeoffDisplay.from_estimator(
            FairCommitteeSelector(6), B, settings={"none": {}}
        )
    with pytest.raises(ValueError, match="non-empty dict"):
        CommitteeTradeoffDisplay.from_estimator(selector, B, settings={})
    with pytest.raises(ValueError, match="one entry per setting"):
        CommitteeTradeoffDisplay.from_predictions(["a"], [[1, 2], [3, 4]], [1.0, 0.9])


def test_selection_displays_take_mixed_group_labels():
    from sklweights.datasets import make_biased_rankings
    from sklweights.selection import FairCommitteeSelector

    L, B, g = make_biased_rankings(40, 12, swap_fraction=0.6, random_state=1)
    mixed = np.array([None if k == 0 else "minority" for k in g], dtype=object)
    mixed[:2] = [7, 7]  # a third, integer-labelled group
    codes = {None: 2, "minority": 1, 7: 0}  # numbers, strings, then missing
    settings = {"none": {}, "proportional": {"proportional": True}}
    disp = CommitteeTradeoffDisplay.from_estimator(
        FairCommitteeSelector(4, candidate_groups=mixed), B, settings=settings
    )
    assert list(disp.groups) == [7, "minority", None]
    for i, params in enumerate(settings.values()):
        chosen = FairCommitteeSelector(4, candidate_groups=mixed, **params)
        members = chosen.fit(B).selected_
        expected = np.bincount([codes[x] for x in mixed[members]], minlength=3)
        np.testing.assert_array_equal(disp.composition[i], expected)
    selector = FairCommitteeSelector(4, candidate_groups=mixed).fit(B)
    pos = CandidatePositionDisplay.from_estimator(selector, B)
    labels = pos.ax_.get_legend_handles_labels()[1]
    assert {"group 7", "group minority", "group None"} <= set(labels)


def test_candidate_position_display():
    from sklweights.datasets import make_biased_rankings
    from sklweights.selection import FairCommitteeSelector

    L, B, g = make_biased_rankings(40, 12, swap_fraction=0.6, random_state=1)
    selector = FairCommitteeSelector(4, candidate_groups=g, proportional=True).fit(B)
    disp = CandidatePositionDisplay.from_estimator(selector, B)
    np.testing.assert_allclose(disp.mean_position, B.mean(axis=0))
    np.testing.assert_allclose(disp.quartiles[:, 1], np.percentile(B, 75, axis=0))
    np.testing.assert_array_equal(np.flatnonzero(disp.selected), selector.selected_)
    assert np.all(np.diff(disp.mean_position[disp.order_]) >= 0)
    orders = np.argsort(B, axis=1)  # the same rankings as candidate orders
    same = CandidatePositionDisplay.from_rankings(orders, input="orders")
    np.testing.assert_allclose(same.mean_position, disp.mean_position)
    with pytest.raises(ValueError, match="permutation"):
        CandidatePositionDisplay.from_rankings([[0, 0, 1]])
    with pytest.raises(ValueError, match="'positions' or 'orders'"):
        CandidatePositionDisplay.from_rankings(B, input="scores")


def test_score_ratio_display():
    rng = np.random.default_rng(0)
    scores = {
        "a": rng.uniform(1, 2, 20),
        "b": rng.uniform(1, 3, 20),
        "c": rng.uniform(0.5, 1, 20),
    }
    disp = ScoreRatioDisplay.from_scores(scores, model="a")
    np.testing.assert_allclose(disp.ratios["b"], scores["a"] / scores["b"])
    assert set(disp.ratios) == {"b", "c"}
    assert disp.win_rate_["c"] == pytest.approx(np.mean(scores["a"] < scores["c"]))
    assert disp.median_["b"] == pytest.approx(np.median(scores["a"] / scores["b"]))
    assert disp.ax_.get_xscale() == "log"
    with pytest.raises(ValueError, match="holds model"):
        ScoreRatioDisplay.from_scores(scores, model="z")
    with pytest.raises(ValueError, match="positive"):
        ScoreRatioDisplay.from_scores({"a": [1.0, 0.0], "b": [1.0, 1.0]}, model="a")


def test_score_distribution_display():
    import matplotlib.pyplot as plt

    rng = np.random.default_rng(0)
    scores = {"a": rng.lognormal(0, 1, 15), "b": rng.lognormal(1, 1, 15)}
    _, ax = plt.subplots()
    disp = ScoreDistributionDisplay.from_scores(
        scores, metric_name="MSE", log_scale=True, ax=ax
    )
    assert disp.ax_ is ax and disp.ax_.get_yscale() == "log"
    for k, v in scores.items():
        assert disp.median_[k] == pytest.approx(np.percentile(v, 50))
        assert disp.mean_[k] == pytest.approx(v.sum() / v.size)
    # the drawn means are the attribute (the last line, after the boxes)
    means = ax.get_lines()[-1]
    np.testing.assert_allclose(means.get_ydata(), [disp.mean_["a"], disp.mean_["b"]])
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b"]
    assert ax.get_ylabel() == "MSE"
    assert disp.plot() is disp
    plt.close("all")
    with pytest.raises(ValueError, match="positive losses"):
        ScoreDistributionDisplay.from_scores({"a": [1.0, -1.0]}, log_scale=True)
    with pytest.raises(ValueError, match="finite"):
        ScoreDistributionDisplay.from_scores({"a": [1.0, np.nan]})
    with pytest.raises(ValueError, match="non-empty dict"):
        ScoreDistributionDisplay.from_scores([1.0, 2.0])


def test_docstring_examples_run():
    import doctest

    import sklweights.plotting._calibration as a
    import sklweights.plotting._curves as d
    import sklweights.plotting._distribution as b
    import sklweights.plotting._groups as c
    import sklweights.plotting._quantile as e
    import sklweights.plotting._selection as f

    for mod in (a, b, c, d, e, f):
        result = doctest.testmod(mod, optionflags=doctest.NORMALIZE_WHITESPACE)
        assert result.attempted > 0 and result.failed == 0, mod.__name__
