"""sklweights.losses: LDR-KL, ALDR-KL and the noise-robust baselines."""

import math

import numpy as np
import pytest

pytestmark = pytest.mark.torch
torch = pytest.importorskip("torch")

from sklweights.losses import (  # noqa: E402
    ALDRKLLoss,
    LDRKLLoss,
    aldr_kl_temperature,
    cross_entropy_loss,
    generalized_cross_entropy,
    ldr_kl_loss,
    mean_absolute_error_loss,
    symmetric_cross_entropy,
)
from sklweights.losses._ldr import default_normalization  # noqa: E402


def _logits(n=40, k=5, seed=0, dtype=torch.float64):
    g = torch.Generator().manual_seed(seed)
    z = torch.randn(n, k, generator=g, dtype=dtype)
    y = torch.randint(0, k, (n,), generator=g)
    return z, y


def _reference_ldr(z, y, lam, margin, normalize):
    """The authors' LDRLoss_V1 / ALDRLoss_V1 forward, row by row in numpy."""
    z = np.asarray(z, dtype=float)
    out = []
    for i in range(len(z)):
        zi = z[i]
        if normalize == "softplus_mean":
            zi = np.log1p(np.exp(zi))
            zi = zi / zi.mean()
        elif normalize == "l1":
            zi = zi / (np.abs(zi).sum() / len(zi))
        d = np.array([margin * (k != y[i]) + zi[k] - zi[y[i]] for k in range(len(zi))])
        lam_i = lam[i] if np.ndim(lam) else lam
        out.append(lam_i * np.log(np.mean(np.exp(d / lam_i))))
    return np.array(out)


def _brute_force_max(d, lam):
    """max over the simplex of q.d - lam KL(q || uniform), and its maximiser.

    Solved numerically (scipy, SLSQP on the simplex from several starts),
    independent of the closed form.
    """
    from scipy.optimize import minimize

    k = len(d)

    def neg(q):
        q = np.clip(q, 1e-300, None)
        return -(q @ d - lam * np.sum(q * np.log(k * q)))

    best = None
    for start in [np.full(k, 1 / k), *np.eye(k) * 0.98 + 0.02 / k]:
        res = minimize(
            neg,
            start,
            method="SLSQP",
            bounds=[(0, 1)] * k,
            constraints=[{"type": "eq", "fun": lambda q: q.sum() - 1}],
            options={"ftol": 1e-14, "maxiter": 500},
        )
        if best is None or res.fun < best.fun:
            best = res
    return -best.fun, best.x


@pytest.mark.parametrize("k", [2, 3])
@pytest.mark.parametrize("lam", [0.5, 1.0, 10.0])
def test_closed_form_and_gradient_equal_the_brute_force_inner_max(k, lam):
    # LDR-KL is max_q sum_k q_k d_k - lam KL(q || 1/K), with d_k = z_k - z_y
    # + c [k != y]; by Danskin its gradient in z is q* - e_y
    z, y = _logits(n=5, k=k, seed=7)
    z.requires_grad_(True)
    loss = ldr_kl_loss(z, y, temperature=lam, margin=0.3, normalize=None)
    per_row = ldr_kl_loss(
        z, y, temperature=lam, margin=0.3, normalize=None, reduction="none"
    )
    loss.backward()
    for i in range(5):
        zi = z[i].detach().numpy()
        d = zi - zi[y[i]] + 0.3 * (np.arange(k) != int(y[i]))
        value, q = _brute_force_max(d, lam)
        assert float(per_row[i].detach()) == pytest.approx(value, abs=1e-7)
        grad = q - np.eye(k)[int(y[i])]
        np.testing.assert_allclose(z.grad[i].numpy() * 5, grad, atol=2e-5)


