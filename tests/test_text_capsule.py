"""DomainWeightedCapsuleClassifier (torch)."""

import os
import pickle
import warnings

import numpy as np
import pytest
from sklearn import config_context
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import Pipeline

from sklweights.datasets import make_multidomain_sentiment
from sklweights.text import DomainWeightedCapsuleClassifier

pytestmark = pytest.mark.torch

FAST = dict(
    max_epochs=3,
    early_stopping=False,
    embed_dim=16,
    n_filters=16,
    n_capsule_channels=4,
    capsule_dim=4,
    class_capsule_dim=8,
    batch_size=32,
    learning_rate=0.01,
    random_state=0,
    device="cpu",
)
FITTED = {**FAST, "max_epochs": 6}


@pytest.fixture(scope="module")
def data():
    X, y, d = make_multidomain_sentiment(
        n_domains=2, n_samples_per_domain=150, flip_fraction=0.7, random_state=0
    )
    return train_test_split(X, y, d, test_size=0.3, random_state=0, stratify=d)


@pytest.fixture(scope="module")
def fitted(data):
    Xtr, Xte, ytr, yte, dtr, dte = data
    return DomainWeightedCapsuleClassifier(**FITTED).fit(Xtr, ytr, domains=dtr)


def test_squash_and_margin_loss():
    import torch

    from sklweights.text._capsule_net import margin_loss, squash

    s = torch.tensor([[0.0, 0.0], [3.0, 4.0]])
    v = squash(s)
    assert torch.isfinite(v).all() and (v[0] == 0).all()
    np.testing.assert_allclose(v[1].norm().item(), 25 / 26, rtol=1e-6)
    lengths = torch.tensor([[0.95, 0.05], [0.5, 0.6]])
    loss = margin_loss(lengths, torch.tensor([0, 0]))
    np.testing.assert_allclose(loss.numpy(), [0.0, 0.4**2 + 0.5 * 0.5**2], rtol=1e-6)


def test_routing_masks_padding_and_any_length():
    import torch

    from sklweights.text._capsule_net import CapsuleTextNet

    torch.manual_seed(0)
    net = CapsuleTextNet(20, 3, embed_dim=8, n_filters=8, n_channels=2, capsule_dim=4)
    net.eval()
    ids = torch.tensor([[5, 6, 7]])
    padded = torch.tensor([[5, 6, 7, 0, 0, 0, 0]])
    with torch.no_grad():
        a, b = net(ids), net(padded)
        longer = net(torch.randint(2, 20, (2, 200)))
    torch.testing.assert_close(a, b)
    assert a.shape == (1, 3) and longer.shape == (2, 3)
    assert ((a > 0) & (a < 1)).all()
    # the transformation is shared over positions: size independent of length
    assert net.weight.shape == (2, 3, 16, 4)


def test_fit_predict_shapes_and_probabilities(data, fitted):
    Xtr, Xte, ytr, yte, dtr, dte = data
    proba = fitted.predict_proba(Xte)
    assert proba.shape == (len(Xte), 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-6)
    assert (proba >= 0).all()
    w = fitted.predict_weights(Xte)
    np.testing.assert_allclose(w.sum(axis=1), 1)
    assert (fitted.predict_domain(Xte) == dte).mean() > 0.9
    assert fitted.score(Xte, yte) > 0.7
    assert fitted.device_ == "cpu" and len(fitted.modules_) == 2
    names = {"(pooled pre-training)", "books", "electronics"}
    assert set(fitted.member_histories_) == names
    # history_ is the one shape of every torch estimator: per-epoch dicts
    assert isinstance(fitted.history_, list)
    assert {r["network"] for r in fitted.history_} == names
    assert isinstance(fitted.n_epochs_, int) and isinstance(fitted.best_epoch_, int)
    # empty documents get a valid distribution
    np.testing.assert_allclose(fitted.predict_proba(["", "zzz qqq"]).sum(axis=1), 1)


def test_batch_composition_does_not_change_predictions(data, fitted):
    Xtr, Xte, *_ = data
    full = fitted.predict_proba(Xte)
    parts = np.vstack([fitted.predict_proba(Xte[i : i + 7]) for i in range(0, 42, 7)])
    np.testing.assert_allclose(parts, full[:42], rtol=1e-5, atol=1e-6)


def test_determinism_clone_and_pickle(data, fitted):
    Xtr, Xte, ytr, yte, dtr, dte = data
    again = clone(fitted).fit(Xtr, ytr, domains=dtr)
    np.testing.assert_array_equal(fitted.predict_proba(Xte), again.predict_proba(Xte))
    loaded = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(fitted.predict_proba(Xte), loaded.predict_proba(Xte))
    other = clone(fitted).set_params(random_state=1).fit(Xtr, ytr, domains=dtr)
    assert not np.array_equal(other.predict_proba(Xte), fitted.predict_proba(Xte))


