"""Tokenisation with Arabic-script (Persian and Arabic) normalisation."""

import re

__all__ = ["normalize_arabic_script", "tokenize"]

# Arabic letter forms mapped to the Persian forms (hazm and Persian keyboards).
_CHAR_MAP = {
    "\u064a": "\u06cc",  # ARABIC LETTER YEH -> ARABIC LETTER FARSI YEH
    "\u0649": "\u06cc",  # ARABIC LETTER ALEF MAKSURA -> FARSI YEH
    "\u0643": "\u06a9",  # ARABIC LETTER KAF -> ARABIC LETTER KEHEH (Persian kaf)
    "\u00a0": " ",  # no-break space
    "\u200b": "",  # zero-width space
    "\u200d": "",  # zero-width joiner
    "\u0640": "",  # tatweel (kashida), a stretching character
    "\ufeff": "",  # byte-order mark
}
# Arabic-Indic (U+0660..) and extended (Persian, U+06F0..) digits -> ASCII
for _i in range(10):
    _CHAR_MAP[chr(0x0660 + _i)] = str(_i)
    _CHAR_MAP[chr(0x06F0 + _i)] = str(_i)
_TRANSLATE = str.maketrans(_CHAR_MAP)

# Harakat (fathatan .. sukun and the rest of the combining block) and the
# superscript alef.
_DIACRITICS = re.compile("[\u064b-\u065f\u0670]")
_ZWNJ = "\u200c"
_ZWNJ_RUNS = re.compile(_ZWNJ + "{2,}")
# a ZWNJ next to a space, at either end, or next to another non-letter is
# meaningless: it only joins two letters of one word
_ZWNJ_EDGE = re.compile(r"(?:(?<=[^\w])|^)" + _ZWNJ + "|" + _ZWNJ + r"(?=[^\w]|$)")

_WORD = r"[\w\u064b-\u065f\u0670\u200c]+(?:['\u2019][\w]+)*"
_EMOTICON = r"(?:[:;=][\-o^']?[()\[\]dDpP/\\|*])"
_TOKEN_RE = re.compile(rf"{_EMOTICON}|{_WORD}|[!?]")


def normalize_arabic_script(text):
    """Normalise Persian and Arabic script for tokenisation.

    * Arabic yeh (U+064A) and alef maksura (U+0649) become the Persian yeh
      (U+06CC); Arabic kaf (U+0643) becomes the Persian kaf (U+06A9), so that
      the same word typed on an Arabic or a Persian keyboard is one token;
    * diacritics (harakat U+064B-U+065F, superscript alef U+0670) and tatweel
      (U+0640) are removed;
    * Arabic-Indic and Persian digits become ASCII digits;
    * the zero-width non-joiner (ZWNJ, U+200C) is kept inside a word (Persian
      writes compounds such as "می‌خواهم" with it) but runs of it are collapsed
      and a ZWNJ at a word boundary is dropped; zero-width spaces and joiners
      are removed.

    Latin text passes through unchanged.

    Parameters
    ----------
    text : str
        The text to normalise.

    Returns
    -------
    text : str
        The normalised text.

    Examples
    --------
    >>> from sklweights.text import normalize_arabic_script
    >>> normalize_arabic_script("\u0643\u062a\u0627\u0628\u064a") == "\u06a9\u062a\u0627\u0628\u06cc"
    True
    """  # noqa: E501
    text = text.translate(_TRANSLATE)
    text = _DIACRITICS.sub("", text)
    if _ZWNJ in text:
        text = _ZWNJ_RUNS.sub(_ZWNJ, text)
        text = _ZWNJ_EDGE.sub("", text)
    return text


def tokenize(text, *, normalize_arabic=True, lowercase=True):
    """Split a document into word tokens, for Latin and Arabic scripts.

    Tokens are runs of word characters (letters of any script, digits), with
    an inner ZWNJ or apostrophe kept inside the word (``"don't"``,
    ``"می‌خواهم"``), plus the emoticons ``:) :( :D ;)`` and the marks ``!``
    and ``?``, which carry sentiment.

    Parameters
    ----------
    text : str
        The text to tokenise.
    normalize_arabic : bool, default=True
        Apply :func:`normalize_arabic_script` first.
    lowercase : bool, default=True
        Lower-case the text (Arabic script has no case).

    Returns
    -------
    tokens : list of str
        The tokens, in order.

    See Also
    --------
    normalize_arabic_script : the normalisation applied first.

    Examples
    --------
    >>> from sklweights.text import tokenize
    >>> tokenize("Not bad at all :)")
    ['not', 'bad', 'at', 'all', ':)']
    """
    if not isinstance(text, str):
        raise TypeError(
            f"a document must be a str; got {type(text).__name__} ({text!r:.50})."
        )
    if normalize_arabic:
        text = normalize_arabic_script(text)
    if lowercase:
        text = text.lower()
    out = []
    for tok in _TOKEN_RE.findall(text):
        if _ZWNJ in tok:
            tok = tok.strip(_ZWNJ)
            if not tok:
                continue
        out.append(tok)
    return out


def _whitespace_tokenize(text, *, normalize_arabic=True, lowercase=True):
    if not isinstance(text, str):
        raise TypeError(
            f"a document must be a str; got {type(text).__name__} ({text!r:.50})."
        )
    if normalize_arabic:
        text = normalize_arabic_script(text)
    if lowercase:
        text = text.lower()
    return text.split()


class _Tokenizer:
    """A picklable callable applying the estimator's tokeniser settings."""

    def __init__(self, tokenizer="regex", normalize_arabic=True, lowercase=True):
        self.tokenizer = tokenizer
        self.normalize_arabic = normalize_arabic
        self.lowercase = lowercase

    def __call__(self, text):
        if self.tokenizer == "regex":
            return tokenize(
                text, normalize_arabic=self.normalize_arabic, lowercase=self.lowercase
            )
        if self.tokenizer == "whitespace":
            return _whitespace_tokenize(
                text, normalize_arabic=self.normalize_arabic, lowercase=self.lowercase
            )
        if not isinstance(text, str):
            raise TypeError(
                f"a document must be a str; got {type(text).__name__} ({text!r:.50})."
            )
        if self.normalize_arabic:
            text = normalize_arabic_script(text)
        if self.lowercase:
            text = text.lower()
        tokens = self.tokenizer(text)
        if isinstance(tokens, str) or not all(isinstance(t, str) for t in tokens):
            raise TypeError(
                "a callable tokenizer must return a list of str; got "
                f"{type(tokens).__name__}."
            )
        return list(tokens)

    def many(self, docs):
        return [self(d) for d in docs]


def _identity(tokens):
    """Analyzer for pre-tokenised documents (module level, so it pickles)."""
    return tokens


class _NGrams:
    """Analyzer turning a token list into word n-grams (picklable)."""

    def __init__(self, ngram_range=(1, 1)):
        self.ngram_range = tuple(ngram_range)

    def __call__(self, tokens):
        lo, hi = self.ngram_range
        if lo == 1 and hi == 1:
            return tokens
        out = list(tokens) if lo == 1 else []
        n_tok = len(tokens)
        for n in range(max(lo, 2), hi + 1):
            out.extend(" ".join(tokens[i : i + n]) for i in range(n_tok - n + 1))
        return out
