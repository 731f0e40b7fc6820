"""Per-domain logistic regressions on TF-IDF, combined by domain weights."""

import numbers

import numpy as np

from sklweights.utils._parallel import parallel_map
from sklweights.utils._sklearn_compat import Interval, _fit_context

from ._base import TEXT_PARAMETER_CONSTRAINTS, _DomainWeightedBase
from ._tokenize import _NGrams

__all__ = ["LinearDomainWeightedClassifier"]


class LinearDomainWeightedClassifier(_DomainWeightedBase):
    """Domain-weighted ensemble of per-domain TF-IDF logistic regressions.

    The combination rule of Kobari et al. (2023) with linear members: one
    logistic regression per training domain, each fitted on that domain's
    documents only, and a document's class probabilities are
    ``p(y|x) = sum_d w_d(x) p_d(y|x)`` where ``w(x)`` is its Domain Belonging
    Degree (``domain_weighting="dbd"``), the posterior of a TF-IDF domain
    classifier (``"classifier"``) or uniform. Prediction needs no domain
    labels. It is the cheap reference for
    :class:`~sklweights.DomainWeightedCapsuleClassifier` and needs no torch.

    All members share one TF-IDF vocabulary fitted on every training
    document (word n-grams of the package's tokeniser).

    Parameters
    ----------
    tokenizer : {"regex", "whitespace"} or callable, default="regex"
        ``"regex"`` is :func:`~sklweights.text.tokenize` (words of any script,
        emoticons, ``!``/``?``); a callable maps a normalised str to a list of
        str (it must be picklable to pickle the model).
    normalize_arabic : bool, default=True
        Apply :func:`~sklweights.text.normalize_arabic_script` (Arabic yeh and
        kaf to Persian forms, diacritics and tatweel removed, ZWNJ tidied).
    lowercase : bool, default=True
        Lowercase the text before tokenising.
    ngram_range : tuple (min_n, max_n), default=(1, 2)
        Word n-grams of the TF-IDF features.
    min_df : int, default=2
        Ignore n-grams seen in fewer training documents.
    sublinear_tf : bool, default=True
        ``1 + log(tf)`` term frequencies.
    C : float, default=10.0
        Inverse L2 regularisation of each domain's logistic regression.
    class_weight : "balanced", dict or None, default=None
        Cost-sensitive training of every member. ``"balanced"`` weights the
        classes of each domain by ``n_d / (n_classes_d * n_{d,k})`` within that
        domain; a dict ``{class: weight}`` applies to all domains.
    domain_weighting : {"dbd", "classifier", "uniform"}, default="dbd"
        ``"dbd"``: the paper's Domain Belonging Degree (our reconstruction,
        see the user guide); ``"classifier"``: the posterior of a TF-IDF
        logistic domain classifier (far better at domain detection on VADER);
        ``"uniform"``: a plain average of the members.
    domain_C : float, default=10.0
        Inverse L2 regularisation of the TF-IDF logistic domain classifier
        (used with ``domain_weighting="classifier"`` only).
    min_domain_samples : int, default=10
        A training domain with fewer documents is an error.
    max_iter : int, default=1000
        Iterations of each logistic regression (lbfgs).
    text_column, domain_column : str, default="text", "domain"
        Column names used when X is a DataFrame; the domain column is used in
        ``fit`` when ``domains`` is not given.
    n_jobs : int, default=None
        Members fitted in parallel (joblib).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    domains_ : ndarray of shape (n_domains,)
        The training domains (``["all"]`` when ``fit`` got no domains: the
        model is then a single pooled logistic regression).
    vectorizer_ : TfidfVectorizer
        The shared TF-IDF featuriser (on token lists).
    estimators_ : list of LogisticRegression
        One per domain, in the order of ``domains_``.
    weighter_ : object
        The fitted domain weighting (``weighter_.table_`` holds the per-term
        DBD table, shape (n_domains, n_terms)).

    See Also
    --------
    DomainWeightedCapsuleClassifier : the same ensemble with capsule networks.
    sklearn.linear_model.LogisticRegression : the pooled baseline.

    Notes
    -----
    ``fit`` without ``domains`` (and without a domain column) treats all
    documents as one domain, which gives a pooled TF-IDF logistic regression.
    ``domains`` is a fit parameter: pass it through a Pipeline as
    ``step__domains=...``, or request it with ``set_fit_request(domains=True)``
    when metadata routing is enabled.

    References
    ----------
    .. [1] Kobari, Karimi, Pourhosseini, Mousa. "Weighted CapsuleNet networks
       for Persian multi-domain sentiment analysis". arXiv:2306.17068 (2023).

    Examples
    --------
    >>> from sklweights.datasets import make_multidomain_sentiment
    >>> from sklweights.text import LinearDomainWeightedClassifier
    >>> X, y, domains = make_multidomain_sentiment(
    ...     n_domains=2, n_samples_per_domain=100, random_state=0)
    >>> clf = LinearDomainWeightedClassifier().fit(X, y, domains=domains)
    >>> clf.predict_weights(X[:2]).sum(axis=1)
    array([1., 1.])
    """

    _parameter_constraints = {
        **TEXT_PARAMETER_CONSTRAINTS,
        "ngram_range": [tuple],
        "min_df": [Interval(numbers.Integral, 1, None, closed="left")],
        "sublinear_tf": ["boolean"],
        "C": [Interval(numbers.Real, 0, None, closed="neither")],
        "max_iter": [Interval(numbers.Integral, 1, None, closed="left")],
        "n_jobs": [numbers.Integral, None],
    }

    def __init__(
        self,
        *,
        tokenizer="regex",
        normalize_arabic=True,
        lowercase=True,
        ngram_range=(1, 2),
        min_df=2,
        sublinear_tf=True,
        C=10.0,
        class_weight=None,
        domain_weighting="dbd",
        domain_C=10.0,
        min_domain_samples=10,
        max_iter=1000,
        text_column="text",
        domain_column="domain",
        n_jobs=None,
    ):
        self.tokenizer = tokenizer
        self.normalize_arabic = normalize_arabic
        self.lowercase = lowercase
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.sublinear_tf = sublinear_tf
        self.C = C
        self.class_weight = class_weight
        self.domain_weighting = domain_weighting
        self.domain_C = domain_C
        self.min_domain_samples = min_domain_samples
        self.max_iter = max_iter
        self.text_column = text_column
        self.domain_column = domain_column
        self.n_jobs = n_jobs

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, domains=None, sample_weight=None):
        """Fit one logistic regression per domain and the domain weighting.

        Parameters
        ----------
        X : sequence of str, or DataFrame with ``text_column``
            Training documents.
        y : array-like of shape (n_samples,)
            Class labels.
        domains : array-like of shape (n_samples,), default=None
            The domain of each document. When None, the DataFrame's
            ``domain_column`` if there is one, else a single domain.
        sample_weight : array-like of shape (n_samples,), default=None
            Multiplies the class weights.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        from sklearn.feature_extraction.text import TfidfVectorizer

        rng = self.ngram_range
        if (
            len(rng) != 2
            or not all(isinstance(v, numbers.Integral) for v in rng)
            or not 1 <= rng[0] <= rng[1]
        ):
            raise ValueError(
                "ngram_range must be a tuple (min_n, max_n) of ints with "
                f"1 <= min_n <= max_n; got {rng!r}."
            )
        docs, y_enc, dom_enc, sw = self._fit_inputs(X, y, domains, sample_weight)
        tokens = self._tokenizer().many(docs)
        self.vectorizer_ = TfidfVectorizer(
            analyzer=_NGrams(self.ngram_range),
            lowercase=False,
            min_df=self.min_df,
            sublinear_tf=self.sublinear_tf,
        )
        try:
            features = self.vectorizer_.fit_transform(tokens)
        except ValueError as exc:  # empty vocabulary
            raise ValueError(
                f"no token survived tokenisation and min_df={self.min_df}: {exc}"
            ) from None
        jobs = []
        for d in range(len(self.domains_)):
            rows = np.flatnonzero(dom_enc == d)
            weights = sw[rows] * self._domain_class_weights(y_enc, rows)
            jobs.append((features[rows], y_enc[rows], weights))
        self.estimators_ = parallel_map(
            _fit_member,
            [(Xd, yd, wd, self.C, self.max_iter) for Xd, yd, wd in jobs],
            n_jobs=self.n_jobs,
        )
        self._fit_weighting(tokens, dom_enc)
        return self

    def _member_proba(self, tokens, weights):
        features = self.vectorizer_.transform(tokens)
        out = []
        for est in self.estimators_:
            p = np.zeros((len(tokens), len(self.classes_)))
            p[:, est.classes_] = est.predict_proba(features)
            out.append(p)
        return out


def _fit_member(X, y, sample_weight, C, max_iter):
    from sklearn.linear_model import LogisticRegression

    est = LogisticRegression(C=C, max_iter=max_iter)
    return est.fit(X, y, sample_weight=sample_weight)
