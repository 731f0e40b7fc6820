"""FairCommitteeSelector and the public committee scoring functions."""

import math
import time
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.feature_selection import SelectorMixin
from sklearn.utils import check_random_state

from sklweights.selection._bounds import build_constraints
from sklweights.selection._exact import (
    ExactScorer,
    floats_are_exact,
    integer_scaled,
    tie_tolerance,
)
from sklweights.selection._rules import (
    INPUTS,
    RULES,
    is_separable,
    marginal_gain_matrix,
    owa_vector_exact,
    per_voter_scores,
    resolve_rule,
    to_positions,
    utility_matrix,
)
from sklweights.selection._solvers import (
    BNB_MAX_NODES,
    BRUTE_FORCE_MAX,
    ENUMERATE_MAX_ENTRIES,
    THIELE_BNB_MAX_ENTRIES,
    THIELE_BNB_MAX_NODES,
    is_cc_rule,
    is_thiele,
    needs_concave,
    optimal_committees,
    solve_bnb,
    solve_brute_force,
    solve_greedy,
    solve_milp,
    solve_sort,
)
from sklweights.utils._sklearn_compat import (
    Interval,
    StrOptions,
    _check_sample_weight,
    _fit_context,
    check_is_fitted,
    validate_data,
)
from sklweights.utils._solver import (
    INACCURATE,
    OPTIMAL,
    SolverResult,
    check_solver_result,
)

SOLVERS = ("auto", "sort", "bnb", "milp", "brute_force", "greedy")


# Cheap checks of the constructor parameters for the common case. Each accepts
# a subset of what ``_parameter_constraints`` accepts (exact built-in types,
# no numpy scalars), so anything it refuses goes to scikit-learn's own
# validation, which raises its usual InvalidParameterError or accepts a value
# these checks are too narrow for.
_RULE_SET = frozenset(RULES)
_INPUT_SET = frozenset(INPUTS)
_SOLVER_SET = frozenset(SOLVERS)
_ARRAY_TYPES = (list, tuple, np.ndarray)


def _positive_int(value, low):
    return type(value) is int and value >= low


def _params_look_valid(est):
    """Whether ``est``'s parameters surely meet ``_parameter_constraints``."""
    time_limit = est.time_limit
    random_state = est.random_state
    return (
        _positive_int(est.k, 1)
        and type(est.rule) is str
        and est.rule in _RULE_SET
        and (est.positional is None or isinstance(est.positional, _ARRAY_TYPES))
        and (est.owa is None or isinstance(est.owa, _ARRAY_TYPES))
        and (est.approval_top is None or _positive_int(est.approval_top, 1))
        and (
            est.candidate_groups is None
            or isinstance(est.candidate_groups, _ARRAY_TYPES)
        )
        and (est.group_bounds is None or type(est.group_bounds) is dict)
        and type(est.proportional) is bool
        and _positive_int(est.slack, 0)
        and type(est.input) is str
        and est.input in _INPUT_SET
        and type(est.solver) is str
        and est.solver in _SOLVER_SET
        and (
            time_limit is None
            or (type(time_limit) in (int, float) and 0 < time_limit < math.inf)
        )
        and (est.max_committees is None or _positive_int(est.max_committees, 1))
        and (
            random_state is None
            or (type(random_state) is int and 0 <= random_state <= 2**32 - 1)
            or type(random_state) is np.random.RandomState
        )
    )


def _validate_fit_input(est, X):
    """``validate_data(est, X, reset=True, dtype="numeric")``, short-cut.

    A plain 2-D numpy array of integers or finite floats with at least one
    row and column is what ``validate_data`` would return unchanged; then
    only the attributes it sets are set. Anything else (lists, DataFrames,
    NaN, bad shapes) goes through ``validate_data`` for its conversion,
    ``feature_names_in_`` and error messages.
    """
    if (
        type(X) is np.ndarray
        and X.ndim == 2
        and X.dtype.kind in "iuf"
        and X.shape[0] > 0
        and X.shape[1] > 0
        and (X.dtype.kind != "f" or np.isfinite(X).all())
    ):
        if hasattr(est, "feature_names_in_"):
            del est.feature_names_in_
        est.n_features_in_ = X.shape[1]
        return X
    return validate_data(est, X, reset=True, dtype="numeric")


