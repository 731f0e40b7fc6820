"""Tests of the recsys family: data, metrics, DebiasedMF, BalancedPropensity."""

import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.pipeline import Pipeline

from sklweights.datasets import load_coat, make_mnar_ratings, make_prediction_matrices
from sklweights.metrics import (
    debiased_loss_estimate,
    ndcg_at_k,
    recall_at_k,
    relative_loss_error,
)
from sklweights.recsys import BalancedPropensity, DebiasedMF
from sklweights.recsys._debiased_mf import METHODS

pytestmark = pytest.mark.filterwarnings("ignore:.*have no observed pair:UserWarning")

COAT = Path(__file__).resolve().parents[2] / "shared" / "data" / "coat"
if not COAT.is_dir():
    COAT = Path("/work/shared/data/coat")


@pytest.fixture(scope="module")
def small():
    return make_mnar_ratings(40, 100, random_state=0)


@pytest.fixture(scope="module")
def medium():
    return make_mnar_ratings(300, 300, random_state=0)


def _fast(method="kbips", **kw):
    params = dict(
        method=method, max_epochs=2, batch_size=64, device="cpu", random_state=0
    )
    params.update(kw)
    return DebiasedMF(**params)


def _pair_features(data):
    """Pair features as DebiasedMF builds them (SVD of the observed labels)."""
    est = DebiasedMF("naive", device="cpu")
    fu, fi = est._pair_features(
        data.X_train[:, 0], data.X_train[:, 1], data.y_train, data.n_users, data.n_items
    )
    return np.concatenate([fu[data.X_test[:, 0]], fi[data.X_test[:, 1]]], axis=1)


# --------------------------------------------------------------------- data
def test_make_mnar_ratings_protocol(medium):
    d = medium
    levels, counts = np.unique(d.relevance, return_counts=True)
    np.testing.assert_allclose(levels, [0.1, 0.3, 0.5, 0.7, 0.9])
    np.testing.assert_allclose(
        counts / counts.sum(), [0.53, 0.24, 0.14, 0.06, 0.03], atol=1e-4
    )
    # observation probability 0.5 ** k, k = 4, 4, 3, 2, 1 by level
    for lev, p in zip(levels, [0.0625, 0.0625, 0.125, 0.25, 0.5]):
        np.testing.assert_allclose(d.propensity[d.relevance == lev], p)
    assert d.X_test.shape == (90000, 2)
    assert abs(d.observed.mean() - 0.0956) < 0.01
    np.testing.assert_array_equal(d.observed[d.X_train[:, 0], d.X_train[:, 1]], 1)
    # MNAR: the observed labels are more positive than the MAR labels
    assert d.y_train.mean() > d.y_test.mean() + 0.1
    assert d.mar_pairs.shape == (4500, 2)


def test_make_mnar_ratings_from_ratings_and_seed():
    rng = np.random.RandomState(0)
    ratings = np.where(rng.rand(30, 25) < 0.3, rng.randint(1, 6, (30, 25)), 0)
    d = make_mnar_ratings(ratings=ratings, n_factors=3, random_state=1)
    assert d.relevance.shape == (30, 25)
    d2 = make_mnar_ratings(ratings=ratings, n_factors=3, random_state=1)
    np.testing.assert_array_equal(d.observed, d2.observed)
    with pytest.raises(ValueError, match="no observed"):
        make_mnar_ratings(ratings=np.zeros((5, 5)))
    with pytest.raises(ValueError, match="2-d matrix"):
        make_mnar_ratings(ratings=np.ones(5))


def test_prediction_matrices(medium):
    P = make_prediction_matrices(medium.relevance, random_state=0)
    rel = medium.relevance
    n_top = np.isclose(rel, 0.9).sum()
    for name, level in (("ONE", 0.1), ("THREE", 0.3), ("FIVE", 0.5)):
        changed = P[name] != rel
        assert changed.sum() == n_top
        np.testing.assert_allclose(rel[changed], level)
    np.testing.assert_allclose(P["CRS"][rel >= 0.7], 0.1)
    np.testing.assert_allclose(P["CRS"][rel < 0.7], 0.5)
    assert P["SKEW"].min() >= 0.1 and P["SKEW"].max() <= 0.9


