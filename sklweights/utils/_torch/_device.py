"""Devices, seeds and batched prediction for the torch estimators.

Nothing here imports torch at import time: the ``device`` constraint checks
strings (and torch.device objects by their type name) without torch, and the
functions import it on first call.
"""

import contextlib
import re
import warnings

import numpy as np
from sklearn.utils import check_random_state

from sklweights.utils._optional import import_torch
from sklweights.utils._sklearn_compat import StrOptions

__all__ = [
    "DeviceOptions",
    "predict_in_batches",
    "resolve_device",
    "seed_from",
    "torch_seed",
]

_NAMED_DEVICES = ("auto", "cpu", "cuda", "mps")
_CUDA_N = re.compile(r"cuda:\d+\Z")


def _is_torch_device(value):
    # a torch.device, recognised without importing torch
    cls = type(value)
    return cls.__name__ == "device" and cls.__module__.split(".")[0] == "torch"


def _device_ok(value):
    if _is_torch_device(value):
        return True
    return isinstance(value, str) and (
        value in _NAMED_DEVICES or _CUDA_N.match(value) is not None
    )


class DeviceOptions(StrOptions):
    """The ``device`` parameter's constraint, shared by every torch estimator.

    Accepts ``"auto"``, ``"cpu"``, ``"cuda"``, ``"cuda:N"`` (N a
    non-negative integer), ``"mps"`` and :class:`torch.device` objects. Only
    the spelling is checked at parameter validation (without importing
    torch); whether the device exists is checked at fit time by
    :func:`resolve_device`.
    """

    def __init__(self):
        super().__init__(set(_NAMED_DEVICES))

    def is_satisfied_by(self, val):
        return _device_ok(val)

    def __str__(self):
        return "a str among {'auto', 'cpu', 'cuda', 'cuda:N', 'mps'} or a torch.device"


def resolve_device(device, *, fallback=False):
    """Turn a ``device`` parameter into a :class:`torch.device`.

    Parameters
    ----------
    device : {"auto", "cpu", "cuda", "cuda:N", "mps"} or torch.device
        ``"auto"`` takes the first CUDA device when there is one, else the CPU.
    fallback : bool, default=False
        When True (prediction, e.g. after unpickling on another machine), an
        unavailable accelerator falls back to the CPU with a warning; when
        False (fitting), it is a ``ValueError``.

    Returns
    -------
    device : torch.device
        The resolved device.
    """
    torch = import_torch("device selection")
    if not _device_ok(device):
        raise ValueError(
            "device must be 'auto', 'cpu', 'cuda', 'cuda:N', 'mps' or a "
            f"torch.device; got {device!r}."
        )
    device = str(device)
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    problem = None
    if device.startswith("cuda"):
        if not torch.cuda.is_available():
            problem = "CUDA is not available on this machine"
        elif ":" in device and int(device.split(":")[1]) >= torch.cuda.device_count():
            problem = f"only {torch.cuda.device_count()} CUDA device(s) are visible"
    elif device == "mps":
        mps = getattr(torch.backends, "mps", None)
        if mps is None or not mps.is_available():
            problem = "MPS is not available on this machine"
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
    return torch.device(device)


def seed_from(random_state):
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


def as_tensor(a, device, dtype=None):
    """A numpy array or tensor as a tensor on ``device`` (floats as float32)."""
    torch = import_torch()
    if isinstance(a, torch.Tensor):
        t = a
    else:
        a = np.asarray(a)
        if dtype is None and a.dtype.kind == "f":
            a = a.astype(np.float32, copy=False)
        a = np.ascontiguousarray(a)
        if not a.flags.writeable:  # a read-only view (memmap, pandas): copy
            a = a.copy()
        t = torch.from_numpy(a)
    if dtype is not None:
        t = t.to(dtype)
    return t.to(device, non_blocking=True)


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
                as_tensor(a[start : start + batch_size], device, dtype) for a in arrays
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
