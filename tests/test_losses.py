"""sklweights.losses: AnyLoss's soft confusion matrix and metric losses."""

import doctest

import numpy as np
import pytest
from sklearn.metrics import (
    accuracy_score,
    balanced_accuracy_score,
    confusion_matrix,
    f1_score,
    fbeta_score,
    recall_score,
)

pytestmark = pytest.mark.torch
torch = pytest.importorskip("torch")

from sklweights.losses import AnyLoss, anyloss, soft_confusion_matrix  # noqa: E402


def _problem(n=300, seed=0):
    rng = np.random.RandomState(seed)
    y = (rng.uniform(size=n) < 0.2).astype(int)
    # probabilities away from 0.5, so that a large amplifier is exact
    p = np.clip(rng.beta(2, 2, size=n) * 0.9 + 0.05 + 0.2 * (y - 0.5), 0.01, 0.99)
    p[np.abs(p - 0.5) < 0.01] = 0.6
    return p, y


def test_soft_counts_tend_to_the_confusion_matrix():
    p, y = _problem()
    cm = soft_confusion_matrix(torch.tensor(p), torch.tensor(y), amplifier=1e4)
    np.testing.assert_allclose(cm.numpy(), confusion_matrix(y, p > 0.5), atol=1e-6)
    # a small amplifier is not exact: the test can fail
    soft = soft_confusion_matrix(torch.tensor(p), torch.tensor(y), amplifier=2.0)
    assert np.abs(soft.numpy() - confusion_matrix(y, p > 0.5)).max() > 1
    # the soft counts always add up to the rows and the positives
    assert float(soft.sum()) == pytest.approx(len(y))
    assert float(soft[1].sum()) == pytest.approx(y.sum())


def test_weighted_soft_counts():
    p, y = _problem()
    w = np.random.RandomState(1).uniform(0.1, 3, size=len(y))
    cm = soft_confusion_matrix(p, y, amplifier=1e4, sample_weight=w)
    expected = confusion_matrix(y, p > 0.5, sample_weight=w)
    np.testing.assert_allclose(cm.numpy(), expected, rtol=1e-9, atol=1e-6)


def _gmean(y, pred):
    return np.sqrt(recall_score(y, pred) * recall_score(y, pred, pos_label=0))


@pytest.mark.parametrize(
    "metric, kwargs, reference",
    [
        ("accuracy", {}, accuracy_score),
        ("f1", {}, f1_score),
        ("fbeta", {"beta": 2.0}, lambda y, p: fbeta_score(y, p, beta=2.0)),
        ("fbeta", {"beta": 0.5}, lambda y, p: fbeta_score(y, p, beta=0.5)),
        ("balanced_accuracy", {}, balanced_accuracy_score),
        ("gmean", {}, _gmean),
        ("gmean_squared", {}, lambda y, p: _gmean(y, p) ** 2),
    ],
)
def test_metric_at_hard_predictions_equals_scikit_learn(metric, kwargs, reference):
    p, y = _problem()
    logits = torch.logit(torch.tensor(p))
    loss = anyloss(logits, torch.tensor(y), metric=metric, amplifier=1e5, **kwargs)
    assert 1 - float(loss) == pytest.approx(reference(y, p > 0.5), abs=1e-6)


def test_callable_metric_gets_tn_fp_fn_tp():
    p, y = _problem()
    seen = {}

    def precision(tn, fp, fn, tp):
        seen["counts"] = [float(v) for v in (tn, fp, fn, tp)]
        return tp / (tp + fp)

    loss = anyloss(torch.logit(torch.tensor(p)), y, metric=precision, amplifier=1e5)
    np.testing.assert_allclose(
        seen["counts"], confusion_matrix(y, p > 0.5).ravel(), atol=1e-5
    )
    tn, fp, fn, tp = confusion_matrix(y, p > 0.5).ravel()
    assert 1 - float(loss) == pytest.approx(tp / (tp + fp), abs=1e-6)


@pytest.mark.parametrize("beta", [0.5, 1.0, 2.0])
def test_f_beta_gradient_equals_the_closed_form_of_a_single_layer(beta):
    """The authors' hand gradient for a single-layer perceptron (float64)."""
    rng = np.random.RandomState(0)
    n, d, L = 200, 4, 7.0
    X = np.column_stack([np.ones(n), rng.normal(size=(n, d))])
    y = (rng.uniform(size=n) < 0.3).astype(float)
    theta = torch.tensor(0.3 * rng.normal(size=d + 1), requires_grad=True)
    loss = anyloss(
        torch.tensor(X) @ theta,
        torch.tensor(y),
        metric="fbeta",
        beta=beta,
        amplifier=L,
        eps=0.0,
    )
    loss.backward()
    # closed form: yp_pz = L yhat (1 - yhat) p (1 - p)
    p = 1 / (1 + np.exp(-(X @ theta.detach().numpy())))
    yhat = 1 / (1 + np.exp(-L * (p - 0.5)))
    dz = L * yhat * (1 - yhat) * p * (1 - p)
    tp, den = (y * yhat).sum(), beta**2 * y.sum() + yhat.sum()
    grad = -(1 + beta**2) * (X.T @ (y * dz) * den - X.T @ dz * tp) / den**2
    np.testing.assert_allclose(theta.grad.numpy(), grad, rtol=1e-8, atol=1e-12)


