"""Classification data: the AnyLoss paper's imbalanced sets, label noise."""

import numbers

import numpy as np

from sklweights.utils._sklearn_compat import Interval, StrOptions, validate_params

__all__ = ["make_anyloss_breast_cancer", "make_anyloss_random", "make_label_noise"]


@validate_params(
    {
        "n_samples": [Interval(numbers.Integral, 10, None, closed="left")],
        "positive_fraction": [Interval(numbers.Real, 0, 0.5, closed="neither")],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def make_anyloss_random(n_samples=10000, *, positive_fraction=0.1, random_state=0):
    """The "Random" imbalanced set of the AnyLoss experiments (2 features).

    ``sklearn.datasets.make_classification(n_samples, n_classes=2,
    weights=[1 - positive_fraction, positive_fraction], class_sep=1.2,
    n_features=5, n_informative=3, n_redundant=1, n_clusters_per_class=1)``
    projected on its first two principal components, as in the authors'
    resampling notebook (Han, Moniz & Chawla, KDD 2024). The defaults,
    ``random_state=0`` included, rebuild their set exactly.

    Parameters
    ----------
    n_samples : int, default=10000
        Number of rows.
    positive_fraction : float in (0, 0.5), default=0.1
        Share of the positive (minority) class ``1`` before
        ``make_classification``'s 1% label noise.
    random_state : int, RandomState instance or None, default=0
        Determines the random draws; pass an int for reproducible output across calls.

    Returns
    -------
    X : ndarray of shape (n_samples, 2)
        The two features.
    y : ndarray of shape (n_samples,)
        0 (majority) or 1 (minority).

    Examples
    --------
    >>> from sklweights.datasets import make_anyloss_random
    >>> X, y = make_anyloss_random()
    >>> X.shape, round(float(y.mean()), 3)
    ((10000, 2), 0.105)
    """
    from sklearn.datasets import make_classification
    from sklearn.decomposition import PCA

    X, y = make_classification(
        n_samples=n_samples,
        n_classes=2,
        weights=[1 - positive_fraction, positive_fraction],
        class_sep=1.2,
        n_features=5,
        n_informative=3,
        n_redundant=1,
        n_clusters_per_class=1,
        random_state=random_state,
    )
    return PCA(n_components=2).fit_transform(X), y


@validate_params(
    {
        "n_positive": [Interval(numbers.Integral, 1, 357, closed="both")],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def make_anyloss_breast_cancer(n_positive=21, *, random_state=100):
    """The subsampled Wisconsin breast-cancer set of the AnyLoss experiments.

    The 212 malignant tumours of :func:`sklearn.datasets.load_breast_cancer`
    are the negatives (0); ``n_positive`` of the 357 benign ones, drawn
    without replacement, are the positive minority (1). The defaults follow
    our reading of the authors' notebook: labels from ``pd.factorize`` of the
    diagnosis (M -> 0, B -> 1), class 1 cut to ``round(0.1 * 212) = 21`` rows
    by ``DataFrame.sample(random_state=100)`` (whose draw is
    ``RandomState(100).choice(357, 21, replace=False)``, repeated here without
    pandas). The paper's text could not be read, so this is a
    reconstruction.

    Parameters
    ----------
    n_positive : int in [1, 357], default=21
        Number of benign rows kept, the positive minority (1).
    random_state : int, RandomState instance or None, default=100
        Determines the random draws; pass an int for reproducible output across calls.

    Returns
    -------
    X : ndarray of shape (212 + n_positive, 30)
        The 30 features of the kept rows, in the original row order.
    y : ndarray of shape (212 + n_positive,)
        0 (malignant) or 1 (benign).

    Examples
    --------
    >>> from sklweights.datasets import make_anyloss_breast_cancer
    >>> X, y = make_anyloss_breast_cancer()
    >>> X.shape, int(y.sum())
    ((233, 30), 21)
    """
    from sklearn.datasets import load_breast_cancer
    from sklearn.utils import check_random_state

    data = load_breast_cancer()
    malignant = np.flatnonzero(data.target == 0)
    benign = np.flatnonzero(data.target == 1)
    rng = check_random_state(random_state)
    keep = benign[rng.choice(len(benign), size=n_positive, replace=False)]
    rows = np.sort(np.concatenate([malignant, keep]))
    return data.data[rows], (data.target[rows] == 1).astype(int)


@validate_params(
    {
        "y": ["array-like"],
        "noise_rate": [Interval(numbers.Real, 0, 1, closed="left")],
        "kind": [StrOptions({"uniform", "class_dependent"})],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def make_label_noise(y, *, noise_rate, kind="uniform", random_state=None):
    """Corrupt class labels as in the LDR experiments (Zhu, Ying & Yang, 2023).

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Clean labels (any hashable class values).
    noise_rate : float in [0, 1)
        ``eta``: the share of rows whose label is redrawn.
    kind : {"uniform", "class_dependent"}, default="uniform"
        ``"uniform"``: a redrawn label is uniform over the ``K`` classes, so
        it may come back unchanged (the authors' semantics: the expected
        share of changed labels is ``eta (K - 1) / K``).
        ``"class_dependent"``: a redrawn label becomes the next class in the
        sorted order (``k -> k + 1 mod K``), always a change.
    random_state : int, RandomState instance or None, default=None
        Determines the random draws; pass an int for reproducible output across calls.

    Returns
    -------
    y_noisy : ndarray of shape (n_samples,)
        Same classes and dtype as ``y``.
    flipped : ndarray of bool of shape (n_samples,)
        Where ``y_noisy != y``.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklweights.datasets import make_label_noise
    >>> y = load_digits().target
    >>> y_noisy, flipped = make_label_noise(y, noise_rate=0.4, random_state=0)
    >>> round(float(flipped.mean()), 2)  # about 0.4 * 9 / 10
    0.36
    """
    from sklearn.utils import check_random_state

    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"y must be 1-d; got shape {y.shape}.")
    classes, codes = np.unique(y, return_inverse=True)
    k = len(classes)
    if k < 2:
        raise ValueError(f"y must hold at least two classes; got {k}.")
    rng = check_random_state(random_state)
    redraw = rng.uniform(size=len(y)) < noise_rate
    noisy = codes.copy()
    if kind == "uniform":
        noisy[redraw] = rng.randint(0, k, size=int(redraw.sum()))
    else:
        noisy[redraw] = (codes[redraw] + 1) % k
    return classes[noisy], noisy != codes
