"""Loader for the bundled VADER multi-domain sentiment sentences."""

import numbers
from importlib import resources

import numpy as np
from sklearn.utils import Bunch

from sklweights.utils._sklearn_compat import Interval, StrOptions, validate_params

_DOMAINS = {
    "tweets": "tweets_GroundTruth.txt",
    "movie": "movieReviewSnippets_GroundTruth.txt",
    "amazon": "amazonReviewSnippets_GroundTruth.txt",
    "nyt": "nytEditorialSnippets_GroundTruth.txt",
}

_DESCR = """\
VADER multi-domain sentiment sentences
======================================

23,703 English sentences from four domains, each rated for sentiment by about
20 people on a scale from -4 (extremely negative) to +4 (extremely positive);
``valence`` is the raters' mean.

=============  =======  =====================================================
domain         n        source
=============  =======  =====================================================
tweets         4,200    tweets
movie          10,605   movie-review snippets (Pang & Lee)
amazon         3,708    Amazon product-review snippets
nyt            5,190    New York Times opinion editorial snippets
=============  =======  =====================================================

Labels. ``label`` applies the usual rule with threshold ``t`` (default 0.5):
"positive" if valence >= t, "negative" if valence <= -t, "neutral" otherwise.
With ``binary=True`` neutral sentences are dropped (19,459 sentences remain at
t = 0.5). Class balance differs by domain.

Licence: MIT, bundled unchanged from the vaderSentiment 3.3.2 distribution.

Cite: Hutto, C.J. & Gilbert, E.E. (2014). VADER: A Parsimonious Rule-based
Model for Sentiment Analysis of Social Media Text. ICWSM-14.
"""


@validate_params(
    {
        "as_frame": ["boolean"],
        "threshold": [Interval(numbers.Real, 0, 4, closed="neither")],
        "binary": ["boolean"],
        "domains": [list, tuple, None],
        "return_X_y": ["boolean"],
        "label_type": [StrOptions({"str", "int"})],
    },
    prefer_skip_nested_validation=True,
)
def load_vader_multidomain(
    *,
    as_frame=False,
    threshold=0.5,
    binary=False,
    domains=None,
    return_X_y=False,
    label_type="str",
):
    """Load the VADER multi-domain sentiment sentences (bundled, no download).

    23,703 English sentences from four domains (tweets, movie reviews, Amazon
    reviews, NYT editorials) with the mean valence given by about 20 human
    raters, in [-4, 4]. Bundled under the MIT licence; see Hutto & Gilbert
    (2014).

    Parameters
    ----------
    as_frame : bool, default=False
        Return a pandas DataFrame in ``frame`` (columns ``text``, ``domain``,
        ``valence``, ``label``).
    threshold : float, default=0.5
        Labelling rule: "positive" if valence >= threshold, "negative" if
        valence <= -threshold, else "neutral".
    binary : bool, default=False
        Drop neutral sentences, leaving a binary task.
    domains : list of str, default=None
        Keep only these domains among ``"tweets"``, ``"movie"``, ``"amazon"``,
        ``"nyt"``; all four when None.
    return_X_y : bool, default=False
        Return ``(text, label)`` instead of a Bunch.
    label_type : {"str", "int"}, default="str"
        Labels as strings, or as integers: -1/0/1 (negative/neutral/positive),
        or 0/1 when ``binary=True``.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``text`` (n,) object array of sentences, ``domain`` (n,) domain names,
        ``valence`` (n,) float, ``label`` (n,), ``target`` (alias of
        ``label``), ``ids`` (n,) the authors' ids within each domain,
        ``frame`` (DataFrame or None), ``DESCR``.
    (text, label) : tuple
        When ``return_X_y=True``.

    Examples
    --------
    >>> from sklweights.datasets import load_vader_multidomain
    >>> data = load_vader_multidomain(binary=True)
    >>> sorted(set(data.domain))
    ['amazon', 'movie', 'nyt', 'tweets']
    """
    if domains is None:
        domains = list(_DOMAINS)
    unknown = [d for d in domains if d not in _DOMAINS]
    if unknown or not domains:
        raise ValueError(
            f"domains must be a non-empty list drawn from {list(_DOMAINS)}; "
            f"got {domains!r}."
        )
    texts, doms, vals, ids = [], [], [], []
    root = resources.files("sklweights.datasets") / "data" / "vader_multidomain"
    for name in domains:
        raw = (root / _DOMAINS[name]).read_text(encoding="utf-8")
        for line in raw.splitlines():
            if not line.strip():
                continue
            id_, val, text = line.split("\t", 2)
            ids.append(int(id_))
            vals.append(float(val))
            texts.append(text.strip())
            doms.append(name)
    valence = np.asarray(vals, dtype=float)
    label = np.full(valence.shape, "neutral", dtype=object)
    label[valence >= threshold] = "positive"
    label[valence <= -threshold] = "negative"
    text = np.asarray(texts, dtype=object)
    domain = np.asarray(doms, dtype=object)
    ids = np.asarray(ids)
    if binary:
        keep = label != "neutral"
        text, domain, valence, label, ids = (
            a[keep] for a in (text, domain, valence, label, ids)
        )
    if label_type == "int":
        codes = {"negative": -1, "neutral": 0, "positive": 1}
        if binary:
            codes = {"negative": 0, "positive": 1}
        label = np.array([codes[v] for v in label], dtype=int)
    if return_X_y:
        return text, label
    frame = None
    if as_frame:
        import pandas as pd

        frame = pd.DataFrame(
            {
                "text": text,
                "domain": pd.Categorical(domain, categories=list(_DOMAINS)),
                "valence": valence,
                "label": label,
            }
        )
    return Bunch(
        text=text,
        domain=domain,
        valence=valence,
        label=label,
        target=label,
        ids=ids,
        frame=frame,
        DESCR=_DESCR,
    )
