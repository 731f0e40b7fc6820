"""Shared training machinery for the torch-backed estimators.

Every deep estimator of sklweights trains through ONE loop
(:class:`TorchTrainingMixin`, in :mod:`._loop`), in the manner of skorch's
``NeuralNet``:

* ``device="auto" | "cpu" | "cuda" | "cuda:N" | "mps"`` (or a
  ``torch.device``): one constraint (:class:`DeviceOptions`), resolved at fit
  time by :func:`resolve_device`; a model trained on a GPU predicts on the
  CPU after unpickling on a machine without one, with a warning;
* every random draw comes from ``random_state`` through :func:`torch_seed`
  and a local :class:`torch.Generator`, leaving the caller's torch state
  untouched;
* one optimizer policy (:func:`make_optimizer`: Adam or SGD with momentum);
* mini-batches or the full batch, a per-batch ``_train_step`` hook, and the
  callbacks of :mod:`._callbacks` (non-finite loss check, step learning-rate
  schedule, early stopping by scikit-learn's MLP rule, progress bar);
* ``history_`` a list of per-epoch dicts, ``n_epochs_`` and ``best_epoch_``
  ints, fitted state on the CPU so that pickles load anywhere;
* the parameters' constraints (:data:`TORCH_PARAMETER_CONSTRAINTS`) and
  docstrings (:func:`fill_torch_docstring`) written once.

torch itself is imported lazily: importing sklweights never needs it.
"""

import numbers

from sklweights.utils._sklearn_compat import Interval, StrOptions

from ._callbacks import (
    Callback,
    EarlyStopping,
    FiniteLossCheck,
    LearningRateSchedule,
    ProgressBar,
)
from ._device import (
    DeviceOptions,
    as_tensor,
    predict_in_batches,
    resolve_device,
    seed_from,
    torch_seed,
)
from ._docstring import TORCH_PARAMETER_DOCS, fill_torch_docstring
from ._loop import TorchTrainingMixin, TrainingRun, record_training_runs
from ._optim import OPTIMIZERS, make_optimizer

__all__ = [
    "OPTIMIZERS",
    "TORCH_OPTIMIZER_CONSTRAINTS",
    "TORCH_PARAMETER_CONSTRAINTS",
    "TORCH_PARAMETER_DOCS",
    "Callback",
    "DeviceOptions",
    "EarlyStopping",
    "FiniteLossCheck",
    "LearningRateSchedule",
    "ProgressBar",
    "TorchTrainingMixin",
    "TrainingRun",
    "as_tensor",
    "fill_torch_docstring",
    "make_optimizer",
    "predict_in_batches",
    "record_training_runs",
    "resolve_device",
    "seed_from",
    "torch_seed",
]

#: Constraints of the training parameters every torch estimator has, merged
#: into its ``_parameter_constraints`` (one rule per parameter, everywhere).
TORCH_PARAMETER_CONSTRAINTS = {
    "device": [DeviceOptions()],
    "batch_size": [Interval(numbers.Integral, 1, None, closed="left"), None],
    "max_epochs": [Interval(numbers.Integral, 1, None, closed="left")],
    "learning_rate": [Interval(numbers.Real, 0, None, closed="neither")],
    "early_stopping": ["boolean"],
    "validation_fraction": [Interval(numbers.Real, 0, 1, closed="neither")],
    "n_iter_no_change": [Interval(numbers.Integral, 1, None, closed="left")],
    "tol": [Interval(numbers.Real, 0, None, closed="left")],
    "random_state": ["random_state"],
    "verbose": ["verbose"],
}

#: Constraints of the optional training parameters, for the estimators that
#: expose them (``optimizer``, ``momentum``, ``weight_decay``, the schedule).
TORCH_OPTIMIZER_CONSTRAINTS = {
    "optimizer": [StrOptions(set(OPTIMIZERS))],
    "momentum": [Interval(numbers.Real, 0, 1, closed="left")],
    "weight_decay": [Interval(numbers.Real, 0, None, closed="left")],
    "lr_milestones": ["array-like"],
    "lr_decay": [Interval(numbers.Real, 0, 1, closed="right")],
}
