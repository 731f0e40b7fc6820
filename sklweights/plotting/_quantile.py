"""Displays of quantile predictions: the fan chart and coverage by width."""

import numpy as np
from sklearn.utils.validation import check_array, check_consistent_length, column_or_1d

from sklweights.metrics import empirical_coverage
from sklweights.metrics._ordinal import equal_frequency_bins
from sklweights.metrics._quantile import _check_levels, _symmetric_pairs

from ._base import (
    DisplayMixin,
    check_estimator_has,
    check_feature_index,
    check_n_bins,
)

__all__ = ["IntervalCoverageDisplay", "QuantileFanDisplay"]


def _predicted_quantiles(estimator, X, quantiles):
    """``(q, levels)`` from ``predict_quantiles`` (the estimator's levels when None)."""
    check_estimator_has(
        estimator,
        ["predict_quantiles"],
        "a quantile model (e.g. QuantileAggregator, HLGaussRegressor)",
    )
    if quantiles is None:
        levels = getattr(estimator, "quantiles_", None)
        if levels is None:
            raise ValueError(
                f"{type(estimator).__name__} has no fitted quantiles_; pass quantiles=."
            )
        return np.asarray(estimator.predict_quantiles(X)), np.asarray(levels, float)
    levels = _check_levels(quantiles)
    return np.asarray(estimator.predict_quantiles(X, quantiles=levels)), levels


def _feature(X, feature):
    """Column ``feature`` (index or DataFrame column name) of ``X`` and its name."""
    if hasattr(X, "columns"):
        name = (
            feature
            if not isinstance(feature, (int, np.integer))
            else X.columns[feature]
        )
        return np.asarray(X[name], dtype=float), str(name)
    X = check_array(X, dtype=np.float64)
    feature = check_feature_index(feature, X.shape[1])
    return X[:, feature], f"feature {feature}"


