"""Shared training machinery for the torch-backed estimators.

The deep estimators of sklweights (``DebiasedMF``, ``DeepQuantileAggregator``,
``DomainWeightedCapsuleClassifier``) share one training loop, written here
once, in the manner of skorch's ``NeuralNet``:

* ``device="auto" | "cpu" | "cuda" | "cuda:N"`` resolved at fit time
  (:func:`resolve_device`); asking for CUDA where there is none is an error at
  fit time, and a model trained on a GPU predicts on the CPU after unpickling
  on a machine without one (with a warning, as skorch does);
* every random draw (weight initialisation, shuffling, the validation split,
  dropout) comes from ``random_state`` through :func:`torch_seed` and a local
  :class:`torch.Generator`, without touching the caller's global torch state;
* mini-batches, early stopping on a held-out ``validation_fraction`` with
  ``n_iter_no_change`` and ``tol``, restoring the best epoch's weights;
* a tqdm progress bar when ``verbose`` is truthy, a per-epoch ``history_``;
* fitted state kept on the CPU, so that pickles load anywhere.

torch itself is imported lazily: importing sklweights never needs it.
"""

import contextlib
import copy
import math
import numbers
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state

from ._optional import import_torch
from ._sklearn_compat import Interval

__all__ = [
    "TorchTrainingMixin",
    "predict_in_batches",
    "resolve_device",
    "torch_seed",
    "TORCH_PARAMETER_CONSTRAINTS",
]


def _device_string_ok(value):
    return isinstance(value, str) and (
        value in ("auto", "cpu", "cuda", "mps") or value.startswith("cuda:")
    )


#: Constraints of the training parameters, merged into each torch estimator's
#: ``_parameter_constraints``.
TORCH_PARAMETER_CONSTRAINTS = {
    # "auto", "cpu", "cuda", "cuda:N", "mps" or a torch.device: checked with a
    # clear message by resolve_device at fit time (a StrOptions cannot list
    # every "cuda:N", and torch must not be imported to validate parameters).
    "device": ["no_validation"],
    "batch_size": [Interval(numbers.Integral, 1, None, closed="left")],
    "max_epochs": [Interval(numbers.Integral, 1, None, closed="left")],
    "learning_rate": [Interval(numbers.Real, 0, None, closed="neither")],
    "early_stopping": ["boolean"],
    "validation_fraction": [Interval(numbers.Real, 0, 1, closed="neither")],
    "n_iter_no_change": [Interval(numbers.Integral, 1, None, closed="left")],
    "tol": [Interval(numbers.Real, 0, None, closed="left")],
    "random_state": ["random_state"],
    "verbose": ["verbose"],
}


def resolve_device(device, *, fallback=False):
    """Turn a ``device`` parameter into a :class:`torch.device`.

    Parameters
    ----------
    device : {"auto", "cpu", "cuda", "cuda:N", "mps"} or torch.device
        ``"auto"`` takes the first CUDA device when there is one, else the CPU.
    fallback : bool, default=False
        When True (prediction after unpickling), an unavailable accelerator
        falls back to the CPU with a warning; when False (fitting), it is a
        ``ValueError``.

    Returns
    -------
    device : torch.device
    """
    torch = import_torch("device selection")
    if isinstance(device, torch.device):
        device = str(device)
    if not _device_string_ok(device):
        raise ValueError(
            f"device must be 'auto', 'cpu', 'cuda', 'cuda:N' or 'mps'; got {device!r}."
        )
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device.startswith("cuda"):
        problem = None
        if not torch.cuda.is_available():
            problem = "CUDA is not available on this machine"
        elif ":" in device and int(device.split(":")[1]) >= torch.cuda.device_count():
            problem = f"only {torch.cuda.device_count()} CUDA device(s) are visible"
        if problem:
            if fallback:
                warnings.warn(
                    f"device={device!r} was used for fitting but {problem}; "
                    "predicting on the CPU instead.",
                    UserWarning,
                    stacklevel=3,
                )
                return torch.device("cpu")
            raise ValueError(
                f"device={device!r} was requested but {problem}. Use "
                "device='auto' to fall back to the CPU, or device='cpu'."
            )
    if device == "mps":
        mps = getattr(torch.backends, "mps", None)
        if mps is None or not mps.is_available():
            if fallback:
                return torch.device("cpu")
            raise ValueError("device='mps' was requested but MPS is not available.")
    return torch.device(device)


def _seed_from(random_state):
    """An int seed drawn from ``random_state`` (int, RandomState or None)."""
    return int(check_random_state(random_state).randint(0, 2**31 - 1))


@contextlib.contextmanager
def torch_seed(seed, device=None):
    """Run a block under a fixed torch seed without leaking it.

    The global torch RNG state (CPU, and CUDA for ``device`` when it is a CUDA
    device) is saved, seeded with ``seed``, and restored on exit, so that
    module initialisation is reproducible and the caller's own torch random
    stream is untouched. Yields a :class:`torch.Generator` on the CPU seeded
    with ``seed`` for shuffling and splits.
    """
    torch = import_torch()
    devices = []
    if device is not None and torch.device(device).type == "cuda":
        devices = [torch.device(device)]
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        gen = torch.Generator()
        gen.manual_seed(seed)
        yield gen


