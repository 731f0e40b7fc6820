"""Fit clones of one estimator on many data sets, in parallel.

Generic machinery (any scikit-learn estimator whose ``fit`` takes ``X``):
re-exported by :mod:`sklweights.selection`, where simulations over many
preference profiles use it.
"""

from collections.abc import Iterable, Mapping
from numbers import Integral

import numpy as np
from joblib import effective_n_jobs
from sklearn.base import clone

from sklweights.utils._parallel import parallel_map

__all__ = ["fit_many"]


def _as_list(value, name, what):
    """Materialise a sequence argument (list, tuple, array, generator)."""
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Iterable):
        raise TypeError(
            f"{name} must be a sequence of {what} (a list, tuple, array or "
            f"generator); got {type(value).__name__}."
        )
    return list(value)


def _per_profile(value, n, name, what):
    """One entry per profile (``None`` entries allowed); ``[None] * n`` if None."""
    if value is None:
        return [None] * n
    entries = _as_list(value, name, f"{what} or None")
    if len(entries) != n:
        raise ValueError(
            f"{name} must have one entry per profile ({n}); got {len(entries)}."
        )
    return entries


def _ndim(value):
    try:
        return np.ndim(value)
    except (TypeError, ValueError):  # ragged nested lists
        return None


def _describe(value):
    ndim = _ndim(value)
    if ndim is None:
        return f"a ragged {type(value).__name__}"
    return f"a {ndim}-D {type(value).__name__} of shape {np.shape(value)}"


def _fit_profile(estimator, X, sample_weight, index):
    try:
        if sample_weight is None:
            estimator.fit(X)
        else:
            estimator.fit(X, sample_weight=sample_weight)
    except Exception as exc:
        if hasattr(exc, "add_note"):  # Python >= 3.11
            exc.add_note(f"Raised by fit_many while fitting profiles[{index}].")
        raise
    return estimator


def _fit_chunk(tasks):
    return [_fit_profile(*task) for task in tasks]


_CHUNKS_PER_JOB = 8


