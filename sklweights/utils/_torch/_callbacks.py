"""The callbacks of the shared training loop (in the manner of skorch's).

The loop (:meth:`TorchTrainingMixin._train`) calls, on each callback in
order, ``on_train_begin(run)``, then per epoch ``on_epoch_begin(run)`` and,
once the epoch's record ``{"epoch", "train_loss", "valid_loss"?}`` is built,
``on_epoch_end(run, record)``, and at the end ``on_train_end(run)``. A
callback may add fields to the record (they land in ``history_``) or set
``run.stop = True``. The short list every estimator gets, in this order:

:class:`FiniteLossCheck`
    A non-finite training or validation loss is a ``FloatingPointError``
    naming the epoch.
:class:`LearningRateSchedule`
    Multiplies the learning rate of every optimizer by ``decay`` at each of
    ``milestones`` (epoch counts), as the LDR authors' step schedule; only
    for estimators with an ``lr_milestones`` parameter.
the estimator's own callbacks
    e.g. ``DebiasedMF``'s balance monitor, which adds a field per epoch.
:class:`EarlyStopping`
    scikit-learn's MLP rule (below), best-epoch restoration.
:class:`ProgressBar`
    A tqdm bar on stderr when ``verbose`` is truthy.
"""

import math
import warnings

from sklearn.exceptions import ConvergenceWarning

__all__ = [
    "Callback",
    "EarlyStopping",
    "FiniteLossCheck",
    "LearningRateSchedule",
    "ProgressBar",
]


class Callback:
    """Base class: every hook does nothing."""

    def on_train_begin(self, run):
        pass

    def on_epoch_begin(self, run):
        pass

    def on_epoch_end(self, run, record):
        pass

    def on_train_end(self, run):
        pass


class FiniteLossCheck(Callback):
    """Stop with a clear error as soon as an epoch's loss is NaN or infinite."""

    def on_epoch_end(self, run, record):
        for key in ("train_loss", "valid_loss"):
            value = record.get(key)
            if value is not None and not math.isfinite(value):
                raise FloatingPointError(
                    f"{run.name}: the {key.replace('_', ' ')} became {value} at "
                    f"epoch {record['epoch']}; lower learning_rate (or check the "
                    "inputs for huge or non-finite values)."
                )


class LearningRateSchedule(Callback):
    """Step schedule: ``lr = lr0 * decay ** (number of milestones passed)``.

    ``milestones`` are epoch counts: after ``m`` completed epochs the rate is
    multiplied by ``decay`` (``torch.optim.lr_scheduler.MultiStepLR``'s
    convention). The rate of each epoch is recorded as ``"lr"`` (of the
    first optimizer).
    """

    def __init__(self, milestones, decay):
        self.milestones = sorted(int(m) for m in milestones)
        self.decay = float(decay)

    def on_train_begin(self, run):
        self._base = [
            [g["lr"] for g in opt.param_groups] for opt in run.optimizers.values()
        ]

    def on_epoch_begin(self, run):
        passed = sum(m < run.epoch for m in self.milestones)
        factor = self.decay**passed
        for opt, base in zip(run.optimizers.values(), self._base):
            for g, lr0 in zip(opt.param_groups, base):
                g["lr"] = lr0 * factor
        self._lr = self._base[0][0] * factor if self._base else None

    def on_epoch_end(self, run, record):
        record["lr"] = self._lr


class EarlyStopping(Callback):
    """scikit-learn's MLP stopping rule on the validation or the training loss.

    The monitored loss is ``valid_loss`` when the run has validation rows,
    else ``train_loss``. An epoch whose loss is not below the best so far
    minus ``tol`` counts as one without improvement; any epoch that improves
    resets the count. Training stops when the count exceeds
    ``n_iter_no_change``. ``best_epoch`` is the epoch of the lowest monitored
    loss. With ``restore_best`` (validation monitoring), that epoch's weights
    are restored at the end, and reaching the last epoch while the count has
    not run out is a ``ConvergenceWarning``.
    """

    def __init__(self, *, n_iter_no_change, tol, restore_best):
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.restore_best = restore_best

    def on_train_begin(self, run):
        self.best, self.count, self.state = math.inf, 0, None
        run.best_epoch = 0

    def on_epoch_end(self, run, record):
        score = record.get("valid_loss", record["train_loss"])
        if score > self.best - self.tol:
            self.count += 1
        else:
            self.count = 0
        if score < self.best:
            self.best = score
            run.best_epoch = record["epoch"]
            if self.restore_best:
                self.state = {
                    k: v.detach().clone() for k, v in run.module.state_dict().items()
                }
        if self.count > self.n_iter_no_change:
            run.stop = True

    def on_train_end(self, run):
        if self.restore_best and self.state is not None:
            run.module.load_state_dict(self.state)
        if self.restore_best and not run.stop:
            warnings.warn(
                f"{run.name}: the validation loss was still improving after "
                f"max_epochs={run.max_epochs}; consider raising max_epochs.",
                ConvergenceWarning,
                stacklevel=4,
            )


class ProgressBar(Callback):
    """A tqdm bar over the epochs (stderr), with the record's numbers."""

    def __init__(self, verbose):
        self.verbose = verbose

    def on_train_begin(self, run):
        from tqdm.auto import tqdm

        self.bar = tqdm(
            total=run.max_epochs,
            disable=not self.verbose,
            desc=run.name,
            unit="epoch",
            leave=False,
        )

    def on_epoch_end(self, run, record):
        self.bar.update(1)
        self.bar.set_postfix(
            {
                k: f"{v:.4g}"
                for k, v in record.items()
                if k != "epoch" and isinstance(v, float)
            }
        )

    def on_train_end(self, run):
        self.bar.close()
