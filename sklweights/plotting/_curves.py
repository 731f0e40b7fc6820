"""Curves over a parameter: a metric against the threshold, a loss against the
distillation step, class probabilities along a feature, the objective against
the layer, paired loss ratios over repetitions."""

import numpy as np
from sklearn.utils.validation import check_array, check_consistent_length, column_or_1d

from sklweights.utils._sklearn_compat import check_is_fitted

from ._base import DisplayMixin, check_estimator_has, check_feature_index

__all__ = [
    "CumulativeProbabilityDisplay",
    "DistillationPathDisplay",
    "ObjectiveByLayerDisplay",
    "ScoreRatioDisplay",
    "ThresholdMetricDisplay",
]


def _confusion_metric(metric):
    """A callable ``metric(y_true, y_pred)`` from a name or a callable."""
    if callable(metric):
        return metric, getattr(metric, "__name__", "metric")
    from sklearn import metrics as sk

    table = {
        "f1": sk.f1_score,
        "balanced_accuracy": sk.balanced_accuracy_score,
        "accuracy": sk.accuracy_score,
        "precision": lambda t, p: sk.precision_score(t, p, zero_division=0),
        "recall": sk.recall_score,
    }
    if metric not in table:
        raise ValueError(
            f"metric must be one of {sorted(table)} or a callable; got {metric!r}."
        )
    return table[metric], metric


class ThresholdMetricDisplay(DisplayMixin):
    """A binary metric (F1, balanced accuracy, ...) against the decision threshold.

    Shows where a model's best cut-off lies: a model trained on the metric
    (:class:`~sklweights.classification.AnyLossClassifier`) has it near 0.5,
    a log-loss model usually far from it.

    Parameters
    ----------
    thresholds : ndarray of shape (n_thresholds,)
        Cut-offs on the predicted probability.
    scores : ndarray of shape (n_thresholds,)
        The metric of ``y_score > threshold``.
    metric_name : str
        Name of the metric (the y-axis label).
    name : str, default=None
        Legend label of the curve; ``"model"`` when None.

    Attributes
    ----------
    best_threshold_ : float
        The threshold of the best score (the first, on ties).
    line_ : matplotlib Line2D
    ax_, figure_

    Examples
    --------
    >>> from sklweights.plotting import ThresholdMetricDisplay
    >>> disp = ThresholdMetricDisplay.from_predictions(
    ...     [0, 0, 1, 1], [0.1, 0.3, 0.35, 0.8], thresholds=[0.2, 0.32, 0.5])
    >>> disp.scores.round(3).tolist(), disp.best_threshold_
    ([0.8, 1.0, 0.667], 0.32)
    """

    def __init__(self, thresholds, scores, metric_name, name=None):
        self.thresholds = thresholds
        self.scores = scores
        self.metric_name = metric_name
        self.name = name
        self.best_threshold_ = float(thresholds[int(np.argmax(scores))])

    @classmethod
    def from_predictions(
        cls, y_true, y_score, *, metric="f1", thresholds=None, name=None, ax=None
    ):
        """From 0/1 labels and scores, and plot.

        Parameters
        ----------
        y_true : array-like of shape (n_samples,)
            0/1 (or boolean) labels.
        y_score : array-like of shape (n_samples,)
            Positive-class probabilities (or any scores).
        metric : {"f1", "balanced_accuracy", "accuracy", "precision", \
"recall"} or callable, default="f1"
            ``metric(y_true, y_pred)``.
        thresholds : array-like, default=None
            49 points in [0.02, 0.98] when None.
        name : str, default=None
            Legend label of the curve; ``"model"`` when None.
        ax : matplotlib Axes, default=None
            Axes to draw into; a new figure's axes when None.

        Returns
        -------
        display : ThresholdMetricDisplay
            The display, computed and drawn (``plot`` has been called).
        """
        func, metric_name = _confusion_metric(metric)
        y_true = column_or_1d(y_true)
        y_score = column_or_1d(y_score).astype(np.float64)
        check_consistent_length(y_true, y_score)
        t = (
            np.linspace(0.02, 0.98, 49)
            if thresholds is None
            else column_or_1d(thresholds).astype(np.float64)
        )
        scores = np.array([func(y_true, (y_score > c).astype(int)) for c in t])
        return cls(t, scores, metric_name, name).plot(ax=ax)

    @classmethod
    def from_estimator(
        cls, estimator, X, y, *, metric="f1", thresholds=None, name=None, ax=None
    ):
        """From a fitted binary classifier's ``predict_proba`` on ``X``.

        Parameters
        ----------
        estimator : fitted binary classifier
            The fitted classifier whose ``predict_proba`` is cut.
        X : array-like
            The input samples.
        y : array-like of shape (n_samples,)
            Labels; the positive class is ``classes_[1]``.
        metric, thresholds, name, ax
            As in :meth:`from_predictions`.

        Returns
        -------
        display : ThresholdMetricDisplay
            The display, computed and drawn (``plot`` has been called).
        """
        check_is_fitted(estimator)
        classes = np.asarray(estimator.classes_)
        if classes.size != 2:
            raise ValueError(
                f"ThresholdMetricDisplay needs a binary classifier; "
                f"{type(estimator).__name__} has {classes.size} classes."
            )
        proba = estimator.predict_proba(X)[:, 1]
        return cls.from_predictions(
            np.asarray(y) == classes[1],
            proba,
            metric=metric,
            thresholds=thresholds,
            name=name or type(estimator).__name__,
            ax=ax,
        )

    def plot(self, ax=None, **kwargs):
        """Draw the curve and mark the 0.5 cut-off.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw into; a new figure's axes when None.
        **kwargs : dict
            Passed to ``ax.plot``.

        Returns
        -------
        display : ThresholdMetricDisplay
            The display itself, drawn, with ``ax_`` and ``figure_`` set.
        """
        ax = self._axes(ax, figsize=(6, 4))
        label = f"{self.name or 'model'} (best at {self.best_threshold_:.2f})"
        (self.line_,) = ax.plot(self.thresholds, self.scores, label=label, **kwargs)
        ax.axvline(0.5, color="grey", lw=0.8, ls=":")
        ax.set_xlabel("cut-off on the predicted probability")
        ax.set_ylabel(self.metric_name)
        ax.legend(fontsize=8)
        return self


