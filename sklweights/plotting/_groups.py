"""Displays over groups: domain weights of documents, scores per group."""

import numpy as np
from sklearn.metrics import accuracy_score
from sklearn.utils.validation import check_array

from sklweights.metrics import per_domain_score
from sklweights.utils._sklearn_compat import check_is_fitted

from ._base import DisplayMixin, check_estimator_has

__all__ = ["DomainWeightsDisplay", "GroupScoreDisplay"]


class DomainWeightsDisplay(DisplayMixin):
    """Each document's domain weights, as one stacked bar per document.

    For the domain-weighted text classifiers (``predict_weights(X)``, rows on
    the simplex, columns in the order of ``domains_``).

    Parameters
    ----------
    weights : ndarray of shape (n_documents, n_domains)
        Each document's weight on each domain; rows sum to one.
    domains : ndarray of shape (n_domains,)
        Domain names, in the order of the columns of ``weights``.
    labels : list of str or None
        One label per document (e.g. its text, shortened).

    Attributes
    ----------
    bars_ : list of matplotlib BarContainer
        One per domain.
    ax_, figure_

    Examples
    --------
    >>> from sklweights.plotting import DomainWeightsDisplay
    >>> disp = DomainWeightsDisplay.from_predictions(
    ...     [[0.7, 0.3], [0.1, 0.9]], ["books", "films"])
    >>> disp.weights.shape
    (2, 2)
    """

    def __init__(self, weights, domains, labels=None):
        self.weights = weights
        self.domains = domains
        self.labels = labels

    @classmethod
    def from_predictions(cls, weights, domains, *, labels=None, ax=None):
        """From a weight matrix and the domain names, and plot.

        Parameters
        ----------
        weights : array-like of shape (n_documents, n_domains)
            Non-negative rows that sum to one.
        domains : array-like of shape (n_domains,)
            Domain names, in the order of the columns of ``weights``.
        labels : list of str, default=None
            One bar label per document; the row numbers when None.
        ax : matplotlib Axes, default=None
            Axes to draw into; a new figure's axes when None.

        Returns
        -------
        display : DomainWeightsDisplay
            The display, computed and drawn (``plot`` has been called).
        """
        weights = check_array(weights, dtype=np.float64)
        domains = np.asarray(domains)
        if domains.shape != (weights.shape[1],):
            raise ValueError(
                f"domains must name the {weights.shape[1]} columns of weights; got "
                f"{domains.shape[0] if domains.ndim else 0} names."
            )
        if np.any(weights < 0) or not np.allclose(weights.sum(axis=1), 1, atol=1e-6):
            raise ValueError("weights rows must lie on the simplex (sum to one).")
        if labels is not None and len(labels) != weights.shape[0]:
            raise ValueError(
                f"labels has {len(labels)} entries for {weights.shape[0]} documents."
            )
        return cls(weights, domains, labels).plot(ax=ax)

    @classmethod
    def from_estimator(cls, estimator, X, *, labels=None, ax=None):
        """From a fitted domain-weighted classifier on documents ``X``, and plot.

        Parameters
        ----------
        estimator : fitted model with ``predict_weights`` and ``domains_``
            The fitted domain-weighted text classifier.
        X : sequence of str or DataFrame
            A few documents.
        labels : list of str, default=None
            Bar labels; the documents' first 40 characters when None and ``X``
            is a sequence of str.
        ax : matplotlib Axes, default=None
            Axes to draw into; a new figure's axes when None.

        Returns
        -------
        display : DomainWeightsDisplay
            The display, computed and drawn (``plot`` has been called).
        """
        check_estimator_has(
            estimator, ["predict_weights", "domains_"], "a domain-weighted classifier"
        )
        if labels is None and all(isinstance(d, str) for d in X):
            labels = [d if len(d) <= 40 else d[:37] + "..." for d in X]
        return cls.from_predictions(
            estimator.predict_weights(X), estimator.domains_, labels=labels, ax=ax
        )

    def plot(self, ax=None):
        """Draw the stacked bars.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw into; a new figure's axes when None.

        Returns
        -------
        display : DomainWeightsDisplay
            The display itself, drawn, with ``ax_`` and ``figure_`` set.
        """
        n = self.weights.shape[0]
        ax = self._axes(ax, figsize=(6, 0.4 * n + 1.2))
        rows = np.arange(n)
        left = np.zeros(n)
        self.bars_ = []
        for j, domain in enumerate(self.domains):
            self.bars_.append(
                ax.barh(rows, self.weights[:, j], left=left, label=str(domain))
            )
            left += self.weights[:, j]
        ax.set_yticks(rows)
        ax.set_yticklabels(self.labels if self.labels is not None else rows)
        ax.invert_yaxis()
        ax.set_xlim(0, 1)
        ax.set_xlabel("domain weight")
        ax.legend(
            fontsize=8,
            ncol=len(self.domains),
            loc="lower center",
            bbox_to_anchor=(0.5, 1.0),
        )
        return self


