"""CommitteeTradeoffDisplay: a committee's groups and quality across constraints."""

import numpy as np
from sklearn.base import clone
from sklearn.utils.validation import check_array, column_or_1d

from sklweights.metrics import latent_quality_ratio

from ._base import DisplayMixin

__all__ = ["CommitteeTradeoffDisplay"]


class CommitteeTradeoffDisplay(DisplayMixin):
    """How many members each group gets, and at what quality, per setting.

    One stacked bar per constraint setting (e.g. no bounds, proportional
    bounds, a quota) of a :class:`~sklweights.selection.FairCommitteeSelector`
    committee, labelled with its quality: the latent score over the latent
    optimum (:func:`sklweights.metrics.latent_quality_ratio`, Boehmer et al.'s
    measure) when latent rankings are given, else the price of the
    constraint on the voters' own rankings.

    Parameters
    ----------
    settings : list of str
    groups : ndarray of shape (n_groups,)
    composition : ndarray of shape (n_settings, n_groups)
        Members of each group in each setting's committee.
    quality : ndarray of shape (n_settings,)
    committees : list of ndarray or None
        Each setting's committee (candidate indices).

    Attributes
    ----------
    bars_ : list of matplotlib BarContainer
        One per group.
    ax_, figure_

    Examples
    --------
    >>> from sklweights.plotting import CommitteeTradeoffDisplay
    >>> disp = CommitteeTradeoffDisplay.from_predictions(
    ...     ["none", "proportional"], [[9, 1], [6, 4]], [1.0, 0.96],
    ...     groups=["advantaged", "disadvantaged"])
    >>> disp.composition.sum(axis=1)
    array([10, 10])
    """

    def __init__(self, settings, groups, composition, quality, committees=None):
        self.settings = settings
        self.groups = groups
        self.composition = composition
        self.quality = quality
        self.committees = committees

    @classmethod
    def from_predictions(cls, settings, composition, quality, *, groups=None, ax=None):
        """From per-setting group counts and qualities, and plot.

        Parameters
        ----------
        settings : list of str
        composition : array-like of shape (n_settings, n_groups)
        quality : array-like of shape (n_settings,)
        groups : array-like of shape (n_groups,), default=None
        ax : matplotlib Axes, default=None

        Returns
        -------
        display : CommitteeTradeoffDisplay
        """
        composition = check_array(composition, dtype=np.int64)
        quality = column_or_1d(quality).astype(np.float64)
        settings = [str(s) for s in settings]
        if not (len(settings) == composition.shape[0] == quality.shape[0]):
            raise ValueError(
                f"settings, composition and quality must have one entry per "
                f"setting; got {len(settings)}, {composition.shape[0]} and "
                f"{quality.shape[0]}."
            )
        groups = (
            np.arange(composition.shape[1]) if groups is None else np.asarray(groups)
        )
        if groups.shape != (composition.shape[1],):
            raise ValueError(
                f"groups must name the {composition.shape[1]} columns of composition."
            )
        return cls(settings, groups, composition, quality).plot(ax=ax)

    @classmethod
    def from_estimator(cls, selector, X, *, settings, X_latent=None, ax=None):
        """Refit a selector under each setting on ``X``, and plot.

        Parameters
        ----------
        selector : FairCommitteeSelector
            With ``candidate_groups``; fitted or not (a clone is refitted per
            setting).
        X : array-like of shape (n_voters, n_candidates)
            The (observed, possibly biased) rankings.
        settings : dict of str to dict
            ``{name: parameters}`` set on the clone, e.g. ``{"no bounds":
            {"proportional": False}, "proportional": {"proportional": True}}``.
        X_latent : array-like of shape (n_voters, n_candidates), default=None
            Latent rankings that judge the committees; ``X`` when None (the
            quality is then the constraint's price on the observed rankings).
        ax : matplotlib Axes, default=None

        Returns
        -------
        display : CommitteeTradeoffDisplay
        """
        if not hasattr(selector, "candidate_groups"):
            raise TypeError(
                f"{type(selector).__name__} is not a FairCommitteeSelector (no "
                "candidate_groups)."
            )
        groups_of = getattr(selector, "candidate_groups", None)
        if groups_of is None:
            raise ValueError(
                "selector has no candidate_groups: the composition needs the "
                "group of every candidate."
            )
        if not isinstance(settings, dict) or not settings:
            raise ValueError(
                "settings must be a non-empty dict {name: parameters}; got "
                f"{settings!r}."
            )
        groups_of = np.asarray(groups_of)
        groups = np.unique(groups_of)
        judge = X if X_latent is None else X_latent
        composition, quality, committees = [], [], []
        for params in settings.values():
            model = clone(selector).set_params(**params).fit(X)
            members = np.asarray(model.selected_)
            committees.append(members)
            composition.append([int(np.sum(groups_of[members] == g)) for g in groups])
            quality.append(
                latent_quality_ratio(
                    judge,
                    members,
                    rule=model.rule,
                    approval_top=model.approval_top,
                    positional=model.positional,
                    owa=model.owa,
                    input=model.input,
                )
            )
        disp = cls(
            list(settings),
            groups,
            np.array(composition),
            np.array(quality),
            committees,
        )
        return disp.plot(ax=ax)

    def plot(self, ax=None):
        """Draw the stacked bars, each labelled with its quality.

        Parameters
        ----------
        ax : matplotlib Axes, default=None

        Returns
        -------
        display : CommitteeTradeoffDisplay
        """
        n = len(self.settings)
        ax = self._axes(ax, figsize=(6, 0.5 * n + 1.5))
        rows = np.arange(n)
        left = np.zeros(n)
        self.bars_ = []
        for j, group in enumerate(self.groups):
            self.bars_.append(
                ax.barh(rows, self.composition[:, j], left=left, label=f"group {group}")
            )
            left += self.composition[:, j]
        ax.set_yticks(rows)
        ax.set_yticklabels(
            [f"{s} (quality {q:.3f})" for s, q in zip(self.settings, self.quality)]
        )
        ax.invert_yaxis()
        ax.set_xlabel("committee members")
        ax.legend(fontsize=8, loc="lower right")
        return self
