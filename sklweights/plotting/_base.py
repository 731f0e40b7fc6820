"""What every Display shares: the lazy matplotlib import and the axes."""

from sklweights.utils._optional import import_optional

__all__ = ["DisplayMixin", "check_matplotlib"]


def check_matplotlib(purpose):
    """``matplotlib.pyplot``, or an ImportError with the ``sklweights[plot]`` hint."""
    return import_optional("matplotlib.pyplot", extra="plot", purpose=purpose)


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