@pytest.mark.skipif(not COAT.is_dir(), reason="Coat data not available")
def test_load_coat():
    d = load_coat(COAT)
    assert (d.n_users, d.n_items) == (290, 300)
    assert d.X_train.shape == (6960, 2) and d.X_test.shape == (4640, 2)
    assert set(np.unique(d.y_train)) == {0, 1}
    assert d.propensities.shape == (290, 300)


def test_load_coat_missing(tmp_path):
    with pytest.raises(FileNotFoundError, match="train.ascii"):
        load_coat(tmp_path)


# ------------------------------------------------------------------ metrics
def test_ndcg_recall_by_hand():
    y = [1, 0, 1, 0, 0, 0]
    s = [0.1, 0.9, 0.8, 0.3, 0.2, 0.1]
    users = [0, 0, 0, 1, 1, 1]
    # user 0: ranking items 1 (0), 2 (1), 0 (1): DCG@2 = 1/log2(3)
    # IDCG@2 = 1 + 1/log2(3); user 1 has no positive
    expected = (1 / np.log2(3)) / (1 + 1 / np.log2(3))
    assert ndcg_at_k(y, s, users, k=2) == pytest.approx(expected)
    assert ndcg_at_k(y, s, users, k=2, convention="reference") == pytest.approx(
        (expected + 1) / 2
    )
    assert recall_at_k(y, s, users, k=2) == pytest.approx(0.5)
    assert recall_at_k(y, s, users, k=2, convention="reference") == pytest.approx(0.25)
    assert ndcg_at_k(y, np.array(y, float), users, k=3) == pytest.approx(1.0)


def test_metric_errors():
    with pytest.raises(ValueError, match="same length"):
        ndcg_at_k([1, 0], [0.1], [0, 0])
    with pytest.raises(ValueError, match="No user has a relevant"):
        recall_at_k([0, 0], [0.1, 0.2], [0, 1])
    with pytest.raises(ValueError, match="NaN"):
        ndcg_at_k([1, 0], [np.nan, 0.2], [0, 0])
    with pytest.raises(ValueError, match="needs propensity"):
        debiased_loss_estimate([1.0], [1], method="ips")
    with pytest.raises(ValueError, match="imputed_errors"):
        debiased_loss_estimate([1.0], [1], method="dr", propensity=[0.5])
    with pytest.raises(ValueError, match="0/1"):
        debiased_loss_estimate([1.0], [2], method="naive")
    with pytest.raises(ValueError, match="non-zero"):
        relative_loss_error(1.0, 0.0)


def _bce(rel, pred):
    return -(rel * np.log(pred) + (1 - rel) * np.log(1 - pred))


def test_loss_estimates_true_propensity(medium):
    """IPS/SNIPS with the true propensities: relative error within 0.02.

    Mean over 20 draws of the observation indicator; at 300 x 300 the noise
    floor of IPS is about 0.01 (measured), so 0.02 leaves a margin.
    """
    d = medium
    preds = make_prediction_matrices(d.relevance, random_state=0)
    errs = {}
    for s in range(20):
        o = np.random.RandomState(s).rand(300, 300) < d.propensity
        for name, pred in preds.items():
            e = _bce(d.relevance, pred)
            for m in ("naive", "ips", "snips"):
                est = debiased_loss_estimate(e, o, method=m, propensity=d.propensity)
                errs.setdefault((name, m), []).append(
                    relative_loss_error(est, e.mean())
                )
    for name in preds:
        assert np.mean(errs[(name, "ips")]) < 0.02, name
        assert np.mean(errs[(name, "snips")]) < 0.02, name
    # the discriminating matrices: naive is far off on CRS and FIVE
    assert np.mean(errs[("CRS", "naive")]) > 0.2
    assert np.mean(errs[("FIVE", "naive")]) > 0.03


