"""Metrics and scorers: rare-class, quantile, ranking and calibration scores."""

from ._calibration import *  # noqa: F403
from ._calibration import __all__ as _a0
from ._ordinal import *  # noqa: F403
from ._ordinal import __all__ as _a1
from ._quantile import *  # noqa: F403
from ._quantile import __all__ as _a2
from ._recsys import *  # noqa: F403
from ._recsys import __all__ as _a3
from ._selection import latent_quality_ratio  # noqa: F401  deprecated, not in __all__
from ._text import *  # noqa: F403
from ._text import __all__ as _a5

__all__ = sorted({*_a0, *_a1, *_a2, *_a3, *_a5})
