"""Initial word vectors of the capsule networks: drawn, user-supplied, or
learned from the training documents themselves (PPMI + truncated SVD).

No download ever happens here: ``"corpus"`` vectors come from the documents
``fit`` is given, user vectors from the caller.
"""

import numbers

import numpy as np
from scipy import sparse

__all__ = ["check_embeddings", "corpus_vectors", "embedding_init"]

_DRAWN = ("scaled", "unit")


def check_embeddings(embeddings, embed_dim):
    """Validate ``embeddings``; return None (drawn), ``"corpus"`` or the pair
    ``(index, vectors)`` with ``index`` a dict word -> row of ``vectors``.

    Raised before any tokenisation or training: a user-supplied table must be
    a dict ``word -> vector`` or a pair ``(vectors, words)`` (for gensim,
    ``(kv.vectors, kv.index_to_key)``) of finite vectors of length
    ``embed_dim``.
    """
    if isinstance(embeddings, str):
        return None if embeddings in _DRAWN else embeddings
    if isinstance(embeddings, dict):
        words = list(embeddings)
        if not words:
            raise ValueError("embeddings: the dict of word vectors is empty.")
        try:
            vectors = np.asarray([embeddings[w] for w in words], dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise ValueError(
                "embeddings: every value of the dict must be a numeric vector of "
                f"the same length ({exc})."
            ) from None
    elif isinstance(embeddings, tuple):
        if len(embeddings) != 2:
            raise ValueError(
                "embeddings: a tuple must be (vectors, words), a 2-D array of "
                f"shape (n_words, embed_dim) and its n_words words; got a tuple "
                f"of length {len(embeddings)}."
            )
        vectors, words = embeddings
        try:
            vectors = np.asarray(vectors, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise ValueError(
                f"embeddings: vectors must be a numeric 2-D array ({exc})."
            ) from None
        words = list(words)
        if vectors.ndim != 2 or vectors.shape[0] != len(words):
            raise ValueError(
                "embeddings: vectors must be a 2-D array with one row per word; "
                f"got shape {vectors.shape} for {len(words)} words."
            )
    else:  # pragma: no cover - the parameter constraints refuse other types
        raise TypeError(
            "embeddings must be 'scaled', 'unit', 'corpus', a dict word -> "
            f"vector or a pair (vectors, words); got {type(embeddings).__name__}."
        )
    if vectors.ndim != 2 or vectors.shape[0] == 0:
        raise ValueError("embeddings: no word vectors given.")
    if vectors.shape[1] != embed_dim:
        raise ValueError(
            f"embeddings: the vectors have length {vectors.shape[1]} but "
            f"embed_dim={embed_dim}; set embed_dim={vectors.shape[1]}."
        )
    if not np.isfinite(vectors).all():
        raise ValueError("embeddings: the word vectors contain NaN or infinity.")
    bad = [w for w in words if not isinstance(w, str)]
    if bad:
        raise TypeError(
            f"embeddings: words must be str; got {type(bad[0]).__name__} {bad[0]!r}."
        )
    index = {}
    for i, w in enumerate(words):
        index.setdefault(w, i)  # a repeated word keeps its first vector
    return index, vectors


def corpus_vectors(token_docs, vocab, dim, *, window=2, alpha=0.75, random_state=0):
    """Word vectors of ``vocab`` from its own documents: positive PMI of the
    co-occurrences within ``window`` tokens (weighted ``(window - k + 1) /
    window`` at distance k, context counts smoothed by ``alpha``; Levy,
    Goldberg and Dagan 2015), factorised by a truncated SVD, ``U sqrt(S)``.

    Returns ``(index, vectors)`` as :func:`check_embeddings`; a word that
    never co-occurs with another vocabulary word gets no vector.
    """
    from sklearn.utils.extmath import randomized_svd

    size = max(vocab.values()) + 1 if vocab else 0
    rows, cols, vals = [], [], []
    for doc in token_docs:
        ids = np.fromiter((vocab.get(t, -1) for t in doc), dtype=np.int64)
        ids = ids[ids >= 0]  # out-of-vocabulary words are dropped, as word2vec
        for k in range(1, min(window, len(ids) - 1) + 1):
            a, b = ids[:-k], ids[k:]
            w = np.full(2 * len(a), (window - k + 1) / window)
            rows.append(np.concatenate([a, b]))
            cols.append(np.concatenate([b, a]))
            vals.append(w)
    if not rows or len(vocab) < 2:
        return {}, np.empty((0, dim))
    shape = (size, size)
    counts = sparse.coo_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape
    ).tocsr()
    counts.sum_duplicates()
    word = np.asarray(counts.sum(axis=1)).ravel()
    ctx = np.asarray(counts.sum(axis=0)).ravel() ** alpha
    ctx /= ctx.sum()
    coo = counts.tocoo()
    pmi = np.log(coo.data / (word[coo.row] * ctx[coo.col]))
    keep = pmi > 0
    ppmi = sparse.csr_matrix((pmi[keep], (coo.row[keep], coo.col[keep])), shape)
    k = min(dim, len(vocab) - 1)
    if isinstance(random_state, numbers.Integral):
        random_state = int(random_state)
    u, s, _ = randomized_svd(ppmi, k, random_state=random_state)
    vectors = np.zeros((size, dim))
    vectors[:, :k] = u * np.sqrt(s)
    has = np.asarray(ppmi.getnnz(axis=1)).ravel() > 0
    index = {w: i for w, i in vocab.items() if has[i]}
    return index, vectors


def embedding_init(source, vocab, size, dim):
    """The ``(size, dim)`` initial embedding of a network over ``vocab``
    (word -> id, ids 0 and 1 reserved): the source's vectors, rescaled by one
    constant to a root-mean-square norm of 1 (the norm of the drawn vectors),
    and NaN rows (drawn by the network) for the words without one."""
    index, vectors = source
    out = np.full((size, dim), np.nan, dtype=np.float32)
    ids = np.array([i for w, i in vocab.items() if w in index], dtype=np.int64)
    if ids.size:
        rows = np.array([index[w] for w, i in vocab.items() if w in index])
        chosen = vectors[rows]
        rms = np.sqrt(np.mean(np.sum(chosen * chosen, axis=1)))
        out[ids] = chosen / rms if rms > 0 else chosen
    return out
