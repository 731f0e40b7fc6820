"""What the losses share: the positive-number check, torch import, row reduction."""

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


def import_losses_torch():
    """torch, or an ImportError with the install hint (the losses' one import)."""
    from sklweights.utils._optional import import_torch

    return import_torch("sklweights.losses")


def reduce_rows(per_row, sample_weight, reduction):
    """Per-row losses reduced: ``"mean"`` (row-weighted when weights given) or
    ``"none"``."""
    if reduction == "none":
        return per_row
    if reduction != "mean":
        raise ValueError(f"reduction must be 'mean' or 'none'; got {reduction!r}.")
    if sample_weight is None:
        return per_row.mean()
    w = sample_weight.to(per_row.dtype).reshape(-1)
    return (w * per_row).sum() / w.sum()
