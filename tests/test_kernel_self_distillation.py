"""SelfDistilledKernelRidge and self_distillation_path (sklweights.kernel).

Exactness against scikit-learn's KernelRidge (the teacher, a refit on the
mixed target, the amplified-penalty limit), against dense-matrix oracles
(the one-shot GCV weight of Dang, Patil & Rinaldo) and against the authors'
toy notebook; bad input; scikit-learn composition.
"""

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_diabetes
from sklearn.kernel_ridge import KernelRidge
from sklearn.metrics.pairwise import rbf_kernel
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils import check_random_state

from sklweights.kernel import SelfDistilledKernelRidge, self_distillation_path
from sklweights.kernel import _self_distillation as sd_module

ATOL = 1e-10

# The 11 noisy points of Mobahi, Farajtabar & Bartlett (2020) at x = 0, 0.1,
# ..., 1, as hard-coded in Borup & Andersen's toy_example.ipynb (data, not
# results); the loss is the MSE against sin(2 pi x) on x = 0, 0.01, ..., 1.
TOY_X = np.arange(0, 1.1, 0.1).reshape(-1, 1)
TOY_Y = np.array(
    [
        0.38476636465198066,
        1.2333967683416893,
        1.33232242218057,
        0.69201594888895180,
        -0.29756145531871736,
        -0.24189291901377769,
        -0.7964485769175675,
        -0.9616480167034174,
        -0.49672509509916934,
        -0.3469066003991437,
        0.5589512650600734,
    ]
)
TOY_GRID = np.arange(0, 1.01, 0.01).reshape(-1, 1)
TOY_TRUTH = np.sin(2 * np.pi * TOY_GRID[:, 0])
TOY = dict(alpha=2e-1, gamma=80.0)

# The authors' printed losses, notebook steps 1..6 (our stages 0..5) and the
# limit. The README's column headed "alpha = 0.25" is the alpha = 0.35 run;
# the alpha = 0.25 row is the notebook's own output.
AUTHORS_TABLE = {
    0.0: ([0.16477, 0.15076, 0.14915, 0.15561, 0.16735, 0.18251], 0.49505),
    0.25: ([0.16477, 0.15309, 0.14958, 0.14903, 0.14946, 0.15011], 0.15250),
    0.35: ([0.16477, 0.15424, 0.15089, 0.14983, 0.14954, 0.14948], 0.14959),
}


def _data(n=60, n_test=25, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n + n_test, 3))
    y = np.sin(X[:, 0]) + 0.5 * X[:, 1] + rng.normal(scale=0.3, size=n + n_test)
    return X[:n], y[:n], X[n:], y[n:]


@pytest.mark.parametrize("n_steps", [1, 4, np.inf])
@pytest.mark.parametrize("weighted", [False, True])
def test_weight_one_is_kernel_ridge(n_steps, weighted):
    X, y, Xt, _ = _data()
    sw = np.random.default_rng(1).uniform(0.5, 2, size=len(y)) if weighted else None
    model = SelfDistilledKernelRidge(alpha=0.5, gamma=0.3, weight=1.0, n_steps=n_steps)
    model.fit(X, y, sample_weight=sw)
    teacher = KernelRidge(alpha=0.5, kernel="rbf", gamma=0.3).fit(
        X, y, sample_weight=sw
    )
    np.testing.assert_allclose(model.predict(Xt), teacher.predict(Xt), atol=ATOL)
    np.testing.assert_allclose(model.dual_coef_, teacher.dual_coef_, atol=ATOL)
    for stage in model.staged_predict(Xt):
        np.testing.assert_allclose(stage, teacher.predict(Xt), atol=ATOL)


