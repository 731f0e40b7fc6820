"""Deprecated home of the selection scores (they need a fitted selector).

``latent_quality_ratio`` fits a :class:`~sklweights.selection.FairCommitteeSelector`;
metrics depend on nothing but numpy, scipy and scikit-learn, so it lives in
:mod:`sklweights.selection`. This alias imports it only when called.
"""

import warnings

__all__ = []


def latent_quality_ratio(*args, **kwargs):
    """Deprecated alias of :func:`sklweights.selection.latent_quality_ratio`.

    Deprecated in 0.1, removed in 0.2.

    Parameters
    ----------
    *args, **kwargs
        Passed to :func:`sklweights.selection.latent_quality_ratio`.

    Returns
    -------
    ratio : float
        As :func:`sklweights.selection.latent_quality_ratio`.
    """
    warnings.warn(
        "sklweights.metrics.latent_quality_ratio is deprecated and will be removed "
        "in 0.2; import it from sklweights.selection (from sklweights.selection "
        "import latent_quality_ratio).",
        FutureWarning,
        stacklevel=2,
    )
    from sklweights.selection import latent_quality_ratio as _latent_quality_ratio

    return _latent_quality_ratio(*args, **kwargs)
