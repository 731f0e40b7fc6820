"""Data generators and loaders for the recsys estimators.

* :func:`make_mnar_ratings`: semi-synthetic missing-not-at-random feedback with
  known ground truth (the protocol of Schnabel et al. 2016 and Wang et al. 2019
  in its click-rate form), from a synthetic low-rank source or from a rating
  matrix the user supplies.
* :func:`make_prediction_matrices`: the literature's fixed "predicted" matrices
  (ONE, THREE, FIVE, SKEW, CRS) used to measure the bias of loss estimators.
* :func:`load_coat`: the Coat shopping data (MNAR train, MAR test), read from a
  folder the user holds (it is not bundled).
"""

import numbers
from pathlib import Path

import numpy as np
from sklearn.utils import Bunch, check_random_state

from sklweights.utils._sklearn_compat import Interval, StrOptions, validate_params

__all__ = ["load_coat", "make_mnar_ratings", "make_prediction_matrices"]

#: Relevance levels of the click-rate protocol and their marginal proportions
#: (the Yahoo! R3 MAR marginal), lowest level first.
RELEVANCE_LEVELS = (0.1, 0.3, 0.5, 0.7, 0.9)
LEVEL_PROPORTIONS = (0.53, 0.24, 0.14, 0.06, 0.03)
#: Exponents k of the observation probability ``observation_base ** k`` for
#: the levels above (lowest level first): 0.9 -> 1, 0.7 -> 2, 0.5 -> 3,
#: 0.3 and 0.1 -> 4.
OBSERVATION_EXPONENTS = (4, 4, 3, 2, 1)
#: Exponents of ``observation_base ** k`` under ``selection="label"``, for the
#: realised labels 0 and 1: with the default base 0.5 a positive is seen with
#: probability 0.25 and a negative with 0.0625, which gives about the observed
#: fraction of the level protocol (0.11 against 0.095) and a Yahoo! R3-like
#: gap between the observed and the MAR positive rates (0.58 against 0.26;
#: Yahoo! R3: 0.56 against 0.23).
LABEL_OBSERVATION_EXPONENTS = (4, 2)
SELECTIONS = ("level", "label")


def _complete_by_als(ratings, n_factors, rng, n_iter=15, alpha=1.0):
    """Fill the missing cells (NaN) of ``ratings`` by ridge ALS."""
    mask = ~np.isnan(ratings)
    n_users, n_items = ratings.shape
    mean = np.nanmean(ratings)
    r = np.where(mask, ratings - mean, 0.0)
    u = 0.1 * rng.standard_normal((n_users, n_factors))
    v = 0.1 * rng.standard_normal((n_items, n_factors))
    eye = alpha * np.eye(n_factors)
    for _ in range(n_iter):
        for a, b, rr, mm in ((u, v, r, mask), (v, u, r.T, mask.T)):
            for row in range(a.shape[0]):
                idx = mm[row]
                bb = b[idx]
                a[row] = np.linalg.solve(bb.T @ bb + eye, bb.T @ rr[row, idx])
    return u @ v.T + mean


def _levels_from_scores(scores, proportions, levels):
    """Rank the cells of ``scores`` and cut them into levels of given shares."""
    flat = scores.ravel()
    order = np.argsort(flat, kind="stable")
    cuts = np.round(np.cumsum(proportions) / np.sum(proportions) * flat.size)
    cuts = cuts.astype(int)
    level_index = np.empty(flat.size, dtype=int)
    start = 0
    for k, stop in enumerate(cuts):
        level_index[order[start:stop]] = k
        start = stop
    level_index[order[start:]] = len(levels) - 1
    return np.asarray(levels)[level_index].reshape(scores.shape), level_index.reshape(
        scores.shape
    )