@pytest.mark.parametrize(
    "kernel, params",
    [
        ("rbf", {"gamma": 0.3}),
        ("laplacian", {"gamma": 0.2}),
        ("polynomial", {"degree": 2, "coef0": 1.0, "gamma": 0.5}),
    ],
)
@pytest.mark.parametrize("weighted", [False, True])
def test_each_step_is_a_kernel_ridge_refit_on_the_mixed_target(
    kernel, params, weighted
):
    X, y, Xt, _ = _data()
    sw = (
        np.random.default_rng(2).integers(0, 4, size=len(y)).astype(float)
        if weighted
        else None
    )
    weights = [0.3, 0.8, 0.0, 0.5]
    model = SelfDistilledKernelRidge(
        alpha=0.5, kernel=kernel, weight=weights, n_steps=4, **params
    ).fit(X, y, sample_weight=sw)
    stages = list(model.staged_predict(Xt))
    assert len(stages) == 5
    target = y
    for step, stage in enumerate(stages):
        refit = KernelRidge(alpha=0.5, kernel=kernel, **params)
        refit.fit(X, target, sample_weight=sw)
        np.testing.assert_allclose(stage, refit.predict(Xt), atol=ATOL)
        if step < len(weights):
            w = weights[step]
            target = w * y + (1 - w) * refit.predict(X)
    np.testing.assert_allclose(model.predict(Xt), stages[-1], atol=ATOL)
    np.testing.assert_array_equal(model.weights_, weights)
    assert model.weight_source_ == "fixed"


@pytest.mark.parametrize("weight", [0.35, 1.6])
def test_limit_is_kernel_ridge_with_amplified_penalty(weight):
    X, y, Xt, _ = _data()
    sw = np.random.default_rng(3).uniform(0.5, 2, size=len(y))
    lam = 0.5
    limit = SelfDistilledKernelRidge(
        alpha=lam, gamma=0.3, weight=weight, n_steps=np.inf, constrain_weight=False
    ).fit(X, y, sample_weight=sw)
    amplified = KernelRidge(alpha=lam / weight, kernel="rbf", gamma=0.3)
    amplified.fit(X, y, sample_weight=sw)
    np.testing.assert_allclose(limit.predict(Xt), amplified.predict(Xt), atol=ATOL)
    recursion = SelfDistilledKernelRidge(
        alpha=lam, gamma=0.3, weight=weight, n_steps=300, constrain_weight=False
    ).fit(X, y, sample_weight=sw)
    np.testing.assert_allclose(limit.predict(Xt), recursion.predict(Xt), atol=1e-12)
    assert limit.n_steps_ == np.inf and limit.weights_.tolist() == [weight]
    assert len(list(limit.staged_predict(Xt))) == 2


def test_pure_distillation_limit_is_zero():
    X, y, Xt, _ = _data()
    model = SelfDistilledKernelRidge(weight=0.0, n_steps=np.inf).fit(X, y)
    np.testing.assert_array_equal(model.predict(Xt), 0.0)


def test_authors_toy_example_to_five_decimals():
    path = self_distillation_path(
        TOY_X,
        TOY_Y,
        TOY_GRID,
        TOY_TRUTH,
        weights=list(AUTHORS_TABLE),
        n_steps=5,
        **TOY,
    )
    for i, (steps, limit) in enumerate(AUTHORS_TABLE.values()):
        np.testing.assert_array_equal(np.round(path.val_mse[i], 5), steps)
        assert round(float(path.limit_val_mse[i]), 5) == limit
    # the estimator's stages give the same numbers
    model = SelfDistilledKernelRidge(**TOY, weight=0.35, n_steps=5).fit(TOY_X, TOY_Y)
    losses = [np.mean((p - TOY_TRUTH) ** 2) for p in model.staged_predict(TOY_GRID)]
    np.testing.assert_allclose(losses, path.val_mse[2], atol=1e-14)