def test_l1_normalisation_is_flat_for_two_classes_with_opposite_signs():
    # why default_normalization avoids "l1" for ALDR-KL with K = 2: logits of
    # opposite signs all normalise to (1, -1) or (-1, 1): zero gradient, even
    # for a row on the wrong side; with K = 3, or "softplus_mean", it moves
    wrong = torch.tensor([[1.3, -0.4], [0.2, -5.0]], dtype=torch.float64)
    y = torch.tensor([1, 1])
    z = wrong.clone().requires_grad_(True)
    ldr_kl_loss(z, y, normalize="l1").backward()
    assert z.grad.abs().max() < 1e-10  # 0 but for the normalisation's eps
    assert default_normalization("aldr_kl", 2) == "softplus_mean"
    z = wrong.clone().requires_grad_(True)
    ldr_kl_loss(z, y, normalize="softplus_mean").backward()
    assert z.grad.abs().min() > 1e-3
    z = torch.tensor([[1.3, -0.4, -0.9]], dtype=torch.float64, requires_grad=True)
    ldr_kl_loss(z, torch.tensor([1]), normalize="l1").backward()
    assert z.grad.abs().max() > 1e-3
    assert default_normalization("aldr_kl", 3) == "l1"
    assert default_normalization("ldr_kl", 2) == "softplus_mean"
    with pytest.raises(ValueError, match="loss must be"):
        default_normalization("ce", 2)


def test_aldr_module_auto_normalisation_follows_the_class_count():
    # ALDRKLLoss defaults to "auto": the authors' "l1" from three classes, and
    # "softplus_mean" for two, where "l1" would have no gradient at all
    wrong = torch.tensor([[1.3, -0.4], [0.2, -5.0]], dtype=torch.float64)
    y, rows = torch.tensor([1, 1]), torch.tensor([0, 1])
    grads = {}
    for normalize in ("auto", "l1", "softplus_mean"):
        z = wrong.clone().requires_grad_(True)
        crit = ALDRKLLoss(2, normalize=normalize).double()
        crit(z, y, rows).backward()
        grads[normalize] = z.grad
    assert ALDRKLLoss(2).normalize == "auto"
    assert grads["l1"].abs().max() < 1e-10
    assert grads["auto"].abs().min() > 1e-3
    torch.testing.assert_close(grads["auto"], grads["softplus_mean"])
    z3 = torch.tensor([[1.3, -0.4, -0.9], [0.1, 0.5, -2.0]], dtype=torch.float64)
    out = {n: ALDRKLLoss(2, normalize=n).double()(z3, y, rows) for n in ("auto", "l1")}
    torch.testing.assert_close(out["auto"], out["l1"])
    with pytest.raises(ValueError, match="normalize must be 'auto' or one of"):
        ALDRKLLoss(2, normalize="max")


def test_aldr_temperature_bounds_for_two_classes():
    # lambda = lambda0 (1 - KL / (alpha log 2)), KL <= log 2: in [lambda0/2,
    # lambda0] at alpha = 2, down to the bound for a confident prediction
    z = torch.tensor([[50.0, -50.0], [0.0, 0.0]], dtype=torch.float64)
    lam = aldr_kl_temperature(
        z, torch.ones(2, dtype=torch.float64), temperature=10.0, alpha=2.0
    )
    p = np.array([1 + 1e-5, 1e-5]) / (1 + 2e-5)
    kl = np.sum(p * np.log(2 * p))
    np.testing.assert_allclose(
        lam.numpy(), [10 * (1 - kl / (2 * math.log(2))), 10.0], rtol=1e-12
    )
    assert 5.0 <= float(lam[0]) < 5.001


def test_temperature_one_without_margin_is_cross_entropy_minus_log_k():
    z, y = _logits()
    loss = ldr_kl_loss(z, y, temperature=1.0, margin=0.0, normalize=None)
    ce = torch.nn.functional.cross_entropy(z, y)
    assert float(loss) == pytest.approx(float(ce) - math.log(5), abs=1e-10)


