"""The one argument check of the losses: a positive (finite) number."""

import math
import numbers


def check_positive(name, value, *, allow_inf=False, hint=""):
    """``value`` as a float, or a ValueError naming ``name`` and what was given."""
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or not value > 0
        or (not allow_inf and math.isinf(value))
    ):
        finite = "" if allow_inf else " finite"
        raise ValueError(
            f"{name} must be a positive{finite} number{hint}; got {value!r}."
        )
    return float(value)