def test_closed_form_weight_equals_a_fine_grid_search():
    # the reference set is the noiseless truth on the fine grid (the toy's loss)
    model = SelfDistilledKernelRidge(
        **TOY, weight="optimal", constrain_weight=False, n_steps=2
    ).fit(TOY_X, TOY_Y, X_val=TOY_GRID, y_val=TOY_TRUTH)
    assert model.weight_source_ == "held_out_X_val"
    grid = np.round(np.arange(-2.0, 2.0 + 1e-9, 1e-4), 4)
    path = self_distillation_path(
        TOY_X, TOY_Y, TOY_GRID, TOY_TRUTH, weights=grid, n_steps=1, **TOY
    )
    best = grid[np.argmin(path.val_mse[:, 1])]
    assert abs(model.weights_[0] - best) <= 1e-4
    assert model.weights_[0] < -0.5  # the toy's optimum leaves [0, 1]
    # step 2, given step 1's weight: a grid over the second weight
    local = model.weights_[1] + np.arange(-0.02, 0.02 + 1e-9, 1e-4)
    losses = []
    for w in local:
        fixed = SelfDistilledKernelRidge(
            **TOY, weight=[model.weights_[0], w], n_steps=2, constrain_weight=False
        ).fit(TOY_X, TOY_Y)
        losses.append(np.mean((fixed.predict(TOY_GRID) - TOY_TRUTH) ** 2))
    assert abs(model.weights_[1] - local[np.argmin(losses)]) <= 1e-4
    assert np.argmin(losses) not in (0, len(local) - 1)


def test_constrained_weight_is_clipped():
    kwargs = dict(**TOY, weight="optimal", n_steps=1)
    free = SelfDistilledKernelRidge(**kwargs, constrain_weight=False)
    free.fit(TOY_X, TOY_Y, X_val=TOY_GRID, y_val=TOY_TRUTH)
    clipped = SelfDistilledKernelRidge(**kwargs).fit(
        TOY_X, TOY_Y, X_val=TOY_GRID, y_val=TOY_TRUTH
    )
    assert free.weights_[0] < 0
    assert clipped.weights_[0] == 0.0
    assert clipped.unconstrained_weights_[0] == pytest.approx(free.weights_[0])
    pure = SelfDistilledKernelRidge(**TOY, weight=0.0).fit(TOY_X, TOY_Y)
    np.testing.assert_allclose(clipped.predict(TOY_GRID), pure.predict(TOY_GRID))


def test_held_out_split_then_refit_on_all_rows():
    X, y, Xt, _ = _data(n=80)
    model = SelfDistilledKernelRidge(
        alpha=0.5,
        gamma=0.3,
        weight="optimal",
        n_steps=3,
        constrain_weight=False,
        validation_fraction=0.25,
        random_state=7,
    ).fit(X, y)
    assert model.weight_source_ == "held_out_split"
    order = check_random_state(7).permutation(80)
    ref, fit = np.sort(order[:20]), np.sort(order[20:])
    on_split = SelfDistilledKernelRidge(
        alpha=0.5, gamma=0.3, weight="optimal", n_steps=3, constrain_weight=False
    ).fit(X[fit], y[fit], X_val=X[ref], y_val=y[ref])
    np.testing.assert_allclose(model.weights_, on_split.weights_, rtol=1e-10)
    refit = SelfDistilledKernelRidge(
        alpha=0.5, gamma=0.3, weight=model.weights_, n_steps=3, constrain_weight=False
    ).fit(X, y)
    np.testing.assert_allclose(model.predict(Xt), refit.predict(Xt), atol=ATOL)


def _dense_gcv_weight(K, y, lam, fitted):
    """Dang, Patil & Rinaldo's A, B, C estimates with explicit smoother matrices."""
    n = len(y)
    S = K @ np.linalg.inv(K + lam * np.eye(n))
    S_b = S @ fitted  # the pure-distillation smoother: S times the previous one
    r_a, r_b = y - S @ y, y - S_b @ y
    d_a, d_b = 1 - np.trace(S) / n, 1 - np.trace(S_b) / n
    A = r_a @ r_a / n / d_a**2
    B = r_b @ r_b / n / d_b**2
    C = r_a @ r_b / n / (d_a * d_b)
    xi = (A - C) / (A + B - 2 * C)  # weight on the teacher's labels
    return 1 - xi, S


