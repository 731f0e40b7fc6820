"""Displays of committee selection: groups, quality, candidates' positions."""

import numbers

import numpy as np
from sklearn.utils.validation import check_array, column_or_1d

from ._base import DisplayMixin, check_estimator_has

__all__ = [
    "CandidatePositionDisplay",
    "CommitteeTradeoffDisplay",
    "LatentQualityDisplay",
]


def _check_settings(settings):
    """``{name: parameters}`` with at least one entry, or a ValueError."""
    if (
        not isinstance(settings, dict)
        or not settings
        or not all(isinstance(p, dict) for p in settings.values())
    ):
        raise ValueError(
            "settings must be a non-empty dict {name: parameters}, each "
            f"parameters a dict; got {settings!r}."
        )
    return settings


def _refit_and_judge(selector, profiles, settings, n_jobs=None):
    """Refit ``selector`` under each setting on each profile; judge each committee.

    The one refit loop of the selection Displays: a clone per (setting,
    profile) through :func:`sklweights.utils.fit_many`, each committee
    judged by :func:`sklweights.selection.latent_quality_ratio` on the
    profile's latent rankings, with the refitted selector's own rule.

    Parameters
    ----------
    selector : FairCommitteeSelector
        The selector to clone and refit.
    profiles : list of (X_latent, X, candidate_groups)
        ``candidate_groups`` None keeps the selector's own.
    settings : dict of str to dict
        ``{name: parameters}`` set on each clone.
    n_jobs : int, default=None
        Passed to :func:`~sklweights.utils.fit_many`.

    Returns
    -------
    committees : list of list of ndarray
        ``committees[s][p]``: setting ``s``'s committee on profile ``p``.
    quality : ndarray of shape (n_settings, n_profiles)
        Each committee's latent quality ratio.
    """
    from sklweights.selection import fit_many, latent_quality_ratio

    params = [
        {**p, **({} if g is None else {"candidate_groups": g})}
        for p in settings.values()
        for _, _, g in profiles
    ]
    fitted = fit_many(
        selector,
        [X for _ in settings for _, X, _ in profiles],
        params=params,
        n_jobs=n_jobs,
    )
    n = len(profiles)
    committees = [[] for _ in settings]
    quality = np.empty((len(settings), n))
    for i, model in enumerate(fitted):
        s, p = divmod(i, n)
        members = np.asarray(model.selected_)
        committees[s].append(members)
        quality[s, p] = latent_quality_ratio(
            profiles[p][0],
            members,
            rule=model.rule,
            approval_top=model.approval_top,
            positional=model.positional,
            owa=model.owa,
            input=model.input,
        )
    return committees, quality


