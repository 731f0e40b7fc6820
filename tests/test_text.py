"""Tokeniser, DBD weighting, generator and LinearDomainWeightedClassifier."""

import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import config_context
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score, recall_score
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import Pipeline

from sklweights.datasets import make_multidomain_sentiment
from sklweights.metrics import per_domain_score
from sklweights.text import (
    LinearDomainWeightedClassifier,
    normalize_arabic_script,
    tokenize,
)
from sklweights.text._weighting import (
    _dbd_documents,
    _dbd_term_table,
    _DomainWeighter,
)

ZWNJ = "\u200c"


@pytest.fixture(scope="module")
def flip_data():
    X, y, d = make_multidomain_sentiment(
        n_domains=2, n_samples_per_domain=300, flip_fraction=0.7, random_state=0
    )
    return train_test_split(X, y, d, test_size=0.3, random_state=0, stratify=d)


# ---------------------------------------------------------------- tokeniser
def test_tokenize_latin():
    assert tokenize("Not bad at all :) !!") == [
        "not",
        "bad",
        "at",
        "all",
        ":)",
        "!",
        "!",
    ]
    assert tokenize("Don't GO") == ["don't", "go"]
    assert tokenize("Don't GO", lowercase=False) == ["Don't", "GO"]
    assert tokenize("") == []


def test_arabic_yeh_kaf_become_persian():
    arabic = "\u0643\u062a\u0627\u0628\u064a"  # كتابي (Arabic kaf and yeh)
    persian = "\u06a9\u062a\u0627\u0628\u06cc"  # کتابی
    assert normalize_arabic_script(arabic) == persian
    assert tokenize(arabic) == tokenize(persian) == [persian]
    # alef maksura -> Persian yeh
    assert normalize_arabic_script("\u0639\u0644\u0649") == "\u0639\u0644\u06cc"
    # without normalisation the two spellings stay apart
    assert tokenize(arabic, normalize_arabic=False) != tokenize(persian)


def test_diacritics_tatweel_and_digits_removed():
    with_harakat = "\u0643\u0650\u062a\u0627\u0628"  # kaf + kasra
    assert normalize_arabic_script(with_harakat) == "\u06a9\u062a\u0627\u0628"
    assert normalize_arabic_script("\u062e\u0640\u0640\u0648\u0628") == "خوب"
    assert normalize_arabic_script("۱۲۳ ١٢٣") == "123 123"
    # a diacritic does not split a word even without normalisation
    assert len(tokenize(with_harakat, normalize_arabic=False)) == 1


def test_zwnj_kept_inside_words_and_tidied():
    word = "می" + ZWNJ + "خواهم"
    assert tokenize("من " + word) == ["من", word]
    assert tokenize("می" + ZWNJ * 3 + "خواهم") == [word]
    # ZWNJ at a word boundary is dropped
    assert tokenize(ZWNJ + "خوب " + "بد" + ZWNJ) == ["خوب", "بد"]
    assert normalize_arabic_script("a\u200bb") == "ab"


def test_persian_and_arabic_sentences():
    assert tokenize("این گوشی خیلی خوب است!") == [
        "این",
        "گوشی",
        "خیلی",
        "خوب",
        "است",
        "!",
    ]
    # Arabic: "this product is very good", yeh normalised to Persian yeh
    assert tokenize("هذا المنتج جيد جدا") == ["هذا", "المنتج", "جید", "جدا"]


def test_tokenize_rejects_non_str():
    with pytest.raises(TypeError, match="must be a str"):
        tokenize(3)


# ---------------------------------------------------------------- DBD
def _weighter(docs, codes, n_domains, method="dbd"):
    return _DomainWeighter(method, n_domains).fit(docs, np.asarray(codes))


def test_dbd_matches_hand_computation():
    docs = [["a", "b"], ["a", "a"], ["b", "c"]]
    w = _weighter(docs, [0, 0, 1], 2)
    vocab = w.vectorizer_.vocabulary_
    # domain 0: a=3, b=1 (N=4); domain 1: b=1, c=1 (N=2)
    expected = {
        ("a", 0): (3 / 4) * (3 / 3),
        ("b", 0): (1 / 4) * (1 / 2),
        ("b", 1): (1 / 2) * (1 / 2),
        ("c", 1): (1 / 2) * 1.0,
        ("a", 1): 0.0,
        ("c", 0): 0.0,
    }
    for (term, d), value in expected.items():
        assert w.table_[d, vocab[term]] == pytest.approx(value)
    # document "b": S = (1/8, 1/4) -> (1/3, 2/3)
    np.testing.assert_allclose(w.transform([["b"]]), [[1 / 3, 2 / 3]])