def test_gcv_weight_matches_the_dense_formula():
    X, y, _, _ = _data(n=70)
    K = rbf_kernel(X, gamma=0.3)
    model = SelfDistilledKernelRidge(
        alpha=0.05, gamma=0.3, weight="gcv", n_steps=3, constrain_weight=False
    ).fit(X, y)
    assert model.weight_source_ == "one_shot_gcv"
    previous = K @ np.linalg.inv(K + 0.05 * np.eye(len(y)))  # the teacher
    for t in range(3):
        w, S = _dense_gcv_weight(K, y, 0.05, previous)
        assert model.weights_[t] == pytest.approx(w, rel=1e-8)
        previous = S @ (w * np.eye(len(y)) + (1 - w) * previous)


def test_gcv_weight_with_integer_weights_equals_repeated_rows():
    X, y, Xt, _ = _data(n=50)
    sw = np.random.default_rng(4).integers(0, 4, size=50)
    kwargs = dict(alpha=0.2, gamma=0.3, n_steps=3, constrain_weight=False)
    weighted = SelfDistilledKernelRidge(**kwargs).fit(X, y, sample_weight=sw)
    repeated = SelfDistilledKernelRidge(**kwargs).fit(
        np.repeat(X, sw, axis=0), np.repeat(y, sw)
    )
    np.testing.assert_allclose(weighted.weights_, repeated.weights_, rtol=1e-8)
    np.testing.assert_allclose(weighted.predict(Xt), repeated.predict(Xt), atol=1e-8)


def test_path_matches_the_estimator_and_its_losses():
    X, y, Xt, yt = _data()
    sw = np.random.default_rng(5).uniform(0.5, 2, size=len(y))
    grid = [-0.5, 0.0, 0.4, 1.0, 1.7]
    path = self_distillation_path(
        X, y, Xt, yt, weights=grid, n_steps=3, alpha=0.5, gamma=0.3, sample_weight=sw
    )
    assert path.train_predictions.shape == (5, 4, len(y))
    assert path.val_predictions.shape == (5, 4, len(yt))
    for i, w in enumerate(grid):
        model = SelfDistilledKernelRidge(
            alpha=0.5, gamma=0.3, weight=w, n_steps=3, constrain_weight=False
        ).fit(X, y, sample_weight=sw)
        for stage, pred in enumerate(model.staged_predict(Xt)):
            np.testing.assert_allclose(path.val_predictions[i, stage], pred, atol=ATOL)
        fitted = list(model.staged_predict(X))
        np.testing.assert_allclose(path.train_predictions[i], fitted, atol=ATOL)
        np.testing.assert_allclose(
            path.train_mse[i],
            [np.average((f - y) ** 2, weights=sw) for f in fitted],
            rtol=1e-10,
        )
        limit = SelfDistilledKernelRidge(
            alpha=0.5, gamma=0.3, weight=w, n_steps=np.inf, constrain_weight=False
        )
        if w <= 0:
            continue
        limit.fit(X, y, sample_weight=sw)
        assert path.limit_val_mse[i] == pytest.approx(
            np.mean((limit.predict(Xt) - yt) ** 2), rel=1e-10
        )
    # teacher column identical for every weight; weight 1 flat
    np.testing.assert_allclose(path.val_mse[:, 0], path.val_mse[0, 0])
    np.testing.assert_allclose(path.val_mse[3], path.val_mse[3, 0])


def test_path_limit_of_a_diverging_weight_is_infinite():
    X, y, Xt, yt = _data()
    path = self_distillation_path(
        X, y, Xt, yt, weights=[0.5, 6.0], n_steps=2, alpha=0.01, gamma=0.3
    )
    assert np.isfinite(path.limit_val_mse[0]) and path.limit_val_mse[1] == np.inf
    assert np.all(np.isfinite(path.val_mse))


