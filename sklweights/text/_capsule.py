"""Domain-weighted capsule networks for multi-domain sentiment (WCapsuleE)."""

import copy
import numbers
from collections import Counter

import numpy as np

from sklweights.utils._optional import import_torch
from sklweights.utils._sklearn_compat import Interval, StrOptions, _fit_context
from sklweights.utils._torch import (
    TORCH_PARAMETER_CONSTRAINTS,
    TorchTrainingMixin,
    fill_torch_docstring,
    torch_seed,
)

from ._base import TEXT_PARAMETER_CONSTRAINTS, _DomainWeightedBase
from ._embeddings import check_embeddings, corpus_vectors, embedding_init

__all__ = ["DomainWeightedCapsuleClassifier"]

_PAD, _UNK = 0, 1
_POOLED = "(pooled pre-training)"


def _build_vocabulary(token_docs, min_freq, max_vocab):
    counts = Counter(t for doc in token_docs for t in doc)
    words = [w for w, c in counts.items() if c >= min_freq]
    words.sort(key=lambda w: (-counts[w], w))
    if max_vocab is not None:
        words = words[:max_vocab]
    return {w: i + 2 for i, w in enumerate(words)}


def _encode(token_docs, vocab, max_len):
    ids = np.zeros((len(token_docs), max_len), dtype=np.int64)
    for r, doc in enumerate(token_docs):
        row = [vocab.get(t, _UNK) for t in doc[:max_len]]
        ids[r, : len(row)] = row
    return ids


def _trim(ids):
    """Drop the all-padding columns at the end of a batch (same result)."""
    n_tokens = int((ids != _PAD).sum(dim=1).max()) if ids.numel() else 0
    return ids[:, : max(n_tokens, 1)]


