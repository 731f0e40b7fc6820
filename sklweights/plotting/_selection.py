"""CommitteeTradeoffDisplay: a committee's groups and quality across constraints."""

import numpy as np
from sklearn.base import clone
from sklearn.utils.validation import check_array, column_or_1d

from sklweights.metrics import latent_quality_ratio

from ._base import DisplayMixin, check_estimator_has

__all__ = ["CandidatePositionDisplay", "CommitteeTradeoffDisplay"]


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


class CandidatePositionDisplay(DisplayMixin):
    """Where each candidate stands across the voters' rankings.

    One row per candidate, sorted by mean position (0 = first place): the
    mean and the interquartile range of its positions over the voters,
    coloured by group, the selected committee marked. Shows at a glance
    whether a group sits lower in the rankings (the bias that fairness
    constraints correct) and whom a committee took.

    Parameters
    ----------
    mean_position : ndarray of shape (n_candidates,)
    quartiles : ndarray of shape (n_candidates, 2)
        25% and 75% positions.
    groups : ndarray of shape (n_candidates,) or None
    selected : ndarray of shape (n_candidates,), dtype bool, or None

    Attributes
    ----------
    order_ : ndarray of shape (n_candidates,)
        Candidates from the best mean position to the worst (rows of the plot).
    ax_, figure_

    Examples
    --------
    >>> from sklweights.plotting import CandidatePositionDisplay
    >>> disp = CandidatePositionDisplay.from_rankings([[0, 1, 2], [1, 0, 2]])
    >>> disp.mean_position
    array([0.5, 0.5, 2. ])
    """

    def __init__(self, mean_position, quartiles, groups=None, selected=None):
        self.mean_position = mean_position
        self.quartiles = quartiles
        self.groups = groups
        self.selected = selected
        self.order_ = np.argsort(mean_position, kind="stable")

    @classmethod
    def from_rankings(
        cls, X, *, input="positions", candidate_groups=None, selected=None, ax=None
    ):
        """From rankings, and plot.

        Parameters
        ----------
        X : array-like of shape (n_voters, n_candidates)
            ``input="positions"``: ``X[v, c]`` is candidate ``c``'s position in
            voter ``v``'s ranking (0 = best); ``"orders"``: ``X[v, j]`` is the
            candidate at position ``j``.
        input : {"positions", "orders"}, default="positions"
        candidate_groups : array-like of shape (n_candidates,), default=None
        selected : array-like of int, default=None
            The committee's candidates, marked on the plot.
        ax : matplotlib Axes, default=None

        Returns
        -------
        display : CandidatePositionDisplay
        """
        X = check_array(X, dtype=np.int64)
        m = X.shape[1]
        if input == "orders":
            positions = np.argsort(X, axis=1, kind="stable")
        elif input == "positions":
            positions = X
        else:
            raise ValueError(
                f"input must be 'positions' or 'orders' (a ranking); got {input!r}."
            )
        if not np.all(np.sort(positions, axis=1) == np.arange(m)):
            raise ValueError(
                f"every row of X must be a permutation of 0..{m - 1} (a ranking)."
            )
        groups = None
        if candidate_groups is not None:
            groups = column_or_1d(candidate_groups)
            if groups.shape != (m,):
                raise ValueError(f"candidate_groups must have {m} entries.")
        mask = None
        if selected is not None:
            mask = np.zeros(m, dtype=bool)
            mask[np.asarray(selected, dtype=np.int64)] = True
        mean = positions.mean(axis=0)
        quartiles = np.percentile(positions, [25, 75], axis=0).T
        return cls(mean, quartiles, groups, mask).plot(ax=ax)

    @classmethod
    def from_estimator(cls, selector, X, *, ax=None):
        """From a fitted selector: its rankings' format, groups and committee.

        Parameters
        ----------
        selector : fitted FairCommitteeSelector
        X : array-like of shape (n_voters, n_candidates)
            Rankings in the selector's ``input`` format.
        ax : matplotlib Axes, default=None

        Returns
        -------
        display : CandidatePositionDisplay
        """
        check_estimator_has(selector, ["selected_"], "a fitted FairCommitteeSelector")
        return cls.from_rankings(
            X,
            input=selector.input,
            candidate_groups=selector.candidate_groups,
            selected=selector.selected_,
            ax=ax,
        )

    def plot(self, ax=None):
        """Draw one row per candidate.

        Parameters
        ----------
        ax : matplotlib Axes, default=None

        Returns
        -------
        display : CandidatePositionDisplay
        """
        m = self.mean_position.size
        ax = self._axes(ax, figsize=(6, 0.18 * m + 1.5))
        rows = np.arange(m)
        order = self.order_
        labels = (
            np.zeros(m, dtype=int) if self.groups is None else np.asarray(self.groups)
        )
        for k, group in enumerate(np.unique(labels)):
            at = np.flatnonzero(labels[order] == group)
            cand = order[at]
            ax.errorbar(
                self.mean_position[cand],
                rows[at],
                xerr=[
                    self.mean_position[cand] - self.quartiles[cand, 0],
                    self.quartiles[cand, 1] - self.mean_position[cand],
                ],
                fmt="o",
                ms=4,
                color=f"C{k}",
                label=None if self.groups is None else f"group {group}",
            )
        if self.selected is not None:
            picked = np.flatnonzero(self.selected[order])
            ax.scatter(
                self.mean_position[order[picked]],
                rows[picked],
                marker="*",
                s=90,
                color="k",
                zorder=3,
                label="selected",
            )
        ax.set_yticks(rows)
        ax.set_yticklabels([str(c) for c in order], fontsize=6)
        ax.invert_yaxis()
        ax.set_xlabel("position across voters (mean, interquartile range; 0 = first)")
        ax.set_ylabel("candidate")
        if self.groups is not None or self.selected is not None:
            ax.legend(fontsize=8, loc="lower right")
        return self