def test_precomputed_kernel_and_sparse_input():
    from scipy import sparse

    X, y, Xt, _ = _data()
    kwargs = dict(alpha=0.5, n_steps=2, weight="gcv", constrain_weight=False)
    rbf = SelfDistilledKernelRidge(gamma=0.3, **kwargs).fit(X, y)
    pre = SelfDistilledKernelRidge(kernel="precomputed", **kwargs)
    pre.fit(rbf_kernel(X, gamma=0.3), y)
    np.testing.assert_allclose(
        pre.predict(rbf_kernel(Xt, X, gamma=0.3)), rbf.predict(Xt), atol=ATOL
    )
    np.testing.assert_allclose(pre.weights_, rbf.weights_, rtol=1e-10)
    Xs = sparse.csr_matrix(np.where(np.abs(X) > 0.5, X, 0.0))
    dense = SelfDistilledKernelRidge(gamma=0.3, **kwargs).fit(Xs.toarray(), y)
    sp = SelfDistilledKernelRidge(gamma=0.3, **kwargs).fit(Xs, y)
    np.testing.assert_allclose(sp.predict(Xt), dense.predict(Xt), atol=ATOL)


def test_sample_weight_zero_drops_rows():
    X, y, Xt, _ = _data()
    sw = np.ones(len(y))
    sw[:15] = 0
    kwargs = dict(alpha=0.5, gamma=0.3, n_steps=3, constrain_weight=False)
    weighted = SelfDistilledKernelRidge(**kwargs).fit(X, y, sample_weight=sw)
    dropped = SelfDistilledKernelRidge(**kwargs).fit(X[15:], y[15:])
    np.testing.assert_allclose(weighted.weights_, dropped.weights_, rtol=1e-8)
    np.testing.assert_allclose(weighted.predict(Xt), dropped.predict(Xt), atol=1e-9)


def test_spectral_filter_is_the_smoother():
    X, y, _, _ = _data()
    model = SelfDistilledKernelRidge(alpha=0.5, gamma=0.3, weight=0.4, n_steps=2).fit(
        X, y
    )
    d = model.eigenvalues_
    teacher = d / (d + 0.5)
    g = 0.4 + 0.6 * teacher * (0.4 + 0.6 * teacher)
    np.testing.assert_allclose(model.spectral_filter_, teacher * g, atol=1e-14)
    K = rbf_kernel(X, gamma=0.3)
    np.testing.assert_allclose(np.sort(np.linalg.eigvalsh(K)), d, atol=1e-10)


def test_undetermined_weight_warns_and_uses_one():
    X, y, _, _ = _data()
    far = X[:5] + 1e3  # the kernel between far rows and X underflows to 0
    model = SelfDistilledKernelRidge(gamma=0.3, weight="optimal", n_steps=1)
    with pytest.warns(UserWarning, match="undetermined"):
        model.fit(X, y, X_val=far, y_val=y[:5])
    assert model.weights_.tolist() == [1.0]


def test_gcv_weight_falls_back_to_one_when_the_distilled_risk_is_unbounded():
    from sklearn.datasets import make_friedman1

    # a nearly interpolating teacher (trace of the smoother 58.6 of 60): the
    # first GCV weight is far above 1, after which the pure-distillation
    # smoother amplifies and its trace passes n
    X, y = make_friedman1(60, noise=1.0, random_state=0)
    X = (X - X.mean(0)) / X.std(0)
    y = (y - y.mean()) / y.std()
    model = SelfDistilledKernelRidge(
        alpha=0.01, gamma=0.1, n_steps=3, constrain_weight=False
    )
    with pytest.warns(UserWarning, match="step 2 is undetermined.*GCV risk"):
        model.fit(X, y)
    assert model.weights_[0] > 1 and model.weights_[1] == 1.0
    assert np.all(np.isfinite(model.dual_coef_))


def test_composition_grid_search_pipeline_clone_pickle():
    X, y = load_diabetes(return_X_y=True)
    X, y = X[:150], (y[:150] - y[:150].mean()) / y[:150].std()
    pipe = make_pipeline(StandardScaler(), SelfDistilledKernelRidge(gamma=0.05))
    search = GridSearchCV(
        pipe,
        {
            "selfdistilledkernelridge__alpha": [0.3, 3.0],
            "selfdistilledkernelridge__weight": ["gcv", 0.5, 1.0],
        },
        cv=3,
    ).fit(X, y)
    best = search.best_estimator_
    restored = pickle.loads(pickle.dumps(best))
    np.testing.assert_array_equal(restored.predict(X), best.predict(X))
    twin = clone(best)
    assert (
        twin.get_params()["selfdistilledkernelridge__alpha"]
        == (best.get_params()["selfdistilledkernelridge__alpha"])
    )
    assert not hasattr(twin[-1], "dual_coef_")


