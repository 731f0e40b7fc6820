"""Metrics for the text estimators."""

import numpy as np

from sklweights.utils._sklearn_compat import validate_params

__all__ = ["per_domain_score"]


@validate_params(
    {
        "y_true": ["array-like"],
        "y_pred": ["array-like"],
        "domains": ["array-like"],
        "score_func": [callable, None],
    },
    prefer_skip_nested_validation=True,
)
def per_domain_score(y_true, y_pred, domains, *, score_func=None):
    """A score computed separately inside each domain.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels.
    y_pred : array-like of shape (n_samples,)
        Predicted labels.
    domains : array-like of shape (n_samples,)
        The domain of each sample.
    score_func : callable, default=None
        ``score_func(y_true, y_pred) -> float``;
        :func:`sklearn.metrics.accuracy_score` when None.

    Returns
    -------
    scores : dict
        ``{domain: score}`` in sorted domain order.

    Examples
    --------
    >>> from sklweights.metrics import per_domain_score
    >>> per_domain_score([1, 0, 1, 1], [1, 1, 1, 0], ["a", "a", "b", "b"])
    {'a': 0.5, 'b': 0.5}
    """
    if score_func is None:
        from sklearn.metrics import accuracy_score as score_func
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    domains = np.asarray(domains, dtype=object)
    if not (len(y_true) == len(y_pred) == len(domains)):
        raise ValueError(
            "y_true, y_pred and domains must have the same length; got "
            f"{len(y_true)}, {len(y_pred)} and {len(domains)}."
        )
    out = {}
    for d in sorted(set(domains.tolist()), key=str):
        rows = domains == d
        out[d] = float(score_func(y_true[rows], y_pred[rows]))
    return out
