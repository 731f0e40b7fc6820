"""THE training loop of every torch estimator of sklweights.

One loop, in the manner of skorch's ``NeuralNet.fit_loop`` /
``run_single_epoch`` / ``train_step``: an estimator brings its module, its
loss and, where one step is not one loss, a :meth:`_train_step` override
(``DebiasedMF``: weight model, then prediction model, then imputation
model); it never brings a loop, an optimizer policy, a progress bar or a
history of its own. What varies goes through the callbacks of
:mod:`._callbacks`.

Per epoch: the estimator's callbacks' ``on_epoch_begin``; the training rows
shuffled with the run's :class:`torch.Generator` and cut into batches of
``batch_size`` (``None``: one full batch; the last partial batch is kept);
:meth:`_train_step` on each; the validation loss (eval mode, no gradients,
``run.training`` False, so per-sample state is not updated); the record
``{"epoch", "train_loss", "valid_loss"?, ..., "time"}`` through the
callbacks into ``history_``.
"""

import contextlib
import math
import time

import numpy as np

from sklweights.utils._optional import import_torch

from ._callbacks import (
    EarlyStopping,
    FiniteLossCheck,
    LearningRateSchedule,
    ProgressBar,
)
from ._device import as_tensor, predict_in_batches, resolve_device, seed_from
from ._optim import make_optimizer

__all__ = ["TorchTrainingMixin", "TrainingRun", "record_training_runs"]

#: Training data moves to an accelerator once, before the first epoch, when it
#: takes less than this many bytes; else each batch is copied on its turn.
TRAIN_ON_DEVICE_BYTES = 2 * 1024**3

#: Rows per validation chunk (validation runs without gradients, so a chunk
#: can be far larger than a training batch).
VALIDATION_CHUNK = 8192

# Names of the estimators whose fit ran the loop, while a
# ``record_training_runs()`` block is open (for the test that every torch
# estimator trains here).
_RUN_LOG = None


@contextlib.contextmanager
def record_training_runs():
    """Collect the class name of every estimator that runs the loop in the block.

    Yields the list that fills up. Used by the tests to show that each torch
    estimator trains through this one loop.
    """
    global _RUN_LOG
    previous, _RUN_LOG = _RUN_LOG, []
    try:
        yield _RUN_LOG
    finally:
        _RUN_LOG = previous


class TrainingRun:
    """What a train step and the callbacks see of one training run.

    Attributes
    ----------
    estimator : the estimator being fitted; ``name`` its class name.
    module : torch.nn.Module (on ``device``).
    optimizers : dict of name -> optimizer (:meth:`_make_optimizers`);
        ``optimizer`` is the only one when there is one.
    loss_fn : ``loss_fn(module, *batch) -> scalar`` (the default step's).
    device : torch.device; generator : torch.Generator (CPU).
    n_train, n_valid : rows on each side of the split.
    max_epochs, epoch : the budget and the current epoch (1-based).
    batch_index, batch_start : the current batch and its first position in
        the epoch's shuffled order.
    training : False during the validation pass.
    val_reduce : the validation reduction given to :meth:`_train` (or None).
    best_epoch : set by :class:`EarlyStopping`.
    stop : a callback sets it to end training after this epoch.
    state : dict for the estimator's own per-run state.
    """

    def __init__(self, estimator, module, optimizers, loss_fn, device, generator):
        self.estimator = estimator
        self.name = type(estimator).__name__
        self.module = module
        self.optimizers = optimizers
        self.loss_fn = loss_fn
        self.device = device
        self.generator = generator
        self.max_epochs = estimator.max_epochs
        self.epoch = 0
        self.batch_index = 0
        self.batch_start = 0
        self.training = True
        self.best_epoch = 0
        self.stop = False
        self.state = {}
        self.val_reduce = None

    @property
    def optimizer(self):
        (opt,) = self.optimizers.values()
        return opt


