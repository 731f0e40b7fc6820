"""PredictedHistogramDisplay: the predicted distributions of a histogram model."""

import numpy as np
from sklearn.utils.validation import check_array, column_or_1d

from ._base import DisplayMixin, check_estimator_has

__all__ = ["PredictedHistogramDisplay"]


class PredictedHistogramDisplay(DisplayMixin):
    """Predicted histograms of a few rows, as densities, with their means.

    For :class:`sklweights.regression.HLGaussRegressor` (its
    ``predict_distribution`` over ``bin_edges_``) or any bin probabilities.

    Parameters
    ----------
    bin_edges : ndarray of shape (n_bins + 1,)
        Edges of the histogram's bins.
    density : ndarray of shape (n_rows, n_bins)
        Probability per bin divided by the bin width.
    mean : ndarray of shape (n_rows,)
        The histograms' means (bin centres weighted by probability).
    y_true : ndarray of shape (n_rows,) or None
        True target of each row (dashed lines), if known.
    name : str, default=None
        Title of the axes; no title when None.

    Attributes
    ----------
    steps_ : list of matplotlib Line2D
    ax_, figure_

    Examples
    --------
    >>> from sklweights.plotting import PredictedHistogramDisplay
    >>> disp = PredictedHistogramDisplay.from_predictions(
    ...     [0.0, 1.0, 2.0, 4.0], [[0.2, 0.6, 0.2]])
    >>> disp.mean, disp.density
    (array([1.6]), array([[0.2, 0.6, 0.1]]))
    """

    def __init__(self, bin_edges, density, mean, y_true=None, name=None):
        self.bin_edges = bin_edges
        self.density = density
        self.mean = mean
        self.y_true = y_true
        self.name = name

    @classmethod
    def from_predictions(cls, bin_edges, proba, *, y_true=None, name=None, ax=None):
        """From bin edges and bin probabilities, and plot.

        Parameters
        ----------
        bin_edges : array-like of shape (n_bins + 1,)
            Edges of the histogram's bins, increasing.
        proba : array-like of shape (n_rows, n_bins)
            Rows sum to one.
        y_true : array-like of shape (n_rows,), default=None
            True target of each row (dashed lines); none drawn when None.
        name : str, default=None
            Title of the axes; no title when None.
        ax : matplotlib Axes, default=None
            Axes to draw into; a new figure's axes when None.

        Returns
        -------
        display : PredictedHistogramDisplay
            The display, computed and drawn (``plot`` has been called).
        """
        from sklweights.losses._hl_gauss import bin_centers, check_bin_edges

        edges = check_bin_edges(bin_edges)
        proba = check_array(proba, dtype=np.float64)
        if proba.shape[1] != edges.size - 1:
            raise ValueError(
                f"proba has {proba.shape[1]} columns for {edges.size - 1} bins."
            )
        if np.any(proba < 0) or not np.allclose(proba.sum(axis=1), 1.0, atol=1e-6):
            raise ValueError("proba rows must be probabilities that sum to one.")
        if y_true is not None:
            y_true = column_or_1d(y_true).astype(np.float64)
            if y_true.shape[0] != proba.shape[0]:
                raise ValueError(
                    f"y_true has {y_true.shape[0]} values for {proba.shape[0]} rows."
                )
        density = proba / np.diff(edges)
        mean = proba @ bin_centers(edges)
        return cls(edges, density, mean, y_true, name).plot(ax=ax)

    @classmethod
    def from_estimator(cls, estimator, X, y=None, *, name=None, ax=None):
        """From a fitted histogram regressor on a few rows ``X``, and plot.

        Parameters
        ----------
        estimator : fitted model with ``predict_distribution`` and ``bin_edges_``
            The fitted histogram regressor (e.g.
            :class:`~sklweights.regression.HLGaussRegressor` with ``loss="hl_gauss"``).
        X : array-like of shape (n_rows, n_features)
            A few rows (one curve each).
        y : array-like of shape (n_rows,), default=None
            True targets of ``X`` (dashed lines); none drawn when None.
        name : str, default=None
            Title of the axes; the estimator's class name when None.
        ax : matplotlib Axes, default=None
            Axes to draw into; a new figure's axes when None.

        Returns
        -------
        display : PredictedHistogramDisplay
            The display, computed and drawn (``plot`` has been called).
        """
        check_estimator_has(
            estimator,
            ["predict_distribution", "bin_edges_"],
            "an HLGaussRegressor with loss='hl_gauss'",
        )
        return cls.from_predictions(
            estimator.bin_edges_,
            estimator.predict_distribution(X),
            y_true=y,
            name=name or type(estimator).__name__,
            ax=ax,
        )

    def plot(self, ax=None):
        """Draw one step curve per row, its mean (solid) and truth (dashed).

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw into; a new figure's axes when None.

        Returns
        -------
        display : PredictedHistogramDisplay
            The display itself, drawn, with ``ax_`` and ``figure_`` set.
        """
        ax = self._axes(ax, figsize=(6, 3.5))
        self.steps_ = []
        for i, dens in enumerate(self.density):
            color = f"C{i % 10}"
            (line,) = ax.step(
                self.bin_edges,
                np.r_[dens, dens[-1]],
                where="post",
                color=color,
                label=f"row {i}: mean {self.mean[i]:.3g}",
            )
            self.steps_.append(line)
            ax.axvline(self.mean[i], color=color, lw=1)
            if self.y_true is not None:
                ax.axvline(self.y_true[i], color=color, ls="--", lw=1)
        ax.set_xlabel("target (dashed: true value)")
        ax.set_ylabel("predicted density")
        if self.name:
            ax.set_title(self.name)
        ax.legend(fontsize=8)
        return self