def test_dr_estimate_exact_imputation():
    rng = np.random.RandomState(0)
    e = rng.rand(200)
    o = (rng.rand(200) < 0.3).astype(int)
    # perfect imputation: DR equals the ideal loss whatever the propensity
    est = debiased_loss_estimate(
        e, o, method="dr", propensity=np.full(200, 0.7), imputed_errors=e
    )
    assert est == pytest.approx(e.mean())


# ------------------------------------------------------- BalancedPropensity
@pytest.fixture(scope="module")
def tabular():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(150, 3))
    p = 1 / (1 + np.exp(-(X[:, 0] - 0.5 * X[:, 1] ** 2)))
    o = (rng.rand(150) < p).astype(int)
    return X, o


@pytest.mark.torch
def test_balanced_propensity_torch_matches_cvxpy(tabular):
    pytest.importorskip("cvxpy")
    X, o = tabular
    kw = dict(n_landmarks=8, balance_tol=0.005, random_state=0)
    bt = BalancedPropensity(solver="torch", **kw).fit(X, o)
    bc = BalancedPropensity(solver="cvxpy", **kw).fit(X, o)
    np.testing.assert_array_equal(bt.landmarks_, bc.landmarks_)
    # same convex problem, two solvers: weights agree to solver accuracy
    np.testing.assert_allclose(bt.weights_, bc.weights_, rtol=2e-3, atol=2e-3)
    assert bt.balance_violation_.max() <= 0.005 + 1e-5
    assert bc.balance_violation_.max() <= 0.005 + 1e-5
    np.testing.assert_allclose(bt.weights_.mean(), 1.0, rtol=1e-9)
    # the weights extend to new rows through w(x) = exp(-eta.K(x, L)) / Z
    np.testing.assert_allclose(bt.predict_weights(X[o == 1]), bt.weights_)
    np.testing.assert_allclose(
        bc.predict_weights(X[o == 1]), bc.weights_, rtol=1e-2, atol=1e-2
    )
    with pytest.warns(FutureWarning, match="renamed predict_weights"):
        old = bt.compute_weights(X[:5])
    np.testing.assert_array_equal(old, bt.predict_weights(X[:5]))


@pytest.mark.torch
def test_balanced_propensity_exact_balance_and_report(tabular):
    X, o = tabular
    bp = BalancedPropensity(n_landmarks=10, balance_tol=0.0, random_state=0).fit(X, o)
    assert bp.balance_violation_.max() < 1e-4
    np.testing.assert_allclose(
        bp.balance_violation(X, o), bp.balance_violation_, atol=1e-10
    )
    held = np.random.RandomState(5).normal(size=(20, 3))
    bal = bp.balance_violation(X, o, landmarks=held).mean()
    uni = bp.balance_violation(X, o, landmarks=held, weights="uniform").mean()
    assert bal < uni
    proba = bp.predict_proba(X)
    assert proba.shape == (150, 2) and np.all((proba >= 0) & (proba <= 1))
    np.testing.assert_allclose(proba.sum(1), 1)
    with pytest.raises(ValueError, match="one value per observed row"):
        bp.balance_violation(X, o, weights=np.ones(3))


@pytest.mark.torch
def test_balanced_propensity_bad_input(tabular):
    X, o = tabular
    with pytest.raises(ValueError, match="one class"):
        BalancedPropensity().fit(X, np.ones(150))
    with pytest.raises(ValueError, match="Only binary"):
        BalancedPropensity().fit(X, np.arange(150) % 3)
    with pytest.raises(NotFittedError):
        BalancedPropensity().predict_proba(X)


@pytest.mark.torch
def test_balanced_weights_balance_heldout_landmarks_better(medium):
    """Held-out kernel landmarks: balanced < naive-Bayes IPS < uniform weights."""
    d = medium
    X = _pair_features(d)
    o = d.observed.ravel()
    bp = BalancedPropensity(n_landmarks=30, balance_tol=0.001, random_state=0)
    bp.fit(X, o)
    held = X[np.random.RandomState(1).choice(len(X), 50, replace=False)]
    y_obs = d.y_train
    p1, po1 = d.y_mar.mean(), y_obs.mean()
    nb = 1 / np.where(y_obs == 1, po1 / p1, (1 - po1) / (1 - p1))
    # X rows are in the order of all pairs; the observed rows follow that order
    order = np.lexsort((d.X_train[:, 1], d.X_train[:, 0]))
    nb_sorted = nb[order]
    v_bal = bp.balance_violation(X, o, landmarks=held).mean()
    v_nb = bp.balance_violation(X, o, landmarks=held, weights=nb_sorted).mean()
    v_uni = bp.balance_violation(X, o, landmarks=held, weights="uniform").mean()
    assert v_bal < v_nb < v_uni