class DistillationPathDisplay(DisplayMixin):
    """Validation loss against the distillation step, one curve per weight.

    For :func:`sklweights.kernel.self_distillation_path` (a grid of
    ground-truth weights) or a fitted
    :class:`~sklweights.kernel.SelfDistilledKernelRidge` (its own weights,
    through ``staged_predict``).

    Parameters
    ----------
    steps : ndarray of shape (n_steps + 1,)
        0 is the teacher.
    weights : list of str or ndarray of shape (n_curves,)
        Curve labels.
    val_mse : ndarray of shape (n_curves, n_steps + 1)
        Validation MSE per curve and step.
    limit_val_mse : ndarray of shape (n_curves,) or None
        The loss of infinitely many steps (dotted lines).

    Attributes
    ----------
    lines_ : list of matplotlib Line2D
    ax_, figure_

    Examples
    --------
    >>> import numpy as np
    >>> from sklweights.plotting import DistillationPathDisplay
    >>> disp = DistillationPathDisplay([0, 1, 2], [0.5], np.array([[0.3, 0.2, 0.25]]))
    >>> disp.best_step_
    array([1])
    """

    def __init__(self, steps, weights, val_mse, limit_val_mse=None):
        self.steps = steps
        self.weights = weights
        self.val_mse = val_mse
        self.limit_val_mse = limit_val_mse
        self.best_step_ = np.asarray(steps)[np.argmin(val_mse, axis=1)]

    @classmethod
    def from_path(cls, path, *, ax=None):
        """From the Bunch of :func:`sklweights.kernel.self_distillation_path`.

        Parameters
        ----------
        path : Bunch
            Computed with validation data (``val_mse``).
        ax : matplotlib Axes, default=None
            Axes to draw into; a new figure's axes when None.

        Returns
        -------
        display : DistillationPathDisplay
            The display, computed and drawn (``plot`` has been called).
        """
        if "val_mse" not in path:
            raise ValueError(
                "path has no val_mse: compute it with X_val and y_val given."
            )
        return cls(
            np.asarray(path.steps),
            np.asarray(path.weights),
            np.asarray(path.val_mse),
            np.asarray(path.limit_val_mse),
        ).plot(ax=ax)

    @classmethod
    def from_estimator(cls, estimator, X, y, *, ax=None):
        """From a fitted estimator's ``staged_predict`` on validation data.

        Parameters
        ----------
        estimator : fitted estimator with ``staged_predict``
            The fitted estimator whose stages are plotted.
        X : array-like
            Validation samples.
        y : array-like of shape (n_samples,)
            Validation targets of ``X``.
        ax : matplotlib Axes, default=None
            Axes to draw into; a new figure's axes when None.

        Returns
        -------
        display : DistillationPathDisplay
            The display, computed and drawn (``plot`` has been called).
        """
        check_estimator_has(
            estimator,
            ["staged_predict"],
            "a SelfDistilledKernelRidge (or any staged model)",
        )
        y = column_or_1d(y).astype(np.float64)
        mse = np.array([np.mean((p - y) ** 2) for p in estimator.staged_predict(X)])
        label = getattr(estimator, "weight_source_", None) or "fitted"
        return cls(np.arange(mse.size), [label], mse[None, :]).plot(ax=ax)

    def plot(self, ax=None):
        """Draw the curves (dotted lines: the limits).

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw into; a new figure's axes when None.

        Returns
        -------
        display : DistillationPathDisplay
            The display itself, drawn, with ``ax_`` and ``figure_`` set.
        """
        ax = self._axes(ax, figsize=(6.5, 4))
        self.lines_ = []
        for i, w in enumerate(self.weights):
            label = f"weight {w:g}" if isinstance(w, (float, np.floating)) else str(w)
            (line,) = ax.plot(self.steps, self.val_mse[i], "o-", ms=3, label=label)
            self.lines_.append(line)
            if self.limit_val_mse is not None and np.isfinite(self.limit_val_mse[i]):
                ax.axhline(self.limit_val_mse[i], color=line.get_color(), ls=":", lw=1)
        ax.set_xlabel("distillation step (0 = the teacher)")
        ax.set_ylabel("validation MSE")
        ax.legend(fontsize=8)
        return self


