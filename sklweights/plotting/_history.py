"""TrainingHistoryDisplay: loss per epoch of any torch estimator of sklweights."""

import numpy as np

from sklweights.utils._sklearn_compat import check_is_fitted

from ._base import DisplayMixin

__all__ = ["TrainingHistoryDisplay"]


class TrainingHistoryDisplay(DisplayMixin):
    """Training (and validation) loss per epoch, with the early-stopping point.

    Every torch estimator of sklweights records ``history_`` (a list of
    per-epoch dicts with ``train_loss`` and, with early stopping,
    ``valid_loss``) and ``best_epoch_``, the epoch whose weights it kept.

    Parameters
    ----------
    epochs : ndarray of shape (n_epochs,)
    train_loss : ndarray of shape (n_epochs,)
    valid_loss : ndarray of shape (n_epochs,) or None
    best_epoch : int or None
        The epoch the fitted model comes from (1-based), if known.
    name : str, default=None
        Legend label (the estimator's class name from ``from_estimator``).

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
    >>> disp.train_loss.shape
    (5,)
    """

    def __init__(self, epochs, train_loss, valid_loss=None, best_epoch=None, name=None):
        self.epochs = epochs
        self.train_loss = train_loss
        self.valid_loss = valid_loss
        self.best_epoch = best_epoch
        self.name = name

    @classmethod
    def from_history(cls, history, *, best_epoch=None, name=None, ax=None):
        """From a ``history_`` list of per-epoch dicts, and plot.

        Parameters
        ----------
        history : list of dict
            Each with ``epoch`` (optional) and ``train_loss``, optionally
            ``valid_loss``.
        best_epoch : int, default=None
        name : str, default=None
        ax : matplotlib Axes, default=None

        Returns
        -------
        display : TrainingHistoryDisplay
        """
        if not isinstance(history, (list, tuple)) or not all(
            isinstance(h, dict) and "train_loss" in h for h in history
        ):
            raise ValueError(
                "history must be a list of per-epoch dicts with a 'train_loss' "
                "(an estimator's history_)."
            )
        if len(history) == 0:
            raise ValueError("history is empty: the estimator trained no epoch.")
        epochs = np.array([h.get("epoch", i + 1) for i, h in enumerate(history)])
        train = np.array([h["train_loss"] for h in history], dtype=float)
        valid = None
        if any("valid_loss" in h for h in history):
            valid = np.array([h.get("valid_loss", np.nan) for h in history], float)
        disp = cls(epochs, train, valid, best_epoch, name)
        return disp.plot(ax=ax)

    @classmethod
    def from_estimator(cls, estimator, *, name=None, ax=None):
        """From a fitted torch estimator's ``history_`` and ``best_epoch_``.

        Parameters
        ----------
        estimator : fitted estimator with ``history_``
        name : str, default=None
            Legend label; the class name when None.
        ax : matplotlib Axes, default=None

        Returns
        -------
        display : TrainingHistoryDisplay
        """
        check_is_fitted(estimator)
        history = getattr(estimator, "history_", None)
        if history is None:
            raise TypeError(
                f"{type(estimator).__name__} has no history_: "
                "TrainingHistoryDisplay needs a torch estimator of sklweights."
            )
        return cls.from_history(
            history,
            best_epoch=getattr(estimator, "best_epoch_", None),
            name=name or type(estimator).__name__,
            ax=ax,
        )

    def plot(self, ax=None, *, logy=False, **kwargs):
        """Draw the curves.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            New axes when None.
        logy : bool, default=False
            Logarithmic loss axis.
        **kwargs : dict
            Passed to ``ax.plot`` for the training curve.

        Returns
        -------
        display : TrainingHistoryDisplay
        """
        ax = self._axes(ax, figsize=(5, 3.5))
        prefix = f"{self.name}: " if self.name else ""
        self.lines_ = ax.plot(
            self.epochs, self.train_loss, label=f"{prefix}training loss", **kwargs
        )
        if self.valid_loss is not None:
            self.lines_ += ax.plot(
                self.epochs, self.valid_loss, label=f"{prefix}validation loss"
            )
        self.best_line_ = None
        if self.best_epoch is not None and self.best_epoch < self.epochs[-1]:
            self.best_line_ = ax.axvline(
                self.best_epoch, color="0.4", ls=":", label="kept (best) epoch"
            )
        if logy:
            ax.set_yscale("log")
        ax.set_xlabel("epoch")
        ax.set_ylabel("loss")
        ax.legend(fontsize=8)
        return self