@pytest.mark.parametrize("normalize", ["softplus_mean", "l1", None])
def test_large_and_small_temperature_limits(normalize):
    z, y = _logits()
    zn = z
    if normalize == "softplus_mean":
        zn = torch.nn.functional.softplus(z)
        zn = zn / zn.mean(1, keepdim=True)
    elif normalize == "l1":
        zn = z / z.abs().mean(1, keepdim=True)
    d = (
        zn
        - zn.gather(1, y[:, None])
        + 0.1 * (1 - torch.nn.functional.one_hot(y, 5).double())
    )
    big = ldr_kl_loss(z, y, temperature=1e4, normalize=normalize, reduction="none")
    np.testing.assert_allclose(big.numpy(), d.mean(1).numpy(), rtol=1e-3, atol=1e-4)
    lam = 1e-3
    small = ldr_kl_loss(z, y, temperature=lam, normalize=normalize, reduction="none")
    expected = d.max(1).values - lam * math.log(5)
    np.testing.assert_allclose(small.numpy(), expected.numpy(), atol=1e-3)


@pytest.mark.parametrize("normalize", ["softplus_mean", "l1"])
def test_parity_with_the_reference_forward(normalize):
    z, y = _logits(seed=3)
    ours = ldr_kl_loss(
        z, y, temperature=2.5, margin=0.1, normalize=normalize, reduction="none"
    )
    ref = _reference_ldr(z.numpy(), y.numpy(), 2.5, 0.1, normalize)
    np.testing.assert_allclose(ours.numpy(), ref, rtol=1e-6, atol=1e-9)


def test_aldr_parity_and_bounds():
    z, y = _logits(seed=4)
    crit = ALDRKLLoss(40, temperature=10.0, alpha=2.0, margin=0.1).double()
    rows = torch.arange(40)
    per_row = crit(z, y, rows, reduction="none")
    lam = crit.temperatures.numpy()
    assert np.all(lam <= 10.0) and np.all(lam >= 10.0 * (1 - 1 / 2.0))
    assert np.any(lam < 10.0)
    # the reference: LDR-KL at the updated temperatures plus its penalty
    zn = z / z.abs().mean(1, keepdim=True)
    p = torch.softmax(zn / 10.0, 1) + 1e-5
    p = p / p.sum(1, keepdim=True)
    kl = (p * torch.log(5 * p)).sum(1)
    lam_ref = 10.0 - 10.0 * kl / (2.0 * math.log(5))
    np.testing.assert_allclose(lam, lam_ref.numpy(), rtol=1e-10)
    penalty = -(2.0 * math.log(5) / 20.0) * (lam_ref.numpy() - 10.0) ** 2
    ref = _reference_ldr(z.numpy(), y.numpy(), lam_ref.numpy(), 0.1, "l1") + penalty
    np.testing.assert_allclose(per_row.detach().numpy(), ref, rtol=1e-6, atol=1e-9)


def test_aldr_with_huge_alpha_is_ldr_kl():
    z, y = _logits(seed=5)
    ldr = ldr_kl_loss(z, y, temperature=10.0, normalize="l1")
    for alpha in (float("inf"), 1e12):
        crit = ALDRKLLoss(40, temperature=10.0, alpha=alpha).double()
        assert float(crit(z, y, torch.arange(40))) == pytest.approx(
            float(ldr), rel=1e-6
        )


def test_update_false_leaves_the_temperatures_alone():
    z, y = _logits()
    crit = ALDRKLLoss(100).double()
    crit(z, y, torch.arange(40, 80), update=False)
    assert torch.all(crit.temperatures == 10.0)
    crit(z, y, torch.arange(40, 80))
    changed = crit.temperatures != 10.0
    assert changed[40:80].any() and not changed[:40].any() and not changed[80:].any()