class CumulativeProbabilityDisplay(DisplayMixin):
    """Cumulative class probabilities ``P(y <= k | x)`` along one feature.

    The other features are held at a reference row (their medians by
    default): for an ordinal model the curves of its ``K - 1`` cut-offs, for
    PRESTO showing how the rare top classes' probability moves with the
    feature.

    Parameters
    ----------
    grid : ndarray of shape (n_points,)
        Values of the varied feature.
    cumulative : ndarray of shape (n_points, n_classes - 1)
        ``P(y <= classes[k])`` for the first ``K - 1`` classes.
    classes : ndarray of shape (n_classes,)
        Class labels, in the order of the columns of the probabilities.
    xlabel : str
        Label of the x-axis.

    Attributes
    ----------
    lines_ : list of matplotlib Line2D
    ax_, figure_

    Examples
    --------
    >>> import numpy as np
    >>> from sklweights.plotting import CumulativeProbabilityDisplay
    >>> grid = np.array([0.0, 1.0])
    >>> proba = np.array([[0.7, 0.2, 0.1], [0.2, 0.3, 0.5]])
    >>> CumulativeProbabilityDisplay.from_predictions(grid, proba).cumulative
    array([[0.7, 0.9],
           [0.2, 0.5]])
    """

    def __init__(self, grid, cumulative, classes, xlabel="x"):
        self.grid = grid
        self.cumulative = cumulative
        self.classes = classes
        self.xlabel = xlabel

    @classmethod
    def from_predictions(cls, grid, proba, *, classes=None, xlabel="x", ax=None):
        """From class probabilities at the grid points, and plot.

        Parameters
        ----------
        grid : array-like of shape (n_points,)
            Values of the varied feature, one per row of ``proba``.
        proba : array-like of shape (n_points, n_classes)
            Classes in their order (ordinal: increasing).
        classes : array-like of shape (n_classes,), default=None
            Class labels of the columns of ``proba``; ``0, ..., n_classes - 1`` when
            None.
        xlabel : str, default="x"
            Label of the x-axis.
        ax : matplotlib Axes, default=None
            Axes to draw into; a new figure's axes when None.

        Returns
        -------
        display : CumulativeProbabilityDisplay
            The display, computed and drawn (``plot`` has been called).
        """
        grid = column_or_1d(grid).astype(np.float64)
        proba = check_array(proba, dtype=np.float64)
        check_consistent_length(grid, proba)
        if proba.shape[1] < 2:
            raise ValueError("proba needs at least two classes (columns).")
        classes = np.arange(proba.shape[1]) if classes is None else np.asarray(classes)
        if classes.shape != (proba.shape[1],):
            raise ValueError(
                f"classes must name the {proba.shape[1]} columns of proba."
            )
        cumulative = np.cumsum(proba, axis=1)[:, :-1]
        return cls(grid, cumulative, classes, xlabel).plot(ax=ax)

    @classmethod
    def from_estimator(
        cls, estimator, X, *, feature=0, grid=None, reference=None, ax=None
    ):
        """Vary one feature of a reference row over a grid, and plot.

        Parameters
        ----------
        estimator : fitted classifier with ``predict_proba`` and ``classes_``
            The fitted classifier whose probabilities are plotted.
        X : array-like of shape (n_samples, n_features)
            Data that give the grid and the reference row.
        feature : int, default=0
            Index of the column of ``X`` that varies along the grid.
        grid : array-like, default=None
            50 points between the feature's 1st and 99th percentiles.
        reference : array-like of shape (n_features,), default=None
            The other features' values; the column medians of ``X`` when None.
        ax : matplotlib Axes, default=None
            Axes to draw into; a new figure's axes when None.

        Returns
        -------
        display : CumulativeProbabilityDisplay
            The display, computed and drawn (``plot`` has been called).
        """
        check_is_fitted(estimator)
        X = check_array(X, dtype=np.float64)
        feature = check_feature_index(feature, X.shape[1])
        if grid is None:
            lo, hi = np.percentile(X[:, feature], [1, 99])
            grid = np.linspace(lo, hi, 50)
        grid = column_or_1d(grid).astype(np.float64)
        row = np.median(X, axis=0) if reference is None else column_or_1d(reference)
        if row.shape != (X.shape[1],):
            raise ValueError(f"reference must have {X.shape[1]} values.")
        points = np.tile(row, (grid.size, 1))
        points[:, feature] = grid
        return cls.from_predictions(
            grid,
            estimator.predict_proba(points),
            classes=estimator.classes_,
            xlabel=f"feature {feature} (others at the reference row)",
            ax=ax,
        )

    def plot(self, ax=None):
        """Draw one curve per cut-off.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw into; a new figure's axes when None.

        Returns
        -------
        display : CumulativeProbabilityDisplay
            The display itself, drawn, with ``ax_`` and ``figure_`` set.
        """
        ax = self._axes(ax, figsize=(6, 4))
        self.lines_ = [
            ax.plot(self.grid, self.cumulative[:, k], label=f"P(y <= {c})")[0]
            for k, c in enumerate(self.classes[:-1])
        ]
        ax.set_xlabel(self.xlabel)
        ax.set_ylabel("cumulative probability")
        ax.set_ylim(0, 1)
        ax.legend(fontsize=8)
        return self


