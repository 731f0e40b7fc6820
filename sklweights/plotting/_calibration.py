"""ReliabilityDisplay: binned calibration of one class's predicted probability."""

import numpy as np
from sklearn.utils.validation import check_consistent_length, column_or_1d

from sklweights.metrics._ordinal import equal_frequency_bins
from sklweights.utils._sklearn_compat import check_is_fitted

from ._base import DisplayMixin, check_n_bins

__all__ = ["ReliabilityDisplay"]

STRATEGIES = ("equal_frequency", "uniform")


def _bins(p, n_bins, strategy):
    if strategy == "equal_frequency":
        return equal_frequency_bins(p, n_bins)
    if strategy == "uniform":
        # scikit-learn's calibration_curve: a value on an edge goes to the
        # lower bin, empty bins are dropped
        ids = np.searchsorted(np.linspace(0.0, 1.0, n_bins + 1)[1:-1], p)
        return [np.flatnonzero(ids == b) for b in range(n_bins) if np.any(ids == b)]
    raise ValueError(f"strategy must be one of {STRATEGIES}; got {strategy!r}.")


class ReliabilityDisplay(DisplayMixin):
    """Reliability diagram: observed frequency against predicted probability.

    The rows are cut into bins of their predicted probability of one class
    (``pos_label``: by default the last class, the top rare class of an
    ordinal model or the positive class of a binary one); each bin's mean
    prediction is plotted against the class's frequency in it. With
    ``strategy="equal_frequency"`` the bins and ``calibration_error`` are
    those of :func:`sklweights.metrics.rare_class_calibration_error` (the
    PRESTO paper's metric); with ``"uniform"`` they are those of
    :func:`sklearn.calibration.calibration_curve`.

    Parameters
    ----------
    prob_true, prob_pred : ndarray of shape (n_nonempty_bins,)
        Observed frequency and mean prediction per bin.
    bin_counts : ndarray of shape (n_nonempty_bins,)
        Rows per bin.
    calibration_error : float
        Mean over rows of (prediction - its bin's frequency)^2.
    name : str, default=None
        Legend label of the curve; ``"model"`` when None.

    Attributes
    ----------
    line_ : matplotlib Line2D
    ax_ : matplotlib Axes
    figure_ : matplotlib Figure

    Examples
    --------
    >>> import numpy as np
    >>> from sklweights.plotting import ReliabilityDisplay
    >>> rng = np.random.default_rng(0)
    >>> p = rng.uniform(size=500)
    >>> disp = ReliabilityDisplay.from_predictions(rng.uniform(size=500) < p, p)
    >>> disp.prob_pred.shape
    (10,)
    """

    def __init__(self, prob_true, prob_pred, bin_counts, calibration_error, name=None):
        self.prob_true = prob_true
        self.prob_pred = prob_pred
        self.bin_counts = bin_counts
        self.calibration_error = calibration_error
        self.name = name

    @classmethod
    def from_predictions(
        cls,
        y_true,
        y_prob,
        *,
        n_bins=10,
        strategy="equal_frequency",
        name=None,
        ax=None,
    ):
        """From 0/1 outcomes and predicted probabilities, and plot.

        Parameters
        ----------
        y_true : array-like of shape (n_samples,)
            1 (or True) where the class occurred.
        y_prob : array-like of shape (n_samples,)
            Predicted probabilities of the class.
        n_bins : int, default=10
            Number of bins of the predicted probability.
        strategy : {"equal_frequency", "uniform"}, default="equal_frequency"
            Bins of equal row counts (the PRESTO paper's metric), or of equal width in
            [0, 1] (scikit-learn's ``calibration_curve``); empty bins are dropped.
        name : str, default=None
            Legend label of the curve; ``"model"`` when None.
        ax : matplotlib Axes, default=None
            Axes to draw into; a new figure's axes when None.

        Returns
        -------
        display : ReliabilityDisplay
            The display, computed and drawn (``plot`` has been called).
        """
        o = column_or_1d(y_true).astype(np.float64)
        p = column_or_1d(y_prob).astype(np.float64)
        check_consistent_length(o, p)
        if not np.all(np.isin(o, (0.0, 1.0))):
            raise ValueError("y_true must be a 0/1 (or boolean) indicator.")
        if not np.all((p >= 0) & (p <= 1)):
            raise ValueError("y_prob must hold probabilities in [0, 1].")
        bins = _bins(p, check_n_bins(n_bins), strategy)
        prob_true = np.array([o[b].mean() for b in bins])
        prob_pred = np.array([p[b].mean() for b in bins])
        counts = np.array([len(b) for b in bins])
        error = sum(float(((p[b] - o[b].mean()) ** 2).sum()) for b in bins) / len(p)
        return cls(prob_true, prob_pred, counts, error, name).plot(ax=ax)

    @classmethod
    def from_estimator(
        cls,
        estimator,
        X,
        y,
        *,
        pos_label=None,
        n_bins=10,
        strategy="equal_frequency",
        name=None,
        ax=None,
    ):
        """From a fitted classifier's ``predict_proba`` on ``X``, and plot.

        Parameters
        ----------
        estimator : fitted classifier with ``classes_`` and ``predict_proba``
            The fitted classifier whose ``predict_proba`` is calibrated.
        X : array-like
            The input samples.
        y : array-like of shape (n_samples,)
            True classes.
        pos_label : label, default=None
            The class whose probability is calibrated; ``classes_[-1]`` when
            None.
        n_bins, strategy, name, ax
            As in :meth:`from_predictions`; ``name`` defaults to the class
            name.

        Returns
        -------
        display : ReliabilityDisplay
            The display, computed and drawn (``plot`` has been called).
        """
        check_is_fitted(estimator)
        classes = np.asarray(estimator.classes_)
        label = classes[-1] if pos_label is None else pos_label
        column = np.flatnonzero(classes == label)
        if column.size != 1:
            raise ValueError(
                f"pos_label={pos_label!r} is not a class of the estimator "
                f"({classes.tolist()})."
            )
        proba = estimator.predict_proba(X)[:, column[0]]
        return cls.from_predictions(
            np.asarray(y) == label,
            proba,
            n_bins=n_bins,
            strategy=strategy,
            name=name or type(estimator).__name__,
            ax=ax,
        )

    def plot(self, ax=None, *, ref_line=True, **kwargs):
        """Draw the diagram.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw into; a new figure's axes when None.
        ref_line : bool, default=True
            The diagonal of perfect calibration.
        **kwargs : dict
            Passed to ``ax.plot``.

        Returns
        -------
        display : ReliabilityDisplay
            The display itself, drawn, with ``ax_`` and ``figure_`` set.
        """
        ax = self._axes(ax, figsize=(4.5, 4.5))
        if ref_line:
            ax.plot([0, 1], [0, 1], ls="--", color="0.6", lw=1)
        label = f"{self.name or 'model'} (error {self.calibration_error:.3g})"
        kwargs.setdefault("marker", "s")
        (self.line_,) = ax.plot(self.prob_pred, self.prob_true, label=label, **kwargs)
        ax.set_xlabel("mean predicted probability")
        ax.set_ylabel("observed frequency")
        ax.legend(fontsize=8)
        return self
