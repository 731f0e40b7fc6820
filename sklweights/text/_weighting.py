"""Domain weights of a document: the Domain Belonging Degree (DBD) and rivals.

Shared by both domain-weighted classifiers. Works on pre-tokenised documents
(lists of tokens).
"""

import numpy as np
import scipy.sparse as sp

from ._tokenize import _identity, _NGrams

__all__ = []


def _dbd_term_table(counts, domain_codes, n_domains):
    """The per-term DBD table, shape (n_domains, n_terms).

    ``counts`` is the (n_docs, n_terms) term-count matrix of the training
    documents and ``domain_codes`` their domain indices. With ``Z[d, w]`` the
    number of occurrences of term ``w`` in domain ``d``:

    * ``FREQ[d, w] = Z[d, w] / sum_w' Z[d, w']`` (term frequency in the domain),
    * ``UNIQ[d, w] = Z[d, w] / sum_d' Z[d', w]`` (share of the term's
      occurrences falling in the domain: an IDF-like uniqueness),
    * ``DBD[d, w] = FREQ[d, w] * UNIQ[d, w]``.
    """
    counts = sp.csr_matrix(counts, dtype=np.float64)
    onehot = sp.csr_matrix(
        (np.ones(len(domain_codes)), (domain_codes, np.arange(len(domain_codes)))),
        shape=(n_domains, len(domain_codes)),
    )
    z = np.asarray((onehot @ counts).todense())  # (D, V)
    n_d = z.sum(axis=1, keepdims=True)
    n_w = z.sum(axis=0, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        freq = np.where(n_d > 0, z / np.where(n_d > 0, n_d, 1), 0.0)
        uniq = np.where(n_w > 0, z / np.where(n_w > 0, n_w, 1), 0.0)
    return freq * uniq


def _dbd_documents(counts, table):
    """Document DBD rows on the simplex; uniform where no term is known."""
    counts = sp.csr_matrix(counts, dtype=np.float64)
    n_domains = table.shape[0]
    scores = np.asarray(counts @ table.T)  # (n, D)
    totals = scores.sum(axis=1, keepdims=True)
    out = np.full_like(scores, 1.0 / n_domains)
    known = totals[:, 0] > 0
    out[known] = scores[known] / totals[known]
    return out


class _DomainWeighter:
    """Fitted domain weighting: ``"dbd"``, ``"classifier"`` or ``"uniform"``.

    Parameters
    ----------
    method : str
        ``"dbd"``, ``"classifier"`` or ``"uniform"``.
    n_domains : int
        Number of domains.
    C : float
        Inverse regularisation of the domain classifier (``"classifier"``):
        the estimator's ``domain_C``.
    """

    def __init__(self, method, n_domains, *, C=10.0):
        self.method = method
        self.n_domains = n_domains
        self.C = C

    def fit(self, token_docs, domain_codes):
        from sklearn.feature_extraction.text import CountVectorizer

        domain_codes = np.asarray(domain_codes)
        # The DBD table is always fitted: it is cheap and ``dbd_table_`` is
        # useful for inspection whatever the weighting.
        self.vectorizer_ = CountVectorizer(analyzer=_identity, lowercase=False)
        counts = self.vectorizer_.fit_transform(token_docs)
        self.table_ = _dbd_term_table(counts, domain_codes, self.n_domains)
        if self.method == "classifier" and self.n_domains > 1:
            from sklearn.feature_extraction.text import TfidfVectorizer
            from sklearn.linear_model import LogisticRegression
            from sklearn.pipeline import make_pipeline

            self.classifier_ = make_pipeline(
                TfidfVectorizer(
                    analyzer=_NGrams((1, 2)),
                    lowercase=False,
                    sublinear_tf=True,
                    min_df=2 if len(token_docs) >= 200 else 1,
                ),
                LogisticRegression(C=self.C, max_iter=1000),
            )
            self.classifier_.fit(token_docs, domain_codes)
        return self

    def transform(self, token_docs):
        n = len(token_docs)
        if self.n_domains == 1 or self.method == "uniform":
            return np.full((n, self.n_domains), 1.0 / self.n_domains)
        if self.method == "classifier":
            proba = self.classifier_.predict_proba(token_docs)
            out = np.zeros((n, self.n_domains))
            out[:, self.classifier_.classes_] = proba
            return out
        return _dbd_documents(self.vectorizer_.transform(token_docs), self.table_)

    def dbd(self, token_docs):
        """DBD rows whatever the weighting method."""
        if self.n_domains == 1:
            return np.ones((len(token_docs), 1))
        return _dbd_documents(self.vectorizer_.transform(token_docs), self.table_)
