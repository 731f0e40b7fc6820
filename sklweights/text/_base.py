"""Shared machinery of the domain-weighted text classifiers.

Input parsing (a sequence of strings or a DataFrame with text and domain
columns), domain bookkeeping and its errors, the domain weighting, and the
weighted combination ``p(y|x) = sum_d w_d(x) p_d(y|x)``.
"""

import numbers

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils import deprecated
from sklearn.utils.multiclass import check_classification_targets

from sklweights.utils._sklearn_compat import (
    Interval,
    StrOptions,
    _check_sample_weight,
    check_is_fitted,
)

from ._tokenize import _Tokenizer
from ._weighting import _DomainWeighter

__all__ = []

SINGLE_DOMAIN = "all"

TEXT_PARAMETER_CONSTRAINTS = {
    "tokenizer": [StrOptions({"regex", "whitespace"}), callable],
    "normalize_arabic": ["boolean"],
    "lowercase": ["boolean"],
    "domain_weighting": [StrOptions({"dbd", "classifier", "uniform"})],
    "domain_C": [Interval(numbers.Real, 0, None, closed="neither")],
    "class_weight": [StrOptions({"balanced"}), dict, None],
    "min_domain_samples": [Interval(numbers.Integral, 2, None, closed="left")],
    "text_column": [str],
    "domain_column": [str],
}


def _check_documents(X, text_column):
    """Return the documents as a list of str, with clear errors."""
    if isinstance(X, str | bytes):
        raise TypeError(
            "X must be a sequence of documents (a list of str, a 1-d array, a "
            "pandas Series or a DataFrame with a text column); got a single "
            f"{type(X).__name__}. Wrap it in a list: [text]."
        )
    if hasattr(X, "columns") and hasattr(X, "iloc"):  # a DataFrame
        if text_column in X.columns:
            X = X[text_column]
        elif X.shape[1] == 1:
            X = X.iloc[:, 0]
        else:
            raise ValueError(
                f"X is a DataFrame without the text column {text_column!r} "
                f"(columns: {list(X.columns)!r}); set text_column."
            )
    if hasattr(X, "to_numpy") and not isinstance(X, np.ndarray):  # Series
        X = X.to_numpy(dtype=object)
    if isinstance(X, np.ndarray):
        if X.dtype.kind in "biufc":
            raise TypeError(
                "X must contain text documents (str); got a numeric array of "
                f"dtype {X.dtype} and shape {X.shape}. These estimators tokenise "
                "raw text."
            )
        if X.ndim == 2 and X.shape[1] == 1:
            X = X[:, 0]
        if X.ndim != 1:
            raise ValueError(
                "X must be a 1-d sequence of documents (or one text column); got "
                f"an array of shape {X.shape}."
            )
        docs = X.tolist()
    else:
        try:
            docs = list(X)
        except TypeError:
            raise TypeError(
                f"X must be a sequence of documents (str); got {type(X).__name__}."
            ) from None
    for i, d in enumerate(docs):
        if not isinstance(d, str):
            raise TypeError(
                f"X must contain only str documents; document {i} is "
                f"{type(d).__name__} ({d!r:.50})."
            )
    if not docs:
        raise ValueError("X contains no documents (0 samples).")
    return docs


