"""LatentQualityDisplay: values against independent computations, drawing."""

from itertools import combinations

import numpy as np
import pytest

from sklweights.datasets import make_biased_rankings
from sklweights.plotting import CommitteeTradeoffDisplay, LatentQualityDisplay
from sklweights.selection import FairCommitteeSelector, committee_score

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
plt = pytest.importorskip("matplotlib.pyplot")

K, N_VOTERS, N_CANDIDATES = 3, 20, 8
BIAS = [0.0, 0.5, 1.0]
SETTINGS = {
    "top-k": {},
    "proportional": {"proportional": True},
    "SNTV, proportional": {"rule": "sntv", "proportional": True},
}


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _rankings(bias, rep):
    return make_biased_rankings(
        N_VOTERS, N_CANDIDATES, swap_fraction=bias, random_state=rep
    )


def _brute_force_ratio(L, committee, rule):
    """Latent score over the best latent score of any size-K committee."""
    score = committee_score(L, committee, rule=rule)
    best = max(
        committee_score(L, list(c), rule=rule)
        for c in combinations(range(L.shape[1]), K)
    )
    return score / best


def _by_hand(n_repetitions):
    quality = {name: np.empty((len(BIAS), n_repetitions)) for name in SETTINGS}
    for i, bias in enumerate(BIAS):
        for r in range(n_repetitions):
            L, B, g = _rankings(bias, r)
            for name, params in SETTINGS.items():
                sel = FairCommitteeSelector(K, candidate_groups=g, **params).fit(B)
                rule = params.get("rule", "borda")
                quality[name][i, r] = _brute_force_ratio(L, sel.selected_, rule)
    return quality


def test_from_predictions_values_and_drawing():
    rng = np.random.default_rng(0)
    quality = {"a": rng.uniform(0.7, 1, (4, 9)), "b": rng.uniform(0.5, 1, (4, 9))}
    bias = [0.0, 0.2, 0.4, 0.8]
    fig, ax = plt.subplots()
    disp = LatentQualityDisplay.from_predictions(
        bias, quality, quantiles=(0.1, 0.9), bias_name="fraction of swaps", ax=ax
    )
    assert disp.ax_ is ax and disp.figure_ is fig
    np.testing.assert_array_equal(disp.bias_values, bias)
    for name, values in quality.items():
        # 9 repetitions: the median is the 5th smallest of each row
        np.testing.assert_allclose(disp.median_[name], np.sort(values, axis=1)[:, 4])
        np.testing.assert_allclose(
            disp.band_[name], np.percentile(values, [10, 90], axis=1).T
        )
        np.testing.assert_allclose(disp.lines_[name].get_ydata(), disp.median_[name])
        np.testing.assert_allclose(disp.lines_[name].get_xdata(), bias)
    assert len(ax.collections) == 2  # one band per method
    assert ax.get_xlabel() == "fraction of swaps"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["a", "b"]
    _, other = plt.subplots()
    assert disp.plot(ax=other) is disp and disp.ax_ is other
    one = LatentQualityDisplay.from_predictions([0.0, 1.0], {"a": [1.0, 0.5]})
    np.testing.assert_array_equal(one.median_["a"], [1.0, 0.5])


def test_from_estimator_matches_brute_force_and_from_predictions():
    reps = 3
    expected = _by_hand(reps)
    selector = FairCommitteeSelector(K)  # groups come from each drawn profile
    disp = LatentQualityDisplay.from_estimator(
        selector,
        _rankings,
        bias_values=BIAS,
        settings=SETTINGS,
        n_repetitions=reps,
        bias_name="fraction of swaps",
    )
    assert list(disp.quality) == list(SETTINGS)
    for name in SETTINGS:
        np.testing.assert_allclose(disp.quality[name], expected[name])
        assert len(disp.committees[name]) == len(BIAS)
        assert all(len(c) == reps for c in disp.committees[name])
    L, B, g = _rankings(BIAS[1], 2)
    chosen = FairCommitteeSelector(K, candidate_groups=g, proportional=True).fit(B)
    np.testing.assert_array_equal(
        disp.committees["proportional"][1][2], chosen.selected_
    )
    same = LatentQualityDisplay.from_predictions(BIAS, expected)
    for name in SETTINGS:
        np.testing.assert_allclose(disp.median_[name], same.median_[name])
        np.testing.assert_allclose(disp.band_[name], same.band_[name])
    # no bias: the unconstrained committee is the latent optimum
    np.testing.assert_allclose(disp.quality["top-k"][0], 1.0)


def test_committee_tradeoff_and_latent_quality_share_the_refit():
    L, B, g = _rankings(0.6, 0)
    selector = FairCommitteeSelector(K, candidate_groups=g)
    settings = {"top-k": {}, "proportional": {"proportional": True}}
    bars = CommitteeTradeoffDisplay.from_estimator(
        selector, B, settings=settings, X_latent=L
    )
    curve = LatentQualityDisplay.from_estimator(
        selector,
        lambda bias, rep: (L, B, None),  # None: the selector's own groups
        bias_values=[0.6],
        settings=settings,
        n_repetitions=1,
    )
    for i, name in enumerate(settings):
        assert curve.quality[name][0, 0] == pytest.approx(bars.quality[i])
        np.testing.assert_array_equal(curve.committees[name][0][0], bars.committees[i])


def test_bad_input():
    ok = {"a": [[1.0, 0.9], [0.8, 0.7]]}
    with pytest.raises(ValueError, match="one row per bias value"):
        LatentQualityDisplay.from_predictions([0.0, 0.5, 1.0], ok)
    with pytest.raises(ValueError, match="non-empty dict"):
        LatentQualityDisplay.from_predictions([0.0, 0.5], [[1.0], [0.9]])
    with pytest.raises(ValueError, match="quantiles"):
        LatentQualityDisplay.from_predictions([0.0, 0.5], ok, quantiles=(0.9, 0.1))
    with pytest.raises(ValueError, match="NaN"):
        LatentQualityDisplay.from_predictions([0.0, 0.5], {"a": [1.0, np.nan]})
    selector = FairCommitteeSelector(K)
    kw = dict(bias_values=[0.0], settings={"top-k": {}})
    with pytest.raises(TypeError, match="callable"):
        LatentQualityDisplay.from_estimator(selector, _rankings(0.0, 0), **kw)
    with pytest.raises(ValueError, match="must return a tuple"):
        LatentQualityDisplay.from_estimator(selector, lambda b, r: None, **kw)
    with pytest.raises(ValueError, match="n_repetitions"):
        LatentQualityDisplay.from_estimator(selector, _rankings, n_repetitions=0, **kw)
    with pytest.raises(ValueError, match="non-empty dict"):
        LatentQualityDisplay.from_estimator(
            selector, _rankings, bias_values=[0.0], settings={}
        )
    with pytest.raises(TypeError, match="not a FairCommitteeSelector"):
        LatentQualityDisplay.from_estimator(object(), _rankings, **kw)