def test_dbd_unseen_only_is_uniform_and_exclusive_terms_win():
    docs = [["x", "shared"], ["y", "shared"], ["z", "shared"]]
    w = _weighter(docs, [0, 1, 2], 3)
    np.testing.assert_allclose(w.transform([["never", "seen"], []]), 1 / 3)
    np.testing.assert_allclose(w.transform([["y", "y"]]), [[0, 1, 0]])


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.lists(st.sampled_from(list("abcdefgh")), min_size=0, max_size=8),
        min_size=1,
        max_size=6,
    ),
    st.randoms(use_true_random=False),
)
def test_dbd_rows_on_simplex_and_order_invariant(docs, rand):
    train = [["a", "b", "c"], ["c", "d"], ["e", "f", "a"], ["g", "a"]]
    w = _weighter(train, [0, 0, 1, 2], 3)
    weights = w.transform(docs)
    assert (weights >= 0).all()
    np.testing.assert_allclose(weights.sum(axis=1), 1.0)
    shuffled = [rand.sample(doc, len(doc)) for doc in docs]
    np.testing.assert_allclose(w.transform(shuffled), weights)


def test_dbd_helpers_handle_empty_domains():
    import scipy.sparse as sp

    counts = sp.csr_matrix(np.array([[1, 0], [0, 2]]))
    table = _dbd_term_table(counts, np.array([0, 0]), 2)  # domain 1 is empty
    assert np.isfinite(table).all() and (table[1] == 0).all()
    np.testing.assert_allclose(_dbd_documents(counts, table), [[1, 0], [1, 0]])


# ---------------------------------------------------------------- generator
def test_generator_shapes_and_imbalance():
    X, y, d = make_multidomain_sentiment(
        n_domains=3,
        n_samples_per_domain=[50, 60, 70],
        negative_fraction=0.2,
        random_state=1,
    )
    assert X.shape == y.shape == d.shape == (180,)
    assert set(d) == {"books", "electronics", "kitchen"}
    assert y.mean() == pytest.approx(0.8, abs=0.01)
    assert all(isinstance(x, str) and x for x in X)
    X2, y2, _ = make_multidomain_sentiment(
        n_domains=3,
        n_samples_per_domain=[50, 60, 70],
        negative_fraction=0.2,
        random_state=1,
    )
    assert (X == X2).all() and (y == y2).all()


def test_generator_label_noise_and_errors():
    _, y0, _ = make_multidomain_sentiment(n_domains=1, random_state=0)
    _, y1, _ = make_multidomain_sentiment(n_domains=1, label_noise=0.3, random_state=0)
    assert 0.15 < (y0 != y1).mean() < 0.45
    with pytest.raises(ValueError, match="doc_length"):
        make_multidomain_sentiment(doc_length=(5, 2))
    with pytest.raises(ValueError, match="n_samples_per_domain"):
        make_multidomain_sentiment(n_domains=2, n_samples_per_domain=[3, 0])


def test_generator_arabic_script_needs_normalisation():
    X, y, d = make_multidomain_sentiment(
        n_domains=2, n_samples_per_domain=150, script="arabic", random_state=0
    )
    text = " ".join(X)
    assert "\u064a" in text and "\u0643" in text and ZWNJ in text  # ي ك ZWNJ
    assert not any(c.isascii() and c.isalpha() for c in text)
    with_norm = LinearDomainWeightedClassifier(min_df=1).fit(X, y, domains=d)
    without = LinearDomainWeightedClassifier(min_df=1, normalize_arabic=False).fit(
        X, y, domains=d
    )
    assert len(with_norm.vectorizer_.vocabulary_) < len(without.vectorizer_.vocabulary_)
    assert ("می" + ZWNJ) not in with_norm.vectorizer_.vocabulary_


