"""AnyLossClassifier: a binary classifier trained on 1 - metric."""

import pickle
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score, f1_score
from sklearn.model_selection import (
    GridSearchCV,
    StratifiedKFold,
    TunedThresholdClassifierCV,
)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

pytestmark = pytest.mark.torch
torch = pytest.importorskip("torch")

from sklweights.classification import AnyLossClassifier  # noqa: E402
from sklweights.datasets import (  # noqa: E402
    make_anyloss_breast_cancer,
    make_anyloss_random,
)


def _imbalanced(n=600, seed=0, positives=0.1):
    return make_classification(
        n,
        6,
        n_informative=3,
        weights=[1 - positives],
        flip_y=0.01,
        random_state=seed,
    )


def _clf(**kw):
    return AnyLossClassifier(**{"device": "cpu", "random_state": 0, **kw})


def test_fitted_attributes_and_outputs():
    X, y = _imbalanced()
    clf = _clf(max_epochs=200).fit(X, y)
    assert list(clf.classes_) == [0, 1]
    proba = clf.predict_proba(X)
    assert proba.shape == (len(X), 2)
    np.testing.assert_allclose(proba.sum(1), 1.0)
    z = clf.decision_function(X)
    np.testing.assert_array_equal(clf.predict(X), (z > 0).astype(int))
    np.testing.assert_allclose(proba[:, 1], 1 / (1 + np.exp(-z)))
    assert clf.collapsed_ is False
    assert clf.train_metric_ == pytest.approx(f1_score(y, clf.predict(X)))
    assert clf.n_epochs_ == len(clf.history_) <= 200
    assert clf.history_[0]["train_loss"] > clf.history_[-1]["train_loss"]


def test_beats_log_loss_at_one_half_on_f1():
    X, y = _imbalanced(2000, seed=1, positives=0.05)
    Xt, yt = X[1000:], y[1000:]
    X, y = X[:1000], y[:1000]
    ours = f1_score(yt, _clf().fit(X, y).predict(Xt))
    lr = LogisticRegression().fit(StandardScaler().fit_transform(X), y)
    theirs = f1_score(yt, lr.predict(StandardScaler().fit(X).transform(Xt)))
    assert ours > theirs + 0.05


def test_string_labels_and_the_positive_class():
    X, y = _imbalanced()
    labels = np.array(["healthy", "sick"])[y]
    clf = _clf(max_epochs=100).fit(X, labels)
    assert list(clf.classes_) == ["healthy", "sick"]
    num = _clf(max_epochs=100).fit(X, y)
    np.testing.assert_array_equal(
        clf.predict(X), np.array(["healthy", "sick"])[num.predict(X)]
    )


@pytest.mark.parametrize("metric", ["gmean", "balanced_accuracy", "fbeta", "accuracy"])
def test_every_metric_trains(metric):
    X, y = _imbalanced(seed=2)
    clf = _clf(metric=metric, beta=2.0, max_epochs=300).fit(X, y)
    assert not clf.collapsed_
    assert balanced_accuracy_score(y, clf.predict(X)) > 0.6


def test_balanced_accuracy_loss_improves_balanced_accuracy_over_accuracy_loss():
    X, y = _imbalanced(1500, seed=4, positives=0.05)
    with warnings.catch_warnings():
        # trained for accuracy at 5% positives, the model may well predict the
        # majority class only (and say so)
        warnings.simplefilter("ignore", ConvergenceWarning)
        acc = _clf(metric="accuracy").fit(X, y)
    bal = _clf(metric="balanced_accuracy").fit(X, y)
    assert balanced_accuracy_score(y, bal.predict(X)) > balanced_accuracy_score(
        y, acc.predict(X)
    )


def test_pure_bce_is_class_balanced_logistic_regression():
    """bce_mix=1 is balanced logistic regression on standardised features."""
    X, y = _imbalanced(800, seed=3)
    clf = _clf(bce_mix=1.0, learning_rate=0.05, max_epochs=2000, tol=1e-7).fit(X, y)
    Xs = StandardScaler().fit_transform(X)
    lr = LogisticRegression(C=1e6, class_weight="balanced").fit(Xs, y)
    np.testing.assert_allclose(
        clf.decision_function(X), lr.decision_function(Xs), atol=0.05
    )


def test_hidden_layers():
    X, y = _imbalanced(seed=5)
    clf = _clf(hidden_layer_sizes=(16, 8), activation="tanh", max_epochs=300).fit(X, y)
    assert len([m for m in clf.module_ if isinstance(m, torch.nn.Linear)]) == 3
    assert f1_score(y, clf.predict(X)) > 0.4


def test_sample_weight_is_repetition_and_zero_is_removal():
    X, y = _imbalanced(300, seed=6)
    w = np.random.RandomState(0).randint(0, 3, size=len(y))
    w[:5] = 1  # keep both classes
    weighted = _clf(max_epochs=100).fit(X, y, sample_weight=w)
    rep = np.repeat(np.arange(len(y)), w)
    repeated = _clf(max_epochs=100).fit(X[rep], y[rep])
    np.testing.assert_allclose(
        weighted.decision_function(X), repeated.decision_function(X), atol=1e-4
    )
    assert weighted.n_epochs_ == repeated.n_epochs_
    # and the weights matter
    plain = _clf(max_epochs=100).fit(X, y)
    assert (
        np.abs(plain.decision_function(X) - weighted.decision_function(X)).max() > 1e-2
    )