@fill_torch_docstring
class DomainWeightedCapsuleClassifier(TorchTrainingMixin, _DomainWeightedBase):
    """One capsule network per domain, combined by Domain Belonging Degree.

    The WCapsuleE method of Kobari et al. (2023): each training domain gets
    its own capsule network, trained on that domain's documents only; a new
    document is classified by ``p(y|x) = sum_d w_d(x) p_d(y|x)`` where
    ``w(x)`` is its Domain Belonging Degree (DBD) over the domains, and its
    domain is ``argmax_d w_d(x)``. Prediction needs no domain labels.

    Each network (Sabour et al. 2017; Zhao et al. 2018 for text): token
    embedding -> n-gram convolution (ReLU) -> primary capsules (a 1x1
    convolution to ``n_capsule_channels`` capsules of size ``capsule_dim`` at
    every position, squashed) -> prediction vectors with one transformation
    matrix per (capsule channel, class), shared over positions, so any
    document length works -> dynamic routing by agreement with padding
    masked -> one class capsule per class. Its class probabilities are the
    class-capsule lengths renormalised to sum to one.

    Parameters
    ----------
    tokenizer : {"regex", "whitespace"} or callable, default="regex"
        See :func:`~sklweights.text.tokenize`.
    normalize_arabic : bool, default=True
        Persian/Arabic normalisation (:func:`~sklweights.text.normalize_arabic_script`).
    lowercase : bool, default=True
        Lowercase the text before tokenising.
    max_len : int, default=60
        Documents are truncated to their first ``max_len`` tokens.
    min_freq : int, default=2
        A word enters a domain network's vocabulary when it occurs at least
        this often in that domain; other words map to one unknown-word id.
    max_vocab : int or None, default=None
        Keep at most this many words per domain (the most frequent).
    embed_dim : int, default=64
        Word embedding size.
    embeddings : {"scaled", "unit", "corpus"}, dict or tuple, default="scaled"
        The word vectors each network starts from (all are then trained):

        - ``"scaled"``: drawn from N(0, 1/embed_dim), unit expected norm;
        - ``"unit"``: drawn from N(0, 1), torch's default and this
          estimator's earlier one (norms of ``sqrt(embed_dim)``; about 0.02
          lower accuracy on VADER, see the user guide);
        - ``"corpus"``: learnt from the training documents themselves
          before training (positive PMI of the co-occurrences within two
          tokens, truncated SVD; Levy, Goldberg and Dagan 2015), no download;
        - a dict ``word -> vector`` or a pair ``(vectors, words)`` of your own
          pretrained vectors (for gensim: ``(kv.vectors, kv.index_to_key)``),
          of length ``embed_dim``, looked up after the tokenizer (lowercased
          when ``lowercase``).

        Given or learnt vectors are rescaled by one constant to a
        root-mean-square norm of 1; words without one are drawn as
        ``"scaled"``; ``embedding_coverage_`` tells how many had one.
    n_filters : int, default=64
        Filters of the n-gram convolution.
    kernel_size : int, default=3
        Width (n) of the n-gram convolution.
    n_capsule_channels : int, default=8
        Primary capsule channels.
    capsule_dim : int, default=8
        Pose size of the primary capsules.
    class_capsule_dim : int, default=16
        Pose size of the class capsules.
    routing_iterations : int, default=3
        Dynamic routing iterations (1 = uniform coupling, no routing).
    normalize_routing : bool, default=True
        Divide each class capsule's routed input ``s_j = sum_i c_ij u_hat_j|i``
        by the number of token positions, so that capsule lengths do not grow
        with the document's length (our change: on VADER's Amazon sentences it
        lowered the validation margin loss from 0.20 to 0.16). ``False`` is
        the plain sum of Sabour et al. (2017).
    dropout : float, default=0.2
        Dropout on the word embeddings during training.
    loss : {"margin", "cross_entropy"}, default="margin"
        Margin loss (m+ = 0.9, m- = 0.1, lambda = 0.5) on the capsule lengths,
        or the cross-entropy of the renormalised lengths.
    class_weight : "balanced", dict or None, default=None
        Cost-sensitive loss of every domain network: ``"balanced"`` weights
        each class by ``n_d / (n_classes_d * n_{d,k})`` within the domain.
    domain_weighting : {"dbd", "classifier", "uniform"}, default="dbd"
        How the domain networks are combined: the paper's Domain Belonging
        Degree (our reconstruction, see the user guide), the posterior of a
        TF-IDF logistic domain classifier, or a plain average.
    domain_C : float, default=10.0
        Inverse L2 regularisation of the TF-IDF logistic domain classifier
        (used with ``domain_weighting="classifier"`` only).
    pretrain_pooled : bool, default=True
        First train one network on the documents of every domain, then start
        each domain network from its weights (one shared vocabulary) and
        fine-tune it on its own domain, with early stopping per domain. Each
        member is still a per-domain capsule network, but it no longer learns
        its embeddings from its domain alone, which on small domains is far
        better (see the user guide). ``False`` trains each domain network
        from scratch on its domain only, as the paper describes (with a
        per-domain vocabulary).
    min_domain_samples : int, default=10
        A training domain with fewer documents is an error.
    %(batch_size)s
    %(max_epochs)s
        Per network (the pooled pre-training and each domain network).
    %(learning_rate)s
        Adam's step size.
    %(weight_decay)s
    %(early_stopping)s
        Each network holds out ``validation_fraction`` of its own documents
        (stratified by class) and stops on its own.
    %(validation_fraction)s
    %(n_iter_no_change)s
    %(tol)s
    text_column, domain_column : str, default="text", "domain"
        Column names used when X is a DataFrame.
    %(device)s
    %(random_state)s
    %(verbose)s
        One bar per network.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    domains_ : ndarray of shape (n_domains,)
        ``["all"]`` when ``fit`` got no domains (a single pooled network).
    modules_ : list of torch.nn.Module
        One capsule network per domain, on the CPU.
    vocabularies_ : list of dict
        Word -> id of each domain network.
    embedding_coverage_ : ndarray of shape (n_domains,)
        The fraction of each domain network's vocabulary whose embedding
        started from ``embeddings`` (0 for drawn embeddings).
    weighter_ : object
        The fitted domain weighting.
    history_ : list of dict
        Every epoch of every network, in training order (the pooled
        pre-training first, then each domain): ``network`` (its name),
        ``epoch``, ``train_loss``, ``valid_loss`` (with early stopping),
        ``time``.
    member_histories_ : dict of str -> list of dict
        The same records per network, keyed by domain name (and
        ``"(pooled pre-training)"``).
    n_epochs_ : int
        The most epochs any network ran (at most ``max_epochs``).
    best_epoch_ : int
        The latest best epoch of any network: the smallest ``max_epochs``
        that none of them would have needed more of.
    member_n_epochs_ : ndarray of shape (n_domains,)
        Epochs run per domain network.
    member_best_epoch_ : ndarray of shape (n_domains,)
        The epoch whose weights each domain network kept.
    device_ : str
        The device used for fitting.

    See Also
    --------
    LinearDomainWeightedClassifier : the same ensemble with logistic
        regressions (no torch, much faster, a strong reference).

    Notes
    -----
    ``fit`` without ``domains`` (and without a domain column in a DataFrame)
    trains one network on all documents. The paper's DBD equation could not
    be read; the one implemented is a reconstruction (see the user guide).

    References
    ----------
    .. [1] Kobari, Karimi, Pourhosseini, Mousa. "Weighted CapsuleNet networks
       for Persian multi-domain sentiment analysis". arXiv:2306.17068 (2023).
    .. [2] Sabour, Frosst, Hinton. "Dynamic Routing Between Capsules".
       NeurIPS 2017.
    .. [3] Zhao, Ye, Yang, Lei, Zhang, Zhao. "Investigating Capsule Networks
       with Dynamic Routing for Text Classification". EMNLP 2018.

    Examples
    --------
    >>> from sklweights.datasets import make_multidomain_sentiment
    >>> from sklweights.text import DomainWeightedCapsuleClassifier
    >>> X, y, domains = make_multidomain_sentiment(
    ...     n_domains=2, n_samples_per_domain=60, random_state=0)
    >>> clf = DomainWeightedCapsuleClassifier(max_epochs=2, random_state=0,
    ...     early_stopping=False, device="cpu").fit(X, y, domains=domains)
    >>> clf.predict_proba(X[:3]).shape
    (3, 2)
    """

    _requires_torch = True

    @classmethod
    def _torch_hint_example_data(cls, rng):
        """Small valid ``fit`` arguments (used to test the missing-torch hint)."""
        X = ["good film", "bad film", "great phone", "awful phone"] * 3
        y = [1, 0, 1, 0] * 3
        return (X, y), {}

    _parameter_constraints = {
        **TEXT_PARAMETER_CONSTRAINTS,
        **TORCH_PARAMETER_CONSTRAINTS,
        "max_len": [Interval(numbers.Integral, 1, None, closed="left")],
        "min_freq": [Interval(numbers.Integral, 1, None, closed="left")],
        "max_vocab": [Interval(numbers.Integral, 1, None, closed="left"), None],
        "embed_dim": [Interval(numbers.Integral, 1, None, closed="left")],
        "embeddings": [StrOptions({"scaled", "unit", "corpus"}), dict, tuple],
        "n_filters": [Interval(numbers.Integral, 1, None, closed="left")],
        "kernel_size": [Interval(numbers.Integral, 1, None, closed="left")],
        "n_capsule_channels": [Interval(numbers.Integral, 1, None, closed="left")],
        "capsule_dim": [Interval(numbers.Integral, 1, None, closed="left")],
        "class_capsule_dim": [Interval(numbers.Integral, 1, None, closed="left")],
        "routing_iterations": [Interval(numbers.Integral, 1, None, closed="left")],
        "normalize_routing": ["boolean"],
        "dropout": [Interval(numbers.Real, 0, 1, closed="left")],
        "loss": [StrOptions({"margin", "cross_entropy"})],
        "pretrain_pooled": ["boolean"],
        "weight_decay": [Interval(numbers.Real, 0, None, closed="left")],
    }

    def __init__(
        self,
        *,
        tokenizer="regex",
        normalize_arabic=True,
        lowercase=True,
        max_len=60,
        min_freq=2,
        max_vocab=None,
        embed_dim=64,
        embeddings="scaled",
        n_filters=64,
        kernel_size=3,
        n_capsule_channels=8,
        capsule_dim=8,
        class_capsule_dim=16,
        routing_iterations=3,
        normalize_routing=True,
        dropout=0.2,
        loss="margin",
        class_weight=None,
        domain_weighting="dbd",
        domain_C=10.0,
        pretrain_pooled=True,
        min_domain_samples=10,
        batch_size=64,
        max_epochs=8,
        learning_rate=0.003,
        weight_decay=0.0,
        early_stopping=True,
        validation_fraction=0.1,
        n_iter_no_change=2,
        tol=1e-4,
        text_column="text",
        domain_column="domain",
        device="auto",
        random_state=None,
        verbose=0,
    ):
        self.tokenizer = tokenizer
        self.normalize_arabic = normalize_arabic
        self.lowercase = lowercase
        self.max_len = max_len
        self.min_freq = min_freq
        self.max_vocab = max_vocab
        self.embed_dim = embed_dim
        self.embeddings = embeddings
        self.n_filters = n_filters
        self.kernel_size = kernel_size
        self.n_capsule_channels = n_capsule_channels
        self.capsule_dim = capsule_dim
        self.class_capsule_dim = class_capsule_dim
        self.routing_iterations = routing_iterations
        self.normalize_routing = normalize_routing
        self.dropout = dropout
        self.loss = loss
        self.class_weight = class_weight
        self.domain_weighting = domain_weighting
        self.domain_C = domain_C
        self.pretrain_pooled = pretrain_pooled
        self.min_domain_samples = min_domain_samples
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.text_column = text_column
        self.domain_column = domain_column
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    def _make_net(self, vocab, source=None):
        from ._capsule_net import CapsuleTextNet

        vocab_size = len(vocab) + 2
        init = None
        if source is not None:
            init = embedding_init(source, vocab, vocab_size, self.embed_dim)
        return CapsuleTextNet(
            vocab_size,
            len(self.classes_),
            embed_dim=self.embed_dim,
            n_filters=self.n_filters,
            kernel_size=self.kernel_size,
            n_channels=self.n_capsule_channels,
            capsule_dim=self.capsule_dim,
            class_dim=self.class_capsule_dim,
            routing_iterations=self.routing_iterations,
            dropout=self.dropout,
            normalize_routing=self.normalize_routing,
            embed_init=init,
            embed_std=1.0 if self.embeddings == "unit" else None,
        )

    def _loss_fns(self):
        """The training loss (weighted mean) and its (total, weight) twin."""
        torch = import_torch()
        from ._capsule_net import margin_loss

        kind = self.loss

        def weighted_losses(module, ids, target, weight):
            lengths = module(_trim(ids))
            if kind == "margin":
                per = margin_loss(lengths, target)
            else:
                proba = lengths / lengths.sum(dim=1, keepdim=True)
                per = torch.nn.functional.nll_loss(
                    torch.log(proba + 1e-12), target, reduction="none"
                )
            return (per * weight).sum(), weight.sum()

        def loss_fn(module, *batch):
            total, weight = weighted_losses(module, *batch)
            return total / weight

        return loss_fn, weighted_losses

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, domains=None, sample_weight=None):
        """Train one capsule network per domain and the domain weighting.

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
            Multiplies the class weights in the loss.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        import_torch("DomainWeightedCapsuleClassifier")
        source = check_embeddings(self.embeddings, self.embed_dim)
        device = self._fit_device()
        docs, y_enc, dom_enc, sw = self._fit_inputs(X, y, domains, sample_weight)
        tokens = self._tokenizer().many(docs)
        if source == "corpus":
            # one table from every training document (a per-domain network
            # looks its own words up in it)
            source = corpus_vectors(
                tokens,
                _build_vocabulary(tokens, self.min_freq, None),
                self.embed_dim,
                random_state=self._torch_seed_,
            )
        coverage = []
        loss_fn, val_loss_fn = self._loss_fns()
        self.modules_, self.vocabularies_ = [], []
        histories, n_epochs, best = {}, [], []
        n_domains = len(self.domains_)
        all_weights = np.empty(len(docs), dtype=np.float32)
        for d in range(n_domains):
            rows = np.flatnonzero(dom_enc == d)
            all_weights[rows] = sw[rows] * self._domain_class_weights(y_enc, rows)

        def train(make_net, arrays, seed, name):
            # the network is built under the seed: initialisation is seeded too
            with torch_seed(seed, device) as gen:
                net = self._train(
                    make_net(),
                    loss_fn,
                    arrays,
                    generator=gen,
                    device=device,
                    val_loss_fn=val_loss_fn,
                    stratify=arrays[1],
                )
            histories[name] = [{"network": name, **r} for r in self.history_]
            return net

        pooled = None
        if self.pretrain_pooled and n_domains > 1:
            # one network on every document first; each domain network then
            # starts from it (same vocabulary) and is fine-tuned on its domain
            vocab = _build_vocabulary(tokens, self.min_freq, self.max_vocab)
            ids = _encode(tokens, vocab, self.max_len)
            pooled = train(
                lambda: self._make_net(vocab, source),
                (ids, y_enc.astype(np.int64), all_weights),
                self._torch_seed_ + n_domains,
                _POOLED,
            )
        for d, name in enumerate(self.domains_):
            rows = np.flatnonzero(dom_enc == d)
            dom_tokens = [tokens[i] for i in rows]
            if pooled is None:
                vocab = _build_vocabulary(dom_tokens, self.min_freq, self.max_vocab)
            dom_ids = _encode(dom_tokens, vocab, self.max_len)
            target = y_enc[rows].astype(np.int64)
            net = train(
                (lambda vocab=vocab: self._make_net(vocab, source))
                if pooled is None
                else (lambda: copy.deepcopy(pooled)),
                (dom_ids, target, all_weights[rows]),
                self._torch_seed_ + d,
                name,
            )
            self.modules_.append(net)
            self.vocabularies_.append(vocab)
            coverage.append(
                np.mean([w in source[0] for w in vocab]) if source and vocab else 0.0
            )
            n_epochs.append(self.n_epochs_)
            best.append(self.best_epoch_)
        self.member_histories_ = histories
        self.embedding_coverage_ = np.asarray(coverage, dtype=float)
        self.history_ = [r for h in histories.values() for r in h]
        self.member_n_epochs_ = np.asarray(n_epochs)
        self.member_best_epoch_ = np.asarray(best)
        self.n_epochs_ = int(self.member_n_epochs_.max())
        self.best_epoch_ = int(self.member_best_epoch_.max())
        self._fit_weighting(tokens, dom_enc)
        return self

    def _member_proba(self, tokens, weights):
        out = []
        for net, vocab in zip(self.modules_, self.vocabularies_):
            ids = _encode(tokens, vocab, self.max_len)
            lengths = self._predict_batches(
                net,
                lambda b, net=net: net(_trim(b)),
                [ids],
                batch_size=max(self.batch_size or 256, 256),
            )
            lengths = lengths.astype(np.float64) + 1e-9
            out.append(lengths / lengths.sum(axis=1, keepdims=True))
        return out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = self.device not in ("cpu", "auto")
        return tags
