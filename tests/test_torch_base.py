"""The shared torch training base (``sklweights.utils._torch``)."""

import pickle

import numpy as np
import pytest
from sklearn.base import BaseEstimator, RegressorMixin

pytestmark = pytest.mark.torch
torch = pytest.importorskip("torch")

from sklweights.utils._sklearn_compat import _fit_context  # noqa: E402
from sklweights.utils._torch import (  # noqa: E402
    TORCH_OPTIMIZER_CONSTRAINTS,
    TORCH_PARAMETER_CONSTRAINTS,
    TorchTrainingMixin,
    fill_torch_docstring,
    predict_in_batches,
    resolve_device,
    torch_seed,
)


@fill_torch_docstring
class _TinyRegressor(TorchTrainingMixin, RegressorMixin, BaseEstimator):
    """A linear model trained by the shared loop, for testing the loop.

    Parameters
    ----------
    %(device)s
    %(batch_size)s
        Tiny-specific detail.
    %(optimizer)s
    %(momentum)s
    %(lr_milestones)s
    %(lr_decay)s
    """

    _parameter_constraints = {
        **TORCH_PARAMETER_CONSTRAINTS,
        **TORCH_OPTIMIZER_CONSTRAINTS,
    }

    def __init__(
        self,
        *,
        device="cpu",
        batch_size=32,
        max_epochs=50,
        learning_rate=0.05,
        optimizer="adam",
        momentum=0.0,
        weight_decay=0.0,
        lr_milestones=(),
        lr_decay=0.1,
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
        self.optimizer = optimizer
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.lr_milestones = lr_milestones
        self.lr_decay = lr_decay
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.random_state = random_state
        self.verbose = verbose

    def _module(self, n_features):
        return torch.nn.Linear(n_features, 1)

    def _loss(self, m, xb, yb, *rest):
        return torch.mean((m(xb).squeeze(1) - yb) ** 2)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, *, extra=(), val=None, val_loss=None):
        X = np.asarray(X, dtype=np.float32)
        y = np.asarray(y, dtype=np.float32)
        device = self._fit_device()
        with torch_seed(self._torch_seed_, device) as gen:
            self.module_ = self._train(
                self._module(X.shape[1]),
                self._loss,
                (X, y, *extra),
                generator=gen,
                device=device,
                val_arrays=val,
                val_loss_fn=val_loss,
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


class _Scalar(_TinyRegressor):
    """``w * x`` with ``w`` starting at 0: its path has a closed form."""

    def _module(self, n_features):
        m = torch.nn.Linear(n_features, 1, bias=False)
        torch.nn.init.zeros_(m.weight)
        return m


def _gd(**kw):
    """A :class:`_Scalar` on full-batch gradient descent, step 0.1."""
    return _Scalar(optimizer="sgd", learning_rate=0.1, batch_size=None, **kw)


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


# ------------------------------------------------------------ the one loop
def _gd_weights(epochs, steps_per_epoch=1, lr=0.1, target=2.0, w=0.0):
    """The path of w under gradient descent on mean((w - target)^2)."""
    out = []
    for _ in range(epochs):
        for _ in range(steps_per_epoch):
            w -= lr * 2 * (w - target)
        out.append(w)
    return np.array(out)


def _ones(n):
    return np.ones((n, 1)), np.full(n, 2.0)


def test_early_stopping_at_a_known_epoch():
    # train on y=2, validate on y=1: w = 2 - 2 * 0.8^t passes 1 between
    # epochs 3 (w=0.976) and 4 (w=1.18), so the validation loss turns up at 4
    X, y = _ones(10)
    val = (np.ones((5, 1), np.float32), np.ones(5, np.float32))
    est = _gd(
        max_epochs=20,
        n_iter_no_change=2,
        tol=0.0,
        random_state=0,
    ).fit(X, y, val=val)
    w = _gd_weights(6)
    np.testing.assert_allclose(
        [h["valid_loss"] for h in est.history_], (w - 1) ** 2, rtol=1e-5
    )
    # the MLP rule: epochs 4, 5, 6 do not improve; the count 3 > 2 stops it
    assert est.best_epoch_ == 3 and est.n_epochs_ == 6
    # and the best epoch's weights are the ones kept
    np.testing.assert_allclose(est.module_.weight.item(), w[2], rtol=1e-6)


def test_without_early_stopping_the_training_loss_is_monitored():
    X, y = _ones(10)
    # the training loss (w - 2)^2 falls by 0.64x per epoch: with tol=0.05 it
    # stops improving by tol once below 0.05 / 0.36
    est = _gd(
        max_epochs=50,
        early_stopping=False,
        n_iter_no_change=1,
        tol=0.05,
        random_state=0,
    ).fit(X, y)
    losses = np.array([h["train_loss"] for h in est.history_])
    drops = -np.diff(np.concatenate([[np.inf], losses]))
    first_stall = int(np.argmax(drops <= 0.05))  # 0-based epoch
    assert est.n_epochs_ == first_stall + 2  # two stalled epochs: count 2 > 1
    assert "valid_loss" not in est.history_[0]
    # without early stopping the last weights are kept (no restoration)
    w = _gd_weights(est.n_epochs_)
    np.testing.assert_allclose(est.module_.weight.item(), w[-1], rtol=1e-6)


def test_full_batch_and_the_last_partial_batch():
    X, y = _ones(10)
    kw = dict(optimizer="sgd", learning_rate=0.1, max_epochs=3, early_stopping=False)
    full = _Scalar(batch_size=None, **kw).fit(X, y)
    np.testing.assert_allclose(full.module_.weight.item(), _gd_weights(3)[-1], 1e-6)
    # batches of 4 out of 10: 4, 4 and the kept partial 2 -> 3 steps an epoch
    mini = _Scalar(batch_size=4, **kw).fit(X, y)
    np.testing.assert_allclose(
        mini.module_.weight.item(), _gd_weights(3, steps_per_epoch=3)[-1], 1e-6
    )


class _Recorder(_Scalar):
    """Per-sample state updated from the row indices travelling with the batch."""

    def _train_step(self, run, batch):
        assert run.training
        idx = batch[2].numpy()
        self.visits_[idx] += 1
        self.batches_.append(len(idx))
        return super()._train_step(run, batch)


def test_row_indices_travel_with_the_shuffled_rows_and_validation_leaves_state():
    n = 10
    X, y = np.arange(n, dtype=float)[:, None], np.zeros(n)
    est = _Recorder(
        batch_size=4,
        max_epochs=3,
        early_stopping=True,
        validation_fraction=0.3,
        random_state=0,
    )
    est.visits_, est.batches_ = np.zeros(n, int), []
    seen = []

    def val_loss(module, xb, yb, idx):
        seen.append(idx.numpy().copy())
        return torch.zeros(())

    with pytest.warns(Warning):
        est.fit(X, y, extra=(np.arange(n),), val_loss=val_loss)
    held_out = np.unique(np.concatenate(seen))
    assert len(held_out) == 3
    # every training row once an epoch (batches 4, 3), validation rows never
    np.testing.assert_array_equal(est.visits_[held_out], 0)
    assert (np.delete(est.visits_, held_out) == 3).all()
    assert est.batches_ == [4, 3] * 3
    # the indices are the rows' own: X holds its row number
    assert len(seen) == 3 and all(set(s) == set(held_out) for s in seen)


def test_non_finite_loss_names_the_epoch():
    X, y = _data()
    y[0] = np.inf
    with pytest.raises(FloatingPointError, match="train loss became .* at epoch 1"):
        _TinyRegressor(early_stopping=False, random_state=0).fit(X, y)


def test_learning_rate_schedule_milestones():
    X, y = _ones(10)
    est = _gd(
        max_epochs=4,
        early_stopping=False,
        lr_milestones=(2,),
        lr_decay=0.5,
    ).fit(X, y)
    assert [h["lr"] for h in est.history_] == pytest.approx([0.1, 0.1, 0.05, 0.05])
    w = 0.0
    for lr in (0.1, 0.1, 0.05, 0.05):
        w = _gd_weights(1, lr=lr, w=w)[-1]
    np.testing.assert_allclose(est.module_.weight.item(), w, rtol=1e-6)


@pytest.mark.parametrize(
    "name, kwargs",
    [
        ("adam", dict(weight_decay=0.0)),
        ("adam", dict(weight_decay=0.01)),
        ("sgd", dict(weight_decay=0.0, momentum=0.0)),
        ("sgd", dict(weight_decay=0.01, momentum=0.9)),
    ],
)
def test_optimizers_take_torch_optims_steps(name, kwargs):
    from sklweights.utils._torch import make_optimizer

    g = torch.Generator().manual_seed(0)
    A = torch.randn(6, 4, generator=g)
    b = torch.randn(6, generator=g)
    ours = torch.zeros(4, requires_grad=True)
    ref = torch.zeros(4, requires_grad=True)
    opt = make_optimizer([ours], name=name, learning_rate=0.05, **kwargs)
    ref_cls = torch.optim.Adam if name == "adam" else torch.optim.SGD
    ref_opt = ref_cls([ref], lr=0.05, **kwargs)
    for _ in range(25):
        for p, o in ((ours, opt), (ref, ref_opt)):
            o.zero_grad(set_to_none=True)
            torch.sum((A @ p - b) ** 2).backward()
            o.step()
    torch.testing.assert_close(ours, ref, rtol=1e-5, atol=1e-6)


def test_device_constraint_one_rule_without_importing_torch():
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from sklweights.utils._torch import DeviceOptions\n"
        "d = DeviceOptions()\n"
        "ok = ['auto', 'cpu', 'cuda', 'cuda:0', 'cuda:12', 'mps']\n"
        "bad = ['tpu', 'cuda:', 'cuda:x', 'CPU ', '', 3]\n"
        "assert all(d.is_satisfied_by(v) for v in ok)\n"
        "assert not any(d.is_satisfied_by(v) for v in bad)\n"
        "assert 'torch' not in sys.modules, 'validation imported torch'\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    from sklweights.utils._torch import DeviceOptions

    assert DeviceOptions().is_satisfied_by(torch.device("cpu"))
    from sklearn.utils._param_validation import InvalidParameterError

    with pytest.raises(InvalidParameterError, match="'device' parameter"):
        _TinyRegressor(device="tpu").fit(*_data())


def test_shared_docstrings_are_filled_with_the_real_defaults():
    doc = _TinyRegressor.__doc__
    assert "%(" not in doc
    assert (
        'device : {"auto", "cpu", "cuda", "cuda:N", "mps"} or torch.device, '
        'default="cpu"' in doc
    )
    assert "batch_size : int or None, default=32" in doc
    assert "lr_milestones : tuple of int, default=()" in doc
    # the estimator's own detail stays under the shared entry
    assert doc.index("Tiny-specific detail") > doc.index("batch_size :")
    with pytest.raises(KeyError, match="no shared docstring"):

        @fill_torch_docstring
        class _Bad(_TinyRegressor):
            """Doc.

            %(nonsense)s
            """