def predict_in_batches(fn, arrays, *, batch_size, device, dtype=None):
    """Apply ``fn`` to mini-batches of ``arrays`` on ``device``; concatenate on CPU.

    ``fn`` receives the batch tensors and returns a tensor (or a tuple of
    tensors). Runs under ``torch.no_grad()``. Returns numpy arrays.
    """
    torch = import_torch()
    n = len(arrays[0])
    outs = []
    with torch.no_grad():
        for start in range(0, max(n, 1), batch_size):
            batch = [
                _as_tensor(a[start : start + batch_size], device, dtype) for a in arrays
            ]
            out = fn(*batch)
            if isinstance(out, tuple):
                outs.append(tuple(o.detach().cpu() for o in out))
            else:
                outs.append(out.detach().cpu())
    if outs and isinstance(outs[0], tuple):
        return tuple(
            torch.cat([o[j] for o in outs]).numpy() for j in range(len(outs[0]))
        )
    return torch.cat(outs).numpy() if outs else np.empty((0,))


def _as_tensor(a, device, dtype=None):
    torch = import_torch()
    if isinstance(a, torch.Tensor):
        t = a
    else:
        a = np.asarray(a)
        if dtype is None and a.dtype.kind == "f":
            a = a.astype(np.float32, copy=False)
        t = torch.from_numpy(np.ascontiguousarray(a))
    if dtype is not None:
        t = t.to(dtype)
    return t.to(device, non_blocking=True)