def _committee_indices(committee, m):
    arr = np.asarray(committee)
    if arr.dtype == bool:
        if arr.shape != (m,):
            raise ValueError(
                f"A boolean committee mask must have length n_candidates={m}; got "
                f"shape {arr.shape}."
            )
        return np.flatnonzero(arr)
    arr = arr.ravel()
    if arr.size and (
        not np.issubdtype(arr.dtype, np.integer) or arr.min() < 0 or arr.max() >= m
    ):
        raise ValueError(
            f"committee must hold candidate indices in [0, {m - 1}] or be a boolean "
            f"mask; got {committee!r}."
        )
    if np.unique(arr).size != arr.size:
        raise ValueError(f"committee lists a candidate twice: {committee!r}.")
    return np.sort(arr.astype(np.intp))


def _as_profile(X, input):
    if input not in INPUTS:
        raise ValueError(f"input must be one of {INPUTS}; got {input!r}.")
    X = np.asarray(X)
    if X.ndim != 2:
        raise ValueError(
            f"X must be 2-D (voters x candidates); got an array of shape {X.shape}."
        )
    if X.dtype.kind not in "biuf":
        X = X.astype(float)
    return X


def committee_score(
    X,
    committee,
    *,
    rule="borda",
    positional=None,
    owa=None,
    approval_top=None,
    input="positions",
    sample_weight=None,
    per_voter=False,
):
    """Score of a committee under an OWA committee scoring rule.

    ``score(W) = sum_v w_v sum_j lambda_j u_v,(j)``, where ``u_v,(1) >=
    u_v,(2) >= ...`` are voter ``v``'s utilities for the members of ``W``,
    sorted, and ``lambda`` is the rule's OWA vector. With rankings, the
    utility of the candidate at position ``p`` is ``s(p)`` for the rule's
    positional score vector ``s``.

    Parameters
    ----------
    X : array-like of shape (n_voters, n_candidates)
        The rankings or utilities, in the format given by ``input``.
    committee : array-like of int or bool mask of shape (n_candidates,)
        The committee's candidates (column indices of ``X``).
    rule : {"sntv", "borda", "bloc", "borda_cc", "approval_cc", "pav", "slav", \
            "av", "sav", "cc", "owa"}, default="borda"
        The rule; see :class:`FairCommitteeSelector`.
    positional : array-like of shape (n_candidates,), default=None
        Positional score vector ``s`` for ``rule="owa"`` on rankings.
    owa : array-like, default=None
        OWA vector ``lambda`` for ``rule="owa"``, at least as long as the
        committee.
    approval_top : int, default=None
        ``t`` of the top-``t`` approval rules on rankings ("bloc",
        "approval_cc", "pav", "slav"); defaults to the committee size.
    input : {"positions", "orders", "scores", "utilities"}, default="positions"
        ``X[v, c]`` is the position of candidate ``c`` (0 = best), the candidate
        at position ``c``, a value that ranks the candidates (higher is better,
        ties broken by column index), or voter ``v``'s utility for ``c`` used
        as it is (a 0/1 matrix: approval ballots of any size).
    sample_weight : array-like of shape (n_voters,), default=None
        Voter weights.
    per_voter : bool, default=False
        Return the score of each voter instead of the weighted total.

    Returns
    -------
    score : float or ndarray of shape (n_voters,)
        The committee's score: the weighted sum over the voters, or each voter's
        score (see ``per_voter`` above).

    See Also
    --------
    FairCommitteeSelector : Finds the best committee under group bounds.
    marginal_gains : Gain of adding each candidate to a committee.

    Examples
    --------
    >>> import numpy as np
    >>> from sklweights.selection import committee_score
    >>> X = np.array([[0, 1, 2], [2, 0, 1]])  # positions, 0 = best
    >>> float(committee_score(X, [0, 1], rule="borda"))
    5.0
    >>> float(committee_score(X, [0, 1], rule="borda_cc"))
    4.0
    >>> A = np.array([[1, 1, 0], [0, 0, 1], [0, 0, 0]])  # approval ballots
    >>> float(committee_score(A, [0, 2], rule="pav", input="utilities"))
    2.0
    """
    X = _as_profile(X, input)
    m = X.shape[1]
    W = _committee_indices(committee, m)
    size = max(W.size, 1)
    k = size if owa is None else len(np.atleast_1d(owa))
    s, lam = resolve_rule(
        rule,
        m,
        k,
        positional=positional,
        owa=owa,
        approval_top=size
        if approval_top is None
        and rule in ("bloc", "approval_cc", "pav", "slav")
        and input != "utilities"
        else approval_top,
        input=input,
    )
    if W.size > lam.size:
        raise ValueError(
            f"owa has length {lam.size}, but the committee has {W.size} members."
        )
    U, key, _, _ = utility_matrix(X, input, s, rule)
    w = _check_sample_weight(sample_weight, U, dtype=float)
    v = per_voter_scores(U, W, lam, key)
    return v if per_voter else float(w @ v)


