"""Every torch estimator trains through the one loop of ``sklweights.utils._torch``.

Walks :func:`~sklweights.utils.all_estimators`: each estimator that needs
torch is a ``TorchTrainingMixin`` whose fit runs the shared ``_train`` (or is
listed below with the reason it trains no network), brings no loop of its
own, is deterministic for a fixed ``random_state``, pickles, and stops early
exactly as the others do.
"""

import inspect
import pickle
import re
import warnings
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.torch
torch = pytest.importorskip("torch")

from sklweights.utils import all_estimators  # noqa: E402
from sklweights.utils._test_common import check_params  # noqa: E402
from sklweights.utils._torch import (  # noqa: E402
    TORCH_PARAMETER_DOCS,
    TorchTrainingMixin,
    record_training_runs,
)

#: Torch estimators that train no network, with the reason.
NOT_TRAINED_BY_THE_LOOP = {
    "BalancedPropensity": (
        "a convex solver: accelerated proximal gradient (FISTA) on the "
        "J-variable dual of the balancing problem, run to a tolerance; no "
        "network, epochs or mini-batches"
    ),
}

_PARAMS = check_params()
_TORCH = [
    (name, cls)
    for name, cls in all_estimators()
    if getattr(cls, "_requires_torch", False)
]
_TRAINED = [(n, c) for n, c in _TORCH if n not in NOT_TRAINED_BY_THE_LOOP]
_IDS = [n for n, _ in _TRAINED]


def _make(cls, name, **kw):
    return cls(**{**_PARAMS.get(cls, {}), "device": "cpu", "random_state": 0, **kw})


def _data(cls):
    return cls._torch_hint_example_data(np.random.RandomState(0))


def _outputs(est, X):
    for method in ("predict_proba", "predict_quantiles", "predict", "transform"):
        if hasattr(est, method):
            return np.asarray(getattr(est, method)(X))
    raise AssertionError(f"{type(est).__name__} has no prediction method")


def _fit(est, args, kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning of short runs
        return est.fit(*args, **kwargs)


def test_there_are_torch_estimators():
    assert len(_TRAINED) >= 3
    for name in NOT_TRAINED_BY_THE_LOOP:
        assert name in dict(_TORCH), f"stale entry {name}"
        assert len(NOT_TRAINED_BY_THE_LOOP[name]) > 30


@pytest.mark.parametrize("name, cls", _TRAINED, ids=_IDS)
def test_trains_through_the_one_loop(name, cls):
    assert issubclass(cls, TorchTrainingMixin)
    # the loop itself is the shared one: never overridden
    assert cls._train is TorchTrainingMixin._train
    assert cls._validation_loss is TorchTrainingMixin._validation_loss
    assert cls._training_callbacks is TorchTrainingMixin._training_callbacks
    args, kwargs = _data(cls)
    with record_training_runs() as log:
        est = _fit(_make(cls, name), args, kwargs)
    assert name in log
    assert isinstance(est.history_, list) and est.history_
    assert all(isinstance(r, dict) and "train_loss" in r for r in est.history_)
    assert isinstance(est.n_epochs_, int) and isinstance(est.best_epoch_, int)
    assert 1 <= est.best_epoch_ <= est.n_epochs_ <= est.max_epochs


# what a loop of one's own would need
_LOOP_MARKS = re.compile(
    r"torch\.optim|randperm|\bfor epoch\b|max_epochs \+ 1|tqdm|"
    r"load_state_dict|isfinite\(loss|isnan\(loss"
)


@pytest.mark.parametrize("name, cls", _TRAINED, ids=_IDS)
def test_estimator_module_brings_no_loop_of_its_own(name, cls):
    source = Path(inspect.getsourcefile(cls)).read_text()
    found = sorted(set(_LOOP_MARKS.findall(source)))
    assert not found, f"{name}'s module has {found}: use sklweights.utils._torch"


@pytest.mark.parametrize("name, cls", _TRAINED, ids=_IDS)
def test_same_seed_same_history_and_predictions_and_pickle(name, cls):
    args, kwargs = _data(cls)
    a = _fit(_make(cls, name), args, kwargs)
    b = _fit(_make(cls, name), args, kwargs)

    def untimed(est):
        return [{k: v for k, v in r.items() if k != "time"} for r in est.history_]

    assert untimed(a) == untimed(b)
    X = args[0]
    out = _outputs(a, X)
    np.testing.assert_array_equal(out, _outputs(b, X))
    again = pickle.loads(pickle.dumps(a))
    np.testing.assert_array_equal(out, _outputs(again, X))


#: A validation loss that falls for three epochs and then rises.
_SCRIPT = [5.0, 4.0, 3.0, 3.5, 3.6, 3.7, 3.8, 3.9, 4.0, 4.1]


@pytest.mark.parametrize("name, cls", _TRAINED, ids=_IDS)
def test_early_stopping_is_one_rule(name, cls, monkeypatch):
    def scripted(self, run, val_fn, val_t):
        assert not run.training
        val_fn(run.module, *[v[:2] for v in val_t])  # the real one runs too
        return _SCRIPT[run.epoch - 1]

    monkeypatch.setattr(TorchTrainingMixin, "_validation_loss", scripted)
    args, kwargs = _data(cls)
    kw = dict(early_stopping=True, n_iter_no_change=2, tol=0.0)
    est = _fit(_make(cls, name, max_epochs=10, **kw), args, kwargs)
    # best at epoch 3; epochs 4, 5, 6 do not improve: count 3 > 2 stops at 6
    assert est.best_epoch_ == 3 and est.n_epochs_ == 6
    assert [r["valid_loss"] for r in est.history_][:6] == _SCRIPT[:6]
    # the weights kept are epoch 3's: those of a run of 3 epochs
    short = _fit(_make(cls, name, max_epochs=3, **kw), args, kwargs)
    X = args[0]
    np.testing.assert_array_equal(_outputs(est, X), _outputs(short, X))


@pytest.mark.parametrize("name, cls", _TRAINED, ids=_IDS)
def test_shared_parameters_documented_once(name, cls):
    params = inspect.signature(cls.__init__).parameters
    for pname, (kind, _) in TORCH_PARAMETER_DOCS.items():
        if pname not in params or pname == "random_state":
            continue
        default = params[pname].default
        shown = f'"{default}"' if isinstance(default, str) else repr(default)
        assert f"{pname} : {kind}, default={shown}" in cls.__doc__, pname
    assert "%(" not in cls.__doc__


@pytest.mark.parametrize("name, cls", _TRAINED, ids=_IDS)
def test_full_batch_fits_and_predicts(name, cls):
    """``batch_size=None`` (one step per epoch) works end to end everywhere."""
    args, kwargs = _data(cls)
    est = _fit(_make(cls, name, batch_size=None, max_epochs=2), args, kwargs)
    out = _outputs(est, args[0])
    assert len(out) == len(args[0]) and np.all(np.isfinite(out.astype(float)))