def test_collapse_is_flagged_with_the_remedy():
    X, y = _imbalanced()

    def predicted_positives(tn, fp, fn, tp):  # rewards predicting class 1 only
        return (tp + fp) / (tn + fp + fn + tp)

    with pytest.warns(ConvergenceWarning, match="smaller amplifier"):
        clf = _clf(metric=predicted_positives, max_epochs=100).fit(X, y)
    assert clf.collapsed_ is True
    assert set(clf.predict(X)) == {1}


def test_early_stopping_monitors_the_metric_of_all_held_out_rows():
    X, y = _imbalanced(1000, seed=7)
    clf = _clf(early_stopping=True, n_iter_no_change=20, max_epochs=400)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    losses = [h["valid_loss"] for h in clf.history_]
    assert clf.best_epoch_ == int(np.argmin(losses)) + 1
    assert 0 <= min(losses) < 1


def test_deterministic_clone_pickle_pipeline_and_grid_search():
    X, y = _imbalanced(400, seed=8)
    a = _clf(max_epochs=100).fit(X, y)
    b = clone(a).fit(X, y)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    c = pickle.loads(pickle.dumps(a))
    np.testing.assert_array_equal(a.predict_proba(X), c.predict_proba(X))
    pipe = make_pipeline(StandardScaler(), _clf(max_epochs=100))
    grid = GridSearchCV(
        pipe, {"anylossclassifier__amplifier": [10.0, 73.0]}, scoring="f1", cv=3
    ).fit(X, y)
    assert grid.best_params_["anylossclassifier__amplifier"] in (10.0, 73.0)
    assert grid.score(X, y) > 0.3


@pytest.mark.parametrize(
    "y_kind, match",
    [
        ("multiclass", "Only binary classification is supported.*got 3 classes"),
        ("one", "Only binary classification is supported.*got 1 class "),
        ("continuous", "Unknown label type"),
    ],
)
def test_bad_targets(y_kind, match):
    X, y = _imbalanced(60)
    y = {
        "multiclass": np.arange(60) % 3,
        "one": np.zeros(60, int),
        "continuous": np.linspace(0, 1, 60),
    }[y_kind]
    with pytest.raises(ValueError, match=match):
        _clf().fit(X, y)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"amplifier": 0.0}, "amplifier"),
        ({"amplifier": -3.0}, "amplifier"),
        ({"metric": "auc"}, "metric"),
        ({"bce_mix": 1.5}, "bce_mix"),
        ({"hidden_layer_sizes": (4, 0)}, "hidden_layer_sizes"),
        ({"activation": "gelu"}, "activation"),
    ],
)
def test_bad_parameters(kwargs, match):
    X, y = _imbalanced(60)
    with pytest.raises(ValueError, match=match):
        _clf(**kwargs).fit(X, y)


def test_weights_of_one_class_only_is_an_error():
    X, y = _imbalanced(60)
    with pytest.raises(ValueError, match="both classes"):
        _clf().fit(X, y, sample_weight=(y == 0).astype(float))


def test_generators():
    X, y = make_anyloss_random()
    assert X.shape == (10000, 2) and 0.09 < y.mean() < 0.12
    X2, y2 = make_anyloss_random()
    np.testing.assert_array_equal(X, X2)
    Xb, yb = make_anyloss_breast_cancer()
    assert Xb.shape == (233, 30) and yb.sum() == 21


def test_reproduces_the_paper_on_its_random_set():
    """The authors' 10-fold protocol on their "Random" set (single layer, L=73).

    Authors: F1 0.637; their numpy prototype here 0.632; BCE at 0.5 0.528;
    TunedThresholdClassifierCV(LogisticRegression, f1) 0.639. The issue's
    margins: >= 0.60, >= BCE@0.5 + 0.05, >= tuned - 0.03.
    """
    X, y = make_anyloss_random()
    ours, bce, tuned = [], [], []
    folds = StratifiedKFold(10, shuffle=True, random_state=2)
    for tr, te in folds.split(X, y):
        ours.append(f1_score(y[te], _clf().fit(X[tr], y[tr]).predict(X[te])))
        lr = LogisticRegression().fit(X[tr], y[tr])
        bce.append(f1_score(y[te], lr.predict(X[te])))
        tt = TunedThresholdClassifierCV(LogisticRegression(), scoring="f1")
        tuned.append(f1_score(y[te], tt.fit(X[tr], y[tr]).predict(X[te])))
    ours, bce, tuned = np.mean(ours), np.mean(bce), np.mean(tuned)
    assert ours >= 0.60
    assert ours >= bce + 0.05
    assert ours >= tuned - 0.03