class GroupScoreDisplay(DisplayMixin):
    """A score per group (e.g. accuracy per domain) for one or more models.

    Parameters
    ----------
    scores : dict of str to ndarray of shape (n_groups,)
        Each model's score in each group.
    groups : ndarray of shape (n_groups,)
        Group labels, in the order of the scores.
    metric_name : str
        Name of the score (the y-axis label).

    Attributes
    ----------
    bars_ : list of matplotlib BarContainer
        One per model.
    ax_, figure_

    Examples
    --------
    >>> from sklweights.plotting import GroupScoreDisplay
    >>> disp = GroupScoreDisplay.from_predictions(
    ...     [1, 0, 1, 1], {"model": [1, 0, 0, 1]}, ["a", "a", "b", "b"])
    >>> disp.scores["model"]
    array([1. , 0.5])
    """

    def __init__(self, scores, groups, metric_name="accuracy"):
        self.scores = scores
        self.groups = groups
        self.metric_name = metric_name

    @classmethod
    def from_predictions(
        cls, y_true, y_pred, groups, *, metric=accuracy_score, metric_name=None, ax=None
    ):
        """From true and predicted labels and each row's group, and plot.

        Parameters
        ----------
        y_true : array-like of shape (n_samples,)
            True labels.
        y_pred : array-like of shape (n_samples,) or dict of str to array-like
            One model's predictions, or several by name.
        groups : array-like of shape (n_samples,)
            Group (e.g. domain) of each row.
        metric : callable, default=accuracy_score
            ``metric(y_true, y_pred)`` within each group (through
            :func:`sklweights.metrics.per_domain_score`).
        metric_name : str, default=None
            Axis label; the metric's ``__name__`` when None.
        ax : matplotlib Axes, default=None
            Axes to draw into; a new figure's axes when None.

        Returns
        -------
        display : GroupScoreDisplay
            The display, computed and drawn (``plot`` has been called).
        """
        preds = y_pred if isinstance(y_pred, dict) else {"model": y_pred}
        scores, names = {}, None
        for name, pred in preds.items():
            per_group = per_domain_score(y_true, pred, groups, score_func=metric)
            names = list(per_group)
            scores[name] = np.array([per_group[g] for g in names])
        label = metric_name or getattr(metric, "__name__", "score")
        return cls(scores, np.array(names, dtype=object), label).plot(ax=ax)

    @classmethod
    def from_estimator(
        cls,
        estimator,
        X,
        y,
        groups,
        *,
        metric=accuracy_score,
        metric_name=None,
        ax=None,
    ):
        """From one fitted estimator or a dict of them, predicting ``X``.

        Parameters
        ----------
        estimator : fitted estimator or dict of str to fitted estimator
            The fitted estimator, or several by name; a single one is named by its class
            name.
        X : array-like
            The input samples.
        y : array-like of shape (n_samples,)
            True labels of ``X``.
        groups : array-like of shape (n_samples,)
            Group (e.g. domain) of each row.
        metric, metric_name, ax
            As in :meth:`from_predictions`.

        Returns
        -------
        display : GroupScoreDisplay
            The display, computed and drawn (``plot`` has been called).
        """
        models = (
            estimator
            if isinstance(estimator, dict)
            else {type(estimator).__name__: estimator}
        )
        for model in models.values():
            check_is_fitted(model)
        preds = {name: model.predict(X) for name, model in models.items()}
        return cls.from_predictions(
            y, preds, groups, metric=metric, metric_name=metric_name, ax=ax
        )

    def plot(self, ax=None):
        """Draw grouped bars.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw into; a new figure's axes when None.

        Returns
        -------
        display : GroupScoreDisplay
            The display itself, drawn, with ``ax_`` and ``figure_`` set.
        """
        ax = self._axes(ax, figsize=(7, 3.5))
        width = 0.8 / max(len(self.scores), 1)
        at = np.arange(len(self.groups))
        self.bars_ = [
            ax.bar(at + i * width, values, width, label=name)
            for i, (name, values) in enumerate(self.scores.items())
        ]
        ax.set_xticks(at + width * (len(self.scores) - 1) / 2)
        ax.set_xticklabels([str(g) for g in self.groups])
        ax.set_ylabel(self.metric_name)
        ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2)
        return self
