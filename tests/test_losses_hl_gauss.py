"""HL-Gauss soft labels and loss: exactness, invariants, gradients, errors."""

import math

import numpy as np
import pytest
from scipy.special import erf

from sklweights.losses import hl_gauss_loss, hl_gauss_target

torch = pytest.importorskip("torch")


def reference_target(y, edges, sigma):
    """The authors' appendix form (erf differences over the erf normaliser)."""
    cdf = erf((edges[None, :] - y[:, None]) / (math.sqrt(2) * sigma))
    return (cdf[:, 1:] - cdf[:, :-1]) / (cdf[:, -1:] - cdf[:, :1])


EDGES = np.linspace(0.0, 1.0, 101)  # 100 bins of width 0.01
WIDTH = 0.01
CENTERS = 0.5 * (EDGES[1:] + EDGES[:-1])


@pytest.mark.parametrize("ratio", [0.1, 0.75, 1.0, 2.0, 5.0])
def test_rows_sum_to_one_inside_at_and_outside_the_support(ratio):
    y = np.array([-1e6, -3.0, -1e-9, 0.0, 0.004, 0.5, 0.999, 1.0, 1.0 + 1e-9, 7.0])
    p = hl_gauss_target(y, EDGES, ratio * WIDTH)
    assert p.shape == (len(y), 100)
    assert np.all(np.isfinite(p)) and np.all(p >= 0)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, atol=1e-12)
    # outside the support = at the nearest edge
    np.testing.assert_array_equal(p[0], p[3])
    np.testing.assert_array_equal(p[-1], p[-3])


def test_reference_form_gives_nan_outside_where_ours_does_not():
    y = np.array([1.5, 3.0, 10.0])
    with np.errstate(invalid="ignore", divide="ignore"):
        assert np.isnan(reference_target(y, EDGES, WIDTH)).all(axis=1).all()
    assert np.isfinite(hl_gauss_target(y, EDGES, WIDTH)).all()


@pytest.mark.parametrize("ratio", [0.75, 1.0, 2.0])
def test_matches_the_reference_formula_inside_the_support(ratio):
    y = np.random.default_rng(0).uniform(0, 1, 200)
    np.testing.assert_allclose(
        hl_gauss_target(y, EDGES, ratio * WIDTH),
        reference_target(y, EDGES, ratio * WIDTH),
        rtol=0,
        atol=1e-12,
    )


def test_histogram_mean_round_trips_in_the_central_80_percent():
    # sigma = 1 bin width (the Imani group's default): the mean of the labels
    # is the target to 1e-6 bin widths (measured 8.5e-10)
    y = np.random.default_rng(1).uniform(0.1, 0.9, 500)
    mean = hl_gauss_target(y, EDGES, WIDTH) @ CENTERS
    assert np.max(np.abs(mean - y)) <= 1e-6 * WIDTH


@pytest.mark.parametrize("ratio", [0.5, 0.75, 1.0, 1.5, 2.0, 3.0])
def test_round_trip_error_is_the_binning_alias_away_from_the_edges(ratio):
    # Two errors, both exact: binning a Gaussian aliases its mean by at most
    # (w / pi) exp(-2 pi^2 sigma^2 / w^2) (the first Fourier term of the
    # sawtooth; 4.8e-6 w at sigma = 0.75 w, so the "1e-6 w for sigma >= 0.75 w"
    # of the notes cannot hold), and truncation pulls the mean inward near the
    # edges (2.5e-6 w at 5 sigma from an edge at sigma = 2 w): here 10 sigma away.
    sigma = ratio * WIDTH
    y = np.random.default_rng(1).uniform(10 * sigma, 1 - 10 * sigma, 500)
    err = np.max(np.abs(hl_gauss_target(y, EDGES, sigma) @ CENTERS - y))
    alias = WIDTH / np.pi * np.exp(-2 * np.pi**2 * ratio**2)
    assert err <= 1.01 * alias + 1e-9 * WIDTH
    if ratio <= 1.0:  # and the bound is attained: the alias is real
        assert err >= 0.9 * alias


def test_bin_centres_round_trip_as_sigma_goes_to_zero():
    for ratio in (1e-2, 1e-3, 1e-6):
        mean = hl_gauss_target(CENTERS, EDGES, ratio * WIDTH) @ CENTERS
        assert np.max(np.abs(mean - CENTERS)) <= 1e-6 * WIDTH


def test_torch_float32_keeps_far_bins_accurate():
    y = np.array([0.02, 0.5, 0.97])
    exact = hl_gauss_target(y, EDGES, 2 * WIDTH)
    y32 = torch.tensor(y, dtype=torch.float32)
    p32 = hl_gauss_target(y32, EDGES, 2 * WIDTH)
    assert p32.dtype == torch.float32
    p64 = hl_gauss_target(torch.tensor(y, dtype=torch.float64), EDGES, 2 * WIDTH)
    np.testing.assert_allclose(p64.numpy(), exact, rtol=0, atol=1e-14)
    # each bin from its tail: relative accuracy 1e-4 down to p ~ 1e-30, where
    # erf differences in float32 lose every bin below ~1e-7 (measured: 100%)
    tiny = (exact > 1e-30) & (exact < 1e-7)
    assert tiny.sum() > 20
    np.testing.assert_allclose(p32.numpy()[tiny], exact[tiny], rtol=1e-4)
    cdf = torch.erf(
        (torch.tensor(EDGES, dtype=torch.float32) - y32[:, None])
        / (math.sqrt(2) * 2 * WIDTH)
    )
    naive = ((cdf[:, 1:] - cdf[:, :-1]) / (cdf[:, -1:] - cdf[:, :1])).numpy()
    assert np.median(np.abs(naive[tiny] / exact[tiny] - 1)) > 0.5
    np.testing.assert_allclose(p32.numpy(), exact, rtol=1e-4, atol=2e-6)


