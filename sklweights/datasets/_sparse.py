"""Sparse recovery problems: one random dictionary, Bernoulli-Gaussian codes."""

import numbers

import numpy as np
from sklearn.utils import Bunch, check_random_state

from sklweights.utils._sklearn_compat import Interval, validate_params

__all__ = ["make_sparse_recovery"]


def _bernoulli_gaussian(n, n_atoms, sparsity, rng):
    return rng.standard_normal((n, n_atoms)) * (
        rng.random_sample((n, n_atoms)) < sparsity
    )


@validate_params(
    {
        "n_samples": [Interval(numbers.Integral, 1, None, closed="left")],
        "n_features": [Interval(numbers.Integral, 1, None, closed="left")],
        "n_atoms": [Interval(numbers.Integral, 1, None, closed="left")],
        "sparsity": [Interval(numbers.Real, 0, 1, closed="right")],
        "noise": [Interval(numbers.Real, 0, None, closed="left")],
        "n_test_samples": [Interval(numbers.Integral, 0, None, closed="left")],
        "test_sparsity": [Interval(numbers.Real, 0, 1, closed="right"), None],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def make_sparse_recovery(
    n_samples=1000,
    *,
    n_features=75,
    n_atoms=150,
    sparsity=0.1,
    noise=0.01,
    n_test_samples=0,
    test_sparsity=None,
    random_state=None,
):
    """Compressed-sensing problems ``y = x D + w`` that share one dictionary.

    The dictionary ``D`` (one atom per row, the layout of
    :class:`sklearn.decomposition.SparseCoder`; the sensing matrix is
    ``A = D.T``) has independent ``N(0, 1 / n_features)`` entries, so that
    the atoms have unit norm on average. Each code ``x`` has independent
    Bernoulli(``sparsity``)-Gaussian entries (nonzero with probability
    ``sparsity``, then standard normal), and each measurement gets white
    Gaussian noise of standard deviation ``noise``. The defaults are the
    design of the unfolded-ISTA prototype (75 x 150, sparsity 0.1, noise
    0.01).

    Parameters
    ----------
    n_samples : int, default=1000
        Number of (training) problems.
    n_features : int, default=75
        Measurements per problem (``m``).
    n_atoms : int, default=150
        Atoms of the dictionary, i.e. entries of each code (``n``).
    sparsity : float in [0, 1], default=0.1
        Probability that a code entry is nonzero (the expected share of
        active atoms).
    noise : float, default=0.01
        Standard deviation of the measurement noise.
    n_test_samples : int, default=0
        Number of test problems drawn with the same dictionary.
    test_sparsity : float in [0, 1] or None, default=None
        Sparsity of the test codes; ``sparsity`` when None. A different value
        is a train/test sparsity mismatch.
    random_state : int, RandomState instance or None, default=None
        Determines the random draws; pass an int for reproducible output across calls.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``dictionary`` (n_atoms, n_features), ``Y`` (n_samples, n_features)
        and ``codes`` (n_samples, n_atoms), ``Y_test`` (n_test_samples,
        n_features) and ``codes_test`` (n_test_samples, n_atoms), and the
        ``sparsity``, ``test_sparsity`` and ``noise`` used.

    Examples
    --------
    >>> from sklweights.datasets import make_sparse_recovery
    >>> data = make_sparse_recovery(
    ...     200, n_test_samples=50, test_sparsity=0.2, random_state=0
    ... )
    >>> data.dictionary.shape, data.Y.shape, data.codes.shape, data.Y_test.shape
    ((150, 75), (200, 75), (200, 150), (50, 75))
    """
    rng = check_random_state(random_state)
    test_sparsity = sparsity if test_sparsity is None else float(test_sparsity)
    dictionary = rng.standard_normal((n_atoms, n_features)) / np.sqrt(n_features)
    codes = _bernoulli_gaussian(n_samples, n_atoms, sparsity, rng)
    Y = codes @ dictionary + noise * rng.standard_normal((n_samples, n_features))
    codes_test = _bernoulli_gaussian(n_test_samples, n_atoms, test_sparsity, rng)
    Y_test = codes_test @ dictionary + noise * rng.standard_normal(
        (n_test_samples, n_features)
    )
    return Bunch(
        dictionary=dictionary,
        Y=Y,
        codes=codes,
        Y_test=Y_test,
        codes_test=codes_test,
        sparsity=float(sparsity),
        test_sparsity=test_sparsity,
        noise=float(noise),
    )
