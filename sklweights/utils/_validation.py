"""Input validation shared by the estimators, on top of scikit-learn's."""

import numpy as np

from ._sklearn_compat import validate_data

__all__ = ["check_numeric_target", "validate_regression_data"]


def check_numeric_target(y, name="y"):
    """``y`` as float64 when it holds strings of numbers; a clear error otherwise.

    scikit-learn's ``y_numeric=True`` converts an object array but passes a
    numpy string array (``dtype('<U...')``) through, which then fails deep
    inside a solver with a ufunc ``TypeError``.
    """
    if y.dtype.kind not in "USO":
        return y
    try:
        return y.astype(np.float64)
    except (TypeError, ValueError):
        raise ValueError(
            f"{name} must hold numbers for a regressor; got values such as "
            f"{np.ravel(y)[:3].tolist()!r} that are not numbers."
        ) from None


def validate_regression_data(estimator, X, y, **kwargs):
    """``validate_data(estimator, X, y, y_numeric=True, **kwargs)``, string y too."""
    X, y = validate_data(estimator, X, y, y_numeric=True, **kwargs)
    return X, check_numeric_target(y)