class ObjectiveByLayerDisplay(DisplayMixin):
    """Mean objective after each layer (iteration) of an unfolded sparse coder.

    For the coders of :mod:`sklweights.sparse` (``staged_transform`` and
    ``objective``); call it once per model with ``ax=`` to compare trained
    layers with plain iterations.

    Parameters
    ----------
    layers : ndarray of shape (n_layers,)
        1, ..., T.
    objective : ndarray of shape (n_layers,)
        Mean objective of the codes after each layer.
    name : str, default=None
        Legend label of the curve; ``"model"`` when None.

    Attributes
    ----------
    line_ : matplotlib Line2D
    ax_, figure_

    Examples
    --------
    >>> from sklweights.plotting import ObjectiveByLayerDisplay
    >>> disp = ObjectiveByLayerDisplay.from_predictions([1.2, 0.9, 0.8])
    >>> disp.layers
    array([1, 2, 3])
    """

    def __init__(self, layers, objective, name=None):
        self.layers = layers
        self.objective = objective
        self.name = name

    @classmethod
    def from_predictions(cls, objective, *, name=None, ax=None, **kwargs):
        """From the mean objective after each layer, and plot.

        Parameters
        ----------
        objective : array-like of shape (n_layers,)
            Mean objective of the codes after each layer.
        name : str, default=None
            Legend label of the curve; ``"model"`` when None.
        ax : matplotlib Axes, default=None
            Axes to draw into; a new figure's axes when None.
        **kwargs : dict
            Passed to :meth:`plot`.

        Returns
        -------
        display : ObjectiveByLayerDisplay
            The display, computed and drawn (``plot`` has been called).
        """
        objective = column_or_1d(objective).astype(np.float64)
        layers = np.arange(1, objective.size + 1)
        return cls(layers, objective, name).plot(ax=ax, **kwargs)

    @classmethod
    def from_estimator(cls, estimator, Y, *, name=None, ax=None, **kwargs):
        """From a fitted coder on measurements ``Y``, and plot.

        Parameters
        ----------
        estimator : fitted coder with ``staged_transform`` and ``objective``
            The fitted sparse coder whose layers are plotted.
        Y : array-like of shape (n_samples, n_features)
            Measurements to code.
        name : str, default=None
            Legend label of the curve; the estimator's class name when None.
        ax : matplotlib Axes, default=None
            Axes to draw into; a new figure's axes when None.
        **kwargs : dict
            Passed to :meth:`plot`.

        Returns
        -------
        display : ObjectiveByLayerDisplay
            The display, computed and drawn (``plot`` has been called).
        """
        check_estimator_has(
            estimator, ["staged_transform", "objective"], "a coder of sklweights.sparse"
        )
        curve = [
            float(np.mean(estimator.objective(Y, codes)))
            for codes in estimator.staged_transform(Y)
        ]
        return cls.from_predictions(
            curve, name=name or type(estimator).__name__, ax=ax, **kwargs
        )

    def plot(self, ax=None, **kwargs):
        """Draw the curve.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw into; a new figure's axes when None.
        **kwargs : dict
            Passed to ``ax.plot``.

        Returns
        -------
        display : ObjectiveByLayerDisplay
            The display itself, drawn, with ``ax_`` and ``figure_`` set.
        """
        ax = self._axes(ax, figsize=(7, 4.5))
        (self.line_,) = ax.plot(
            self.layers, self.objective, label=self.name or "model", **kwargs
        )
        ax.set_xlabel("layer / iteration")
        ax.set_ylabel("mean objective")
        ax.legend(fontsize=8)
        return self