class TorchTrainingMixin:
    """The training loop shared by the torch estimators.

    A subclass declares the parameters of ``TORCH_PARAMETER_CONSTRAINTS`` in
    its ``__init__`` (``device``, ``batch_size``, ``max_epochs``,
    ``learning_rate``, ``early_stopping``, ``validation_fraction``,
    ``n_iter_no_change``, ``tol``, ``random_state``, ``verbose``) and calls,
    inside ``fit``::

        device = self._fit_device()
        with torch_seed(self._torch_seed_, device) as gen:
            module = MyModule(...)           # initialised under the seed
            self._train(module, loss_fn, arrays, generator=gen, device=device)

    ``loss_fn(module, *batch)`` returns a scalar loss (mean over the batch or
    already weighted). ``arrays`` are numpy arrays or CPU tensors with the
    same first dimension. After training, ``module`` is on the CPU in eval
    mode and holds the best epoch's weights; ``history_``, ``n_epochs_``,
    ``best_epoch_`` and ``device_`` are set.

    Fitted torch modules are stored as attributes (e.g. ``module_``) and are
    kept on the CPU; ``_predict_device()`` picks where to run predictions.
    """

    # ------------------------------------------------------------------ devices
    def _fit_device(self):
        device = resolve_device(self.device)
        self.device_ = str(device)
        self._torch_seed_ = _seed_from(self.random_state)
        return device

    def _predict_device(self):
        return resolve_device(self.device, fallback=True)

    # ------------------------------------------------------------------ splits
    def _train_val_indices(self, n, generator, stratify=None):
        """Shuffle-split row indices into training and validation parts."""
        torch = import_torch()
        if not self.early_stopping:
            return np.arange(n), None
        n_val = int(math.ceil(self.validation_fraction * n))
        if n_val < 1 or n - n_val < 1:
            raise ValueError(
                f"validation_fraction={self.validation_fraction} leaves no rows "
                f"for training or validation with n_samples={n}; lower it or "
                "set early_stopping=False."
            )
        if stratify is not None:
            from sklearn.model_selection import train_test_split

            seed = int(torch.randint(0, 2**31 - 1, (1,), generator=generator))
            try:
                tr, va = train_test_split(
                    np.arange(n), test_size=n_val, random_state=seed, stratify=stratify
                )
                return np.sort(tr), np.sort(va)
            except ValueError:
                pass  # a class too small to stratify: plain random split
        perm = torch.randperm(n, generator=generator).numpy()
        return np.sort(perm[n_val:]), np.sort(perm[:n_val])

    # ------------------------------------------------------------------ loop
    def _make_optimizer(self, module):
        torch = import_torch()
        params = list(module.parameters())
        # fused Adam on CUDA: one kernel per step instead of several per
        # parameter (small models are launch-bound on a GPU)
        fused = bool(params) and params[0].device.type == "cuda"
        return torch.optim.Adam(
            params,
            lr=self.learning_rate,
            weight_decay=getattr(self, "weight_decay", 0.0) or 0.0,
            **({"fused": True} if fused else {}),
        )

    def _train(
        self,
        module,
        loss_fn,
        arrays,
        *,
        generator,
        device,
        val_arrays=None,
        val_loss_fn=None,
        optimizer=None,
        epoch_callback=None,
        stratify=None,
    ):
        """Mini-batch training with early stopping; returns the CPU module.

        Parameters
        ----------
        module : torch.nn.Module
        loss_fn : callable ``loss_fn(module, *batch) -> scalar tensor``
        arrays : tuple of arrays
            Training data, split by rows.
        generator : torch.Generator
            Drives shuffling and the validation split.
        device : torch.device
        val_arrays : tuple of arrays, default=None
            Explicit validation data. When None and ``early_stopping`` is on,
            ``validation_fraction`` of ``arrays`` is held out.
        val_loss_fn : callable, default=None
            Validation criterion (lower is better), defaults to ``loss_fn``.
        optimizer : torch.optim.Optimizer, default=None
            Adam with ``learning_rate`` (and ``weight_decay`` if the estimator
            has one) when None.
        epoch_callback : callable, default=None
            ``epoch_callback(module, epoch)`` after each epoch (e.g. to update
            an auxiliary model, as the DR-JL family does).
        stratify : array-like, default=None
            Labels used to stratify the automatic validation split.
        """
        torch = import_torch()
        from tqdm.auto import tqdm

        arrays = tuple(arrays)
        n = len(arrays[0])
        if val_arrays is None and self.early_stopping:
            tr, va = self._train_val_indices(n, generator, stratify)
            val_arrays = tuple(_index(a, va) for a in arrays)
            arrays = tuple(_index(a, tr) for a in arrays)
            n = len(tr)
        train_t = tuple(_as_tensor(a, "cpu") for a in arrays)
        val_t = (
            tuple(_as_tensor(a, device) for a in val_arrays)
            if val_arrays is not None
            else None
        )
        # Move the training data to the device once when it fits comfortably.
        on_device = (
            device.type != "cpu"
            and sum(t.element_size() * t.nelement() for t in train_t) < 2 * 1024**3
        )
        if on_device:
            train_t = tuple(t.to(device) for t in train_t)
        module.to(device)
        if optimizer is None:
            optimizer = self._make_optimizer(module)
        val_fn = val_loss_fn or loss_fn

        self.history_ = []
        best_score, best_state, best_epoch, no_improve = math.inf, None, 0, 0
        bar = tqdm(
            range(self.max_epochs),
            disable=not self.verbose,
            desc=type(self).__name__,
            unit="epoch",
            leave=False,
        )
        converged = False
        for epoch in bar:
            t_start = time.perf_counter()
            module.train()
            perm = torch.randperm(n, generator=generator)
            if on_device:
                perm = perm.to(device)
            # The epoch's loss is summed on the device and read once per epoch:
            # a per-batch ``float(loss)`` would synchronise the GPU every step.
            total, seen = torch.zeros((), device=device), 0
            for start in range(0, n, self.batch_size):
                idx = perm[start : start + self.batch_size]
                batch = [t[idx] for t in train_t]
                if not on_device:
                    batch = [b.to(device, non_blocking=True) for b in batch]
                optimizer.zero_grad(set_to_none=True)
                loss = loss_fn(module, *batch)
                loss.backward()
                optimizer.step()
                total += loss.detach().float() * len(idx)
                seen += len(idx)
            train_loss = float(total) / max(seen, 1)
            if not math.isfinite(train_loss):
                raise FloatingPointError(
                    f"{type(self).__name__}: the training loss became "
                    f"{train_loss} at epoch {epoch + 1}; lower learning_rate."
                )
            record = {"epoch": epoch + 1, "train_loss": train_loss}
            if epoch_callback is not None:
                epoch_callback(module, epoch)
            score = record["train_loss"]
            if val_t is not None:
                module.eval()
                with torch.no_grad():
                    vals = [
                        float(val_fn(module, *[v[s : s + 4096] for v in val_t]))
                        * len(val_t[0][s : s + 4096])
                        for s in range(0, len(val_t[0]), 4096)
                    ]
                score = sum(vals) / max(len(val_t[0]), 1)
                record["valid_loss"] = score
            record["time"] = time.perf_counter() - t_start
            self.history_.append(record)
            bar.set_postfix({k: f"{v:.4g}" for k, v in record.items() if k != "epoch"})
            if score < best_score - self.tol * max(abs(best_score), 1e-12) or (
                best_state is None
            ):
                best_score, best_epoch, no_improve = score, epoch + 1, 0
                if self.early_stopping:
                    best_state = copy.deepcopy(
                        {k: v.detach().clone() for k, v in module.state_dict().items()}
                    )
            else:
                no_improve += 1
            if no_improve >= self.n_iter_no_change:
                converged = True
                break
        bar.close()
        if self.early_stopping and best_state is not None:
            module.load_state_dict(best_state)
        if not converged and self.early_stopping:
            warnings.warn(
                f"{type(self).__name__}: the validation loss was still improving "
                f"after max_epochs={self.max_epochs}; consider raising max_epochs.",
                ConvergenceWarning,
                stacklevel=3,
            )
        self.n_epochs_ = len(self.history_)
        self.best_epoch_ = best_epoch
        module.to("cpu")
        module.eval()
        return module


def _index(a, idx):
    torch = import_torch()
    if isinstance(a, torch.Tensor):
        return a[torch.as_tensor(idx)]
    return np.asarray(a)[idx]
