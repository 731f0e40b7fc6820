"""The shared torch training base (``sklweights.utils._torch``)."""

import pickle

import numpy as np
import pytest
from sklearn.base import BaseEstimator, RegressorMixin

pytestmark = pytest.mark.torch
torch = pytest.importorskip("torch")

from sklweights.utils._torch import (  # noqa: E402
    TorchTrainingMixin,
    predict_in_batches,
    resolve_device,
    torch_seed,
)


class _TinyRegressor(TorchTrainingMixin, RegressorMixin, BaseEstimator):
    """A linear model trained by the shared loop, for testing the loop."""

    def __init__(
        self,
        *,
        device="cpu",
        batch_size=32,
        max_epochs=50,
        learning_rate=0.05,
        early_stopping=True,
        validation_fraction=0.2,
        n_iter_no_change=5,
        tol=1e-4,
        random_state=None,
        verbose=0,
    ):
        self.device = device
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.learning_rate = learning_rate
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.random_state = random_state
        self.verbose = verbose

    def fit(self, X, y):
        X = np.asarray(X, dtype=np.float32)
        y = np.asarray(y, dtype=np.float32)
        device = self._fit_device()
        with torch_seed(self._torch_seed_, device) as gen:
            module = torch.nn.Linear(X.shape[1], 1)

            def loss(m, xb, yb):
                return torch.mean((m(xb).squeeze(1) - yb) ** 2)

            self.module_ = self._train(
                module, loss, (X, y), generator=gen, device=device
            )
        return self

    def predict(self, X):
        X = np.asarray(X, dtype=np.float32)
        device = self._predict_device()
        self.module_.to(device)
        try:
            return predict_in_batches(
                lambda xb: self.module_(xb).squeeze(1),
                (X,),
                batch_size=7,
                device=device,
            )
        finally:
            self.module_.to("cpu")


def _data(n=300, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, 3))
    y = X @ np.array([1.0, -2.0, 0.5]) + 0.1 * rng.normal(size=n)
    return X, y


def test_training_learns_and_records_history():
    X, y = _data()
    est = _TinyRegressor(random_state=0, max_epochs=200).fit(X, y)
    assert est.score(X, y) > 0.95
    assert est.n_epochs_ == len(est.history_) >= 1
    assert {"epoch", "train_loss", "valid_loss"} <= set(est.history_[0])
    assert 1 <= est.best_epoch_ <= est.n_epochs_
    assert est.device_ == "cpu"
    assert next(est.module_.parameters()).device.type == "cpu"


def test_same_random_state_same_predictions_and_global_rng_untouched():
    X, y = _data()
    torch.manual_seed(123)
    before = torch.rand(1)
    torch.manual_seed(123)
    p1 = _TinyRegressor(random_state=3, max_epochs=5).fit(X, y).predict(X)
    after = torch.rand(1)
    assert torch.equal(before, after)  # the caller's torch stream is untouched
    p2 = _TinyRegressor(random_state=3, max_epochs=5).fit(X, y).predict(X)
    np.testing.assert_array_equal(p1, p2)
    p3 = _TinyRegressor(random_state=4, max_epochs=5).fit(X, y).predict(X)
    assert not np.array_equal(p1, p3)


def test_batch_composition_does_not_change_a_rows_prediction():
    X, y = _data()
    est = _TinyRegressor(random_state=0, max_epochs=3).fit(X, y)
    full = est.predict(X)
    np.testing.assert_allclose(est.predict(X[:11]), full[:11], rtol=1e-6)


def test_max_epochs_reached_warns():
    from sklearn.exceptions import ConvergenceWarning

    X, y = _data()
    with pytest.warns(ConvergenceWarning, match="max_epochs"):
        _TinyRegressor(random_state=0, max_epochs=2, n_iter_no_change=50).fit(X, y)


def test_validation_fraction_too_large_for_data():
    X, y = _data(n=1)
    with pytest.raises(ValueError, match="validation_fraction"):
        _TinyRegressor(random_state=0).fit(X, y)


def test_pickle_round_trip():
    X, y = _data()
    est = _TinyRegressor(random_state=0, max_epochs=3).fit(X, y)
    clone = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(clone.predict(X), est.predict(X))


def test_resolve_device():
    assert resolve_device("cpu").type == "cpu"
    assert resolve_device("auto").type in {"cpu", "cuda"}
    with pytest.raises(ValueError, match="device must be"):
        resolve_device("tpu")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="CUDA is not available"):
            resolve_device("cuda")
        with pytest.warns(UserWarning, match="predicting on the CPU"):
            assert resolve_device("cuda", fallback=True).type == "cpu"


def test_cuda_requested_without_cuda_is_clear_error():
    if torch.cuda.is_available():
        pytest.skip("CUDA present")
    X, y = _data()
    with pytest.raises(ValueError, match="device='cuda' was requested"):
        _TinyRegressor(device="cuda").fit(X, y)


def test_verbose_progress_bar_goes_to_stderr(capsys):
    X, y = _data()
    _TinyRegressor(random_state=0, max_epochs=2, verbose=1).fit(X, y)
    captured = capsys.readouterr()
    assert "_TinyRegressor" in captured.err
    assert captured.out == ""


@pytest.mark.gpu
def test_cpu_gpu_agreement():
    X, y = _data()
    cpu = _TinyRegressor(device="cpu", random_state=0, max_epochs=20).fit(X, y)
    gpu = _TinyRegressor(device="cuda", random_state=0, max_epochs=20).fit(X, y)
    assert gpu.device_.startswith("cuda")
    np.testing.assert_allclose(cpu.predict(X), gpu.predict(X), rtol=1e-3, atol=1e-3)
