"""Data generators for the text estimators."""

import numbers

import numpy as np
from sklearn.utils import check_random_state

from sklweights.utils._sklearn_compat import Interval, StrOptions, validate_params

__all__ = ["make_multidomain_sentiment"]

_DOMAIN_NAMES = [
    "books",
    "electronics",
    "kitchen",
    "movies",
    "travel",
    "food",
    "phones",
    "toys",
    "health",
    "sports",
]
_LATIN = {
    "positive": [
        "good",
        "great",
        "excellent",
        "love",
        "wonderful",
        "best",
        "perfect",
        "happy",
        "nice",
        "amazing",
        "enjoy",
        "recommend",
    ],
    "negative": [
        "bad",
        "terrible",
        "awful",
        "hate",
        "worst",
        "poor",
        "disappointing",
        "boring",
        "waste",
        "horrible",
        "sad",
        "broken",
    ],
    "flip": [
        "unpredictable",
        "long",
        "small",
        "cheap",
        "light",
        "quiet",
        "hot",
        "cold",
        "heavy",
        "loud",
        "fast",
        "simple",
        "soft",
        "sharp",
        "thin",
        "dark",
    ],
    "filler": [
        "the",
        "a",
        "it",
        "this",
        "is",
        "was",
        "and",
        "i",
        "of",
        "to",
        "with",
        "for",
        "my",
        "very",
        "really",
        "so",
        "but",
        "on",
    ],
    "negation": "not",
}
_PERSIAN_POSITIVE = ["خوب", "عالی", "زیبا", "راضی", "بهترین", "ممنون"]
_PERSIAN_NEGATIVE = ["بد", "ضعیف", "خراب", "افتضاح", "بدترین", "ناراضی"]
_PERSIAN_LETTERS = "ابپتجچخدرزژسشطعغفقکگلمنوهییکک"
_ZWNJ = "\u200c"


def _pseudo_words(rng, n, letters, vowels, taken, length=(2, 3)):
    out = []
    while len(out) < n:
        k = rng.randint(length[0], length[1] + 1)
        if vowels:
            w = "".join(
                letters[rng.randint(len(letters))] + vowels[rng.randint(len(vowels))]
                for _ in range(k)
            )
        else:
            w = "".join(letters[rng.randint(len(letters))] for _ in range(k + 1))
        if w not in taken:
            taken.add(w)
            out.append(w)
    return out


