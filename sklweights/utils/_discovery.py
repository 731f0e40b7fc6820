"""Discovery of the public estimators, in the manner of ``sklearn.utils.discovery``."""

import inspect

from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    RegressorMixin,
    TransformerMixin,
)

_TYPE_MIXINS = {
    "classifier": ClassifierMixin,
    "regressor": RegressorMixin,
    "transformer": TransformerMixin,
}


def all_estimators(type_filter=None):
    """List the public estimators of sklweights.

    Parameters
    ----------
    type_filter : {"classifier", "regressor", "transformer"} or list of them, \
            default=None
        Keep only the estimators of these kinds; all of them when None.

    Returns
    -------
    estimators : list of (str, type)
        ``(name, class)`` pairs sorted by name, taken from the public API
        (``sklweights.__all__``), abstract classes left out.

    Examples
    --------
    >>> from sklweights.utils import all_estimators
    >>> names = [name for name, _ in all_estimators()]
    """
    import sklweights

    if type_filter is not None:
        filters = [type_filter] if isinstance(type_filter, str) else list(type_filter)
        bad = [f for f in filters if f not in _TYPE_MIXINS]
        if bad:
            raise ValueError(
                "type_filter must be None or one or more of "
                f"{sorted(_TYPE_MIXINS)}; got {bad!r}."
            )
    out = []
    for name in sorted(set(sklweights.__all__)):
        obj = getattr(sklweights, name)
        if not (inspect.isclass(obj) and issubclass(obj, BaseEstimator)):
            continue
        if inspect.isabstract(obj) or name.startswith("_"):
            continue
        if type_filter is not None and not any(
            issubclass(obj, _TYPE_MIXINS[f]) for f in filters
        ):
            continue
        out.append((name, obj))
    return out