# ---------------------------------------------------------------- estimator
def test_domain_weighting_beats_pooled_on_flipping_words(flip_data):
    Xtr, Xte, ytr, yte, dtr, dte = flip_data
    pooled = LinearDomainWeightedClassifier().fit(Xtr, ytr)  # one domain
    assert list(pooled.domains_) == ["all"]
    ref = LogisticRegression(C=10, max_iter=1000)
    ref.fit(pooled.vectorizer_.transform(pooled._tokenizer().many(Xtr)), ytr)
    for weighting in ("dbd", "classifier"):
        clf = LinearDomainWeightedClassifier(domain_weighting=weighting)
        clf.fit(Xtr, ytr, domains=dtr)
        # the pooled model cannot use the flipping words; measured gap ~0.1
        assert clf.score(Xte, yte) >= pooled.score(Xte, yte) + 0.05
        assert (clf.predict_domain(Xte) == dte).mean() > 0.9
    # a single domain is exactly the pooled logistic regression
    np.testing.assert_allclose(
        pooled.predict_proba(Xte),
        ref.predict_proba(pooled.vectorizer_.transform(pooled._tokenizer().many(Xte))),
        rtol=1e-6,
    )


def test_uniform_weighting_and_domain_weights(flip_data):
    Xtr, Xte, ytr, yte, dtr, dte = flip_data
    clf = LinearDomainWeightedClassifier(domain_weighting="uniform")
    clf.fit(Xtr, ytr, domains=dtr)
    np.testing.assert_allclose(clf.predict_weights(Xte), 0.5)
    dbd = clf.set_params(domain_weighting="dbd").fit(Xtr, ytr, domains=dtr)
    w = dbd.predict_weights(Xte)
    assert w.shape == (len(Xte), 2) and (w >= 0).all()
    np.testing.assert_allclose(w.sum(axis=1), 1)
    proba = dbd.predict_proba(Xte)
    np.testing.assert_allclose(proba.sum(axis=1), 1)
    # the weighted sum of the members, by hand
    tokens = dbd._tokenizer().many(Xte)
    members = dbd._member_proba(tokens, w)
    np.testing.assert_allclose(proba, w[:, [0]] * members[0] + w[:, [1]] * members[1])


def test_cost_sensitive_raises_minority_recall():
    # sentiment-rich documents, so that the minority signal exists at all
    X, y, d = make_multidomain_sentiment(
        n_domains=2,
        n_samples_per_domain=600,
        sentiment_fraction=0.5,
        topic_fraction=0.3,
        flip_fraction=0.3,
        random_state=0,
    )
    Xtr, Xte, ytr, yte, dtr, dte = train_test_split(
        X, y, d, test_size=0.4, random_state=0, stratify=y
    )
    rng = np.random.RandomState(0)
    keep = (ytr == 1) | (rng.rand(len(ytr)) < 0.1)  # 10% of negatives
    plain = LinearDomainWeightedClassifier(C=1.0).fit(
        Xtr[keep], ytr[keep], domains=dtr[keep]
    )
    balanced = LinearDomainWeightedClassifier(C=1.0, class_weight="balanced").fit(
        Xtr[keep], ytr[keep], domains=dtr[keep]
    )
    r0 = recall_score(yte, plain.predict(Xte), pos_label=0)
    r1 = recall_score(yte, balanced.predict(Xte), pos_label=0)
    assert r1 >= r0 + 0.10  # measured 0.00 -> 0.55
    assert balanced_accuracy_score(
        yte, balanced.predict(Xte)
    ) > balanced_accuracy_score(yte, plain.predict(Xte))
    # a dict weight is the same as the balanced weights when they coincide
    manual = LinearDomainWeightedClassifier(C=1.0, class_weight={0: 5.0, 1: 1.0})
    manual.fit(Xtr[keep], ytr[keep], domains=dtr[keep])
    assert recall_score(yte, manual.predict(Xte), pos_label=0) > r0


def test_string_labels_three_classes_and_dataframe():
    pd = pytest.importorskip("pandas")
    X, y, d = make_multidomain_sentiment(n_domains=2, random_state=0)
    labels = np.array(["neg", "pos"], dtype=object)[y]
    labels[::9] = "neu"
    frame = pd.DataFrame({"text": X, "domain": d})
    clf = LinearDomainWeightedClassifier().fit(frame, labels)  # domain column
    assert list(clf.domains_) == ["books", "electronics"]
    assert list(clf.classes_) == ["neg", "neu", "pos"]
    proba = clf.predict_proba(frame)
    assert proba.shape == (len(X), 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1)
    assert set(clf.predict(frame["text"])) <= {"neg", "neu", "pos"}
    # a 2-d single text column, a list and a Series predict the same
    np.testing.assert_allclose(clf.predict_proba(X.reshape(-1, 1)), proba)
    np.testing.assert_allclose(clf.predict_proba(list(X)), proba)