class QuantileFanDisplay(DisplayMixin):
    """Fan chart: the central intervals of predicted quantiles along one axis.

    Each symmetric pair of levels (``tau``, ``1 - tau``) is a band, darker
    the narrower; the median (when predicted) a line; observed targets
    points; the legend gives each band's empirical coverage.

    Parameters
    ----------
    x : ndarray of shape (n_samples,)
        Positions (sorted ascending).
    y_quantiles : ndarray of shape (n_samples, n_levels)
        Quantiles at ``x`` (rows in the order of ``x``).
    quantiles : ndarray of shape (n_levels,)
        Levels of the columns of ``y_quantiles``, increasing.
    y_true : ndarray of shape (n_samples,) or None
        Observed targets (points), if known.
    coverage : dict or None
        ``{(tau_lo, tau_hi): empirical coverage}`` of each band.
    xlabel : str, default="x"
        Label of the x-axis.
    name : str, default=None
        Title of the axes; no title when None.

    Attributes
    ----------
    bands_ : list of matplotlib PolyCollection
    median_line_ : matplotlib Line2D or None
    ax_, figure_

    Examples
    --------
    >>> import numpy as np
    >>> from sklweights.plotting import QuantileFanDisplay
    >>> x = np.linspace(0, 1, 50)
    >>> q = np.column_stack([x - 1, x, x + 1])
    >>> disp = QuantileFanDisplay.from_predictions(x, q, [0.1, 0.5, 0.9], y_true=x)
    >>> disp.coverage
    {(0.1, 0.9): 1.0}
    """

    def __init__(
        self,
        x,
        y_quantiles,
        quantiles,
        y_true=None,
        coverage=None,
        xlabel="x",
        name=None,
    ):
        self.x = x
        self.y_quantiles = y_quantiles
        self.quantiles = quantiles
        self.y_true = y_true
        self.coverage = coverage
        self.xlabel = xlabel
        self.name = name

    @classmethod
    def from_predictions(
        cls, x, y_quantiles, quantiles, *, y_true=None, xlabel="x", name=None, ax=None
    ):
        """From positions and predicted quantiles, and plot.

        Parameters
        ----------
        x : array-like of shape (n_samples,)
            Where each row sits on the horizontal axis (a feature, a time).
        y_quantiles : array-like of shape (n_samples, n_levels)
            Predicted quantiles, one column per level.
        quantiles : array-like of shape (n_levels,)
            Levels of the columns of ``y_quantiles``, increasing in (0, 1).
        y_true : array-like of shape (n_samples,), default=None
            Observed targets (points, and the bands' coverage in the legend); none when
            None.
        xlabel, name : str
            Label of the x-axis, and title of the axes (no title when None).
        ax : matplotlib Axes, default=None
            Axes to draw into; a new figure's axes when None.

        Returns
        -------
        display : QuantileFanDisplay
            The display, computed and drawn (``plot`` has been called).
        """
        x = column_or_1d(x).astype(np.float64)
        q = check_array(y_quantiles, dtype=np.float64)
        levels = _check_levels(quantiles)
        if q.shape[1] != levels.size:
            raise ValueError(
                f"y_quantiles has {q.shape[1]} columns for {levels.size} levels."
            )
        check_consistent_length(x, q)
        order = np.argsort(x, kind="stable")
        x, q = x[order], q[order]
        coverage = None
        if y_true is not None:
            y_true = column_or_1d(y_true).astype(np.float64)
            check_consistent_length(x, y_true)
            y_true = y_true[order]
            coverage = {
                (float(levels[lo]), float(levels[hi])): empirical_coverage(
                    y_true, q[:, lo], q[:, hi]
                )
                for lo, hi in _symmetric_pairs(levels)
            }
        return cls(x, q, levels, y_true, coverage, xlabel, name).plot(ax=ax)

    @classmethod
    def from_estimator(
        cls, estimator, X, y=None, *, feature=0, quantiles=None, name=None, ax=None
    ):
        """From a fitted quantile model on ``X``, along one of its features.

        Parameters
        ----------
        estimator : fitted model with ``predict_quantiles``
            The fitted quantile model.
        X : array-like or DataFrame
            The input samples.
        y : array-like of shape (n_samples,), default=None
            Observed targets of ``X`` (points, and the bands' coverage in the legend);
            none when None.
        feature : int or str, default=0
            The feature on the horizontal axis (a column name for a DataFrame).
        quantiles : array-like, default=None
            Levels to predict; the estimator's ``quantiles_`` when None.
        name : str, default=None
            Title of the axes; the estimator's class name when None.
        ax : matplotlib Axes, default=None
            Axes to draw into; a new figure's axes when None.

        Returns
        -------
        display : QuantileFanDisplay
            The display, computed and drawn (``plot`` has been called).
        """
        x, xlabel = _feature(X, feature)
        q, levels = _predicted_quantiles(estimator, X, quantiles)
        return cls.from_predictions(
            x,
            q,
            levels,
            y_true=y,
            xlabel=xlabel,
            name=name or type(estimator).__name__,
            ax=ax,
        )

    def plot(self, ax=None, *, color="C0"):
        """Draw the fan.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw into; a new figure's axes when None.
        color : color, default="C0"
            Matplotlib colour of the bands and the median line.

        Returns
        -------
        display : QuantileFanDisplay
            The display itself, drawn, with ``ax_`` and ``figure_`` set.
        """
        ax = self._axes(ax, figsize=(6, 3.6))
        if self.y_true is not None:
            ax.scatter(
                self.x, self.y_true, s=3, color="0.6", alpha=0.5, label="observed"
            )
        pairs = _symmetric_pairs(self.quantiles)
        self.bands_ = []
        for k, (lo, hi) in enumerate(pairs):
            a, b = float(self.quantiles[lo]), float(self.quantiles[hi])
            label = f"{b - a:.0%} interval"
            if self.coverage is not None:
                label += f" (covers {self.coverage[a, b]:.0%})"
            self.bands_.append(
                ax.fill_between(
                    self.x,
                    self.y_quantiles[:, lo],
                    self.y_quantiles[:, hi],
                    color=color,
                    alpha=0.15 + 0.3 * k / max(len(pairs), 1),
                    lw=0,
                    label=label,
                )
            )
        self.median_line_ = None
        median = np.flatnonzero(np.abs(self.quantiles - 0.5) < 1e-9)
        if median.size:
            (self.median_line_,) = ax.plot(
                self.x,
                self.y_quantiles[:, median[0]],
                color=color,
                lw=1.5,
                label="median",
            )
        ax.set_xlabel(self.xlabel)
        ax.set_ylabel("y")
        if self.name:
            ax.set_title(self.name)
        ax.legend(loc="upper left", fontsize=8)
        return self