@pytest.mark.torch
@pytest.mark.slow
def test_balanced_weights_loss_estimate_beat_naive(medium):
    """Balanced weights cut the naive estimator's error on CRS and SKEW.

    Measured (3 draws, 30 landmarks): CRS naive 0.34, balanced 0.26,
    naive-Bayes IPS 0.22; SKEW 0.036 / 0.028 / 0.024. The issue's stronger
    claim (balanced beats naive-Bayes IPS) is NOT reproduced with pair
    features learnt from the observed labels; see docs/user_guide/recsys.rst.
    """
    d = medium
    preds = make_prediction_matrices(d.relevance, random_state=0)
    out = {}
    for s in range(3):
        rng = np.random.RandomState(100 + s)
        o = (rng.rand(300, 300) < d.propensity).astype(int)
        y = (rng.rand(300, 300) < d.relevance).astype(int)
        u, i = np.nonzero(o)
        sub = type(d)(X_train=np.column_stack([u, i]), y_train=y[u, i])
        sub.update(n_users=300, n_items=300, X_test=d.X_test)
        X = _pair_features(sub)
        bp = BalancedPropensity(n_landmarks=30, balance_tol=0.001, random_state=s)
        pb = bp.fit(X, o.ravel()).predict_proba(X)[:, 1]
        for name in ("CRS", "SKEW"):
            e = _bce(d.relevance, preds[name]).ravel()
            for lab, kw in (
                ("naive", dict(method="naive")),
                ("balanced", dict(method="snips", propensity=pb)),
            ):
                est = debiased_loss_estimate(e, o.ravel(), **kw)
                out.setdefault((name, lab), []).append(
                    relative_loss_error(est, e.mean())
                )
    for name in ("CRS", "SKEW"):
        assert np.mean(out[(name, "balanced")]) < np.mean(out[(name, "naive")])


# ------------------------------------------------------------- DebiasedMF
@pytest.mark.torch
@pytest.mark.parametrize("method", METHODS)
def test_every_method_fits(small, method):
    est = _fast(method, max_epochs=3).fit(small.X_train, small.y_train, y_mar=None)
    proba = est.predict_proba(small.X_test)
    assert proba.shape == (4000, 2)
    np.testing.assert_allclose(proba.sum(1), 1)
    assert len(est.history_) == est.n_epochs_ <= 3
    assert {"train_loss", "balance_violation"} <= set(est.history_[0])
    assert est.propensity_weights_.shape == (len(small.y_train),)
    assert est.balance_violation_.shape == (20,)
    if method.startswith(("kb", "wkb", "akb")):
        assert est.landmarks_.shape == (3, 2)
    else:
        assert est.landmarks_.shape == (0, 2)
    assert 0 <= est.score(small.X_test, small.y_test) <= 1


@pytest.mark.torch
def test_same_initialisation_across_methods(small):
    # with uniform propensities IPS is the naive loss: identical fits prove
    # that both methods start from one initialisation and see the same batches
    a = _fast("naive", max_epochs=3).fit(small.X_train, small.y_train)
    b = _fast("ips", max_epochs=3, base_propensity="uniform").fit(
        small.X_train, small.y_train
    )
    np.testing.assert_allclose(
        a.predict_proba(small.X_test), b.predict_proba(small.X_test), atol=1e-6
    )


@pytest.mark.torch
def test_determinism_and_seed(small):
    p1 = _fast("akbdr").fit(small.X_train, small.y_train).predict_proba(small.X_test)
    p2 = _fast("akbdr").fit(small.X_train, small.y_train).predict_proba(small.X_test)
    np.testing.assert_array_equal(p1, p2)
    p3 = (
        _fast("akbdr", random_state=1)
        .fit(small.X_train, small.y_train)
        .predict_proba(small.X_test)
    )
    assert not np.allclose(p1, p3)