def test_domain_missing_a_class_maps_probabilities():
    X, y, d = make_multidomain_sentiment(n_domains=2, random_state=0)
    y = y.copy()
    y[(d == "books") & (np.arange(len(y)) % 5 == 0)] = 2  # a class only in books
    clf = LinearDomainWeightedClassifier().fit(X, y, domains=d)
    members = clf._member_proba(clf._tokenizer().many(X[:5]), None)
    assert (members[1][:, 2] == 0).all()  # electronics never saw class 2


def test_pipeline_gridsearch_and_metadata_routing(flip_data):
    Xtr, Xte, ytr, yte, dtr, dte = flip_data
    pipe = Pipeline([("clf", LinearDomainWeightedClassifier())])
    pipe.fit(Xtr, ytr, clf__domains=dtr)
    assert len(pipe[-1].domains_) == 2
    search = GridSearchCV(
        LinearDomainWeightedClassifier(), {"C": [0.1, 10.0]}, cv=2
    ).fit(Xtr, ytr, domains=dtr)
    assert len(search.best_estimator_.domains_) == 2
    with config_context(enable_metadata_routing=True):
        clf = LinearDomainWeightedClassifier().set_fit_request(domains=True)
        pipe = Pipeline([("clf", clf)]).fit(Xtr, ytr, domains=dtr)
        assert len(pipe[-1].domains_) == 2
        search = GridSearchCV(
            Pipeline([("clf", clf)]),
            {"clf__domain_weighting": ["dbd", "uniform"]},
            cv=2,
        ).fit(Xtr, ytr, domains=dtr)
        assert len(search.best_estimator_[-1].domains_) == 2
        assert search.score(Xte, yte) > 0.8


def test_clone_pickle_determinism(flip_data):
    Xtr, Xte, ytr, yte, dtr, dte = flip_data
    clf = LinearDomainWeightedClassifier().fit(Xtr, ytr, domains=dtr)
    again = clone(clf).fit(Xtr, ytr, domains=dtr)
    np.testing.assert_array_equal(clf.predict_proba(Xte), again.predict_proba(Xte))
    loaded = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(clf.predict_proba(Xte), loaded.predict_proba(Xte))
    assert not hasattr(clone(clf), "classes_")


def test_errors():
    X, y, d = make_multidomain_sentiment(
        n_domains=2, n_samples_per_domain=40, random_state=0
    )
    clf = LinearDomainWeightedClassifier()
    small = d.copy()
    small[:5] = "tiny"
    with pytest.raises(ValueError, match="domain 'tiny' has 5 training document"):
        clf.fit(X, y, domains=small)
    one_class = d.copy()
    one_class[np.flatnonzero(y == 1)[:12]] = "happy"
    with pytest.raises(ValueError, match="domain 'happy' has documents of a single"):
        clf.fit(X, y, domains=one_class)
    with pytest.raises(TypeError, match="numeric array"):
        clf.fit(np.zeros((40, 3)), y[:40])
    with pytest.raises(TypeError, match="single str"):
        clf.fit("one document", [1])
    with pytest.raises(TypeError, match="document 2 is int"):
        clf.fit(["a", "b", 3], [0, 1, 0])
    with pytest.raises(ValueError, match="different lengths"):
        clf.fit(X, y[:-1], domains=d)
    with pytest.raises(ValueError, match="one entry per document"):
        clf.fit(X, y, domains=d[:-1])
    with pytest.raises(ValueError, match="at least two classes"):
        clf.fit(X, np.zeros(len(X)))
    with pytest.raises(ValueError, match="class_weight has keys"):
        LinearDomainWeightedClassifier(class_weight={"x": 2}).fit(X, y, domains=d)
    with pytest.raises(ValueError, match="ngram_range"):
        LinearDomainWeightedClassifier(ngram_range=(2, 1)).fit(X, y, domains=d)
    with pytest.raises(ValueError, match="text column 'text'"):
        import pandas as pd

        clf.fit(pd.DataFrame({"a": X, "b": X}), y)
    with pytest.raises(ValueError, match="missing values"):
        bad = d.copy()
        bad[0] = None
        clf.fit(X, y, domains=bad)
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        LinearDomainWeightedClassifier().predict(X)
    with pytest.raises(NotFittedError):
        LinearDomainWeightedClassifier().predict_weights(X)
    fitted = LinearDomainWeightedClassifier().fit(X, y, domains=d)
    with pytest.warns(FutureWarning, match="renamed predict_weights"):
        old = fitted.domain_weights(X[:5])
    np.testing.assert_array_equal(old, fitted.predict_weights(X[:5]))
    sw = np.ones(len(X))
    sw[0] = -1.0
    with pytest.raises(ValueError, match="Negative values in data passed to"):
        clf.fit(X, y, domains=d, sample_weight=sw)
    sw = np.where(d == d[0], 0.0, 1.0)
    with pytest.raises(ValueError, match=f"every sample_weight of domain {d[0]!r}"):
        clf.fit(X, y, domains=d, sample_weight=sw)