def test_training_does_not_touch_global_torch_rng(data):
    import torch

    Xtr, Xte, ytr, yte, dtr, dte = data
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    DomainWeightedCapsuleClassifier(**{**FAST, "max_epochs": 1}).fit(
        Xtr, ytr, domains=dtr
    )
    torch.testing.assert_close(torch.rand(3), expected)


@pytest.mark.parametrize(
    "params",
    [
        dict(pretrain_pooled=False),
        dict(loss="cross_entropy", routing_iterations=1),
        dict(domain_weighting="classifier", class_weight="balanced"),
        dict(domain_weighting="uniform", kernel_size=2, max_vocab=50),
        dict(embeddings="corpus", pretrain_pooled=False),
        dict(embeddings="unit"),
    ],
)
def test_options_fit(data, params):
    Xtr, Xte, ytr, yte, dtr, dte = data
    clf = DomainWeightedCapsuleClassifier(**{**FAST, **params}).fit(
        Xtr, ytr, domains=dtr
    )
    proba = clf.predict_proba(Xte)
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-6)
    if params.get("domain_weighting") == "uniform":
        np.testing.assert_allclose(clf.predict_weights(Xte), 0.5)
    if not params.get("pretrain_pooled", True):
        assert clf.vocabularies_[0] != clf.vocabularies_[1]


def test_drawn_embedding_scales():
    from sklweights.text._capsule_net import CapsuleTextNet

    for std, norm in [(None, 1.0), (1.0, 8.0)]:
        net = CapsuleTextNet(2000, 2, embed_dim=64, embed_std=std)
        w = net.embedding.weight.detach()
        assert (w[0] == 0).all()  # padding
        assert abs(w[1:].norm(dim=1).mean().item() / norm - 1) < 0.05
    # "scaled" is the default of the estimator; "unit" is torch's N(0, 1)
    assert DomainWeightedCapsuleClassifier().embeddings == "scaled"


def _word_vectors(words, dim, seed=0):
    return np.random.default_rng(seed).normal(size=(len(words), dim))


def test_user_embeddings_start_each_network(data):
    Xtr, Xte, ytr, yte, dtr, dte = data
    from sklweights.text._embeddings import check_embeddings

    clf = DomainWeightedCapsuleClassifier(**FAST).fit(Xtr, ytr, domains=dtr)
    words = sorted(clf.vocabularies_[0])
    half = words[::2]
    vectors = _word_vectors(half, 16)
    params = {**FAST, "embeddings": (vectors, half)}
    est = DomainWeightedCapsuleClassifier(**params).fit(Xtr, ytr, domains=dtr)
    # every network's vocabulary is the pooled one: half of it had a vector
    np.testing.assert_allclose(est.embedding_coverage_, 0.5, atol=0.01)
    # the initial rows are the given vectors times one constant (RMS norm 1)
    vocab = est.vocabularies_[0]
    net = est._make_net(vocab, check_embeddings(params["embeddings"], 16))
    w = net.embedding.weight.detach().numpy().astype(float)
    ids = [vocab[t] for t in half]
    ratio = w[ids] / vectors
    np.testing.assert_allclose(ratio, ratio[0, 0], rtol=1e-5)
    assert np.sqrt(np.mean(np.sum(w[ids] ** 2, axis=1))) == pytest.approx(1, 1e-5)
    # a dict gives the same networks as the pair
    as_dict = DomainWeightedCapsuleClassifier(
        **{**FAST, "embeddings": dict(zip(half, vectors))}
    ).fit(Xtr, ytr, domains=dtr)
    np.testing.assert_allclose(as_dict.predict_proba(Xte), est.predict_proba(Xte))
    # ... and differs from drawn embeddings
    assert not np.allclose(clf.predict_proba(Xte), est.predict_proba(Xte))


def test_corpus_vectors_put_interchangeable_words_together():
    from sklweights.text._embeddings import corpus_vectors

    rng = np.random.default_rng(0)
    docs = []
    for _ in range(400):
        pos, neg = rng.choice(["good", "great"]), rng.choice(["bad", "awful"])
        subject = rng.choice(["film", "phone", "book", "plot"])
        docs.append([subject, "was", pos, "fun", "joy"])
        docs.append([subject, "was", neg, "dull", "boring"])
    vocab = {w: i + 2 for i, w in enumerate(sorted({t for d in docs for t in d}))}
    index, vectors = corpus_vectors(docs, vocab, 4, random_state=0)
    assert set(index) == set(vocab) and vectors.shape == (len(vocab) + 2, 4)

    def cos(a, b):
        u, v = vectors[index[a]], vectors[index[b]]
        return u @ v / np.linalg.norm(u) / np.linalg.norm(v)

    assert cos("good", "great") > 0.9 and cos("bad", "awful") > 0.9
    # the words of the other polarity share "was" and the subject only
    assert cos("good", "bad") < 0.5