@pytest.mark.torch
def test_summed_constraint_and_kernels(small):
    for kw in (
        dict(balance_constraint="summed"),
        dict(kernel="laplacian", kernel_gamma=0.5),
        dict(base_propensity="naive_bayes"),
    ):
        est = _fast("kbips", **kw).fit(small.X_train, small.y_train, y_mar=small.y_mar)
        assert np.isfinite(est.propensity_weights_).all()
    assert est.kernel_gamma_ > 0


@pytest.mark.torch
def test_balance_weight_reduces_violation(medium):
    """A larger balance_weight gives better balance at held-out landmarks."""
    d = medium
    viol = []
    for bw in (0.0, 100.0):
        est = DebiasedMF(
            "kbips", balance_weight=bw, max_epochs=4, device="cpu", random_state=0
        ).fit(d.X_train, d.y_train)
        viol.append(est.balance_violation_.mean())
    assert viol[1] < viol[0]


@pytest.mark.torch
def test_early_stopping_counter(small):
    # tol=1 never counts an improvement after the first epoch (the training
    # loss is below 1): by the MLP rule the count passes n_iter_no_change=2
    # at epoch 4; the best epoch is still the lowest training loss
    est = _fast("ips", max_epochs=20, tol=1.0, n_iter_no_change=2)
    est.fit(small.X_train, small.y_train)
    losses = [h["train_loss"] for h in est.history_]
    assert est.n_epochs_ == 4 and max(losses) < 1.0
    assert est.best_epoch_ == 1 + int(np.argmin(losses))
    es = _fast("ips", max_epochs=4, early_stopping=True, validation_fraction=0.2)
    # 4 epochs cannot hold n_iter_no_change=5 epochs without improvement
    with pytest.warns(ConvergenceWarning, match="still improving"):
        es.fit(small.X_train, small.y_train)
    assert "valid_loss" in es.history_[0]
    assert 1 <= es.best_epoch_ <= es.n_epochs_


@pytest.mark.torch
def test_clone_pickle_pipeline_gridsearch(small):
    est = _fast("kbips").fit(small.X_train, small.y_train)
    again = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(
        est.predict_proba(small.X_test), again.predict_proba(small.X_test)
    )
    c = clone(est)
    assert not hasattr(c, "user_factors_") and c.get_params() == est.get_params()
    pipe = Pipeline([("mf", _fast("ips"))]).fit(small.X_train, small.y_train)
    assert pipe.predict(small.X_test).shape == (4000,)
    dense = make_mnar_ratings(30, 300, random_state=0)  # ~29 pairs per user
    gs = GridSearchCV(
        _fast("naive"),
        {"method": ["naive", "snips"]},
        scoring="roc_auc",
        # shuffled folds: the pairs are sorted by user, and a fold without
        # some user is refused (empty user rows)
        cv=KFold(2, shuffle=True, random_state=0),
        error_score="raise",
    )
    gs.fit(dense.X_train, dense.y_train, n_users=30, n_items=300)
    assert gs.best_params_["method"] in {"naive", "snips"}
    assert 0 <= gs.score(dense.X_test, dense.y_test) <= 1


@pytest.mark.torch
def test_prediction_invariances_and_api(small):
    est = _fast("dr_jl").fit(small.X_train, small.y_train)
    X = small.X_test[:200]
    full = est.predict_proba(X)
    perm = np.random.RandomState(0).permutation(200)
    np.testing.assert_allclose(est.predict_proba(X[perm]), full[perm])
    np.testing.assert_allclose(est.predict_proba(X[:7]), full[:7])
    np.testing.assert_array_equal(est.predict(X), (full[:, 1] >= 0.5).astype(int))
    dec = est.decision_function(X)
    np.testing.assert_allclose(1 / (1 + np.exp(-dec)), full[:, 1])
    assert est.score(X, small.y_test[:200]) == pytest.approx(
        roc_auc_score(small.y_test[:200], full[:, 1])
    )
    assert est.n_features_in_ == 2
    # floats holding integers are accepted
    np.testing.assert_allclose(est.predict_proba(X.astype(float)), full)