def fit_many(
    estimator, profiles, *, sample_weights=None, params=None, n_jobs=None, verbose=0
):
    """Fit a clone of an estimator on each of many data sets (profiles).

    For simulations that fit one estimator on many data sets, for example a
    committee selector on 1,000 random preference profiles drawn by
    :func:`~sklweights.datasets.make_biased_rankings`: each profile gets its
    own ``clone(estimator)``, fitted in parallel with joblib through
    scikit-learn's :class:`~sklearn.utils.parallel.Parallel`. Under
    ``with joblib.parallel_backend("dask"):`` the fits run on a Dask cluster
    unchanged. Native (BLAS/OpenMP) thread pools inside each worker are limited
    to the cores per worker, so the workers do not oversubscribe the machine.

    Parameters
    ----------
    estimator : estimator instance
        The unfitted template, such as a
        :class:`~sklweights.selection.FairCommitteeSelector`; any
        scikit-learn estimator whose ``fit`` takes ``X`` (and
        ``sample_weight``, if given) works. It is cloned, never fitted or
        modified.
    profiles : sequence of array-like of shape (n_voters, n_candidates)
        The profiles (a list, tuple, generator, or a 3-D array of shape
        ``(n_profiles, n_voters, n_candidates)``), each in the format given by
        the estimator's ``input`` (for a selector). Profiles may differ in
        size.
    sample_weights : sequence of (array-like of shape (n_voters,) or None), \
            default=None
        Voter weights per profile, one entry per profile (``None`` entries
        fit without weights).
    params : sequence of (dict or None), default=None
        Per-profile parameters set on that profile's clone with
        ``set_params``, one entry per profile: e.g. the candidate groups of
        each simulated profile, ``[{"candidate_groups": g} for g in groups]``,
        or a different ``random_state`` per profile.
    n_jobs : int, default=None
        Number of jobs. ``None`` means 1 unless in a
        :func:`joblib.parallel_backend` context (then the backend's default,
        e.g. all Dask workers); ``-1`` means all processors.
    verbose : int, default=0
        joblib's progress messages.

    Returns
    -------
    estimators : list of estimator
        The fitted clones, in the order of ``profiles``. The results equal
        a sequential ``[clone(estimator).fit(X) for X in profiles]`` for every
        ``n_jobs`` and backend: a ``random_state`` given as a RandomState
        instance is copied into each clone (as in
        :func:`~sklearn.model_selection.cross_validate`), not shared.

    Notes
    -----
    With more than one job, warnings raised in the worker processes (such as
    the ``ConvergenceWarning`` of a time-limited MILP) do not reach the calling
    process, where they could be caught or filtered; inspect ``optimal_``,
    ``mip_gap_`` and ``solver_status_`` of each result instead. An error
    raised by one fit stops the run; on Python >= 3.11 it carries a note
    naming the profile.

    See Also
    --------
    sklweights.selection.FairCommitteeSelector : The committee selector.
    sklweights.utils.parallel_map : The parallel loop, native threads limited.
    sklweights.datasets.make_biased_rankings : Random biased profiles.

    Examples
    --------
    >>> import numpy as np
    >>> from sklweights.selection import FairCommitteeSelector
    >>> from sklweights.utils import fit_many
    >>> X = np.array([[0, 1, 2, 3], [1, 0, 3, 2], [0, 2, 1, 3]])  # positions
    >>> profiles = [X, X[:, ::-1]]  # the second reverses the candidates
    >>> fitted = fit_many(FairCommitteeSelector(k=2), profiles)
    >>> [sel.selected_.tolist() for sel in fitted]
    [[0, 1], [2, 3]]
    """
    # Checked by hand: sklearn's validate_params would rename the parameters
    # of the estimator's own errors ("the 'k' parameter of fit_many ...").
    if isinstance(estimator, type):
        raise TypeError(
            "estimator must be an estimator instance, such as "
            f"{estimator.__name__}(), not the class {estimator.__name__}."
        )
    if not (hasattr(estimator, "fit") and hasattr(estimator, "get_params")):
        raise TypeError(
            "estimator must be a scikit-learn estimator instance (with fit and "
            f"get_params), such as FairCommitteeSelector(); got {estimator!r}."
        )
    if n_jobs is not None and (
        isinstance(n_jobs, bool) or not isinstance(n_jobs, Integral)
    ):
        raise TypeError(f"n_jobs must be an int or None; got {n_jobs!r}.")
    if isinstance(verbose, bool) or not isinstance(verbose, Integral) or verbose < 0:
        raise ValueError(f"verbose must be a non-negative int; got {verbose!r}.")
    if getattr(profiles, "ndim", 3) != 3:
        raise ValueError(
            "profiles must be a sequence of 2-D profiles (a list, or a 3-D array "
            "of shape (n_profiles, n_voters, n_candidates)); got a single "
            f"{profiles.ndim}-D {type(profiles).__name__} of shape "
            f"{np.shape(profiles)}. To fit one profile X, pass [X]."
        )
    profiles = _as_list(profiles, "profiles", "2-D array-likes")
    if not profiles:
        raise ValueError("profiles is empty: pass at least one profile.")
    for i, X in enumerate(profiles):
        if _ndim(X) != 2:
            raise ValueError(
                f"profiles[{i}] must be a 2-D array-like of shape (n_voters, "
                f"n_candidates); got {_describe(X)}."
            )
    n = len(profiles)

    weights = _per_profile(sample_weights, n, "sample_weights", "1-D array-likes")
    if sample_weights is not None:
        for i, (w, X) in enumerate(zip(weights, profiles)):
            if w is None:
                continue
            if _ndim(w) != 1:
                raise ValueError(
                    f"sample_weights[{i}] must be None or a 1-D array-like of one "
                    f"weight per voter; got {_describe(w)}."
                )
            if len(w) != np.shape(X)[0]:
                raise ValueError(
                    f"sample_weights[{i}] has {len(w)} weights but profiles[{i}] "
                    f"has {np.shape(X)[0]} voters (rows)."
                )

    overrides = _per_profile(params, n, "params", "dicts")

    tasks = []
    for i, (X, w, p) in enumerate(zip(profiles, weights, overrides)):
        est = clone(estimator)
        if p is not None:
            if not isinstance(p, Mapping):
                raise TypeError(
                    f"params[{i}] must be a dict of parameters or None; got "
                    f"{type(p).__name__}."
                )
            try:
                est.set_params(**p)
            except ValueError as exc:
                raise ValueError(f"params[{i}]: {exc}") from exc
        tasks.append((est, X, w, i))
    # One task per chunk of profiles, not per profile: limiting the workers'
    # native thread pools costs milliseconds per task, as much as a sorting-
    # path fit. Strided chunks balance profiles whose cost grows along the list.
    n_chunks = min(n, _CHUNKS_PER_JOB * effective_n_jobs(n_jobs))
    chunks = [tasks[j::n_chunks] for j in range(n_chunks)]
    results = parallel_map(
        _fit_chunk, [(c,) for c in chunks], n_jobs=n_jobs, verbose=verbose
    )
    fitted = [None] * n
    for chunk, chunk_results in zip(chunks, results):
        for task, est in zip(chunk, chunk_results):
            fitted[task[3]] = est
    return fitted
