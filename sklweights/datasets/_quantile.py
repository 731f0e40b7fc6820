"""Data generators and loaders for the quantile estimators."""

import numbers

import numpy as np
from sklearn.utils import check_random_state

from sklweights.utils._sklearn_compat import Interval, StrOptions, validate_params

__all__ = ["make_heteroscedastic_regression"]


@validate_params(
    {
        "n_samples": [Interval(numbers.Integral, 1, None, closed="left")],
        "n_features": [Interval(numbers.Integral, 1, None, closed="left")],
        "noise": [StrOptions({"normal", "t"})],
        "df": [Interval(numbers.Real, 0, None, closed="neither")],
        "quantiles": ["array-like", None],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def make_heteroscedastic_regression(
    n_samples=1000,
    n_features=5,
    *,
    noise="normal",
    df=3.0,
    quantiles=None,
    random_state=None,
):
    """Regression data whose noise scale grows with the first feature.

    ``X`` is uniform on ``[0, 1]^n_features`` and

    ``y = f(x) + sigma(x) * eps``, with
    ``f(x) = 2 sin(2 pi x_1) + sum_{j >= 2} x_j / j``,
    ``sigma(x) = 0.1 + 1.2 x_1`` and ``eps`` standard normal (``noise="normal"``)
    or Student t with ``df`` degrees of freedom (``noise="t"``, heavy tails).

    The conditional quantiles are known in closed form,
    ``q_tau(x) = f(x) + sigma(x) F_eps^{-1}(tau)``, so the generator can also
    return them: the oracle against which quantile models and interval
    coverage can be checked. A one-feature design (``n_features=1``) is the
    classic fan-shaped picture for conformalized quantile regression.

    Parameters
    ----------
    n_samples : int, default=1000
        Number of rows.
    n_features : int, default=5
        Number of features; only the first one drives the noise scale.
    noise : {"normal", "t"}, default="normal"
        Noise distribution.
    df : float, default=3.0
        Degrees of freedom of the t noise.
    quantiles : array-like of shape (n_levels,), default=None
        When given, the true conditional quantiles at these levels are also
        returned.
    random_state : int, RandomState instance or None, default=None
        Seed.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
        The features.
    y : ndarray of shape (n_samples,)
        The targets.
    y_quantiles : ndarray of shape (n_samples, n_levels)
        Only when ``quantiles`` is given.

    Examples
    --------
    >>> from sklweights.datasets import make_heteroscedastic_regression
    >>> X, y, q = make_heteroscedastic_regression(
    ...     200, 2, quantiles=[0.05, 0.95], random_state=0)
    >>> X.shape, y.shape, q.shape
    ((200, 2), (200,), (200, 2))
    """
    from scipy import stats

    rng = check_random_state(random_state)
    X = rng.uniform(0.0, 1.0, size=(n_samples, n_features))
    f = 2.0 * np.sin(2.0 * np.pi * X[:, 0])
    if n_features > 1:
        f = f + X[:, 1:] @ (1.0 / np.arange(2, n_features + 1))
    sigma = 0.1 + 1.2 * X[:, 0]
    if noise == "normal":
        eps = rng.standard_normal(n_samples)
        dist = stats.norm()
    else:
        eps = rng.standard_t(df, size=n_samples)
        dist = stats.t(df)
    y = f + sigma * eps
    if quantiles is None:
        return X, y
    levels = np.asarray(quantiles, dtype=float).reshape(-1)
    if np.any(levels <= 0) or np.any(levels >= 1):
        raise ValueError(f"quantiles must lie strictly in (0, 1); got {levels}.")
    return X, y, f[:, None] + sigma[:, None] * dist.ppf(levels)[None, :]
