"""TrainingHistoryDisplay: loss per epoch of any torch estimator of sklweights."""

import numpy as np

from ._base import DisplayMixin, check_estimator_has

__all__ = ["TrainingHistoryDisplay"]


class TrainingHistoryDisplay(DisplayMixin):
    """Per-epoch curves of a torch estimator's ``history_``, with the kept epoch.

    Every torch estimator of sklweights records ``history_`` (a list of
    per-epoch dicts: ``train_loss``, with early stopping ``valid_loss``, and
    the estimator's own entries, e.g. ``balance_violation`` of
    :class:`~sklweights.recsys.DebiasedMF`) and ``best_epoch_``, the epoch
    whose weights it kept.

    Parameters
    ----------
    epochs : ndarray of shape (n_epochs,)
        Epoch numbers (1-based).
    curves : dict of str to ndarray of shape (n_epochs,)
        The plotted entries of the history, by name.
    best_epoch : int or None
        The epoch the fitted model comes from (1-based), if known.
    name : str, default=None
        Legend prefix (the estimator's class name from ``from_estimator``).

    Attributes
    ----------
    lines_ : list of matplotlib Line2D
    best_line_ : matplotlib Line2D or None
    ax_ : matplotlib Axes
    figure_ : matplotlib Figure

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from sklweights.plotting import TrainingHistoryDisplay
    >>> from sklweights.regression import HLGaussRegressor
    >>> X, y = load_diabetes(return_X_y=True)
    >>> reg = HLGaussRegressor(max_epochs=5, random_state=0)
    >>> disp = TrainingHistoryDisplay.from_estimator(reg.fit(X, y))
    >>> disp.curves["train_loss"].shape
    (5,)
    """

    def __init__(self, epochs, curves, best_epoch=None, name=None):
        self.epochs = epochs
        self.curves = curves
        self.best_epoch = best_epoch
        self.name = name

    @classmethod
    def from_history(
        cls, history, *, keys=None, best_epoch=None, name=None, ax=None, **kwargs
    ):
        """From a ``history_`` list of per-epoch dicts, and plot.

        Parameters
        ----------
        history : list of dict
            One dict per epoch (``epoch`` optional).
        keys : sequence of str, default=None
            The entries to plot; ``train_loss`` and, when recorded,
            ``valid_loss`` when None.
        best_epoch : int, default=None
            The epoch the fitted model comes from (1-based), marked by a dotted line
            when before the last; no mark when None.
        name : str, default=None
            Legend prefix of the curves; none when None.
        ax : matplotlib Axes, default=None
            Axes to draw into; a new figure's axes when None.
        **kwargs : dict
            Passed to :meth:`plot`.

        Returns
        -------
        display : TrainingHistoryDisplay
            The display, computed and drawn (``plot`` has been called).
        """
        if not isinstance(history, (list, tuple)) or not all(
            isinstance(h, dict) for h in history
        ):
            raise ValueError(
                "history must be a list of per-epoch dicts (an estimator's history_)."
            )
        if len(history) == 0:
            raise ValueError("history is empty: the estimator trained no epoch.")
        recorded = set().union(*history)
        if keys is None:
            keys = [k for k in ("train_loss", "valid_loss") if k in recorded]
        keys = [keys] if isinstance(keys, str) else list(keys)
        missing = [k for k in keys if k not in recorded]
        if missing or not keys:
            raise ValueError(
                f"keys {missing or keys!r} are not in the history; recorded: "
                f"{sorted(recorded)}."
            )
        epochs = np.array([h.get("epoch", i + 1) for i, h in enumerate(history)])
        curves = {
            k: np.array([h.get(k, np.nan) for h in history], dtype=float) for k in keys
        }
        return cls(epochs, curves, best_epoch, name).plot(ax=ax, **kwargs)

    @classmethod
    def from_estimator(cls, estimator, *, keys=None, name=None, ax=None, **kwargs):
        """From a fitted torch estimator's ``history_`` and ``best_epoch_``.

        Parameters
        ----------
        estimator : fitted estimator with ``history_``
            The fitted torch estimator of sklweights.
        keys : sequence of str, default=None
            See :meth:`from_history`.
        name : str, default=None
            Legend prefix of the curves; the estimator's class name when None.
        ax : matplotlib Axes, default=None
            Axes to draw into; a new figure's axes when None.
        **kwargs : dict
            Passed to :meth:`plot`.

        Returns
        -------
        display : TrainingHistoryDisplay
            The display, computed and drawn (``plot`` has been called).
        """
        check_estimator_has(estimator, ["history_"], "a torch estimator of sklweights")
        return cls.from_history(
            estimator.history_,
            keys=keys,
            best_epoch=getattr(estimator, "best_epoch_", None),
            name=name or type(estimator).__name__,
            ax=ax,
            **kwargs,
        )

    def plot(self, ax=None, *, logy=False, **kwargs):
        """Draw the curves.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw into; a new figure's axes when None.
        logy : bool, default=False
            Logarithmic vertical axis.
        **kwargs : dict
            Passed to ``ax.plot`` for every curve.

        Returns
        -------
        display : TrainingHistoryDisplay
            The display itself, drawn, with ``ax_`` and ``figure_`` set.
        """
        ax = self._axes(ax, figsize=(5, 3.5))
        prefix = f"{self.name}: " if self.name else ""
        self.lines_ = []
        for key, values in self.curves.items():
            label = prefix + key.replace("_", " ")
            self.lines_ += ax.plot(self.epochs, values, label=label, **kwargs)
        self.best_line_ = None
        if self.best_epoch is not None and self.best_epoch < self.epochs[-1]:
            self.best_line_ = ax.axvline(
                self.best_epoch, color="0.4", ls=":", label="kept (best) epoch"
            )
        if logy:
            ax.set_yscale("log")
        ax.set_xlabel("epoch")
        ax.set_ylabel(
            "loss"
            if set(self.curves) <= {"train_loss", "valid_loss"}
            else ", ".join(k.replace("_", " ") for k in self.curves)
        )
        ax.legend(fontsize=8)
        return self