@pytest.mark.torch
def test_dataframe_input(small):
    df = pd.DataFrame({"item": small.X_train[:, 1], "user": small.X_train[:, 0]})
    df["other"] = 0
    est = _fast("ips").fit(df, small.y_train)
    ref = _fast("ips").fit(small.X_train, small.y_train)
    test = pd.DataFrame({"user": small.X_test[:, 0], "item": small.X_test[:, 1]})
    np.testing.assert_allclose(
        est.predict_proba(test), ref.predict_proba(small.X_test), atol=1e-6
    )
    assert list(est.feature_names_in_) == ["user", "item"]


@pytest.mark.torch
def test_dataframe_columns_read_by_name(small):
    """Columns named user and item are read by name, in either order."""
    X, y = small.X_train, small.y_train
    reversed_df = pd.DataFrame({"item": X[:, 1], "user": X[:, 0]})
    est = _fast("ips").fit(reversed_df, y)
    ref = _fast("ips").fit(X, y)
    assert (est.n_users_, est.n_items_) == (small.n_users, small.n_items)
    test = pd.DataFrame({"item": small.X_test[:, 1], "user": small.X_test[:, 0]})
    np.testing.assert_allclose(
        est.predict_proba(test), ref.predict_proba(small.X_test), atol=1e-6
    )
    # other names are read by position, users first ...
    named = pd.DataFrame({"uid": X[:, 0], "iid": X[:, 1]})
    named_test = pd.DataFrame(small.X_test[:5], columns=["uid", "iid"])
    np.testing.assert_allclose(
        _fast("ips").fit(named, y).predict_proba(named_test),
        ref.predict_proba(small.X_test[:5]),
        atol=1e-6,
    )
    # ... unless one name says the position is the other's
    for cols in (["item", "iid"], ["uid", "user"]):
        df = pd.DataFrame(X, columns=cols)
        with pytest.raises(ValueError, match="name the columns 'user' and 'item'"):
            _fast("ips").fit(df, y)


@pytest.mark.torch
@pytest.mark.parametrize("flip", [True, False], ids=["opposite", "same"])
def test_repeated_pairs_are_refused(small, flip):
    X, y = small.X_train, small.y_train
    X2 = np.vstack([X, X[3:5]])
    y2 = np.r_[y, 1 - y[3:5] if flip else y[3:5]]
    match = f"2 repeated \\(user, item\\) pair\\(s\\).*{2 if flip else 0} of them"
    with pytest.raises(ValueError, match=match):
        _fast("ips").fit(X2, y2)


@pytest.mark.torch
def test_raw_ids_are_refused_before_allocation(small, monkeypatch):
    """An id far above the ids seen does not size the embeddings."""
    import sklweights.recsys._debiased_mf as mf

    def no_allocation(*args, **kwargs):
        raise AssertionError("allocated before the ids were checked")

    X, y = small.X_train.copy(), small.y_train
    X[0, 1] = 10**9
    with monkeypatch.context() as m:
        m.setattr(mf, "_mf_module", no_allocation)
        m.setattr(mf.DebiasedMF, "_base_propensity", no_allocation)
        with pytest.raises(ValueError, match="largest item id is 1000000000.*0-based"):
            _fast("ips").fit(X, y)
        X[0, 1], X[1, 0] = 0, 10**9
        with pytest.raises(ValueError, match="largest user id is 1000000000"):
            _fast("ips").fit(X, y)
        # an explicit size below the ids is refused as well
        with pytest.raises(ValueError, match="ids must be < n_users=40"):
            _fast("ips").fit(X, y, n_users=40)
    # within the documented range (largest id < 1000) the universe is inferred
    X = small.X_train.copy()
    X[0, 1] = 999
    with pytest.warns(UserWarning, match="have no observed pair"):
        est = _fast("naive", max_epochs=1).fit(X, y)
    assert est.n_items_ == 1000