class _DomainWeightedBase(ClassifierMixin, BaseEstimator):
    """Shared fit/predict logic; subclasses implement the per-domain members."""

    # ------------------------------------------------------------------ input
    def _tokenizer(self):
        return _Tokenizer(self.tokenizer, self.normalize_arabic, self.lowercase)

    def _fit_inputs(self, X, y, domains, sample_weight):
        docs = _check_documents(X, self.text_column)
        n = len(docs)
        if (
            domains is None
            and hasattr(X, "columns")
            and self.domain_column in getattr(X, "columns", ())
        ):
            domains = X[self.domain_column]
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y "
                "is None."
            )
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] == 1:
            y = y[:, 0]
        if y.ndim != 1:
            raise ValueError(f"y must be 1-d; got an array of shape {y.shape}.")
        if len(y) != n:
            raise ValueError(
                f"X and y have different lengths: {n} documents, {len(y)} labels."
            )
        check_classification_targets(y)
        self.classes_, y_enc = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError(
                "y must contain at least two classes; got only "
                f"{self.classes_.tolist()!r}."
            )
        if domains is None:
            dom = np.full(n, SINGLE_DOMAIN, dtype=object)
        else:
            dom = np.asarray(domains, dtype=object)
            if dom.ndim != 1 or len(dom) != n:
                raise ValueError(
                    f"domains must be 1-d with one entry per document ({n}); got "
                    f"shape {dom.shape}."
                )
            if any(d is None or (isinstance(d, float) and np.isnan(d)) for d in dom):
                raise ValueError("domains contains missing values (None or NaN).")
        try:
            self.domains_, dom_enc = np.unique(dom, return_inverse=True)
        except TypeError:
            dom = dom.astype(str)
            self.domains_, dom_enc = np.unique(dom, return_inverse=True)
        sw = _check_sample_weight(
            sample_weight, np.empty((n, 0)), dtype=np.float64, ensure_non_negative=True
        )
        self._check_domains(y_enc, dom_enc, sw)
        return docs, y_enc, dom_enc, sw

    def _check_domains(self, y_enc, dom_enc, sw):
        for d, name in enumerate(self.domains_):
            rows = dom_enc == d
            n_d = int(rows.sum())
            if not np.any(sw[rows] > 0):
                raise ValueError(
                    f"every sample_weight of domain {name!r} is zero; its "
                    "classifier would have nothing to learn from. Drop the "
                    "domain or give its documents positive weights."
                )
            if n_d < self.min_domain_samples:
                raise ValueError(
                    f"domain {name!r} has {n_d} training document(s); each domain "
                    f"needs at least min_domain_samples={self.min_domain_samples}. "
                    "Merge it with another domain, drop it, or lower "
                    "min_domain_samples."
                )
            present = np.unique(y_enc[rows])
            if len(present) < 2:
                raise ValueError(
                    f"domain {name!r} has documents of a single class "
                    f"({self.classes_[present[0]]!r}); each domain's classifier "
                    "needs at least two classes. Merge the domain with another "
                    "one or drop it."
                )

    def _domain_class_weights(self, y_enc, rows):
        """Per-sample class weights for one domain's training rows."""
        n_classes = len(self.classes_)
        cw = np.ones(n_classes)
        if self.class_weight == "balanced":
            counts = np.bincount(y_enc[rows], minlength=n_classes).astype(float)
            present = counts > 0
            cw[present] = counts[present].sum() / (present.sum() * counts[present])
        elif isinstance(self.class_weight, dict):
            unknown = [k for k in self.class_weight if k not in set(self.classes_)]
            if unknown:
                raise ValueError(
                    f"class_weight has keys {unknown!r} that are not classes of y "
                    f"({self.classes_.tolist()!r})."
                )
            for k, v in self.class_weight.items():
                cw[np.searchsorted(self.classes_, k)] = float(v)
        return cw[y_enc[rows]]

    def _fit_weighting(self, tokens, dom_enc):
        self.weighter_ = _DomainWeighter(
            self.domain_weighting, len(self.domains_), C=self.domain_C
        ).fit(tokens, dom_enc)

    # ------------------------------------------------------------------ predict
    def _predict_tokens(self, X):
        check_is_fitted(self)
        docs = _check_documents(X, self.text_column)
        return self._tokenizer().many(docs)

    @deprecated(
        "domain_weights was renamed predict_weights, the weight accessor of "
        "every sklweights estimator; the old name goes in the next release."
    )
    def domain_weights(self, X):
        """Deprecated alias of :meth:`predict_weights`.

        Parameters
        ----------
        X : sequence of str or DataFrame
            Documents (of a DataFrame, its ``text_column``).

        Returns
        -------
        weights : ndarray of shape (n_samples, n_domains)
            Each document's weight on each domain, columns in the order of ``domains_``.
        """
        return self.predict_weights(X)

    def predict_weights(self, X):
        """The domain weights of each document (rows on the simplex).

        With ``domain_weighting="dbd"`` these are the Domain Belonging Degrees;
        with ``"classifier"`` the domain classifier's posterior; with
        ``"uniform"`` ``1 / n_domains``.

        Parameters
        ----------
        X : sequence of str or DataFrame
            Documents (of a DataFrame, its ``text_column``).

        Returns
        -------
        weights : ndarray of shape (n_samples, n_domains)
            Columns in the order of ``domains_``.
        """
        tokens = self._predict_tokens(X)  # NotFittedError before fit
        return self.weighter_.transform(tokens)

    def predict_domain(self, X):
        """The domain with the largest weight for each document.

        Parameters
        ----------
        X : sequence of str or DataFrame
            Documents (of a DataFrame, its ``text_column``).

        Returns
        -------
        domains : ndarray of shape (n_samples,)
            Most weighted domain of each document.
        """
        weights = self.predict_weights(X)
        return self.domains_[np.argmax(weights, axis=1)]

    def predict_proba(self, X):
        """Class probabilities ``sum_d w_d(x) p_d(y | x)``.

        Parameters
        ----------
        X : sequence of str or DataFrame
            Documents (of a DataFrame, its ``text_column``).

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Columns in the order of ``classes_``; rows sum to one.
        """
        tokens = self._predict_tokens(X)
        w = self.weighter_.transform(tokens)
        members = self._member_proba(tokens, w)
        proba = np.zeros((len(tokens), len(self.classes_)))
        for d, p in enumerate(members):
            proba += w[:, [d]] * p
        return proba / proba.sum(axis=1, keepdims=True)

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`."""
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def predict(self, X):
        """The class with the largest weighted probability.

        Parameters
        ----------
        X : sequence of str or DataFrame
            Documents (of a DataFrame, its ``text_column``).

        Returns
        -------
        y : ndarray of shape (n_samples,)
            Predicted class labels.
        """
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        tags.classifier_tags.multi_class = True
        return tags