@pytest.mark.parametrize(
    "embeddings, error, match",
    [
        ((np.ones((3, 8)), ["a", "b", "c"]), ValueError, "length 8 but embed_dim=16"),
        ((np.ones((3, 16)), ["a", "b"]), ValueError, "one row per word"),
        ((np.ones((2, 16)),), ValueError, "tuple must be"),
        ({"a": [np.nan] * 16}, ValueError, "NaN"),
        ({}, ValueError, "empty"),
        ({"a": [1.0] * 16, "b": [1.0] * 3}, ValueError, "same length"),
        ((np.ones((1, 16)), [7]), TypeError, "words must be str"),
        ("glove", ValueError, "embeddings"),
        (np.ones((3, 16)), ValueError, "embeddings"),
    ],
)
def test_embeddings_errors(data, embeddings, error, match):
    Xtr, Xte, ytr, yte, dtr, dte = data
    est = DomainWeightedCapsuleClassifier(**{**FAST, "embeddings": embeddings})
    with pytest.raises(error, match=match):
        est.fit(Xtr, ytr, domains=dtr)
    assert not hasattr(est, "modules_")  # refused before any training


def _imbalanced_problem(seed=0):
    """Two domains, 10% negatives in training, a balanced test set."""
    common = dict(n_domains=2, n_samples_per_domain=200, flip_fraction=0.3)
    X, y, d = make_multidomain_sentiment(
        **common, negative_fraction=0.1, random_state=seed
    )
    Xt, yt, _ = make_multidomain_sentiment(**common, random_state=seed + 100)
    values, counts = np.unique(y, return_counts=True)
    return X, y, d, Xt, yt, values[np.argmin(counts)]


def test_balanced_class_weight_raises_minority_recall():
    # the cost-sensitive loss must reach every network (the pooled
    # pre-training and the domain fine-tuning): without it the ensemble
    # predicts the majority class almost always
    X, y, d, Xt, yt, minority = _imbalanced_problem()
    assert np.mean(y == minority) < 0.15
    recall = {}
    for cw in (None, "balanced"):
        clf = DomainWeightedCapsuleClassifier(**FAST, class_weight=cw)
        pred = clf.fit(X, y, domains=d).predict(Xt)
        recall[cw] = np.mean(pred[yt == minority] == minority)
    assert recall["balanced"] > recall[None] + 0.2, recall


def test_class_weight_dict_is_a_per_class_sample_weight():
    X, y, d, Xt, yt, minority = _imbalanced_problem()
    params = {**FAST, "max_epochs": 2}
    by_class = DomainWeightedCapsuleClassifier(
        **params, class_weight={minority: 4.0}
    ).fit(X, y, domains=d)
    by_sample = DomainWeightedCapsuleClassifier(**params).fit(
        X, y, domains=d, sample_weight=np.where(y == minority, 4.0, 1.0)
    )
    unweighted = DomainWeightedCapsuleClassifier(**params).fit(X, y, domains=d)
    np.testing.assert_allclose(
        by_class.predict_proba(Xt), by_sample.predict_proba(Xt), rtol=1e-5
    )
    assert not np.allclose(by_class.predict_proba(Xt), unweighted.predict_proba(Xt))


def test_early_stopping_and_history(data):
    Xtr, Xte, ytr, yte, dtr, dte = data
    params = {**FAST, "early_stopping": True, "max_epochs": 2, "n_iter_no_change": 5}
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        clf = DomainWeightedCapsuleClassifier(**params).fit(Xtr, ytr, domains=dtr)
    assert any(issubclass(w.category, ConvergenceWarning) for w in rec)
    assert all("valid_loss" in h[0] for h in clf.member_histories_.values())
    assert all("valid_loss" in r for r in clf.history_)
    assert clf.member_n_epochs_.tolist() == [2, 2] and clf.n_epochs_ == 2
    assert clf.member_best_epoch_.shape == (2,)
    assert clf.best_epoch_ == clf.member_best_epoch_.max()


def test_single_domain_and_dataframe(data):
    pd = pytest.importorskip("pandas")
    Xtr, Xte, ytr, yte, dtr, dte = data
    clf = DomainWeightedCapsuleClassifier(**FAST).fit(Xtr, ytr)
    assert list(clf.domains_) == ["all"]
    np.testing.assert_allclose(clf.predict_weights(Xte), 1.0)
    frame = pd.DataFrame({"review": Xtr, "area": dtr})
    clf = DomainWeightedCapsuleClassifier(
        **FAST, text_column="review", domain_column="area"
    ).fit(frame, ytr)
    assert list(clf.domains_) == ["books", "electronics"]


