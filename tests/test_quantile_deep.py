"""DeepQuantileAggregator: the local (feature-dependent) weight families."""

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.ensemble import GradientBoostingRegressor
from sklearn.linear_model import QuantileRegressor

from sklweights import DeepQuantileAggregator
from sklweights.datasets import make_heteroscedastic_regression
from sklweights.metrics import crossing_rate

pytestmark = pytest.mark.torch

LEVELS = [0.1, 0.5, 0.9]


def _lib():
    return [
        ("linear", QuantileRegressor(alpha=0.0)),
        (
            "gbr",
            GradientBoostingRegressor(n_estimators=20, max_depth=2, random_state=0),
        ),
    ]


@pytest.fixture(scope="module")
def data():
    X, y = make_heteroscedastic_regression(200, 2, random_state=0)
    Xt, _ = make_heteroscedastic_regression(100, 2, random_state=1)
    return X, y, Xt


def _deep(**kw):
    params = dict(
        quantiles=LEVELS,
        cv=3,
        max_epochs=30,
        hidden_layer_sizes=(16,),
        n_iter_no_change=5,
        device="cpu",
        random_state=0,
    )
    params.update(kw)
    return DeepQuantileAggregator(_lib(), **params)


@pytest.mark.parametrize("weighting", ["coarse", "medium", "fine"])
def test_deep_smoke_cpu(data, weighting):
    X, y, Xt = data
    deep = _deep(weighting=weighting, crossing_penalty=1.0).fit(X, y)
    q = deep.predict_quantiles(Xt)
    assert q.shape == (len(Xt), 3)
    assert crossing_rate(q) == 0.0
    w = deep.predict_weights(Xt)
    shapes = {"coarse": (100, 2), "medium": (100, 3, 2), "fine": (100, 3, 2, 3)}
    assert w.shape == shapes[weighting]
    if weighting == "coarse":
        np.testing.assert_allclose(w.sum(1), 1.0, rtol=1e-5)
    else:
        np.testing.assert_allclose(w.reshape(100, 3, -1).sum(-1), 1.0, rtol=1e-5)
    assert deep.device_ == "cpu"
    assert deep.history_ and "valid_loss" in deep.history_[0]
    assert deep.predict(Xt).shape == (len(Xt),)
    # training moved the aggregate away from the equal-weight start
    assert deep.oof_losses_["aggregate"] <= deep.oof_losses_["mean"] + 1e-6


def test_deep_determinism_pickle_and_calibration(data):
    X, y, Xt = data
    est = _deep(conformal="split", calibration_size=0.25)
    a = clone(est).fit(X, y)
    b = clone(est).fit(X, y)
    np.testing.assert_array_equal(a.predict_quantiles(Xt), b.predict_quantiles(Xt))
    c = pickle.loads(pickle.dumps(a))
    np.testing.assert_array_equal(a.predict_quantiles(Xt), c.predict_quantiles(Xt))
    corr = a.conformal_corrections_
    assert corr[0] == -corr[2] and corr[1] == 0.0
    assert crossing_rate(a.predict_quantiles(Xt)) == 0.0
    # batch composition does not change a row's prediction
    np.testing.assert_allclose(
        a.predict_quantiles(Xt[:7]), a.predict_quantiles(Xt)[:7], rtol=1e-6
    )


def test_deep_cross_fitted_keeps_main_history(data):
    X, y, _ = data
    deep = _deep(conformal="cv", early_stopping=False, max_epochs=4).fit(X, y)
    assert deep.n_epochs_ == 4 and len(deep.history_) == 4
    # with early stopping the folds stop at other epochs: the reported history
    # is the main fit's, the one a fit without calibration reports
    cv = _deep(conformal="cv", early_stopping=True).fit(X, y)
    plain = _deep(early_stopping=True).fit(X, y)

    def losses(est):
        return [(r["train_loss"], r["valid_loss"]) for r in est.history_]

    assert losses(cv) == losses(plain)
    assert (cv.n_epochs_, cv.best_epoch_) == (plain.n_epochs_, plain.best_epoch_)


def test_deep_errors(data):
    X, y, _ = data
    with pytest.raises(ValueError, match="hidden_layer_sizes"):
        _deep(hidden_layer_sizes=(0,)).fit(X, y)
    with pytest.raises(ValueError, match="CUDA is not available|device="):
        import torch

        if torch.cuda.is_available():
            pytest.skip("a GPU is present")
        _deep(device="cuda").fit(X, y)


@pytest.mark.gpu
def test_deep_cpu_gpu_agreement(data):
    X, y, Xt = data
    cpu = _deep(early_stopping=False, max_epochs=20).fit(X, y)
    gpu = _deep(early_stopping=False, max_epochs=20, device="cuda").fit(X, y)
    assert gpu.device_.startswith("cuda")
    np.testing.assert_allclose(
        cpu.predict_quantiles(Xt), gpu.predict_quantiles(Xt), rtol=1e-3, atol=1e-3
    )
    # a GPU-trained model pickles and predicts anywhere (held on the CPU)
    again = pickle.loads(pickle.dumps(gpu))
    np.testing.assert_allclose(again.predict_quantiles(Xt), gpu.predict_quantiles(Xt))


def test_missing_torch_message(monkeypatch, data):
    import sklweights.utils._optional as optional

    X, y, _ = data

    def no_torch(name, **kwargs):
        raise ImportError(
            "DeepQuantileAggregator requires the optional dependency 'torch', which "
            "is not installed. Install it with: pip install 'sklweights[torch]'"
        )

    monkeypatch.setattr(optional, "import_optional", no_torch)
    with pytest.raises(ImportError, match=r"pip install 'sklweights\[torch\]'"):
        _deep().fit(X, y)