class CommitteeTradeoffDisplay(DisplayMixin):
    """How many members each group gets, and at what quality, per setting.

    One stacked bar per constraint setting (e.g. no bounds, proportional
    bounds, a quota) of a :class:`~sklweights.selection.FairCommitteeSelector`
    committee, labelled with its quality: the latent score over the latent
    optimum (:func:`sklweights.selection.latent_quality_ratio`, Boehmer et al.'s
    measure) when latent rankings are given, else the price of the
    constraint on the voters' own rankings.

    Parameters
    ----------
    settings : list of str
        The settings' names, one bar each.
    groups : ndarray of shape (n_groups,)
        The group labels, one stacked segment each.
    composition : ndarray of shape (n_settings, n_groups)
        Members of each group in each setting's committee.
    quality : ndarray of shape (n_settings,)
        Each committee's quality (the label above its bar).
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
            The settings' names, one bar each.
        composition : array-like of shape (n_settings, n_groups)
            Members of each group in each setting's committee.
        quality : array-like of shape (n_settings,)
            Each committee's quality, e.g. its latent quality ratio.
        groups : array-like of shape (n_groups,), default=None
            The group labels of the columns of ``composition``; ``0..n_groups-1``
            when None.
        ax : matplotlib Axes, default=None
            Axes to draw into; a new figure's axes when None.

        Returns
        -------
        display : CommitteeTradeoffDisplay
            The display, computed and drawn (``plot`` has been called).
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
            Axes to draw into; a new figure's axes when None.

        Returns
        -------
        display : CommitteeTradeoffDisplay
            The display, computed and drawn (``plot`` has been called).
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
        from sklweights.selection._bounds import encode_group_labels

        settings = _check_settings(settings)
        # labels of mixed types (None, int, str) in the selector's own order
        groups, codes = encode_group_labels(np.asarray(groups_of))
        judge = X if X_latent is None else X_latent
        committees, quality = _refit_and_judge(selector, [(judge, X, None)], settings)
        committees = [c[0] for c in committees]
        composition = [
            np.bincount(
                codes[np.asarray(members, dtype=np.intp)], minlength=len(groups)
            )
            for members in committees
        ]
        quality = quality[:, 0]
        disp = cls(list(settings), groups, np.array(composition), quality, committees)
        return disp.plot(ax=ax)

    def plot(self, ax=None):
        """Draw the stacked bars, each labelled with its quality.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw into; a new figure's axes when None.

        Returns
        -------
        display : CommitteeTradeoffDisplay
            The display itself, drawn, with ``ax_`` and ``figure_`` set.
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
        Each candidate's mean position over the voters (0 = first place).
    quartiles : ndarray of shape (n_candidates, 2)
        25% and 75% positions.
    groups : ndarray of shape (n_candidates,) or None
        Each candidate's group (the colour); one colour when None.
    selected : ndarray of shape (n_candidates,), dtype bool, or None
        Marks the committee's members; nothing marked when None.

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
            How ``X`` encodes each ranking (see ``X``).
        candidate_groups : array-like of shape (n_candidates,), default=None
            Each candidate's group (the colour); one colour when None.
        selected : array-like of int, default=None
            The committee's candidates, marked on the plot.
        ax : matplotlib Axes, default=None
            Axes to draw into; a new figure's axes when None.

        Returns
        -------
        display : CandidatePositionDisplay
            The display, computed and drawn (``plot`` has been called).
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
            Its ``input``, ``candidate_groups`` and committee are drawn.
        X : array-like of shape (n_voters, n_candidates)
            Rankings in the selector's ``input`` format.
        ax : matplotlib Axes, default=None
            Axes to draw into; a new figure's axes when None.

        Returns
        -------
        display : CandidatePositionDisplay
            The display, computed and drawn (``plot`` has been called).
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
            Axes to draw into; a new figure's axes when None.

        Returns
        -------
        display : CandidatePositionDisplay
            The display itself, drawn, with ``ax_`` and ``figure_`` set.
        """
        m = self.mean_position.size
        ax = self._axes(ax, figsize=(6, 0.18 * m + 1.5))
        rows = np.arange(m)
        order = self.order_
        from sklweights.selection._bounds import encode_group_labels

        groups, codes = (
            ([0], np.zeros(m, dtype=np.intp))
            if self.groups is None
            else encode_group_labels(np.asarray(self.groups))
        )
        for k, group in enumerate(groups):
            at = np.flatnonzero(codes[order] == k)
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


class LatentQualityDisplay(DisplayMixin):
    """Committee quality against the strength of the bias, per method.

    Boehmer et al.'s (2023) figure: committees chosen from rankings biased
    against a group, judged on the latent (unbiased) rankings by
    :func:`sklweights.selection.latent_quality_ratio` (1 = the latent optimum),
    as the bias grows. One curve per method (a constraint setting, a rule):
    the median over the repetitions, with a band between two quantiles.

    Parameters
    ----------
    bias_values : ndarray of shape (n_bias_values,)
        The bias strengths, the x-axis.
    quality : dict of str to ndarray of shape (n_bias_values, n_repetitions)
        Each method's latent quality per bias value and repetition.
    quantiles : tuple of float
        The band's lower and upper quantiles, in [0, 1].
    bias_name : str
        The x-axis label.
    committees : dict of str to list of list of ndarray, default=None
        ``committees[name][i][r]``: the committee of bias value ``i``,
        repetition ``r`` (set by :meth:`from_estimator`).

    Attributes
    ----------
    median_ : dict of str to ndarray of shape (n_bias_values,)
        Each method's median quality per bias value.
    band_ : dict of str to ndarray of shape (n_bias_values, 2)
        Each method's ``quantiles`` of the quality per bias value.
    lines_ : dict of str to matplotlib Line2D
        The median curves.
    bands_ : dict of str to matplotlib PolyCollection
        The shaded bands.
    ax_, figure_

    Examples
    --------
    >>> from sklweights.plotting import LatentQualityDisplay
    >>> disp = LatentQualityDisplay.from_predictions(
    ...     [0.0, 0.5], {"top-k": [[1.0, 1.0, 1.0], [0.9, 0.8, 0.7]]})
    >>> disp.median_["top-k"]
    array([1. , 0.8])
    >>> disp.band_["top-k"][1]
    array([0.75, 0.85])
    """

    def __init__(
        self,
        bias_values,
        quality,
        quantiles=(0.25, 0.75),
        bias_name="bias",
        committees=None,
    ):
        self.bias_values = bias_values
        self.quality = quality
        self.quantiles = quantiles
        self.bias_name = bias_name
        self.committees = committees
        self.median_ = {k: np.median(v, axis=1) for k, v in quality.items()}
        self.band_ = {
            k: np.quantile(v, quantiles, axis=1).T for k, v in quality.items()
        }

    @classmethod
    def from_predictions(
        cls, bias_values, quality, *, quantiles=(0.25, 0.75), bias_name="bias", ax=None
    ):
        """From each method's quality per bias value and repetition, and plot.

        Parameters
        ----------
        bias_values : array-like of shape (n_bias_values,)
            The bias strengths (e.g. ``swap_fraction`` of
            :func:`~sklweights.datasets.make_biased_rankings`).
        quality : dict of str to array-like of shape \
                (n_bias_values, n_repetitions)
            Each method's latent quality ratio; a 1-D array is one repetition.
        quantiles : tuple of two floats, default=(0.25, 0.75)
            The band's lower and upper quantiles.
        bias_name : str, default="bias"
            The x-axis label.
        ax : matplotlib Axes, default=None
            Axes to draw into; a new figure's axes when None.

        Returns
        -------
        display : LatentQualityDisplay
            The display, computed and drawn (``plot`` has been called).
        """
        bias_values = column_or_1d(bias_values).astype(np.float64)
        quality = _check_quality(quality, bias_values.size)
        quantiles = _check_quantiles(quantiles)
        return cls(bias_values, quality, quantiles, str(bias_name)).plot(ax=ax)

    @classmethod
    def from_estimator(
        cls,
        selector,
        rankings,
        *,
        bias_values,
        settings,
        n_repetitions=5,
        quantiles=(0.25, 0.75),
        bias_name="bias",
        n_jobs=None,
        ax=None,
    ):
        """Refit a selector under each setting as the bias grows, and plot.

        For each bias value and repetition, ``rankings`` draws a profile; a
        clone of ``selector`` under each setting is fitted on the biased
        rankings (through :func:`~sklweights.utils.fit_many`) and its
        committee judged on the latent ones.

        Parameters
        ----------
        selector : FairCommitteeSelector
            Fitted or not (a clone is refitted per setting and profile).
        rankings : callable
            ``rankings(bias_value, repetition)`` returns ``(X_latent, X,
            candidate_groups)``, the latent rankings, the biased ones and the
            candidates' groups (None keeps the selector's): e.g. ``lambda b,
            r: make_biased_rankings(swap_fraction=b, random_state=r)``.
        bias_values : array-like of shape (n_bias_values,)
            The bias strengths passed to ``rankings``, the x-axis.
        settings : dict of str to dict
            ``{name: parameters}`` set on the clone, one curve each, e.g.
            ``{"top-k": {}, "proportional": {"proportional": True}}``.
        n_repetitions : int, default=5
            Profiles drawn per bias value.
        quantiles : tuple of two floats, default=(0.25, 0.75)
            The band's lower and upper quantiles.
        bias_name : str, default="bias"
            The x-axis label.
        n_jobs : int, default=None
            Passed to :func:`~sklweights.utils.fit_many`.
        ax : matplotlib Axes, default=None
            Axes to draw into; a new figure's axes when None.

        Returns
        -------
        display : LatentQualityDisplay
            The display, computed and drawn (``plot`` has been called); its
            ``committees`` hold every refitted committee.
        """
        if not hasattr(selector, "candidate_groups"):
            raise TypeError(
                f"{type(selector).__name__} is not a FairCommitteeSelector (no "
                "candidate_groups)."
            )
        if not callable(rankings):
            raise TypeError(
                "rankings must be a callable (bias_value, repetition) -> "
                f"(X_latent, X, candidate_groups); got {type(rankings).__name__}."
            )
        settings = _check_settings(settings)
        bias_values = column_or_1d(bias_values).astype(np.float64)
        if (
            isinstance(n_repetitions, bool)
            or not isinstance(n_repetitions, numbers.Integral)
            or n_repetitions < 1
        ):
            raise ValueError(
                f"n_repetitions must be a positive int; got {n_repetitions!r}."
            )
        quantiles = _check_quantiles(quantiles)
        profiles = []
        for b in bias_values:
            for r in range(n_repetitions):
                drawn = rankings(b, r)
                if not isinstance(drawn, tuple) or len(drawn) != 3:
                    raise ValueError(
                        "rankings(bias_value, repetition) must return a tuple "
                        "(X_latent, X, candidate_groups); got "
                        f"{type(drawn).__name__}."
                    )
                profiles.append(drawn)
        committees, quality = _refit_and_judge(selector, profiles, settings, n_jobs)
        shape = (bias_values.size, n_repetitions)
        disp = cls(
            bias_values,
            {name: quality[s].reshape(shape) for s, name in enumerate(settings)},
            quantiles,
            str(bias_name),
            {
                name: [
                    committees[s][i * n_repetitions : (i + 1) * n_repetitions]
                    for i in range(bias_values.size)
                ]
                for s, name in enumerate(settings)
            },
        )
        return disp.plot(ax=ax)

    def plot(self, ax=None):
        """Draw each method's median curve and its quantile band.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw into; a new figure's axes when None.

        Returns
        -------
        display : LatentQualityDisplay
            The display itself, drawn, with ``ax_`` and ``figure_`` set.
        """
        ax = self._axes(ax, figsize=(5, 3.5))
        self.lines_, self.bands_ = {}, {}
        for name in self.quality:
            (line,) = ax.plot(
                self.bias_values, self.median_[name], marker="o", label=name
            )
            self.lines_[name] = line
            self.bands_[name] = ax.fill_between(
                self.bias_values,
                self.band_[name][:, 0],
                self.band_[name][:, 1],
                color=line.get_color(),
                alpha=0.2,
                linewidth=0,
            )
        lo, hi = self.quantiles
        ax.set_xlabel(self.bias_name)
        ax.set_ylabel("latent score / optimum")
        ax.legend(
            fontsize=8,
            title=f"median, {100 * lo:g}-{100 * hi:g}% band",
            title_fontsize=8,
        )
        return self


def _check_quality(quality, n_bias):
    """``{method: (n_bias, n_repetitions) float array}``, validated."""
    if not isinstance(quality, dict) or not quality:
        raise ValueError(
            "quality must be a non-empty dict {method: array of shape "
            f"(n_bias_values, n_repetitions)}}; got {type(quality).__name__}."
        )
    out = {}
    for name, values in quality.items():
        values = check_array(values, ensure_2d=False, dtype=np.float64)
        if values.ndim == 1:
            values = values[:, None]
        if values.ndim != 2 or values.shape[0] != n_bias:
            raise ValueError(
                f"quality[{name!r}] must have one row per bias value ({n_bias}); "
                f"got shape {values.shape}."
            )
        out[str(name)] = values
    return out


def _check_quantiles(quantiles):
    """Two increasing quantiles in [0, 1], or a ValueError."""
    q = np.asarray(quantiles, dtype=np.float64)
    if q.shape != (2,) or not (0 <= q[0] <= q[1] <= 1):
        raise ValueError(
            "quantiles must be two increasing numbers in [0, 1] (the band's "
            f"lower and upper quantiles); got {quantiles!r}."
        )
    return (float(q[0]), float(q[1]))