def test_domain_classifier_regularisation_is_domain_C(flip_data):
    Xtr, Xte, ytr, _, dtr, _ = flip_data
    fits = {
        c: LinearDomainWeightedClassifier(
            domain_weighting="classifier", domain_C=c
        ).fit(Xtr, ytr, domains=dtr)
        for c in (0.01, 10.0)
    }
    for c, clf in fits.items():
        assert clf.weighter_.classifier_[-1].C == c
    # strong regularisation pulls the domain posteriors towards the prior
    spread = {c: np.abs(f.predict_weights(Xte) - 0.5).mean() for c, f in fits.items()}
    assert spread[0.01] < spread[10.0]


def test_callable_tokenizer_and_per_domain_score(flip_data):
    Xtr, Xte, ytr, yte, dtr, dte = flip_data
    clf = LinearDomainWeightedClassifier(tokenizer=str.split).fit(Xtr, ytr, domains=dtr)
    scores = per_domain_score(yte, clf.predict(Xte), dte)
    assert set(scores) == {"books", "electronics"}
    assert all(0.8 < s <= 1 for s in scores.values())
    with pytest.raises(ValueError, match="same length"):
        per_domain_score([1], [1, 0], ["a"])
    bad = LinearDomainWeightedClassifier(tokenizer=lambda s: s)
    with pytest.raises(TypeError, match="list of str"):
        bad.fit(Xtr, ytr, domains=dtr)


# ---------------------------------------------------------------- VADER
def _vader_split():
    from sklweights.datasets import load_vader_multidomain

    data = load_vader_multidomain(binary=True)
    strata = np.char.add(data.domain.astype(str), data.label.astype(str))
    return train_test_split(
        data.text,
        data.label,
        data.domain,
        test_size=0.2,
        random_state=0,
        stratify=strata,
    )


@pytest.mark.slow
def test_vader_linear_reference():
    Xtr, Xte, ytr, yte, dtr, dte = _vader_split()
    clf = LinearDomainWeightedClassifier().fit(Xtr, ytr, domains=dtr)
    # measured 0.783 (DBD); the bar is 0.75
    assert clf.score(Xte, yte) >= 0.75
    # the DBD is a weak domain detector on VADER (measured 0.649)
    assert 0.5 < (clf.predict_domain(Xte) == dte).mean() < 0.8


@pytest.mark.slow
def test_vader_cost_sensitive_minority_recall():
    Xtr, Xte, ytr, yte, dtr, dte = _vader_split()
    rng = np.random.RandomState(0)
    keep = (ytr == "positive") | (rng.rand(len(ytr)) < 0.1)  # 10% of negatives
    recall = {}
    for cw in (None, "balanced"):
        clf = LinearDomainWeightedClassifier(
            class_weight=cw, domain_weighting="classifier"
        )
        clf.fit(Xtr[keep], ytr[keep], domains=dtr[keep])
        pred = clf.predict(Xte)
        recall[cw] = recall_score(yte, pred, pos_label="negative")
    # measured 0.022 -> 0.149 (with DBD weighting only 0.005 -> 0.086: the
    # spread DBD weights mix members and dilute the reweighting)
    assert recall["balanced"] >= recall[None] + 0.10