class ScoreRatioDisplay(DisplayMixin):
    """Paired ratios of a loss over repetitions: one model against the others.

    For simulation studies (draws of a design, cross-validation splits): per
    repetition, the loss of ``model`` divided by each other model's on the
    same draw, as box plots on a log axis, with the line at 1 (below it,
    ``model`` is better) and the share of repetitions it wins.

    Parameters
    ----------
    ratios : dict of str to ndarray of shape (n_repetitions,)
        ``model`` / other, per other model.
    model : str
        The model whose ratios to the others are drawn.
    metric_name : str
        Name of the loss (in the x-axis label).

    Attributes
    ----------
    win_rate_ : dict of str to float
        Share of repetitions with a ratio below 1.
    median_ : dict of str to float
    ax_, figure_

    Examples
    --------
    >>> from sklweights.plotting import ScoreRatioDisplay
    >>> disp = ScoreRatioDisplay.from_scores(
    ...     {"new": [1.0, 2.0, 3.0], "old": [2.0, 2.0, 2.0]}, model="new")
    >>> disp.ratios["old"], disp.win_rate_["old"]
    (array([0.5, 1. , 1.5]), 0.3333333333333333)
    """

    def __init__(self, ratios, model, metric_name="loss"):
        self.ratios = ratios
        self.model = model
        self.metric_name = metric_name
        self.win_rate_ = {k: float(np.mean(v < 1)) for k, v in ratios.items()}
        self.median_ = {k: float(np.median(v)) for k, v in ratios.items()}

    @classmethod
    def from_scores(cls, scores, *, model, metric_name="loss", ax=None):
        """From each model's loss per repetition (paired), and plot.

        Parameters
        ----------
        scores : dict of str to array-like of shape (n_repetitions,)
            Positive losses (lower is better), the same repetitions for all.
        model : str
            The key whose ratios to the others are drawn.
        metric_name : str, default="loss"
            Name of the loss (in the x-axis label).
        ax : matplotlib Axes, default=None
            Axes to draw into; a new figure's axes when None.

        Returns
        -------
        display : ScoreRatioDisplay
            The display, computed and drawn (``plot`` has been called).
        """
        if not isinstance(scores, dict) or model not in scores or len(scores) < 2:
            raise ValueError(
                "scores must be a dict of at least two models' losses that holds "
                f"model={model!r}."
            )
        values = _check_scores(scores, positive=True, why="ratios are taken")
        ratios = {k: values[model] / v for k, v in values.items() if k != model}
        return cls(ratios, model, metric_name).plot(ax=ax)

    def plot(self, ax=None):
        """Draw the box plots.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw into; a new figure's axes when None.

        Returns
        -------
        display : ScoreRatioDisplay
            The display itself, drawn, with ``ax_`` and ``figure_`` set.
        """
        ax = self._axes(ax, figsize=(5, 3.5))
        names = list(self.ratios)
        ax.boxplot([self.ratios[k] for k in names], vert=False)
        ax.set_yticks(
            np.arange(1, len(names) + 1),
            [f"vs {k} (wins {self.win_rate_[k]:.0%})" for k in names],
        )
        ax.axvline(1.0, color="k", lw=1)
        ax.set_xscale("log")
        ax.set_xlabel(f"{self.metric_name} ratio, {self.model} / other (< 1: better)")
        return self