def marginal_gains(
    X,
    committee,
    *,
    rule="borda",
    positional=None,
    owa=None,
    approval_top=None,
    k=None,
    input="positions",
    sample_weight=None,
):
    """Gain in committee score from adding each candidate to ``committee``.

    Parameters
    ----------
    X : array-like of shape (n_voters, n_candidates)
        The rankings, in the format given by ``input``.
    committee : array-like of int or bool mask
        The current committee.
    rule, positional, owa, input, sample_weight
        As in :func:`committee_score`.
    approval_top : int, default=None
        ``t`` of the top-``t`` approval rules on rankings; defaults to ``k``.
    k : int, default=None
        The target committee size, used for the default ``approval_top``;
        defaults to ``len(committee) + 1``.

    Returns
    -------
    gains : ndarray of shape (n_candidates,)
        ``score(W + {c}) - score(W)``; NaN for members of ``W``.

    See Also
    --------
    committee_score : The score of a committee.

    Examples
    --------
    >>> import numpy as np
    >>> from sklweights.selection import marginal_gains
    >>> X = np.array([[0, 1, 2], [2, 0, 1]])
    >>> marginal_gains(X, [1], rule="borda_cc").tolist()
    [1.0, nan, 0.0]
    """
    X = _as_profile(X, input)
    m = X.shape[1]
    W = _committee_indices(committee, m)
    size = W.size + 1
    if size > m:
        raise ValueError("The committee already holds every candidate.")
    kk = size if k is None else k
    if (
        approval_top is None
        and rule in ("bloc", "approval_cc", "pav", "slav")
        and input != "utilities"
    ):
        approval_top = min(kk, m)
    klen = len(np.atleast_1d(owa)) if owa is not None else size
    s, lam = resolve_rule(
        rule,
        m,
        klen,
        positional=positional,
        owa=owa,
        approval_top=approval_top,
        input=input,
    )
    if size > lam.size:
        raise ValueError(
            f"owa has length {lam.size}; it cannot score a committee of {size}."
        )
    U, key, _, _ = utility_matrix(X, input, s, rule)
    w = _check_sample_weight(sample_weight, U, dtype=float)
    gains = w @ marginal_gain_matrix(U, W, lam[:size], key)
    gains[W] = np.nan
    return gains


