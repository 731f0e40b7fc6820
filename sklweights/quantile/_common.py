"""Helpers shared by the quantile estimators: levels and non-crossing."""

import numpy as np
from sklearn.isotonic import isotonic_regression

from sklweights.metrics._quantile import (  # noqa: F401  (re-exported)
    _LEVEL_TOL,
    DEFAULT_QUANTILES,
    _check_levels,
    interval_levels,
)


def check_quantile_levels(quantiles, name="quantiles"):
    """Validate levels: a non-empty increasing sequence strictly inside (0, 1).

    ``None`` gives the default levels; otherwise the metrics' own check.
    """
    if quantiles is None:
        return np.asarray(DEFAULT_QUANTILES, dtype=float)
    return _check_levels(quantiles, name)


def apply_noncrossing(q, method):
    """Make each row of ``q`` (n, T) non-decreasing: "sort", "isotonic" or None.

    Both operators can only lower the sum of pinball losses over the levels for
    every single row (rearrangement inequality for "sort"; the L2 projection
    onto monotone vectors for unweighted "isotonic").
    """
    if method is None or q.shape[1] < 2:
        return q
    if method == "sort":
        return np.sort(q, axis=1)
    if method == "isotonic":
        return _isotonic_rows(q)
    raise ValueError(f"noncrossing must be 'sort', 'isotonic' or None; got {method!r}.")


def _isotonic_rows(q):
    """Unweighted isotonic regression of each row (only crossing rows).

    scikit-learn's pool-adjacent-violators solver,
    :func:`sklearn.isotonic.isotonic_regression`, row by row.
    """
    out = np.array(q, dtype=float, copy=True)
    bad = np.flatnonzero(np.any(np.diff(out, axis=1) < 0, axis=1))
    for i in bad:
        out[i] = isotonic_regression(out[i])
    return out


def interpolate_levels(q, levels, requested, name="quantiles"):
    """Columns of ``q`` at ``requested`` levels, linear between fitted levels."""
    requested = check_quantile_levels(requested, name=name)
    lo, hi = levels[0] - _LEVEL_TOL, levels[-1] + _LEVEL_TOL
    outside = requested[(requested < lo) | (requested > hi)]
    if outside.size:
        raise ValueError(
            f"{name} {outside.tolist()} lie outside the fitted levels "
            f"[{levels[0]}, {levels[-1]}]; refit with wider quantiles."
        )
    out = np.empty((q.shape[0], requested.size))
    for k, tau in enumerate(requested):
        j = int(np.searchsorted(levels, tau - _LEVEL_TOL))
        j = min(j, levels.size - 1)
        if abs(levels[j] - tau) <= _LEVEL_TOL or j == 0:
            out[:, k] = q[:, j]
        else:
            t = (tau - levels[j - 1]) / (levels[j] - levels[j - 1])
            out[:, k] = (1 - t) * q[:, j - 1] + t * q[:, j]
    return out


def median_of(q, levels):
    """The median column (interpolated when 0.5 is not a fitted level)."""
    if levels[0] <= 0.5 <= levels[-1]:
        return interpolate_levels(q, levels, [0.5])[:, 0]
    return q[:, 0] if levels[0] > 0.5 else q[:, -1]