def test_pipeline_and_gridsearch_with_routing(data):
    Xtr, Xte, ytr, yte, dtr, dte = data
    params = {**FAST, "max_epochs": 1}
    pipe = Pipeline([("caps", DomainWeightedCapsuleClassifier(**params))])
    pipe.fit(Xtr, ytr, caps__domains=dtr)
    assert len(pipe[-1].domains_) == 2
    with config_context(enable_metadata_routing=True):
        clf = DomainWeightedCapsuleClassifier(**params).set_fit_request(domains=True)
        search = GridSearchCV(clf, {"routing_iterations": [1, 3]}, cv=2)
        search.fit(Xtr, ytr, domains=dtr)
        assert len(search.best_estimator_.domains_) == 2


def test_errors(data):
    Xtr, Xte, ytr, yte, dtr, dte = data
    with pytest.raises(ValueError, match="single class"):
        d = dtr.copy()
        d[np.flatnonzero(ytr == 0)[:15]] = "sad"
        DomainWeightedCapsuleClassifier(**FAST).fit(Xtr, ytr, domains=d)
    with pytest.raises(ValueError, match="min_domain_samples=10"):
        d = dtr.copy()
        d[:3] = "tiny"
        DomainWeightedCapsuleClassifier(**FAST).fit(Xtr, ytr, domains=d)
    with pytest.raises(TypeError, match="numeric array"):
        DomainWeightedCapsuleClassifier(**FAST).fit(np.ones((10, 2)), ytr[:10])


def test_cuda_without_cuda_is_a_clear_error(data):
    import torch

    if torch.cuda.is_available():
        pytest.skip("a CUDA device is present")
    Xtr, Xte, ytr, yte, dtr, dte = data
    clf = DomainWeightedCapsuleClassifier(**{**FAST, "device": "cuda"})
    with pytest.raises(ValueError, match="CUDA is not available"):
        clf.fit(Xtr, ytr, domains=dtr)


@pytest.mark.gpu
def test_gpu_fit_matches_cpu_and_pickles_to_cpu(data):
    Xtr, Xte, ytr, yte, dtr, dte = data
    # dropout=0: dropout masks come from each device's own random stream
    # (torch's CPU and CUDA generators differ), so only the arithmetic can be
    # compared; with the same seed the two runs then differ by float32
    # rounding alone.
    params = {**FITTED, "dropout": 0.0}
    cpu = DomainWeightedCapsuleClassifier(**params).fit(Xtr, ytr, domains=dtr)
    gpu = DomainWeightedCapsuleClassifier(**{**params, "device": "cuda"})
    gpu.fit(Xtr, ytr, domains=dtr)
    assert gpu.device_.startswith("cuda")
    assert next(gpu.modules_[0].parameters()).device.type == "cpu"
    agree = (gpu.predict(Xte) == cpu.predict(Xte)).mean()
    assert agree > 0.95
    np.testing.assert_allclose(
        gpu.predict_proba(Xte), cpu.predict_proba(Xte), atol=0.02
    )
    loaded = pickle.loads(pickle.dumps(gpu))
    loaded.set_params(device="cpu")
    np.testing.assert_allclose(
        loaded.predict_proba(Xte), gpu.predict_proba(Xte), rtol=1e-4, atol=1e-5
    )


@pytest.mark.slow
@pytest.mark.skipif(
    not os.environ.get("SKLWEIGHTS_HEAVY_TESTS"),
    reason="full-VADER capsule training takes several minutes on 2 cores; "
    "set SKLWEIGHTS_HEAVY_TESTS=1",
)
def test_vader_capsule_close_to_pooled_logistic():
    from sklweights.datasets import load_vader_multidomain
    from sklweights.text import LinearDomainWeightedClassifier

    data = load_vader_multidomain(binary=True)
    strata = np.char.add(data.domain.astype(str), data.label.astype(str))
    Xtr, Xte, ytr, yte, dtr, dte = train_test_split(
        data.text,
        data.label,
        data.domain,
        test_size=0.2,
        random_state=0,
        stratify=strata,
    )
    pooled = LinearDomainWeightedClassifier().fit(Xtr, ytr)  # one domain
    caps = DomainWeightedCapsuleClassifier(
        domain_weighting="classifier", random_state=0, device="cpu"
    ).fit(Xtr, ytr, domains=dtr)
    # the bar: within 0.05 of the pooled TF-IDF logistic regression
    assert caps.score(Xte, yte) >= pooled.score(Xte, yte) - 0.05