class FairCommitteeSelector(SelectorMixin, BaseEstimator):
    """Best size-k committee of candidates from many rankings, under group bounds.

    Rows of ``X`` are voters (reviewers, rankers), columns are candidates. The
    selector finds the committee ``W`` (a subset of columns of size ``k``) that
    maximises an OWA committee scoring rule

    ``score(W) = sum_v w_v sum_j lambda_j u_v,(j)``,

    where ``u_v,(1) >= u_v,(2) >= ...`` are voter ``v``'s utilities for
    ``W``'s members, sorted (for rankings, ``s(p)`` for the candidate at
    position ``p``), subject to lower and upper bounds on how many members
    each candidate group gets (Boehmer et al., 2023). With
    ``input="utilities"``, ``X`` holds the utilities themselves: a 0/1 matrix
    gives the Thiele rules on approval ballots of any size (AV, SAV, PAV, CC,
    SLAV, any OWA vector). It is a scikit-learn feature selector:
    ``transform`` keeps the selected columns and ``score`` gives the
    committee's mean score on (held-out) voters.

    Parameters
    ----------
    k : int, default=10
        Committee size.
    rule : {"sntv", "borda", "bloc", "borda_cc", "approval_cc", "pav", "slav", \
            "av", "sav", "cc", "owa"}, default="borda"
        The rule. On rankings, as ``(s, lambda)``:

        - ``"sntv"``: ``s = (1, 0, ..., 0)``, ``lambda = 1``;
        - ``"borda"`` (k-Borda): ``s = (m-1, ..., 0)``, ``lambda = 1``;
        - ``"bloc"``: ``s`` = 1 on the top ``t`` positions, ``lambda = 1``;
        - ``"borda_cc"``: Chamberlin-Courant with Borda utilities,
          ``lambda = (1, 0, ..., 0)``;
        - ``"approval_cc"``: Chamberlin-Courant on top-``t`` approvals;
        - ``"pav"``: proportional approval voting on top-``t`` approvals,
          ``lambda_j = 1/j``;
        - ``"slav"``: ``lambda_j = 1/(2j - 1)`` on top-``t`` approvals;
        - ``"owa"``: ``s = positional`` and ``lambda = owa``.

        On utilities (``input="utilities"``), as ``lambda``: ``"av"``
        (``lambda = 1``), ``"sav"`` (``lambda = 1`` on each voter's utilities
        divided by their sum: satisfaction approval voting), ``"cc"``
        (``(1, 0, ..., 0)``), ``"pav"``, ``"slav"``, and ``"owa"`` (``lambda =
        owa``; e.g. ``owa = 0.5 ** np.arange(k)`` is abcvoting's ``geom2``).
        Ranking rules are refused with utilities and the reverse.
    positional : array-like of shape (n_candidates,), default=None
        Positional score vector for ``rule="owa"`` on rankings.
    owa : array-like of shape (k,), default=None
        OWA vector for ``rule="owa"``.
    approval_top : int, default=None
        ``t`` for "bloc", "approval_cc", "pav" and "slav" on rankings; defaults
        to ``k``.
    candidate_groups : array-like of shape (n_candidates,) or (n_candidates, G), \
            default=None
        The group label of each candidate (column), or a 0/1 membership matrix
        for overlapping groups (group labels are then the column indices
        0..G-1). Labels are categories of any hashable type, mixed types
        allowed (``[None, 1, "a", ...]``), compared by equality as dict keys
        are (``1``, ``1.0`` and ``True`` are one label). A missing label
        (None, NaN, ``pandas.NA``) is a group of its own, named ``None`` in
        ``group_bounds`` and ``group_counts_``. Named so as not to clash with
        the ``groups`` that cross-validation splitters take for rows.
    group_bounds : dict, default=None
        ``{group label: (lower, upper)}`` (``None`` for either side means no
        bound; an int means an exact count). Groups left out are unbounded.
    proportional : bool, default=False
        Derive the bounds from each group's share of the candidates:
        ``floor(k share) - slack`` to ``ceil(k share) + slack``. See
        :func:`proportional_group_bounds`.
    slack : int, default=0
        Widens the proportional bounds.
    input : {"positions", "orders", "scores", "utilities"}, default="positions"
        ``"positions"``: ``X[v, c]`` is the position of candidate ``c`` in voter
        ``v``'s ranking (0 = best); ``"orders"``: ``X[v, j]`` is the candidate at
        position ``j``; ``"scores"``: ``X[v, c]`` ranks the candidates (higher is
        better; ties broken by the lower column index: a ValueError where a
        tie straddles the approval cut of a top-``t`` rule, a UserWarning
        where it gives tied candidates different positional scores);
        ``"utilities"``: ``X[v, c]`` is voter ``v``'s utility for ``c``, scored
        as it is (ties included; a 0/1 matrix is a profile of approval ballots
        of any size, empty ones included). Rows of positions and orders must
        be permutations.
    solver : {"auto", "sort", "bnb", "milp", "brute_force", "greedy"}, \
            default="auto"
        ``"sort"``: exact for separable rules (constant ``lambda``) with disjoint
        groups; ``"bnb"``: exact branch and bound for Thiele rules (a
        non-increasing, non-negative ``lambda``; on rankings, a non-increasing
        ``s``) with no groups or disjoint groups; ``"milp"``: exact
        mixed-integer programme with HiGHS (needs a non-increasing ``lambda``
        and ``s`` for non-separable rules); ``"brute_force"``: every subset
        (small instances, any rule); ``"greedy"``: the sequential rule
        (seq-PAV, seq-CC, ...), an approximation (``optimal_ = False``).
        ``"auto"`` takes ``"sort"`` where it is exact; ``"brute_force"`` where
        ``C(m, k) * n * k <= 20,000``; for Chamberlin-Courant, the branch and
        bound with a budget of 10,000 nodes, then the MILP started from its
        best committee; for other Thiele rules on profiles of at most 20,000
        voter-candidate entries, the branch and bound with 2,000 nodes, then
        the MILP; ``"milp"`` otherwise. The branch and bound leaves ``k > 200``
        and profiles of over 5 million distinct utility entries to the MILP
        (``solver_`` says which ran). ``"sort"`` and ``"greedy"`` decide exact
        ties exactly (lower index first).
    time_limit : float, default=None
        Seconds for the exact solver. When it runs out, the best feasible
        committee found (or a greedy feasible one) is returned with a
        ``ConvergenceWarning``, ``optimal_ = False`` and the relative gap.
    max_committees : int, default=None
        List every optimal committee, up to this many, in ``committees_``
        (abcvoting's ``resolute=False``); None finds one. Ties are decided
        exactly. Thiele rules with no or disjoint groups are enumerated by the
        branch and bound, visiting only the subtrees whose bound reaches the
        optimum (cost: a second search, growing with the number of ties);
        other rules by scoring all ``C(m, k)`` committees (refused above 5
        million, before any solver runs). ``solver="greedy"`` and a stopped
        solver list only their committee.
    random_state : int, RandomState instance or None, default=None
        Breaks ties between equally scored candidates at random in the "sort"
        and "greedy" solvers; None breaks them by the lower column index.

    Attributes
    ----------
    selected_ : ndarray of shape (k,)
        Indices of the selected candidates, ascending.
    committees_ : ndarray of shape (n_committees, k)
        With ``max_committees``, the optimal committees (each ascending, in
        lexicographic order; ``selected_`` is one of them); otherwise
        ``selected_`` alone.
    committees_complete_ : bool
        Whether ``committees_`` is known to list every optimal committee:
        False when ``max_committees`` is None, when more optimal committees
        exist than it allows, or when the committee is not certified optimal.
    support_ : ndarray of shape (`n_features_in_`,), dtype bool
        Mask of the selected candidates.
    objective_ : float
        The committee's score on the training voters (weighted sum).
    group_counts_ : dict or None
        Members per group.
    group_bounds_ : dict or None
        The bounds enforced, ``{label: (lower, upper)}``.
    optimal_ : bool
        Whether the committee is certified optimal.
    mip_gap_ : float
        Relative gap between the committee's objective and the solver's bound
        (0 when optimal, NaN for the greedy approximation).
    solver_ : str
        The algorithm used.
    solver_status_ : str
        ``"optimal"``, or ``"inaccurate"`` for a usable committee that is not
        certified optimal (a time limit, or ``solver="greedy"``).
    solver_message_ : str
        What the solver said: ``"optimal"``, ``"time_limit: ..."`` (with the
        gap) or ``"approximate: ..."``.
    n_features_in_ : int
        Number of candidates.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Candidate names, when ``X`` has string column names.

    See Also
    --------
    committee_score : The score of a given committee.
    sklweights.utils.fit_many : Fit the selector on many profiles, in parallel.
    proportional_group_bounds : Proportional bounds from group shares.
    sklweights.datasets.make_biased_rankings : Rankings with a swapping bias.

    References
    ----------
    N. Boehmer, L. E. Celis, L. Huang, A. Mehrotra and N. K. Vishnoi. "Subset
    Selection Based On Multiple Rankings in the Presence of Bias: Effectiveness
    of Fairness Constraints for Multiwinner Voting Score Functions". ICML 2023,
    arXiv:2306.09835.

    Examples
    --------
    >>> import numpy as np
    >>> from sklweights.selection import FairCommitteeSelector
    >>> X = np.array([[0, 1, 2, 3], [1, 0, 3, 2], [0, 2, 1, 3]])  # positions
    >>> sel = FairCommitteeSelector(k=2, rule="borda").fit(X)
    >>> sel.selected_
    array([0, 1])
    >>> fair = FairCommitteeSelector(
    ...     k=2, candidate_groups=["a", "a", "b", "b"], group_bounds={"b": (1, 1)}
    ... ).fit(X)
    >>> fair.selected_, fair.group_counts_
    (array([0, 2]), {'a': 1, 'b': 1})

    Approval ballots of any size, with every tied committee:

    >>> A = np.array([[1, 1, 0, 0], [0, 0, 1, 1], [1, 0, 0, 0], [0, 0, 0, 0]])
    >>> pav = FairCommitteeSelector(
    ...     k=2, rule="pav", input="utilities", max_committees=10
    ... ).fit(A)
    >>> pav.committees_.tolist(), pav.objective_
    ([[0, 2], [0, 3]], 3.0)
    """

    _parameter_constraints = {
        "k": [Interval(Integral, 1, None, closed="left")],
        "rule": [StrOptions(set(RULES))],
        "positional": ["array-like", None],
        "owa": ["array-like", None],
        "approval_top": [Interval(Integral, 1, None, closed="left"), None],
        "candidate_groups": ["array-like", None],
        "group_bounds": [dict, None],
        "proportional": ["boolean"],
        "slack": [Interval(Integral, 0, None, closed="left")],
        "input": [StrOptions(set(INPUTS))],
        "solver": [StrOptions(set(SOLVERS))],
        "time_limit": [Interval(Real, 0, None, closed="neither"), None],
        "max_committees": [Interval(Integral, 1, None, closed="left"), None],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        k=10,
        *,
        rule="borda",
        positional=None,
        owa=None,
        approval_top=None,
        candidate_groups=None,
        group_bounds=None,
        proportional=False,
        slack=0,
        input="positions",
        solver="auto",
        time_limit=None,
        max_committees=None,
        random_state=None,
    ):
        self.k = k
        self.rule = rule
        self.positional = positional
        self.owa = owa
        self.approval_top = approval_top
        self.candidate_groups = candidate_groups
        self.group_bounds = group_bounds
        self.proportional = proportional
        self.slack = slack
        self.input = input
        self.solver = solver
        self.time_limit = time_limit
        self.max_committees = max_committees
        self.random_state = random_state

    def _validate_params(self):
        # called by _fit_context; scikit-learn's check (with get_params and
        # its messages) only where the cheap one is unsure
        if type(self) is FairCommitteeSelector and _params_look_valid(self):
            return
        super()._validate_params()

    def _resolve(self, m):
        return resolve_rule(
            self.rule,
            m,
            self.k,
            positional=self.positional,
            owa=self.owa,
            approval_top=self.approval_top,
            input=self.input,
        )

    def _route(self, lam, key, gc, n, m):
        """The solver ``"auto"`` picks, or a check of the one asked for."""
        separable = is_separable(lam)
        disjoint = gc is None or gc.disjoint
        thiele = is_thiele(lam, key) and disjoint
        solver = self.solver
        where = "" if disjoint else " with overlapping groups"
        if solver == "auto":
            if separable and disjoint:
                return "sort"
            if (
                needs_concave(lam, key) is None
                and math.comb(m, len(lam)) * n * len(lam) <= ENUMERATE_MAX_ENTRIES
            ):
                return "brute_force"  # tiny: one vectorised pass beats a search
            if is_cc_rule(lam, key) and disjoint:
                return "cc"  # branch and bound, the MILP after its node budget
            if thiele and n * m <= THIELE_BNB_MAX_ENTRIES:
                return "thiele"  # the same, with the smaller budget
            reason = needs_concave(lam, key)
            if reason is not None:
                raise ValueError(
                    f"rule={self.rule!r} is not separable and {reason}, so no "
                    "exact MILP applies; pass solver='brute_force' (small "
                    "instances) or solver='greedy'."
                )
            return "milp"
        if solver == "sort" and not (separable and disjoint):
            raise ValueError(
                "solver='sort' is exact only for separable rules (constant OWA "
                "vector: 'sntv', 'borda', 'bloc', 'av', 'sav') with disjoint "
                f"candidate groups; got rule={self.rule!r}{where}. Use "
                "solver='milp'."
            )
        if solver == "bnb" and not thiele:
            raise ValueError(
                "solver='bnb' is for Thiele rules (a non-increasing, non-negative "
                "OWA vector with a positive first weight, members ordered by "
                "utility: every named rule, or 'owa' such as (w, 0, ..., 0) with "
                "a non-increasing positional vector) with no or disjoint "
                f"candidate groups; got rule={self.rule!r}{where}. Use "
                "solver='milp'."
            )
        return solver

    def _top_k(self, U, w, lam, k, divisor, raw):
        """The sorting path with no groups, on exact floats; None if not exact."""
        if lam[0] > 0 and floats_are_exact(raw, w, [1], divisor):
            cs = w @ raw  # integer scores: ties are exact ties
        else:
            lam_exact = owa_vector_exact(self.rule, k, self.owa)
            if lam_exact[0] <= 0:
                return None
            scaled = integer_scaled(raw, w, lam_exact[:1], divisor)
            if scaled is None:
                return None  # the general path decides near ties exactly
            cs = scaled[1] @ scaled[0]
        tie_order = None
        if self.random_state is not None:
            tie_order = check_random_state(self.random_state).permutation(U.shape[1])
        return solve_sort(cs, k, None, tie_order)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None, sample_weight=None):
        """Select the best committee for the voters in ``X``.

        Parameters
        ----------
        X : array-like of shape (n_voters, n_candidates)
            Rankings or utilities in the format given by ``input``.
        y : None
            Ignored.
        sample_weight : array-like of shape (n_voters,), default=None
            Non-negative voter weights.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        X = _validate_fit_input(self, X)
        n, m = X.shape
        k = self.k
        if k > m:
            raise ValueError(
                f"k={k} exceeds the number of candidates (columns of X), {m}."
            )
        s, lam = self._resolve(m)
        U, key, divisor, raw = utility_matrix(X, self.input, s, self.rule)
        if sample_weight is None:
            w = np.ones(n)
        else:
            w = _check_sample_weight(sample_weight, U, dtype=float)
            if np.any(w < 0):
                raise ValueError("sample_weight must be non-negative.")
        gc = build_constraints(
            self.candidate_groups,
            self.group_bounds,
            self.proportional,
            self.slack,
            k,
            m,
        )
        limit = self.max_committees
        if (
            gc is None
            and limit is None
            and self.solver in ("auto", "sort")
            and is_separable(lam)
        ):
            # AV, SAV, Borda, SNTV, Bloc with no groups: the k best candidate
            # scores, no solver set-up
            W = self._top_k(U, w, lam, k, divisor, raw)
            if W is not None:
                result = SolverResult(OPTIMAL, "optimal", "sort")
                return self._store(
                    W, W[None, :], False, result, 0.0, U, w, lam, key, gc, s
                )
        solver = self._route(lam, key, gc, n, m)
        if (
            limit is not None
            and solver != "greedy"
            and not (is_thiele(lam, key) and (gc is None or gc.disjoint))
        ):
            total = math.comb(m, k)
            if total > BRUTE_FORCE_MAX:
                raise ValueError(
                    f"max_committees={limit} lists the optimal committees of "
                    f"rule={self.rule!r}"
                    + ("" if gc is None or gc.disjoint else " with overlapping groups")
                    + f" by enumerating all C({m}, {k}) = {total} committees, "
                    f"over the limit of {BRUTE_FORCE_MAX}; pass max_committees="
                    "None (one optimal committee) or use a Thiele rule with no "
                    "or disjoint groups (enumerated by branch and bound)."
                )
        lam_exact = owa_vector_exact(self.rule, k, self.owa)
        exact = ExactScorer(raw, w, lam_exact, divisor=divisor, key=key)
        # The sort and greedy paths decide ties exactly: on the floats where
        # they are exact already, else on the problem scaled to integers
        # (approvals: SAV, PAV, SLAV), else by ExactScorer within ``tol``.
        tie_check, tol = None, 0.0
        Ut, wt, lamt = U, w, lam
        if solver in ("sort", "greedy") and not floats_are_exact(
            raw, w, lam_exact, divisor
        ):
            scaled = integer_scaled(raw, w, lam_exact, divisor)
            if scaled is None:
                tie_check = exact
                tol = tie_tolerance(U, w, lam)
            else:
                Ut, wt, lamt = scaled
        tie_order = None
        if self.random_state is not None:
            tie_order = check_random_state(self.random_state).permutation(m)
        t0 = time.perf_counter()
        gap = 0.0
        if solver == "sort":
            cs = (wt @ Ut) * lamt[0]
            W = solve_sort(
                cs,
                k,
                gc,
                tie_order,
                exact=None
                if tie_check is None
                else lambda run: exact.scores(np.asarray(run)[:, None]),
                tol=tol,
            )
            result = SolverResult(OPTIMAL, "optimal", "sort")
        elif solver == "brute_force":
            W = solve_brute_force(U, w, lam, k, gc, key)
            if W is None:
                raise ValueError(
                    "The group bounds are infeasible: no committee of size "
                    f"k={k} meets them."
                )
            result = SolverResult(OPTIMAL, "optimal", "brute_force")
        elif solver == "greedy":
            W = solve_greedy(
                Ut, wt, lamt, k, gc, tie_order, key=key, exact=tie_check, tol=tol
            )
            if W is None:
                raise ValueError(
                    "The group bounds are infeasible: no committee of size "
                    f"k={k} meets them."
                )
            result = SolverResult(
                INACCURATE,
                "approximate",
                "greedy",
                message="greedy committee (sequential rule), not certified optimal",
            )
            gap = np.nan
        else:
            if solver in ("cc", "thiele", "bnb"):
                budget = {
                    "cc": BNB_MAX_NODES,
                    "thiele": THIELE_BNB_MAX_NODES,
                    "bnb": None,
                }[solver]
                W, result, gap = solve_bnb(
                    U, w, lam, k, gc, time_limit=self.time_limit, max_nodes=budget
                )
            else:
                W, result, gap = solve_milp(
                    U, w, lam, k, gc, time_limit=self.time_limit
                )
            check_solver_result(result, what="FairCommitteeSelector")
            gap = np.nan if gap is None else float(gap)
        W = np.sort(np.asarray(W, dtype=np.intp))
        certified = result.status == OPTIMAL
        committees, complete = W[None, :], False
        if limit is not None and certified:
            deadline = None
            if self.time_limit is not None:
                deadline = t0 + float(self.time_limit)
            committees, complete = optimal_committees(
                U, w, lam, k, gc, W, exact, limit=limit, key=key, deadline=deadline
            )
            if not any(np.array_equal(W, c) for c in committees):
                # the float optimum lost an exact comparison to a near tie
                W = committees[0]
        return self._store(W, committees, complete, result, gap, U, w, lam, key, gc, s)

    def _store(self, W, committees, complete, result, gap, U, w, lam, key, gc, s):
        """Set the fitted attributes from a solver's committee and status."""
        m = U.shape[1]
        certified = result.status == OPTIMAL
        self.selected_ = W
        self.support_ = np.zeros(m, dtype=bool)
        self.support_[self.selected_] = True
        self.committees_ = committees
        self.committees_complete_ = bool(complete)
        self.objective_ = float(w @ per_voter_scores(U, self.selected_, lam, key))
        self.optimal_ = bool(certified)
        self.mip_gap_ = gap
        self.solver_ = result.solver
        self.solver_status_ = OPTIMAL if certified else INACCURATE
        raw_status = "optimal" if result.raw_status == "Optimal" else result.raw_status
        self.solver_message_ = raw_status + (
            f": {result.message}" if result.message else ""
        )
        if gc is None:
            self.group_counts_ = None
            self.group_bounds_ = None
        else:
            counts = gc.counts(self.selected_)
            self.group_counts_ = {lab: int(c) for lab, c in zip(gc.labels, counts)}
            self.group_bounds_ = {
                lab: (int(lo), int(hi))
                for lab, lo, hi in zip(gc.labels, gc.lower, gc.upper)
            }
        self._rule = (s, lam)
        return self

    def _get_support_mask(self):
        check_is_fitted(self)
        return self.support_

    def transform(self, X):
        """Keep the selected candidates' columns.

        With ``input="orders"`` the columns are positions rather than
        candidates, so the positions of the selected candidates are returned.

        Parameters
        ----------
        X : array-like of shape (n_voters, n_candidates)
            Rankings or utilities in the format given by ``input``.

        Returns
        -------
        X_selected : ndarray of shape (n_voters, k)
            The committee's columns of ``X`` (positions with ``input="orders"``).
        """
        if self.input == "orders":
            check_is_fitted(self)
            X = validate_data(self, X, reset=False, dtype="numeric")
            P = to_positions(X, "orders")
            return P[:, self.support_]
        return super().transform(X)

    def score(self, X, y=None, sample_weight=None):
        """Mean per-voter score of the selected committee on the voters in ``X``.

        Parameters
        ----------
        X : array-like of shape (n_voters, n_candidates)
            Rankings of the same candidates (e.g. held-out voters).
        y : None
            Ignored.
        sample_weight : array-like of shape (n_voters,), default=None
            Voter weights (a weighted mean).

        Returns
        -------
        score : float
            The weighted mean over the voters of the committee's score.
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype="numeric")
        s, lam = self._rule
        U, key, _, _ = utility_matrix(X, self.input, s, self.rule)
        w = _check_sample_weight(sample_weight, U, dtype=float)
        v = per_voter_scores(U, self.selected_, lam, key)
        return float(np.average(v, weights=w))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = False
        tags.input_tags.allow_nan = False
        return tags