@pytest.mark.torch
@pytest.mark.parametrize("base_propensity", ["logistic", "uniform", "naive_bayes"])
def test_fully_observed_universe(base_propensity):
    """Every pair observed: no selection, propensity 1, IPS is the naive fit."""
    rng = np.random.RandomState(0)
    X = np.array([[u, i] for u in range(8) for i in range(10)])
    y = rng.binomial(1, 0.4, len(X))
    kw = dict(base_propensity=base_propensity, max_epochs=3)
    fit = {"y_mar": y[:20]} if base_propensity == "naive_bayes" else {}
    ips = _fast("ips", **kw).fit(X, y, **fit)
    naive = _fast("naive", **kw).fit(X, y, **fit)
    np.testing.assert_array_equal(ips.base_propensity_, 1.0)
    np.testing.assert_allclose(ips.propensity_weights_, 1.0)
    np.testing.assert_allclose(ips.predict_proba(X), naive.predict_proba(X), atol=1e-6)
    for method in ("dr", "dr_jl", "kbips", "akbdr"):
        est = _fast(method, **kw).fit(X, y, **fit)
        assert np.all(np.isfinite(est.predict_proba(X)))
        assert np.all(np.isfinite(est.propensity_weights_))
    kb = _fast("kbips", **kw).fit(X, y, **fit)
    np.testing.assert_allclose(kb.propensity_weights_, 1.0, atol=1e-3)


@pytest.mark.torch
def test_recommend(small):
    est = _fast("ips").fit(small.X_train, small.y_train)
    top = est.recommend([0, 3], k=4)
    assert top.shape == (2, 4)
    seen0 = set(small.X_train[small.X_train[:, 0] == 0, 1])
    assert not seen0 & set(top[0])
    scores = est.predict_proba(np.column_stack([np.zeros(4, int), top[0]]))[:, 1]
    assert np.all(np.diff(scores) <= 1e-12)
    all_top = est.recommend(0, k=100, exclude_seen=False)
    assert sorted(all_top[0]) == list(range(100))
    padded = est.recommend(0, k=110)
    assert (padded == -1).sum() >= 10
    with pytest.raises(ValueError, match="out of range"):
        est.recommend([99])
    with pytest.raises(ValueError, match="positive integer"):
        est.recommend([0], k=0)


@pytest.mark.torch
def test_bad_input(small):
    X, y = small.X_train, small.y_train
    with pytest.raises(ValueError, match="non-negative"):
        _fast().fit(np.vstack([X, [-1, 0]]), np.r_[y, 1])
    with pytest.raises(ValueError, match="integer"):
        _fast().fit(X + 0.5, y)
    with pytest.raises(ValueError, match="shape \\(n_pairs, 2\\)"):
        _fast().fit(np.column_stack([X, X[:, 0]]), y)
    with pytest.raises(ValueError, match="n_users=10"):
        _fast().fit(X, y, n_users=10)
    with pytest.raises(ValueError, match="n_items=5"):
        _fast().fit(X, y, n_items=5)
    with pytest.raises(ValueError, match="binary labels"):
        _fast().fit(X, y * 3)
    with pytest.raises(ValueError, match="binary labels"):
        _fast().fit(X, y + 0.5)
    with pytest.raises(ValueError, match="needs y_mar"):
        _fast(base_propensity="naive_bayes").fit(X, y)
    with pytest.raises(ValueError, match="y_mar must hold binary"):
        _fast(base_propensity="naive_bayes").fit(X, y, y_mar=[0, 2])
    with pytest.raises(ValueError, match="y_mar is empty"):
        _fast(base_propensity="naive_bayes").fit(X, y, y_mar=[])
    with pytest.raises(ValueError, match="one observation probability"):
        _fast(base_propensity=np.full(3, 0.5)).fit(X, y)
    with pytest.raises(ValueError, match="in \\(0, 1\\]"):
        _fast(base_propensity=np.zeros(len(y))).fit(X, y)
    with pytest.raises(ValueError, match="device="):
        _fast(device="cuda:99").fit(X, y)
    with pytest.raises(NotFittedError):
        _fast().predict(X)
    est = _fast("naive").fit(X, y)
    with pytest.raises(ValueError, match="out of range"):
        est.predict(np.array([[0, 100]]))
    with pytest.raises(ValueError, match="out of range"):
        est.predict(np.array([[40, 0]]))
    with pytest.raises(ValueError, match="integer"):
        est.predict(np.random.RandomState(0).normal(size=(5, 2)))