def test_fit_does_not_modify_inputs():
    X, y, _, _ = _data()
    K = rbf_kernel(X, gamma=0.3)
    K0, y0 = K.copy(), y.copy()
    sw = np.full(len(y), 2.0)
    SelfDistilledKernelRidge(kernel="precomputed", weight="optimal").fit(
        K, y, sample_weight=sw
    )
    np.testing.assert_array_equal(K, K0)
    np.testing.assert_array_equal(y, y0)
    np.testing.assert_array_equal(sw, 2.0)


# --- bad input -------------------------------------------------------------


@pytest.fixture
def no_kernel(monkeypatch):
    """Fail loudly if a kernel matrix is computed: errors must come first."""

    def boom(*args, **kwargs):
        raise AssertionError("a kernel matrix was computed before the check")

    monkeypatch.setattr(sd_module, "_kernel_matrix", boom)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"weight": 1.5}, r"weight must lie in \[0, 1\] when constrain_weight=True"),
        ({"weight": -0.1}, r"weight must lie in \[0, 1\]"),
        ({"weight": [0.5, 0.5], "n_steps": 3}, "one float per step"),
        ({"weight": [0.5], "n_steps": np.inf}, "takes one float weight"),
        ({"weight": [0.5, np.nan]}, "one float per step|finite"),
        ({"weight": "gcv", "n_steps": np.inf}, "n_steps=np.inf needs a fixed"),
        ({"weight": "optimal", "n_steps": np.inf}, "n_steps=np.inf needs a fixed"),
        ({"n_steps": 0}, "'n_steps' parameter"),
        ({"n_steps": 2.5}, "'n_steps' parameter"),
        ({"alpha": 0.0}, "'alpha' parameter"),
        ({"weight": "best"}, "'weight' parameter"),
        ({"weight": ["a", "b"], "n_steps": 2}, "a float or one float per step"),
        ({"kernel": "nope"}, "'kernel' parameter"),
        ({"validation_fraction": 1.0}, "'validation_fraction' parameter"),
    ],
)
def test_bad_parameters_raise_before_the_kernel(params, match, no_kernel):
    X, y, _, _ = _data()
    with pytest.raises(ValueError, match=match):
        SelfDistilledKernelRidge(**params).fit(X, y)


def test_nan_weight_in_a_sequence_is_refused(no_kernel):
    X, y, _, _ = _data()
    with pytest.raises(ValueError, match="weight must be finite"):
        SelfDistilledKernelRidge(weight=[0.5, np.nan], n_steps=2).fit(X, y)


def test_bad_fit_arguments_raise_before_the_kernel(no_kernel):
    X, y, Xt, yt = _data()
    model = SelfDistilledKernelRidge(weight="optimal")
    with pytest.raises(ValueError, match="give both X_val and y_val"):
        model.fit(X, y, X_val=Xt)
    with pytest.raises(ValueError, match="reference set of weight='optimal'"):
        SelfDistilledKernelRidge(weight=0.5).fit(X, y, X_val=Xt, y_val=yt)
    with pytest.raises(ValueError, match="X has 2 features"):
        model.fit(X, y, X_val=Xt[:, :2], y_val=yt)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        model.fit(X, y, X_val=Xt, y_val=yt[:3])
    with pytest.raises(ValueError, match="Negative values .* `sample_weight`"):
        model.fit(X, y, sample_weight=-np.ones(len(y)))
    with pytest.raises(ValueError, match="at least one non-zero"):
        model.fit(X, y, sample_weight=np.zeros(len(y)))
    with pytest.raises(ValueError, match="leaves no training rows"):
        model.fit(X[:1], y[:1])
    with pytest.raises(ValueError, match="y should be a 1d array"):
        model.fit(X, np.column_stack([y, y]))


