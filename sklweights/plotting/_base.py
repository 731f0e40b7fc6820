"""What every Display shares: the lazy matplotlib import, the axes, the checks."""

import numbers

from sklweights.utils._optional import import_optional

__all__ = [
    "DisplayMixin",
    "check_estimator_has",
    "check_feature_index",
    "check_matplotlib",
    "check_n_bins",
]


def check_matplotlib(purpose):
    """``matplotlib.pyplot``, or an ImportError with the ``sklweights[plot]`` hint."""
    return import_optional("matplotlib.pyplot", extra="plot", purpose=purpose)


def check_estimator_has(estimator, methods, what):
    """A TypeError unless ``estimator`` has ``methods``; then check it is fitted.

    ``what`` names the kind of estimator that has them (for the message).
    """
    from sklweights.utils._sklearn_compat import check_is_fitted

    missing = [m for m in methods if not hasattr(estimator, m)]
    if missing:
        raise TypeError(
            f"{type(estimator).__name__} has no {'/'.join(missing)}: {what} is needed."
        )
    check_is_fitted(estimator)


def check_n_bins(n_bins):
    """``n_bins`` as a positive int, or a ValueError naming it."""
    if (
        isinstance(n_bins, bool)
        or not isinstance(n_bins, numbers.Integral)
        or n_bins < 1
    ):
        raise ValueError(f"n_bins must be a positive int; got {n_bins!r}.")
    return int(n_bins)


def check_feature_index(feature, n_features):
    """``feature`` as a column index of ``n_features`` columns, or a ValueError."""
    if (
        isinstance(feature, bool)
        or not isinstance(feature, numbers.Integral)
        or not -n_features <= feature < n_features
    ):
        raise ValueError(
            f"feature must be a column index of X (0..{n_features - 1}); got "
            f"{feature!r}."
        )
    return int(feature)


class DisplayMixin:
    """``_axes(ax)``: the given axes, or new ones; sets ``ax_`` and ``figure_``.

    A Display computes its values in ``from_estimator`` / ``from_predictions``
    (kept as attributes, no matplotlib needed) and draws them in ``plot``,
    which imports matplotlib on its first call (scikit-learn's Display
    pattern: :class:`sklearn.metrics.RocCurveDisplay`).
    """

    def _axes(self, ax, **subplots_kw):
        plt = check_matplotlib(type(self).__name__)
        if ax is None:
            _, ax = plt.subplots(**subplots_kw)
        self.ax_ = ax
        self.figure_ = ax.figure
        return ax
