"""The single import point for scikit-learn's private helpers.

scikit-learn does not promise stability for ``_fit_context``, the parameter
constraint classes, ``validate_data`` or the tags dataclasses. Every module of
sklweights imports them from here, so that a scikit-learn release can break us
in this one file only (the approach of imbalanced-learn's ``sklearn-compat``).

The supported floor is scikit-learn 1.6, the first release with
``validate_data`` as a function and ``__sklearn_tags__``.
"""

from sklearn.base import _fit_context
from sklearn.utils._param_validation import (
    HasMethods,
    Hidden,
    Interval,
    Options,
    RealNotInt,
    StrOptions,
    validate_params,
)
from sklearn.utils._tags import InputTags, Tags, TargetTags, get_tags
from sklearn.utils.metaestimators import _BaseComposition
from sklearn.utils.validation import (
    _check_sample_weight,
    check_is_fitted,
    validate_data,
)

__all__ = [
    "HasMethods",
    "Hidden",
    "InputTags",
    "Interval",
    "Options",
    "RealNotInt",
    "StrOptions",
    "Tags",
    "TargetTags",
    "_BaseComposition",
    "_check_sample_weight",
    "_fit_context",
    "check_is_fitted",
    "get_tags",
    "validate_data",
    "validate_params",
]
