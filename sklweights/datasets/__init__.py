"""Bundled data sets and generators for each paper's design."""

from ._classification import *  # noqa: F403
from ._classification import __all__ as _a0
from ._ordinal import *  # noqa: F403
from ._ordinal import __all__ as _a1
from ._quantile import *  # noqa: F403
from ._quantile import __all__ as _a2
from ._recsys import *  # noqa: F403
from ._recsys import __all__ as _a3
from ._selection import *  # noqa: F403
from ._selection import __all__ as _a4
from ._sparse import *  # noqa: F403
from ._sparse import __all__ as _a6
from ._text import *  # noqa: F403
from ._text import __all__ as _a5
from ._vader import load_vader_multidomain  # noqa: F401

__all__ = sorted({*_a0, *_a1, *_a2, *_a3, *_a4, *_a5, *_a6, "load_vader_multidomain"})