def test_l1_normalisation_removes_the_logit_scale_softplus_does_not():
    z, y = _logits()
    a = ldr_kl_loss(z, y, normalize="l1")
    assert float(ldr_kl_loss(3.7 * z, y, normalize="l1")) == pytest.approx(
        float(a), rel=1e-9
    )
    crit = ALDRKLLoss(40).double()
    b = crit(z, y, torch.arange(40), update=False)
    assert float(crit(3.7 * z, y, torch.arange(40), update=False)) == pytest.approx(
        float(b), rel=1e-9
    )
    # the authors' LDR-KL normalisation (softplus, then / mean) is not
    # scale-invariant: softplus(c z) is not c softplus(z)
    s1 = ldr_kl_loss(z, y, normalize="softplus_mean")
    s2 = ldr_kl_loss(3.7 * z, y, normalize="softplus_mean")
    assert abs(float(s1) - float(s2)) > 1e-3


@pytest.mark.parametrize(
    "fn",
    [
        lambda z, y: ldr_kl_loss(z, y, normalize="softplus_mean"),
        lambda z, y: ldr_kl_loss(z, y, normalize="l1", temperature=0.5),
        lambda z, y: generalized_cross_entropy(z, y),
        lambda z, y: symmetric_cross_entropy(z, y),
        lambda z, y: mean_absolute_error_loss(z, y),
        lambda z, y: cross_entropy_loss(z, y),
    ],
)
def test_autograd_equals_finite_differences(fn):
    z, y = _logits(n=6, k=4)
    z.requires_grad_(True)
    assert torch.autograd.gradcheck(lambda t: fn(t, y), (z,), eps=1e-6, atol=1e-6)


def test_baselines_train_and_weights():
    z, y = _logits()
    w = torch.ones(40, dtype=torch.float64)
    for fn in (
        generalized_cross_entropy,
        symmetric_cross_entropy,
        mean_absolute_error_loss,
        cross_entropy_loss,
    ):
        zz = z.clone().requires_grad_(True)
        loss = fn(zz, y)
        loss.backward()
        assert zz.grad.abs().max() > 1e-4  # the reference MAE's gradient is 0
        assert float(fn(z, y, sample_weight=w)) == pytest.approx(float(loss.detach()))
        w2 = w.clone()
        w2[:10] = 0
        assert float(fn(z, y, sample_weight=w2)) == pytest.approx(
            float(fn(z[10:], y[10:]))
        )
    p_y = torch.softmax(z, 1).gather(1, y[:, None])[:, 0]
    assert float(mean_absolute_error_loss(z, y)) == pytest.approx(
        float((2 * (1 - p_y)).mean())
    )
    # gce with q -> 0 tends to cross-entropy
    assert float(generalized_cross_entropy(z, y, q=1e-6)) == pytest.approx(
        float(cross_entropy_loss(z, y)), rel=1e-4
    )


def test_module_forms_and_errors():
    z, y = _logits()
    assert float(LDRKLLoss(3.0)(z, y)) == float(ldr_kl_loss(z, y, temperature=3.0))
    with pytest.raises(ValueError, match="temperature must be a positive"):
        LDRKLLoss(0.0)
    with pytest.raises(ValueError, match="temperature must be a positive"):
        ldr_kl_loss(z, y, temperature=-1.0)
    with pytest.raises(ValueError, match="alpha must exceed 1"):
        ALDRKLLoss(10, alpha=1.0)
    with pytest.raises(ValueError, match="normalize must be .auto. or one of"):
        LDRKLLoss(normalize="l2")
    crit = ALDRKLLoss(40)
    with pytest.raises(ValueError, match="one row index per row"):
        crit(z.float(), y, torch.arange(39))
    with pytest.raises(ValueError, match=r"sample_idx must lie in \[0, n_samples=40\)"):
        crit(z.float(), y, torch.arange(1, 41))
    with pytest.raises(ValueError, match="one label per row"):
        ldr_kl_loss(z, y[:-1])
    with pytest.raises(ValueError, match="shape \\(n_samples, n_classes\\)"):
        ldr_kl_loss(z[:, 0], y)
    assert "n_samples=40" in repr(crit)