class TorchTrainingMixin:
    """The training loop shared by the torch estimators.

    A subclass declares the parameters of ``TORCH_PARAMETER_CONSTRAINTS`` in
    its ``__init__`` (``device``, ``batch_size``, ``max_epochs``,
    ``learning_rate``, ``early_stopping``, ``validation_fraction``,
    ``n_iter_no_change``, ``tol``, ``random_state``, ``verbose``; optionally
    ``optimizer``, ``momentum``, ``weight_decay``, ``lr_milestones`` and
    ``lr_decay``) and calls, inside ``fit``::

        device = self._fit_device()
        with torch_seed(self._torch_seed_, device) as gen:
            module = MyModule(...)           # initialised under the seed
            module = self._train(module, loss_fn, arrays, generator=gen,
                                 device=device)

    ``loss_fn(module, *batch)`` returns a scalar loss (the batch mean or a
    weighted mean). ``arrays`` are numpy arrays or CPU tensors with the same
    first dimension; every one of them travels with the shuffled rows, so an
    ``np.arange(n)`` among them gives each batch its original row indices
    (for per-sample state). After training, ``module`` is on the CPU in eval
    mode (with the best epoch's weights under early stopping) and
    ``history_`` (a list of per-epoch dicts), ``n_epochs_`` and
    ``best_epoch_`` (ints) are set; ``device_`` was set by ``_fit_device``.

    Extension points: :meth:`_train_step` (one batch), :meth:`_make_optimizers`
    (several optimizers, per-module learning rates) and the ``callbacks`` and
    ``val_loss_fn`` arguments of :meth:`_train`.
    """

    # ------------------------------------------------------------ devices
    def _fit_device(self):
        device = resolve_device(self.device)
        self.device_ = str(device)
        self._torch_seed_ = seed_from(self.random_state)
        return device

    def _predict_device(self):
        return resolve_device(self.device, fallback=True)

    def _predict_batches(self, module, fn, arrays, *, batch_size=4096, dtype=None):
        """``fn(*batch)`` over ``arrays`` with ``module`` on the predict device.

        The module goes back to the CPU afterwards (fitted state stays there);
        returns numpy arrays, as :func:`predict_in_batches` (``dtype``: the
        batches' torch dtype; None turns floats into float32).
        """
        device = self._predict_device()
        module.to(device)
        try:
            return predict_in_batches(
                fn, arrays, batch_size=batch_size, device=device, dtype=dtype
            )
        finally:
            module.to("cpu")

    # ------------------------------------------------------------- splits
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

    # --------------------------------------------------------- extension
    def _make_optimizers(self, module):
        """``{name: optimizer}`` for ``module``: by default one, over all of it."""
        return {
            "module": make_optimizer(
                module.parameters(),
                name=getattr(self, "optimizer", "adam"),
                learning_rate=self.learning_rate,
                weight_decay=getattr(self, "weight_decay", 0.0) or 0.0,
                momentum=getattr(self, "momentum", 0.0) or 0.0,
            )
        }

    def _train_step(self, run, batch):
        """One batch: one loss, one optimizer step. Returns the (graph-free) loss."""
        opt = run.optimizer
        opt.zero_grad(set_to_none=True)
        loss = run.loss_fn(run.module, *batch)
        loss.backward()
        opt.step()
        return loss.detach()

    def _training_callbacks(self, extra):
        milestones = getattr(self, "lr_milestones", None)
        schedule = (
            [LearningRateSchedule(milestones, getattr(self, "lr_decay", 0.1))]
            if milestones
            else []
        )
        return [
            FiniteLossCheck(),
            *schedule,
            *extra,
            EarlyStopping(
                n_iter_no_change=self.n_iter_no_change,
                tol=self.tol,
                restore_best=bool(self.early_stopping),
            ),
            ProgressBar(self.verbose),
        ]

    # --------------------------------------------------------------- loop
    def _train(self, module, loss_fn, arrays, **kwargs):
        """Train ``module``; returns it on the CPU in eval mode.

        Sets the fitted attributes ``history_``, ``n_epochs_`` and
        ``best_epoch_``. The arguments are those of :meth:`_train_module`.
        """
        module, history, best_epoch = self._train_module(
            module, loss_fn, arrays, **kwargs
        )
        self.history_ = history
        self.n_epochs_ = len(history)
        self.best_epoch_ = best_epoch
        return module

    def _train_module(
        self,
        module,
        loss_fn,
        arrays,
        *,
        generator,
        device,
        val_loss_fn=None,
        val_arrays=None,
        val_reduce=None,
        stratify=None,
        callbacks=(),
    ):
        """Train ``module`` without touching the estimator's fitted attributes.

        For auxiliary fits (e.g. the per-fold refits of a cross-fitted
        calibration) whose history must not replace the main fit's.

        Parameters
        ----------
        module : torch.nn.Module
            The network to train (in place).
        loss_fn : callable ``loss_fn(module, *batch) -> scalar tensor``
            The default :meth:`_train_step`'s loss (``run.loss_fn``); may be
            None when the estimator overrides the step.
        arrays : tuple of arrays
            Training data, split by rows.
        generator : torch.Generator
            Drives shuffling and the validation split.
        device : torch.device
            Where the network trains.
        val_loss_fn : callable, default=None
            Validation criterion (lower is better), ``loss_fn`` when None. It
            returns either a scalar (the mean over the chunk's rows) or a
            tuple of sums, added up over the validation chunks and then
            reduced by ``val_reduce`` (by default a pair ``(total, weight)``
            gives ``total / weight``: an exact weighted mean).
        val_reduce : callable, default=None
            ``val_reduce(sums) -> float``: the validation loss from the
            chunk-summed tuple (e.g. a metric from soft confusion counts,
            which is not a mean of per-chunk values).
        val_arrays : tuple of arrays, default=None
            Explicit validation data. When None and ``early_stopping`` is on,
            ``validation_fraction`` of ``arrays`` is held out.
        stratify : array-like, default=None
            Labels that stratify the automatic validation split.
        callbacks : sequence of Callback, default=()
            The estimator's own, run before early stopping.

        Returns
        -------
        module : torch.nn.Module
            On the CPU, in eval mode.
        history : list of dict
            One record per epoch.
        best_epoch : int
            The kept epoch (the last one without early stopping).
        """
        torch = import_torch()
        if _RUN_LOG is not None:
            _RUN_LOG.append(type(self).__name__)
        arrays = tuple(arrays)
        n = len(arrays[0])
        if val_arrays is None and self.early_stopping:
            tr, va = self._train_val_indices(n, generator, stratify)
            val_arrays = tuple(_index(a, va) for a in arrays)
            arrays = tuple(_index(a, tr) for a in arrays)
            n = len(tr)
        train_t = tuple(as_tensor(a, "cpu") for a in arrays)
        val_t = None
        if val_arrays is not None:
            val_t = tuple(as_tensor(a, device) for a in val_arrays)
        on_device = (
            device.type != "cpu"
            and sum(t.element_size() * t.nelement() for t in train_t)
            < TRAIN_ON_DEVICE_BYTES
        )
        if on_device:
            train_t = tuple(t.to(device) for t in train_t)
        # batches too large to hold on the accelerator are copied on their turn
        copy_batches = device.type != "cpu" and not on_device
        module.to(device)
        run = TrainingRun(
            self, module, self._make_optimizers(module), loss_fn, device, generator
        )
        run.n_train, run.n_valid = n, 0 if val_t is None else len(val_t[0])
        val_fn = val_loss_fn or loss_fn
        run.val_reduce = val_reduce
        batch_size = n if self.batch_size is None else self.batch_size
        callbacks = self._training_callbacks(list(callbacks))

        history = []
        for cb in callbacks:
            cb.on_train_begin(run)
        for epoch in range(1, self.max_epochs + 1):
            t_start = time.perf_counter()
            run.epoch, run.training = epoch, True
            for cb in callbacks:
                cb.on_epoch_begin(run)
            module.train()
            full = batch_size >= n
            if not full:
                perm = torch.randperm(n, generator=generator)
                if on_device:
                    perm = perm.to(device)
            # kept on the device and read once an epoch: a per-batch
            # float(loss) would synchronise a GPU at every step
            losses, sizes = [], []
            for b, start in enumerate(range(0, n, batch_size)):
                run.batch_index, run.batch_start = b, start
                if full:
                    batch, rows = list(train_t), n
                else:
                    idx = perm[start : start + batch_size]
                    batch, rows = [t[idx] for t in train_t], len(idx)
                if copy_batches:
                    batch = [t.to(device, non_blocking=True) for t in batch]
                losses.append(self._train_step(run, batch))
                sizes.append(rows)
            total = torch.stack(losses).float() @ torch.tensor(
                sizes, dtype=torch.float32, device=device
            )
            record = {"epoch": epoch, "train_loss": float(total) / max(n, 1)}
            if val_t is not None:
                run.training = False
                module.eval()
                record["valid_loss"] = self._validation_loss(run, val_fn, val_t)
            for cb in callbacks:
                cb.on_epoch_end(run, record)
            record["time"] = time.perf_counter() - t_start
            history.append(record)
            if run.stop:
                break
        for cb in callbacks:
            cb.on_train_end(run)
        module.to("cpu")
        module.eval()
        return module, history, int(run.best_epoch)

    def _validation_loss(self, run, val_fn, val_t):
        """The validation loss (the loop has set eval mode and ``run.training``).

        No gradients, and no train step runs: per-sample state is untouched.
        """
        torch = import_torch()
        n = len(val_t[0])
        sums, mean, rows = None, 0.0, 0
        with torch.no_grad():
            for s in range(0, n, VALIDATION_CHUNK):
                chunk = [v[s : s + VALIDATION_CHUNK] for v in val_t]
                out = val_fn(run.module, *chunk)
                if isinstance(out, tuple):
                    out = [float(o) for o in out]
                    sums = out if sums is None else [a + b for a, b in zip(sums, out)]
                else:
                    mean += float(out) * len(chunk[0])
                    rows += len(chunk[0])
        if sums is None:
            return mean / rows if rows else math.nan
        if run.val_reduce is not None:
            return float(run.val_reduce(sums))
        total, weight = sums
        return total / weight if weight else math.nan


def _index(a, idx):
    torch = import_torch()
    if isinstance(a, torch.Tensor):
        return a[torch.as_tensor(idx)]
    return np.asarray(a)[idx]