def test_loss_equals_cross_entropy_with_probability_targets():
    rng = np.random.default_rng(2)
    logits = torch.tensor(rng.normal(size=(50, 100)))
    y = torch.tensor(rng.uniform(-0.2, 1.2, 50))
    target = hl_gauss_target(y, EDGES, WIDTH)
    expected = torch.nn.functional.cross_entropy(logits, target)
    got = hl_gauss_loss(logits, y, EDGES, WIDTH)
    assert abs(got.item() - expected.item()) < 1e-7
    rows = hl_gauss_loss(logits, y, EDGES, WIDTH, reduction="none")
    torch.testing.assert_close(
        rows, torch.nn.functional.cross_entropy(logits, target, reduction="none")
    )
    w = torch.tensor(rng.uniform(0, 2, 50))
    weighted = hl_gauss_loss(logits, y, EDGES, WIDTH, sample_weight=w)
    torch.testing.assert_close(weighted, (w * rows).sum() / w.sum())


def test_gradients_match_finite_differences():
    rng = np.random.default_rng(3)
    edges = np.linspace(-1, 2, 9)
    logits = torch.tensor(rng.normal(size=(6, 8)), requires_grad=True)
    y = torch.tensor(rng.uniform(-0.8, 1.8, 6), requires_grad=True)
    assert torch.autograd.gradcheck(
        lambda z, t: hl_gauss_loss(z, t, edges, 0.4), (logits, y)
    )
    assert torch.autograd.gradcheck(lambda t: hl_gauss_target(t, edges, 0.4), (y,))


def test_module_agrees_with_the_function_and_predicts_the_histogram_mean():
    from sklweights.losses import HLGaussLoss

    crit = HLGaussLoss.from_range(0.0, 1.0, n_bins=100, sigma_ratio=2.0)
    assert crit.n_bins == 100 and crit.sigma == pytest.approx(2 * WIDTH)
    rng = np.random.default_rng(4)
    logits = torch.tensor(rng.normal(size=(20, 100)), dtype=torch.float32)
    y = torch.tensor(rng.uniform(0.2, 0.8, 20), dtype=torch.float32)
    torch.testing.assert_close(
        crit(logits, y), hl_gauss_loss(logits, y, EDGES, 2 * WIDTH)
    )
    target_logits = torch.log(hl_gauss_target(y.double(), EDGES, 2 * WIDTH))
    torch.testing.assert_close(
        crit.predict(target_logits.float()), y, atol=1e-5, rtol=0
    )
    assert "n_bins=100" in repr(crit)


@pytest.mark.parametrize(
    "edges, match",
    [
        ([0.0, 1.0], "at least 3"),
        ([[0.0, 1.0, 2.0]], "1-D"),
        ([0.0, 2.0, 1.0], "strictly increasing"),
        ([0.0, np.nan, 1.0], "finite"),
        (["a", "b", "c"], "real numbers"),
    ],
)
def test_bad_bin_edges(edges, match):
    with pytest.raises((ValueError, TypeError), match=match):
        hl_gauss_target([0.5], edges, 0.1)


def test_bad_arguments_name_themselves():
    with pytest.raises(ValueError, match="sigma must be a positive"):
        hl_gauss_target([0.5], EDGES, 0.0)
    with pytest.raises(ValueError, match="y must be finite"):
        hl_gauss_target([np.nan], EDGES, 0.1)
    with pytest.raises(ValueError, match="y must be finite"):
        hl_gauss_target(torch.tensor([np.inf]), EDGES, 0.1)
    with pytest.raises(ValueError, match=r"n_bins=100"):
        hl_gauss_loss(torch.zeros(3, 99), torch.zeros(3), EDGES, 0.1)
    with pytest.raises(ValueError, match="one target per row"):
        hl_gauss_loss(torch.zeros(3, 100), torch.zeros(4), EDGES, 0.1)
    with pytest.raises(ValueError, match="reduction"):
        hl_gauss_loss(torch.zeros(3, 100), torch.zeros(3), EDGES, 0.1, reduction="sum")
    from sklweights.losses import HLGaussLoss

    with pytest.raises(ValueError, match="n_bins must be an int >= 2"):
        HLGaussLoss.from_range(0, 1, n_bins=1)
    with pytest.raises(ValueError, match="low < high"):
        HLGaussLoss.from_range(1, 0, n_bins=10)
    with pytest.raises(ValueError, match="sigma_ratio"):
        HLGaussLoss.from_range(0, 1, n_bins=10, sigma_ratio=-1)


def test_docstring_examples_run():
    import doctest

    import sklweights.losses._hl_gauss as functions

    result = doctest.testmod(functions, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0
