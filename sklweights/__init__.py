"""sklweights: scikit-learn estimators for weighting problems from recent papers.

The public estimators live in method subpackages (``sklweights.ordinal``,
``sklweights.quantile``, ``sklweights.recsys``, ``sklweights.selection``,
``sklweights.text``, ``sklweights.classification``, ``sklweights.regression``,
``sklweights.kernel``, ``sklweights.sparse``) and are re-exported here;
the reusable torch losses are in ``sklweights.losses``. Importing sklweights never
imports torch or matplotlib; the torch estimators import torch when fitted.
"""

__version__ = "0.1.0.dev0"

from . import datasets, losses, metrics, plotting, utils  # noqa: E402
from .classification import *  # noqa: E402, F403
from .classification import __all__ as _classification_all  # noqa: E402
from .kernel import *  # noqa: E402, F403
from .kernel import __all__ as _kernel_all  # noqa: E402
from .ordinal import *  # noqa: E402, F403
from .ordinal import __all__ as _ordinal_all  # noqa: E402
from .quantile import *  # noqa: E402, F403
from .quantile import __all__ as _quantile_all  # noqa: E402
from .recsys import *  # noqa: E402, F403
from .recsys import __all__ as _recsys_all  # noqa: E402
from .regression import *  # noqa: E402, F403
from .regression import __all__ as _regression_all  # noqa: E402
from .selection import *  # noqa: E402, F403
from .selection import __all__ as _selection_all  # noqa: E402
from .sparse import *  # noqa: E402, F403
from .sparse import __all__ as _sparse_all  # noqa: E402
from .text import *  # noqa: E402, F403
from .text import __all__ as _text_all  # noqa: E402

__all__ = sorted(
    {
        *_classification_all,
        *_kernel_all,
        *_ordinal_all,
        *_quantile_all,
        *_recsys_all,
        *_regression_all,
        *_selection_all,
        *_sparse_all,
        *_text_all,
    }
) + ["__version__", "datasets", "losses", "metrics", "plotting", "utils"]