class IntervalCoverageDisplay(DisplayMixin):
    """Coverage of prediction intervals by bins of their predicted width.

    Marginal coverage can hide intervals too narrow where they are narrow and
    too wide where wide; cutting the rows into equal-size bins of predicted
    width shows whether coverage holds across them (conditional coverage
    along the width).

    Parameters
    ----------
    mean_width : ndarray of shape (n_bins,)
        Mean predicted width of the intervals per bin.
    coverage : ndarray of shape (n_bins,)
        Share of the rows of each bin inside their interval.
    bin_counts : ndarray of shape (n_bins,)
        Rows per bin.
    confidence_level : float or None
        The nominal coverage (a reference line).
    name : str, default=None
        Legend label of the curve; ``"model"`` when None.

    Attributes
    ----------
    line_ : matplotlib Line2D
    ax_, figure_

    Examples
    --------
    >>> import numpy as np
    >>> from sklweights.plotting import IntervalCoverageDisplay
    >>> rng = np.random.default_rng(0)
    >>> scale = rng.uniform(0.5, 2, 400)
    >>> y = rng.normal(scale=scale)
    >>> disp = IntervalCoverageDisplay.from_predictions(
    ...     y, -1.645 * scale, 1.645 * scale, n_bins=4, confidence_level=0.9)
    >>> disp.coverage.shape
    (4,)
    """

    def __init__(
        self, mean_width, coverage, bin_counts, confidence_level=None, name=None
    ):
        self.mean_width = mean_width
        self.coverage = coverage
        self.bin_counts = bin_counts
        self.confidence_level = confidence_level
        self.name = name

    @classmethod
    def from_predictions(
        cls,
        y_true,
        lower,
        upper,
        *,
        n_bins=5,
        confidence_level=None,
        name=None,
        ax=None,
    ):
        """From targets and interval bounds, and plot.

        Parameters
        ----------
        y_true, lower, upper : array-like of shape (n_samples,)
            Targets, and the intervals' lower and upper bounds.
        n_bins : int, default=5
            Equal-size bins of the predicted width ``upper - lower``.
        confidence_level : float, default=None
            Nominal coverage, drawn as a reference line.
        name : str, default=None
            Legend label of the curve; ``"model"`` when None.
        ax : matplotlib Axes, default=None
            Axes to draw into; a new figure's axes when None.

        Returns
        -------
        display : IntervalCoverageDisplay
            The display, computed and drawn (``plot`` has been called).
        """
        y = column_or_1d(y_true).astype(np.float64)
        lo = column_or_1d(lower).astype(np.float64)
        hi = column_or_1d(upper).astype(np.float64)
        check_consistent_length(y, lo, hi)
        bins = equal_frequency_bins(hi - lo, check_n_bins(n_bins))
        mean_width = np.array([np.mean(hi[b] - lo[b]) for b in bins])
        coverage = np.array([empirical_coverage(y[b], lo[b], hi[b]) for b in bins])
        counts = np.array([len(b) for b in bins])
        return cls(mean_width, coverage, counts, confidence_level, name).plot(ax=ax)

    @classmethod
    def from_estimator(
        cls, estimator, X, y, *, confidence_level=0.9, n_bins=5, name=None, ax=None
    ):
        """From a fitted model's ``predict_interval`` on ``X``, and plot.

        Parameters
        ----------
        estimator : fitted model with ``predict_interval(X, confidence_level)``
            The fitted interval model (e.g.
            :class:`~sklweights.quantile.QuantileAggregator`).
        X : array-like
            The input samples.
        y : array-like of shape (n_samples,)
            True targets of ``X``.
        confidence_level : float, default=0.9
            Nominal coverage of the intervals, drawn as a reference line.
        n_bins : int, default=5
            Equal-size bins of the predicted width ``upper - lower``.
        name : str, default=None
            Legend label of the curve; the estimator's class name when None.
        ax : matplotlib Axes, default=None
            Axes to draw into; a new figure's axes when None.

        Returns
        -------
        display : IntervalCoverageDisplay
            The display, computed and drawn (``plot`` has been called).
        """
        check_estimator_has(
            estimator,
            ["predict_interval"],
            "an interval model (e.g. QuantileAggregator, HLGaussRegressor)",
        )
        bounds = np.asarray(
            estimator.predict_interval(X, confidence_level=confidence_level)
        )
        return cls.from_predictions(
            y,
            bounds[:, 0],
            bounds[:, 1],
            n_bins=n_bins,
            confidence_level=confidence_level,
            name=name or type(estimator).__name__,
            ax=ax,
        )

    def plot(self, ax=None, **kwargs):
        """Draw coverage against mean predicted width.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw into; a new figure's axes when None.
        **kwargs : dict
            Passed to ``ax.plot``.

        Returns
        -------
        display : IntervalCoverageDisplay
            The display itself, drawn, with ``ax_`` and ``figure_`` set.
        """
        ax = self._axes(ax, figsize=(5, 3.5))
        kwargs.setdefault("marker", "o")
        (self.line_,) = ax.plot(
            self.mean_width, self.coverage, label=self.name or "model", **kwargs
        )
        if self.confidence_level is not None:
            ax.axhline(
                self.confidence_level, ls="--", color="0.5", lw=1, label="nominal"
            )
        ax.set_xlabel("mean predicted interval width (bin)")
        ax.set_ylabel("empirical coverage")
        ax.set_ylim(0, 1.02)
        ax.legend(fontsize=8)
        return self