def _check_scores(scores, *, positive=False, why=""):
    """``{model: float array}`` of paired per-repetition scores, validated."""
    if not isinstance(scores, dict) or not scores:
        raise ValueError(
            "scores must be a non-empty dict of each model's score per repetition."
        )
    values = {k: column_or_1d(v).astype(np.float64) for k, v in scores.items()}
    check_consistent_length(*values.values())
    if any(not np.all(np.isfinite(v)) for v in values.values()):
        raise ValueError("scores must be finite.")
    if positive and any(np.any(~(v > 0)) for v in values.values()):
        raise ValueError(f"scores must be positive losses ({why}).")
    return values


class ScoreDistributionDisplay(DisplayMixin):
    """Each model's score over repetitions, as box plots.

    For simulation studies (draws of a design, cross-validation splits): the
    distribution of a score per model, with its median and mean marked; the
    companion of :class:`ScoreRatioDisplay`, which pairs the repetitions.

    Parameters
    ----------
    scores : dict of str to ndarray of shape (n_repetitions,)
        Each model's score per repetition.
    metric_name : str
        Name of the score (the y-axis label).
    log_scale : bool
        Whether the score axis is logarithmic.

    Attributes
    ----------
    median_ : dict of str to float
    mean_ : dict of str to float
    ax_, figure_

    Examples
    --------
    >>> from sklweights.plotting import ScoreDistributionDisplay
    >>> disp = ScoreDistributionDisplay.from_scores(
    ...     {"new": [1.0, 2.0, 6.0], "old": [2.0, 2.0, 2.0]})
    >>> disp.median_["new"], disp.mean_["new"]
    (2.0, 3.0)
    """

    def __init__(self, scores, metric_name="score", log_scale=False):
        self.scores = scores
        self.metric_name = metric_name
        self.log_scale = log_scale
        self.median_ = {k: float(np.median(v)) for k, v in scores.items()}
        self.mean_ = {k: float(np.mean(v)) for k, v in scores.items()}

    @classmethod
    def from_scores(cls, scores, *, metric_name="score", log_scale=False, ax=None):
        """From each model's score per repetition, and plot.

        Parameters
        ----------
        scores : dict of str to array-like of shape (n_repetitions,)
            Finite scores, the same number of repetitions for every model
            (positive where ``log_scale``).
        metric_name : str, default="score"
            Name of the score (the y-axis label).
        log_scale : bool, default=False
            A log axis (for losses spanning orders of magnitude).
        ax : matplotlib Axes, default=None
            Axes to draw into; a new figure's axes when None.

        Returns
        -------
        display : ScoreDistributionDisplay
            The display, computed and drawn (``plot`` has been called).
        """
        values = _check_scores(scores, positive=log_scale, why="log_scale=True")
        return cls(values, metric_name, log_scale).plot(ax=ax)

    def plot(self, ax=None):
        """Draw the box plots (medians as lines, means as dots).

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw into; a new figure's axes when None.

        Returns
        -------
        display : ScoreDistributionDisplay
            The display itself, drawn, with ``ax_`` and ``figure_`` set.
        """
        ax = self._axes(ax, figsize=(5, 3.5))
        names = list(self.scores)
        positions = np.arange(1, len(names) + 1)
        ax.boxplot([self.scores[k] for k in names], positions=positions)
        ax.plot(positions, [self.mean_[k] for k in names], "o", color="C1")
        ax.set_xticks(positions, names)
        if self.log_scale:
            ax.set_yscale("log")
        ax.set_ylabel(self.metric_name)
        return self