# --------------------------------------------------------- paper claims
@pytest.mark.torch
@pytest.mark.slow
def test_training_semi_synthetic_measured_ordering(medium):
    """Training on 300 x 300 semi-synthetic data: what we measured holds.

    Defaults (30 epochs, logistic base propensity), seed 0. Benchmark medians
    over 3 seeds (AUC on drawn MAR labels): naive 0.6325, IPS 0.6260, DR-JL
    0.6349, KBIPS 0.6268, KBDR 0.6366. Every method learns (AUC well above
    0.5), DR-JL is not below naive - 0.01, KBIPS is within 0.01 of IPS and
    KBDR is not below DR-JL (up to seed noise).
    """
    d = medium
    auc = {}
    for m in ("naive", "ips", "dr_jl", "kbips", "kbdr"):
        est = DebiasedMF(m, device="cpu", random_state=0).fit(d.X_train, d.y_train)
        auc[m] = est.score(d.X_test, d.y_test)
    assert min(auc.values()) > 0.6
    assert auc["dr_jl"] >= auc["naive"] - 0.01
    assert abs(auc["kbips"] - auc["ips"]) <= 0.01
    # the "KBDR not below DR-JL" (3-seed medians in the benchmark:
    # 0.6366 vs 0.6349 here, 0.6624 vs 0.6588 on ML-100K, a tie on Coat);
    # 0.005 allows for one seed's noise
    assert auc["kbdr"] >= auc["dr_jl"] - 0.005


@pytest.mark.torch
@pytest.mark.slow
@pytest.mark.xfail(
    reason="paper claim not reproduced here: KBIPS is not 0.03 above naive "
    "on our semi-synthetic data (our naive MF is well regularised); see the "
    "benchmark in docs/user_guide/recsys.rst",
    strict=False,
)
def test_paper_claim_kbips_above_naive(medium):
    d = medium
    auc = {}
    for m in ("naive", "ips", "kbips", "dr_jl", "kbdr"):
        est = DebiasedMF(
            m, device="cpu", random_state=0, base_propensity="naive_bayes"
        ).fit(d.X_train, d.y_train, y_mar=d.y_mar)
        auc[m] = est.score(d.X_test, d.y_test)
    assert auc["kbips"] >= auc["naive"] + 0.03
    assert auc["kbips"] >= auc["ips"]
    assert auc["kbdr"] >= auc["dr_jl"]


# ------------------------------------------------------------------- GPU
@pytest.mark.torch
@pytest.mark.gpu
def test_cpu_gpu_agreement(medium):
    d = medium
    kw = dict(method="kbdr", max_epochs=5, random_state=0)
    cpu = DebiasedMF(device="cpu", **kw).fit(d.X_train, d.y_train)
    gpu = DebiasedMF(device="cuda", **kw).fit(d.X_train, d.y_train)
    assert gpu.device_.startswith("cuda")
    pc = cpu.predict_proba(d.X_test)[:, 1]
    pg = gpu.predict_proba(d.X_test)[:, 1]
    # same draws (CPU generator), float32 kernels on two devices: close
    assert np.corrcoef(pc, pg)[0, 1] > 0.99
    assert abs(cpu.score(d.X_test, d.y_test) - gpu.score(d.X_test, d.y_test)) < 0.01
    bp_c = BalancedPropensity(n_landmarks=10, random_state=0, device="cpu")
    bp_g = BalancedPropensity(n_landmarks=10, random_state=0, device="cuda")
    rng = np.random.RandomState(0)
    X = rng.normal(size=(300, 3))
    o = (rng.rand(300) < 1 / (1 + np.exp(-X[:, 0]))).astype(int)  # overlap
    np.testing.assert_allclose(
        bp_c.fit(X, o).weights_, bp_g.fit(X, o).weights_, rtol=1e-5, atol=1e-6
    )