def test_bad_precomputed_kernels():
    X, y, _, _ = _data()
    K = rbf_kernel(X, gamma=0.3)
    model = SelfDistilledKernelRidge(kernel="precomputed")
    with pytest.raises(ValueError, match="square training kernel"):
        model.fit(K[:, :-1], y)
    asym = K.copy()
    asym[0, 1] += 0.1
    with pytest.raises(ValueError, match="symmetric kernel"):
        model.fit(asym, y)
    vals, vecs = np.linalg.eigh(K)
    vals[0] = -0.5
    with pytest.raises(ValueError, match="not positive semi-definite.*-0.5"):
        model.fit((vecs * vals) @ vecs.T, y)


def test_non_psd_kernel_by_name():
    X, y, _, _ = _data()
    with pytest.raises(ValueError, match="not positive semi-definite.*sigmoid"):
        SelfDistilledKernelRidge(kernel="sigmoid", gamma=1.0, coef0=-1.0).fit(X, y)


def test_diverging_limit_and_gcv_without_degrees_of_freedom():
    X, y, _, _ = _data()
    with pytest.raises(ValueError, match="steps diverge"):
        SelfDistilledKernelRidge(
            alpha=0.01, gamma=0.3, weight=6.0, n_steps=np.inf, constrain_weight=False
        ).fit(X, y)
    with pytest.raises(ValueError, match="weight='gcv' needs the smoother's trace"):
        SelfDistilledKernelRidge(alpha=1e-3, gamma=0.3).fit(
            X, y, sample_weight=np.full(len(y), 0.01)
        )


def test_path_bad_input():
    X, y, Xt, yt = _data()
    with pytest.raises(ValueError, match="weights must be a non-empty 1-d"):
        self_distillation_path(X, y, weights=[0.5, np.nan])
    with pytest.raises(ValueError, match="X_val has 2 columns; expected 3"):
        self_distillation_path(X, y, Xt[:, :2], yt)
    with pytest.raises(ValueError, match="give both X_val and y_val"):
        self_distillation_path(X, y, Xt)
    with pytest.raises(ValueError, match="'n_steps' parameter"):
        self_distillation_path(X, y, n_steps=0)


@pytest.mark.slow
def test_gcv_weight_beats_the_untuned_teacher_on_diabetes():
    """The notes' prototype claim: mean test MSE 0.519 (GCV weight) < 0.528.

    20 fixed splits 200 / 142 (the prototype's 100 validation rows are not
    used by the GCV weight); X standardised on the training rows, y
    standardised, RBF gamma=0.01, lambda=1. Measured here: 0.5204 against
    0.5296, a paired mean gain of 0.009 with a standard error about 0.002, so
    the strict inequality is not a coin toss; the mean weight is about 1.9
    (anti-distillation), outside Borup & Andersen's [0, 1].
    """
    X, y = load_diabetes(return_X_y=True)
    teacher, student, weights = [], [], []
    for seed in range(20):
        order = np.random.default_rng(seed).permutation(len(y))
        tr, te = order[:200], order[300:]
        scaler = StandardScaler().fit(X[tr])
        Xs = scaler.transform(X)
        ys = (y - y[tr].mean()) / y[tr].std()
        krr = KernelRidge(alpha=1.0, kernel="rbf", gamma=0.01).fit(Xs[tr], ys[tr])
        model = SelfDistilledKernelRidge(
            alpha=1.0, gamma=0.01, weight="gcv", constrain_weight=False
        ).fit(Xs[tr], ys[tr])
        teacher.append(np.mean((krr.predict(Xs[te]) - ys[te]) ** 2))
        student.append(np.mean((model.predict(Xs[te]) - ys[te]) ** 2))
        weights.append(model.weights_[0])
    assert np.mean(student) < np.mean(teacher)
    assert np.mean(weights) > 1