@validate_params(
    {
        "n_domains": [Interval(numbers.Integral, 1, None, closed="left")],
        "n_samples_per_domain": [
            Interval(numbers.Integral, 1, None, closed="left"),
            "array-like",
        ],
        "n_topic_words": [Interval(numbers.Integral, 1, None, closed="left")],
        "n_flip_words": [Interval(numbers.Integral, 0, None, closed="left")],
        "flip_fraction": [Interval(numbers.Real, 0, 1, closed="both")],
        "topic_fraction": [Interval(numbers.Real, 0, 1, closed="both")],
        "sentiment_fraction": [Interval(numbers.Real, 0, 1, closed="right")],
        "doc_length": [tuple],
        "negation": [Interval(numbers.Real, 0, 1, closed="both")],
        "negative_fraction": [Interval(numbers.Real, 0, 1, closed="neither")],
        "label_noise": [Interval(numbers.Real, 0, 0.5, closed="left")],
        "script": [StrOptions({"latin", "arabic"})],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def make_multidomain_sentiment(
    n_domains=3,
    n_samples_per_domain=200,
    *,
    n_topic_words=40,
    n_flip_words=8,
    flip_fraction=0.6,
    topic_fraction=0.5,
    sentiment_fraction=0.3,
    doc_length=(8, 16),
    negation=0.1,
    negative_fraction=0.5,
    label_noise=0.0,
    script="latin",
    random_state=None,
):
    """Generate multi-domain sentiment documents with domain-dependent words.

    Each document is a bag of tokens drawn from

    * its domain's own **topic words** (``n_topic_words`` per domain, drawn
      with Zipf-like frequencies: the domain-detection signal);
    * **sentiment words** of the document's polarity: with probability
      ``flip_fraction`` a **polarity-flipping word**, whose polarity depends
      on the domain (word ``k`` is positive in domain ``d`` when ``k + d`` is
      even, negative otherwise, so that in an even number of domains every
      flipping word is positive in half of them: a pooled model cannot use
      it), otherwise a **shared sentiment word** with the same polarity
      everywhere;
    * filler words shared by all domains.

    With probability ``negation`` a sentiment token is written as the
    negation word ("not"; "نه" in Arabic script) followed by a word of the
    opposite polarity. ``label_noise`` flips labels at random after the text
    is drawn.

    ``script="arabic"`` writes every word in Persian letters, with the
    variations that a Persian/Arabic tokeniser must undo: about 30% of word
    occurrences use the Arabic forms of yeh and kaf (ي, ك) instead of the
    Persian ones (ی, ک), about 10% carry a diacritic, and a fifth of the topic
    words are compounds joined by a zero-width non-joiner (U+200C).

    Parameters
    ----------
    n_domains : int, default=3
        Number of domains (named "books", "electronics", ... then
        "domain_10", ...).
    n_samples_per_domain : int or array-like of int, default=200
        Documents per domain (one number for all, or one per domain).
    n_topic_words : int, default=40
        Topic words per domain.
    n_flip_words : int, default=8
        Polarity-flipping words (shared by all domains).
    flip_fraction : float, default=0.6
        Share of sentiment tokens drawn from the flipping words.
    topic_fraction : float, default=0.5
        Share of the non-sentiment tokens that are topic words (the rest are
        filler).
    sentiment_fraction : float, default=0.3
        Share of tokens that are sentiment tokens (at least one per document).
    doc_length : tuple (min, max), default=(8, 16)
        Document length in tokens, drawn uniformly.
    negation : float, default=0.1
        Probability that a sentiment token is a negated opposite word.
    negative_fraction : float, default=0.5
        Share of negative documents in every domain (class imbalance).
    label_noise : float in [0, 0.5), default=0.0
        Probability of flipping each label.
    script : {"latin", "arabic"}, default="latin"
        Alphabet of the words: Latin letters, or Persian letters (Arabic script).
    random_state : int, RandomState or None, default=None
        Determines the random draws; pass an int for reproducible output across calls.

    Returns
    -------
    X : ndarray of shape (n_samples,), dtype=object
        The documents (str).
    y : ndarray of shape (n_samples,), dtype=int
        1 for positive, 0 for negative.
    domains : ndarray of shape (n_samples,), dtype=object
        The domain name of each document.

    Examples
    --------
    >>> from sklweights.datasets import make_multidomain_sentiment
    >>> X, y, domains = make_multidomain_sentiment(n_domains=2, random_state=0)
    >>> X.shape, sorted(set(domains))
    ((400,), ['books', 'electronics'])
    """
    rng = check_random_state(random_state)
    sizes = np.broadcast_to(np.asarray(n_samples_per_domain), (n_domains,))
    if sizes.dtype.kind not in "iu" or (sizes < 1).any():
        raise ValueError(
            "n_samples_per_domain must be a positive int or one positive int per "
            f"domain ({n_domains}); got {n_samples_per_domain!r}."
        )
    lo, hi = doc_length if len(doc_length) == 2 else (0, -1)
    if not (
        isinstance(lo, numbers.Integral) and isinstance(hi, numbers.Integral)
    ) or not (1 <= lo <= hi):
        raise ValueError(
            f"doc_length must be a tuple (min, max) with 1 <= min <= max; got "
            f"{doc_length!r}."
        )
    names = [
        _DOMAIN_NAMES[d] if d < len(_DOMAIN_NAMES) else f"domain_{d}"
        for d in range(n_domains)
    ]
    arabic = script == "arabic"
    if arabic:
        taken = set(_PERSIAN_POSITIVE + _PERSIAN_NEGATIVE)
        letters = _PERSIAN_LETTERS
        positive, negative = list(_PERSIAN_POSITIVE), list(_PERSIAN_NEGATIVE)
        flip = _pseudo_words(rng, n_flip_words, letters, "", taken, (2, 3))
        filler = _pseudo_words(rng, 12, letters, "", taken, (1, 2))
        topics = []
        for _ in range(n_domains):
            words = _pseudo_words(rng, n_topic_words, letters, "", taken, (2, 4))
            words = [
                "می" + _ZWNJ + w if rng.rand() < 0.2 else w for w in words
            ]  # compounds joined by ZWNJ
            topics.append(words)
        neg_word = "نه"
    else:
        taken = set(sum((v for v in _LATIN.values() if isinstance(v, list)), []))
        positive, negative = _LATIN["positive"], _LATIN["negative"]
        flip = _LATIN["flip"][:n_flip_words]
        flip += _pseudo_words(
            rng, n_flip_words - len(flip), "bcdfghjklmnprstvz", "aeiou", taken
        )
        filler = _LATIN["filler"]
        topics = [
            _pseudo_words(rng, n_topic_words, "bcdfghjklmnprstvz", "aeiou", taken)
            for _ in range(n_domains)
        ]
        neg_word = _LATIN["negation"]
    zipf = 1.0 / np.arange(1, n_topic_words + 1)
    zipf /= zipf.sum()
    # flip word k is positive in domain d iff k + d is even
    flip_pos = [
        [w for k, w in enumerate(flip) if (k + d) % 2 == 0] for d in range(n_domains)
    ]
    flip_neg = [
        [w for k, w in enumerate(flip) if (k + d) % 2 == 1] for d in range(n_domains)
    ]

    def render(word):
        if not arabic:
            return word
        if rng.rand() < 0.3:
            word = word.replace("ی", "ي").replace("ک", "ك")
        if rng.rand() < 0.1 and len(word) > 1:
            word = word[0] + "\u064e" + word[1:]  # fatha
        return word

    def sentiment_word(d, polarity):
        pool_flip = flip_pos[d] if polarity else flip_neg[d]
        if pool_flip and rng.rand() < flip_fraction:
            return pool_flip[rng.randint(len(pool_flip))]
        pool = positive if polarity else negative
        return pool[rng.randint(len(pool))]

    texts, labels, doms = [], [], []
    for d in range(n_domains):
        n_d = int(sizes[d])
        n_neg = int(round(negative_fraction * n_d))
        ys = np.r_[np.zeros(n_neg, dtype=int), np.ones(n_d - n_neg, dtype=int)]
        rng.shuffle(ys)
        for label in ys:
            length = rng.randint(lo, hi + 1)
            n_sent = max(1, rng.binomial(length, sentiment_fraction))
            n_topic = rng.binomial(max(length - n_sent, 0), topic_fraction)
            n_fill = max(length - n_sent - n_topic, 0)
            units = []
            for _ in range(n_sent):
                if rng.rand() < negation:
                    units.append(
                        render(neg_word) + " " + render(sentiment_word(d, 1 - label))
                    )
                else:
                    units.append(render(sentiment_word(d, label)))
            units += [
                render(topics[d][k]) for k in rng.choice(n_topic_words, n_topic, p=zipf)
            ]
            units += [render(filler[rng.randint(len(filler))]) for _ in range(n_fill)]
            order = rng.permutation(len(units))
            texts.append(" ".join(units[i] for i in order))
            labels.append(label)
            doms.append(names[d])
    y = np.asarray(labels, dtype=int)
    if label_noise > 0:
        flip_mask = rng.rand(len(y)) < label_noise
        y[flip_mask] = 1 - y[flip_mask]
    return (
        np.asarray(texts, dtype=object),
        y,
        np.asarray(doms, dtype=object),
    )