@validate_params(
    {
        "n_users": [Interval(numbers.Integral, 2, None, closed="left")],
        "n_items": [Interval(numbers.Integral, 2, None, closed="left")],
        "ratings": ["array-like", None],
        "n_factors": [Interval(numbers.Integral, 1, None, closed="left")],
        "observation_base": [Interval(numbers.Real, 0, 1, closed="right")],
        "mar_fraction": [Interval(numbers.Real, 0, 1, closed="left")],
        "selection": [StrOptions(set(SELECTIONS))],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def make_mnar_ratings(
    n_users=300,
    n_items=300,
    *,
    ratings=None,
    n_factors=8,
    observation_base=0.5,
    mar_fraction=0.05,
    selection="level",
    random_state=None,
):
    """Semi-synthetic missing-not-at-random binary feedback with known truth.

    The protocol of the debiased-recommendation literature (Schnabel et al.
    2016; Wang et al. 2019; click-rate form of the later DR papers):

    1. a dense score matrix: by default a synthetic low-rank matrix
       ``U V^T + user bias + item bias`` (Gaussian factors); or, when
       ``ratings`` is given, that rating matrix completed by ridge ALS with
       ``n_factors`` factors;
    2. the cells are ranked by score and cut into five relevance levels
       ``(0.1, 0.3, 0.5, 0.7, 0.9)`` in the fixed proportions
       ``(0.53, 0.24, 0.14, 0.06, 0.03)`` (the Yahoo! R3 MAR marginal);
    3. ``y ~ Bernoulli(level)`` for every cell;
    4. ``o ~ Bernoulli(propensity)`` for every cell, with the propensity
       chosen by ``selection`` (MNAR either way):

       * ``"level"`` (default): it depends on the true level only,
         ``observation_base ** k`` with ``k = 1, 2, 3, 4, 4`` for the levels
         ``0.9, 0.7, 0.5, 0.3, 0.1`` -- the click-rate protocol of the DR
         papers (Wang et al. 2019 and the later DR-JL / MRDR line, the
         ICLR 2024 kernel-balancing paper's semi-synthetic study). ``o`` and
         ``y`` are independent given the level, so the observed labels are
         unbiased *cell by cell* and the naive loss is biased only through
         which cells are seen;
       * ``"label"``: it depends on the realised label (self-selection on
         the rating itself, as users of Coat and Yahoo! R3 rate what they
         liked), ``observation_base ** k`` with ``k = 2`` for ``y = 1`` and
         ``k = 4`` for ``y = 0`` -- the binary form of the rating-dependent
         propensities of Schnabel et al. (2016) and of the naive-Bayes
         propensity model ``P(o | r)`` of Schnabel et al. and Marlin & Zemel
         (2009). The observed labels are then biased cell by cell (a cell of
         level 0.5 shows a positive in 80% of its observations), which
         shows in the calibration of a naive model on all cells; the true
         propensity is exactly the naive-Bayes one.

    The training data are the observed cells; the MAR test set is every
    cell with its drawn label.

    Parameters
    ----------
    n_users, n_items : int, default=300
        Size of the synthetic source. Ignored when ``ratings`` is given.
    ratings : array-like of shape (n_users, n_items), default=None
        A rating matrix to complete (missing cells as NaN or 0), e.g. a
        MovieLens-100K sub-matrix. Higher means more relevant.
    n_factors : int, default=8
        Rank of the synthetic source, or of the ALS completion.
    observation_base : float, default=0.5
        Base ``p`` of the observation probabilities ``p ** k``.
    mar_fraction : float, default=0.05
        Fraction of all cells drawn uniformly as a small MAR sample
        (``mar_pairs``, ``y_mar``), e.g. for a naive-Bayes propensity.
    selection : {"level", "label"}, default="level"
        What the observation probability depends on: the cell's true level
        or its realised label (see step 4).
    random_state : int, RandomState instance or None, default=None
        Seed of every draw.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``X_train`` (observed (user, item) pairs, int array of shape
        (n_observed, 2)), ``y_train``; ``X_test`` (all pairs), ``y_test``
        (their drawn labels, MAR); ``mar_pairs``, ``y_mar`` (the uniform MAR
        sample); ``relevance`` (true level matrix), ``propensity`` (true
        observation probabilities), ``observed`` (0/1 matrix), ``labels``
        (drawn labels of every cell, matrix), ``n_users``, ``n_items``,
        ``selection``.

    See Also
    --------
    make_prediction_matrices : fixed predictions to measure estimator bias.
    sklweights.DebiasedMF : debiased training on such data.

    References
    ----------
    T. Schnabel, A. Swaminathan, A. Singh, N. Chandak, T. Joachims,
    "Recommendations as Treatments: Debiasing Learning and Evaluation",
    ICML 2016. X. Wang, R. Zhang, Y. Sun, J. Qi, "Doubly Robust Joint
    Learning for Recommendation on Data Missing Not at Random", ICML 2019.
    B. M. Marlin, R. S. Zemel, "Collaborative Prediction and Ranking with
    Non-Random Missing Data", RecSys 2009.

    Examples
    --------
    >>> from sklweights.datasets import make_mnar_ratings
    >>> data = make_mnar_ratings(60, 50, random_state=0)
    >>> data.X_train.shape[1], data.X_test.shape
    (2, (3000, 2))
    >>> bool(data.y_train.mean() > data.y_test.mean())  # MNAR: positives seen more
    True
    >>> by_label = make_mnar_ratings(60, 50, selection="label", random_state=0)
    >>> sorted(set(by_label.propensity.ravel().tolist()))  # P(o=1 | y)
    [0.0625, 0.25]
    """
    rng = check_random_state(random_state)
    if ratings is None:
        u = rng.standard_normal((n_users, n_factors))
        v = rng.standard_normal((n_items, n_factors))
        scores = (
            u @ v.T / np.sqrt(n_factors)
            + 0.5 * rng.standard_normal((n_users, 1))
            + 0.5 * rng.standard_normal((1, n_items))
        )
    else:
        ratings = np.array(ratings, dtype=float)
        if ratings.ndim != 2 or min(ratings.shape) < 2:
            raise ValueError(
                "ratings must be a 2-d matrix of shape (n_users, n_items) with at "
                f"least 2 rows and columns; got shape {ratings.shape}."
            )
        ratings[ratings == 0] = np.nan
        if np.isnan(ratings).all():
            raise ValueError("ratings has no observed (non-zero, non-NaN) cell.")
        scores = _complete_by_als(ratings, n_factors, rng)
        n_users, n_items = ratings.shape
    relevance, level_index = _levels_from_scores(
        scores, LEVEL_PROPORTIONS, RELEVANCE_LEVELS
    )
    if selection == "level":
        # the committed draw order (observation, then label): the tables made
        # with the default stay valid
        exponents = np.asarray(OBSERVATION_EXPONENTS)[level_index]
        propensity = observation_base**exponents
        observed = (rng.random_sample(relevance.shape) < propensity).astype(np.int8)
        labels = (rng.random_sample(relevance.shape) < relevance).astype(np.int64)
    else:
        labels = (rng.random_sample(relevance.shape) < relevance).astype(np.int64)
        exponents = np.asarray(LABEL_OBSERVATION_EXPONENTS)[labels]
        propensity = observation_base**exponents
        observed = (rng.random_sample(relevance.shape) < propensity).astype(np.int8)
    users, items = np.nonzero(observed)
    x_train = np.column_stack([users, items]).astype(np.int64)
    all_u, all_i = np.meshgrid(np.arange(n_users), np.arange(n_items), indexing="ij")
    x_test = np.column_stack([all_u.ravel(), all_i.ravel()]).astype(np.int64)
    n_mar = int(round(mar_fraction * x_test.shape[0]))
    mar_idx = np.sort(rng.choice(x_test.shape[0], size=n_mar, replace=False))
    return Bunch(
        X_train=x_train,
        y_train=labels[users, items],
        X_test=x_test,
        y_test=labels.ravel(),
        mar_pairs=x_test[mar_idx],
        y_mar=labels.ravel()[mar_idx],
        relevance=relevance,
        propensity=propensity,
        observed=observed,
        labels=labels,
        n_users=n_users,
        n_items=n_items,
        selection=selection,
    )


def make_prediction_matrices(relevance, *, random_state=None):
    """The literature's fixed prediction matrices for loss-estimator bias.

    Given the true relevance-level matrix of :func:`make_mnar_ratings`, build
    the "predicted" matrices of Schnabel et al. (2016) in click-rate form:

    * ``ONE``, ``THREE``, ``FIVE``: the true levels, with as many randomly
      chosen cells of level 0.1 / 0.3 / 0.5 as there are cells of level 0.9
      set to 0.9;
    * ``SKEW``: ``N(level, (1 - level) / 2)`` clipped to ``[0.1, 0.9]``;
    * ``CRS``: 0.1 where the level is at least 0.7, else 0.5.

    Parameters
    ----------
    relevance : ndarray of shape (n_users, n_items)
        True levels in ``{0.1, 0.3, 0.5, 0.7, 0.9}``.
    random_state : int, RandomState instance or None, default=None
        Determines the random draws; pass an int for reproducible output across calls.

    Returns
    -------
    predictions : dict of str to ndarray of shape (n_users, n_items)
        Predicted relevance matrices by name (``"ONE"``, ``"THREE"``, ``"FIVE"``,
        ``"SKEW"``, ``"CRS"``).

    Examples
    --------
    >>> from sklweights.datasets import make_mnar_ratings, make_prediction_matrices
    >>> data = make_mnar_ratings(40, 30, random_state=0)
    >>> sorted(make_prediction_matrices(data.relevance, random_state=0))
    ['CRS', 'FIVE', 'ONE', 'SKEW', 'THREE']
    """
    rng = check_random_state(random_state)
    rel = np.asarray(relevance, dtype=float)
    n_top = int(np.isclose(rel, 0.9).sum())
    out = {}
    for name, level in (("ONE", 0.1), ("THREE", 0.3), ("FIVE", 0.5)):
        pred = rel.copy()
        cells = np.flatnonzero(np.isclose(rel.ravel(), level))
        chosen = rng.choice(cells, size=min(n_top, cells.size), replace=False)
        pred.ravel()[chosen] = 0.9
        out[name] = pred
    out["SKEW"] = np.clip(
        rng.normal(rel, (1.0 - rel) / 2.0), RELEVANCE_LEVELS[0], RELEVANCE_LEVELS[-1]
    )
    out["CRS"] = np.where(rel >= 0.7 - 1e-9, 0.1, 0.5)
    return out


def load_coat(path, *, threshold=3):
    """Load the Coat shopping data (Schnabel et al. 2016) from a folder.

    Coat has 290 users and 300 items; each user rated 24 self-selected items
    (missing not at random, the training set) and 16 randomly shown items
    (missing at random, the test set). The data are not bundled (no licence is
    stated by their authors): pass the folder holding ``train.ascii``,
    ``test.ascii`` and optionally ``propensities.ascii``,
    ``user_features.ascii``, ``item_features.ascii``.

    Parameters
    ----------
    path : str or path-like
        Folder with the Coat files.
    threshold : int, default=3
        Ratings ``>= threshold`` become label 1, the others 0.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``X_train``, ``y_train``, ``ratings_train`` (MNAR), ``X_test``,
        ``y_test``, ``ratings_test`` (MAR), ``n_users``, ``n_items`` and,
        when present, ``propensities`` (the authors' estimates, a matrix),
        ``user_features``, ``item_features``.

    References
    ----------
    T. Schnabel et al., "Recommendations as Treatments: Debiasing Learning and
    Evaluation", ICML 2016.
    """
    folder = Path(path)
    missing = [f for f in ("train.ascii", "test.ascii") if not (folder / f).is_file()]
    if missing:
        raise FileNotFoundError(
            f"load_coat: {', '.join(missing)} not found in {str(folder)!r}; pass the "
            "folder that holds the Coat files (they are not bundled)."
        )
    train = np.loadtxt(folder / "train.ascii", dtype=np.int64)
    test = np.loadtxt(folder / "test.ascii", dtype=np.int64)
    if train.shape != test.shape:
        raise ValueError(
            f"load_coat: train.ascii has shape {train.shape} but test.ascii has "
            f"shape {test.shape}."
        )
    out = Bunch(n_users=train.shape[0], n_items=train.shape[1])
    for name, mat in (("train", train), ("test", test)):
        u, i = np.nonzero(mat)
        out[f"X_{name}"] = np.column_stack([u, i]).astype(np.int64)
        out[f"ratings_{name}"] = mat[u, i]
        out[f"y_{name}"] = (mat[u, i] >= threshold).astype(np.int64)
    for key, fname in (
        ("propensities", "propensities.ascii"),
        ("user_features", "user_features.ascii"),
        ("item_features", "item_features.ascii"),
    ):
        if (folder / fname).is_file():
            out[key] = np.loadtxt(folder / fname)
    return out
