"""Data generators for the ordinal estimators (PRESTO simulation designs)."""

import numbers

import numpy as np
from scipy.special import expit
from sklearn.utils import check_random_state

from sklweights.utils._sklearn_compat import Interval, StrOptions, validate_params

__all__ = ["make_presto_ordinal"]


@validate_params(
    {
        "n_samples": [Interval(numbers.Integral, 1, None, closed="left")],
        "n_features": [Interval(numbers.Integral, 1, None, closed="left")],
        "n_classes": [Interval(numbers.Integral, 2, None, closed="left")],
        "intercepts": ["array-like", None],
        "design": [StrOptions({"sparse", "dense"})],
        "dev_prob": [Interval(numbers.Real, 0, 1, closed="both")],
        "dev_size": [Interval(numbers.Real, 0, None, closed="left")],
        "beta_size": [Interval(numbers.Real, 0, None, closed="left")],
        "max_tries": [Interval(numbers.Integral, 1, None, closed="left")],
        "return_params": ["boolean"],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def make_presto_ordinal(
    n_samples=2500,
    n_features=10,
    n_classes=4,
    *,
    intercepts=None,
    design="sparse",
    dev_prob=0.5,
    dev_size=0.5,
    beta_size=0.5,
    max_tries=1000,
    return_params=False,
    random_state=None,
):
    """Ordinal data with a rare top class: the PRESTO paper's simulations.

    ``X ~ Uniform(-1, 1)^p`` and ``P(y <= k | x) = sigmoid(a_k + x' b_k)``
    (classes ``0..K-1``). Sparse design (paper Sec. 4.1): ``b_1 = beta_size *
    Bernoulli(dev_prob)`` per feature and ``b_k = b_{k-1} + dev_size *
    Bernoulli(dev_prob) * Rademacher``. Dense design (Sec. 4.2): ``b_1 ~
    U(-beta_size, beta_size)`` and increments ``~ U(-dev_size, dev_size)``.
    A draw whose cumulative probabilities cross at any sample, or that misses
    a class, is redrawn (coefficients and X), as in the authors' code.

    Parameters
    ----------
    n_samples : int, default=2500
        Number of rows.
    n_features : int, default=10
        Number of features.
    n_classes : int, default=4
        Number of ordered classes.
    intercepts : array-like of shape (n_classes - 1,), default=None
        Increasing ``a_k``. Default ``(0, 3.5, 5.5)`` for 4 classes (about
        0.7% in the top class), else evenly spaced from 0 to 5.5.
    design : {"sparse", "dense"}, default="sparse"
        The coefficient design of the paper: sparse (Sec. 4.1) or dense (Sec. 4.2).
    dev_prob : float, default=0.5
        Probability that a coefficient moves between adjacent thresholds
        (sparse design; also the chance a feature is active in ``b_1``).
    dev_size : float, default=0.5
        Size of a move (sparse) or half-width of the uniform increments (dense).
    beta_size : float, default=0.5
        Size (sparse) or half-width (dense) of ``b_1``.
    max_tries : int, default=1000
        Redraws allowed before giving up.
    return_params : bool, default=False
        Also return ``{"intercepts": a, "coef": B}`` (paper's sign convention).
    random_state : int, RandomState instance or None, default=None
        Determines the random draws; pass an int for reproducible output across calls.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
        The features.
    y : ndarray of int of shape (n_samples,)
        Classes ``0..n_classes-1``; the top class is the rare one.
    proba : ndarray of shape (n_samples, n_classes)
        The true class probabilities.
    params : dict
        Only when ``return_params``.

    References
    ----------
    .. [1] G. Faletto and J. Bien, "Predicting Rare Events by Shrinking
       Towards Proportional Odds", ICML 2023. arXiv:2305.18700.

    Examples
    --------
    >>> from sklweights.datasets import make_presto_ordinal
    >>> X, y, proba = make_presto_ordinal(n_samples=100, random_state=0)
    >>> X.shape, proba.shape
    ((100, 10), (100, 4))
    """
    rng = check_random_state(random_state)
    K, p = n_classes, n_features
    if intercepts is None:
        a = np.array([0.0, 3.5, 5.5]) if K == 4 else np.linspace(0.0, 5.5, K - 1)
    else:
        a = np.asarray(intercepts, dtype=np.float64).ravel()
        if a.size != K - 1 or np.any(np.diff(a) <= 0):
            raise ValueError(
                f"intercepts must be {K - 1} increasing numbers for n_classes={K}; "
                f"got {a.tolist()}."
            )
    for _ in range(max_tries):
        if design == "sparse":
            b = beta_size * rng.binomial(1, dev_prob, p)
            steps = (
                dev_size
                * rng.binomial(1, dev_prob, (K - 2, p))
                * rng.choice([-1.0, 1.0], (K - 2, p))
            )
        else:
            b = rng.uniform(-beta_size, beta_size, p)
            steps = rng.uniform(-dev_size, dev_size, (K - 2, p))
        B = np.vstack([b, b + np.cumsum(steps, axis=0)]) if K > 2 else b[None, :]
        X = rng.uniform(-1.0, 1.0, (n_samples, p))
        F = expit(a + X @ B.T)
        cum = np.column_stack([np.zeros(n_samples), F, np.ones(n_samples)])
        proba = np.diff(cum, axis=1)
        if np.any(proba < 0):
            continue
        y = (rng.uniform(size=(n_samples, 1)) > F).sum(axis=1)
        if np.unique(y).size < K:
            continue
        if return_params:
            return X, y, proba, {"intercepts": a.copy(), "coef": B}
        return X, y, proba
    raise ValueError(
        f"make_presto_ordinal: no draw without crossing probabilities and with "
        f"every class present in {max_tries} tries; lower dev_size or raise "
        "n_samples."
    )