@pytest.mark.parametrize("metric", ["f1", "gmean", "balanced_accuracy", "accuracy"])
def test_invariant_to_row_order(metric):
    p, y = _problem()
    z = torch.logit(torch.tensor(p))
    perm = np.random.RandomState(3).permutation(len(y))
    a = anyloss(z, torch.tensor(y), metric=metric)
    b = anyloss(z[perm], torch.tensor(y[perm]), metric=metric)
    assert float(a) == pytest.approx(float(b), rel=1e-12)


@pytest.mark.parametrize("metric", ["gmean", "balanced_accuracy", "accuracy"])
def test_counts_are_those_of_the_batch_in_hand(metric):
    """Regression test for the reference snippet's whole-set N with batch sums."""
    p, y = _problem(400)
    half = slice(0, 200)
    z = torch.logit(torch.tensor(p))
    loss = float(anyloss(z[half], torch.tensor(y[half]), metric=metric, eps=0.0))
    # recomputed by hand from the half alone: its own N and its own positives
    a = 1 / (1 + np.exp(-73.0 * (p[half] - 0.5)))
    yh = y[half]
    n, pos, tp = len(yh), yh.sum(), (yh * a).sum()
    tn = n - pos - a.sum() + tp
    tpr, tnr = tp / pos, tn / (n - pos)
    own = {
        "gmean": np.sqrt(tpr * tnr),
        "balanced_accuracy": (tpr + tnr) / 2,
        "accuracy": (tp + tn) / n,
    }[metric]
    assert 1 - loss == pytest.approx(own, rel=1e-9)
    # the reference's N of the whole set (400) would give another value
    tn_whole = 400 - pos - a.sum() + tp
    wrong = {
        "gmean": np.sqrt(tpr * tn_whole / (400 - pos)),
        "balanced_accuracy": (tpr + tn_whole / (400 - pos)) / 2,
        "accuracy": (tp + tn_whole) / 400,
    }[metric]
    assert abs((1 - loss) - wrong) > 1e-3


def test_module_equals_function_and_weights_are_used():
    p, y = _problem()
    z = torch.logit(torch.tensor(p))
    yt = torch.tensor(y, dtype=torch.float64)
    crit = AnyLoss("fbeta", beta=2.0, amplifier=10.0)
    assert float(crit(z, yt)) == float(
        anyloss(z, yt, metric="fbeta", beta=2.0, amplifier=10.0)
    )
    assert "fbeta" in repr(crit)
    w = torch.ones(len(y), dtype=torch.float64)
    assert float(crit(z, yt, w)) == pytest.approx(float(crit(z, yt)), rel=1e-12)
    w[y == 1] = 3.0
    # up-weighting the positives is the same as repeating them
    rep = np.concatenate([np.arange(len(y)), np.repeat(np.flatnonzero(y == 1), 2)])
    assert float(crit(z, yt, w)) == pytest.approx(float(crit(z[rep], yt[rep])))


def test_loss_gradients_flow_in_float32_at_zero_init():
    X = torch.randn(50, 3, generator=torch.Generator().manual_seed(0))
    y = (X[:, 0] > 0.5).float()
    lin = torch.nn.Linear(3, 1)
    torch.nn.init.zeros_(lin.weight)
    torch.nn.init.zeros_(lin.bias)
    for metric in ["accuracy", "f1", "gmean", "balanced_accuracy"]:
        lin.zero_grad()
        anyloss(lin(X), y, metric=metric).backward()
        assert torch.isfinite(lin.weight.grad).all()
        assert lin.weight.grad.abs().max() > 0


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"amplifier": 0.0}, "amplifier must be a positive"),
        ({"amplifier": -1}, "amplifier must be a positive"),
        ({"amplifier": float("inf")}, "amplifier must be a positive"),
        ({"metric": "auc"}, "metric must be one of"),
        ({"metric": "fbeta", "beta": 0}, "beta must be a positive"),
    ],
)
def test_bad_arguments(kwargs, match):
    z, y = torch.zeros(4), torch.tensor([0, 1, 0, 1])
    with pytest.raises(ValueError, match=match):
        anyloss(z, y, **kwargs)
    with pytest.raises(ValueError, match=match):
        AnyLoss(**kwargs)


def test_shape_mismatch():
    with pytest.raises(ValueError, match="one value per row"):
        anyloss(torch.zeros(4), torch.tensor([0, 1, 0]))
    with pytest.raises(ValueError, match="one weight per row"):
        soft_confusion_matrix(torch.zeros(4), [0, 1, 0, 1], sample_weight=[1.0])


def test_docstring_examples_run():
    pytest.importorskip("skorch")
    import sklweights.losses._anyloss as functions
    import sklweights.losses._modules as modules

    for mod in (functions, modules):
        result = doctest.testmod(mod, optionflags=doctest.NORMALIZE_WHITESPACE)
        assert result.attempted > 0 and result.failed == 0, mod.__name__


def test_losses_import_without_torch():
    import subprocess
    import sys

    code = (
        "import sys; import sklweights.losses as L\n"
        "assert 'torch' not in sys.modules\n"
        "assert 'AnyLoss' in dir(L) and callable(L.anyloss)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
