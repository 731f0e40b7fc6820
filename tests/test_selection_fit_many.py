"""``sklweights.selection.fit_many``: one clone per profile, in parallel.

The results must equal a sequential loop of clones exactly, whatever the
number of jobs and the joblib backend (loky processes, a Dask LocalCluster).
"""

import sys

import joblib
import numpy as np
import pytest
from sklearn.base import clone

from sklweights.datasets import make_biased_rankings
from sklweights.selection import FairCommitteeSelector, fit_many

M = 12
GROUPS = np.array([0] * 6 + [1] * 6)

ESTIMATORS = {
    # separable rule, proportional bounds: the sorting path
    "borda-proportional": FairCommitteeSelector(
        k=4, rule="borda", candidate_groups=GROUPS, proportional=True
    ),
    # submodular rule: the MILP
    "pav-bounds": FairCommitteeSelector(
        k=4,
        rule="pav",
        approval_top=3,
        candidate_groups=GROUPS,
        group_bounds={1: (2, None)},
    ),
    # random tie-breaking from an int seed
    "sntv-greedy-seeded": FairCommitteeSelector(
        k=4, rule="sntv", solver="greedy", random_state=0
    ),
}


def _profiles(n=5, n_voters=30, seed=0):
    return [
        make_biased_rankings(
            n_voters, M, candidate_groups=GROUPS, random_state=seed + i
        )[1]
        for i in range(n)
    ]


def _summary(est):
    return (
        est.selected_.tolist(),
        est.objective_,
        est.group_counts_,
        est.optimal_,
        est.solver_status_,
    )


def _summaries(estimators):
    return [_summary(e) for e in estimators]


@pytest.mark.parametrize("name", list(ESTIMATORS))
def test_equals_sequential_loop_of_clones(name):
    template = ESTIMATORS[name]
    profiles = _profiles()
    loop = [clone(template).fit(X) for X in profiles]
    fitted = fit_many(template, profiles)
    assert _summaries(fitted) == _summaries(loop)
    # committees differ across profiles, so the comparison is not vacuous
    assert len({tuple(e.selected_) for e in loop}) > 1
    # fresh clones; the template stays unfitted
    assert len({id(e) for e in fitted}) == len(profiles)
    assert all(e is not template for e in fitted)
    assert not hasattr(template, "selected_")


@pytest.mark.parametrize("name", ["borda-proportional", "pav-bounds"])
def test_loky_two_jobs_equals_sequential(name):
    template = ESTIMATORS[name]
    profiles = _profiles(n=6)
    sequential = fit_many(template, profiles)
    with joblib.parallel_backend("loky"):
        parallel = fit_many(template, profiles, n_jobs=2)
    assert _summaries(parallel) == _summaries(sequential)


@pytest.mark.parametrize("n_jobs", [None, 2])
def test_order_kept_with_several_profiles_per_task(n_jobs):
    # fit_many sends chunks of profiles to each task; 40 profiles make
    # several profiles per chunk for either number of jobs.
    template = ESTIMATORS["borda-proportional"]
    profiles = _profiles(n=40, n_voters=10)
    loop = [clone(template).fit(X) for X in profiles]
    assert _summaries(fit_many(template, profiles, n_jobs=n_jobs)) == _summaries(loop)


def test_random_state_instance_is_copied_not_shared():
    # Ties everywhere (SNTV on one voter), broken by random_state: each clone
    # gets a copy of the same RandomState, as in cross_validate, so the
    # results do not depend on n_jobs and the template's state is untouched.
    rng = np.random.RandomState(3)
    before = rng.get_state()[1].copy()
    template = FairCommitteeSelector(k=3, rule="sntv", random_state=rng)
    profiles = [np.arange(M)[None, :]] * 4
    loop = [clone(template).fit(X) for X in profiles]
    sequential = fit_many(template, profiles)
    parallel = fit_many(template, profiles, n_jobs=2)
    assert _summaries(sequential) == _summaries(loop) == _summaries(parallel)
    np.testing.assert_array_equal(rng.get_state()[1], before)


def test_sample_weights_per_profile():
    template = ESTIMATORS["pav-bounds"]
    profiles = _profiles(n=3)
    rng = np.random.RandomState(0)
    weights = [rng.uniform(0.1, 3.0, size=len(X)) for X in profiles]
    weights[1] = None
    loop = [
        clone(template).fit(X) if w is None else clone(template).fit(X, sample_weight=w)
        for X, w in zip(profiles, weights)
    ]
    fitted = fit_many(template, profiles, sample_weights=weights, n_jobs=2)
    assert _summaries(fitted) == _summaries(loop)
    unweighted = fit_many(template, profiles)
    assert fitted[0].objective_ != unweighted[0].objective_
    assert _summary(fitted[1]) == _summary(unweighted[1])


def test_params_per_profile_set_on_each_clone():
    # The paper's simulations draw new candidate groups with every profile.
    template = FairCommitteeSelector(k=4, rule="borda", proportional=True)
    draws = [make_biased_rankings(30, M, random_state=s) for s in range(4)]
    profiles = [biased for _, biased, _ in draws]
    params = [{"candidate_groups": groups} for _, _, groups in draws]
    loop = [clone(template).set_params(**p).fit(X) for X, p in zip(profiles, params)]
    fitted = fit_many(template, profiles, params=params)
    assert _summaries(fitted) == _summaries(loop)
    for est, p in zip(fitted, params):
        np.testing.assert_array_equal(est.candidate_groups, p["candidate_groups"])
    assert template.candidate_groups is None


def test_accepts_3d_array_tuple_generator_and_ragged_sizes():
    template = ESTIMATORS["borda-proportional"]
    profiles = _profiles(n=3)
    expected = _summaries(fit_many(template, profiles))
    assert _summaries(fit_many(template, np.stack(profiles))) == expected
    assert _summaries(fit_many(template, tuple(profiles))) == expected
    assert _summaries(fit_many(template, (X for X in profiles))) == expected
    # profiles of different numbers of voters
    mixed = [profiles[0][:10], profiles[1]]
    assert [len(e.selected_) for e in fit_many(template, mixed)] == [4, 4]


def test_dataframe_profiles_keep_candidate_names():
    pd = pytest.importorskip("pandas")
    X = _profiles(n=1)[0]
    names = [f"c{j}" for j in range(M)]
    fitted = fit_many(FairCommitteeSelector(k=3), [pd.DataFrame(X, columns=names)])
    assert fitted[0].feature_names_in_.tolist() == names


X0 = np.array([[0, 1, 2, 3], [1, 0, 3, 2], [0, 2, 1, 3]])


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"estimator": FairCommitteeSelector}, TypeError, "estimator instance"),
        ({"estimator": "borda"}, TypeError, "estimator must be a scikit-learn"),
        ({"profiles": X0}, ValueError, "profiles must be a sequence of 2-D"),
        ({"profiles": "abc"}, TypeError, "profiles must be a sequence"),
        ({"profiles": 3}, TypeError, "profiles must be a sequence"),
        ({"profiles": {"a": X0}}, TypeError, "profiles must be a sequence"),
        ({"profiles": []}, ValueError, "profiles is empty"),
        ({"profiles": [X0, X0[0]]}, ValueError, r"profiles\[1\] must be a 2-D"),
        (
            {"profiles": [[[0, 1], [0]]]},
            ValueError,
            r"profiles\[0\] must be a 2-D .* ragged",
        ),
        (
            {"sample_weights": [None]},
            ValueError,
            r"sample_weights must have one entry per profile \(2\); got 1",
        ),
        ({"sample_weights": 1.0}, TypeError, "sample_weights must be a sequence"),
        (
            {"sample_weights": [1.0, None]},
            ValueError,
            r"sample_weights\[0\] must be None or a 1-D",
        ),
        (
            {"sample_weights": [None, [1.0, 2.0]]},
            ValueError,
            r"sample_weights\[1\] has 2 weights but profiles\[1\] has 3 voters",
        ),
        (
            {"params": [{}]},
            ValueError,
            r"params must have one entry per profile \(2\)",
        ),
        ({"params": [None, ("k", 2)]}, TypeError, r"params\[1\] must be a dict"),
        ({"params": [{"kk": 2}, None]}, ValueError, r"params\[0\]: .*kk"),
        ({"n_jobs": "two"}, TypeError, "n_jobs must be an int or None"),
        ({"verbose": -1}, ValueError, "verbose must be a non-negative int"),
    ],
)
def test_bad_input(kwargs, error, match):
    call = {"estimator": FairCommitteeSelector(k=2), "profiles": [X0, X0]}
    call.update(kwargs)
    with pytest.raises(error, match=match):
        fit_many(call.pop("estimator"), call.pop("profiles"), **call)


@pytest.mark.parametrize("n_jobs", [None, 2])
def test_error_in_one_fit_names_the_profile(n_jobs):
    with pytest.raises(ValueError, match=r"k=4 exceeds the number of candidates") as e:
        fit_many(
            FairCommitteeSelector(k=4), [X0, [[0, 1, 2], [2, 1, 0]]], n_jobs=n_jobs
        )
    if sys.version_info >= (3, 11):
        assert "profiles[1]" in " ".join(e.value.__notes__)


def test_estimator_parameters_still_validated():
    # the clone's fit checks its parameters, and the message names the class
    with pytest.raises(ValueError, match="'k' parameter of FairCommitteeSelector"):
        fit_many(FairCommitteeSelector(k=0), [X0])


class TestDaskLocalCluster:
    """A real ``dask.distributed.LocalCluster`` with two worker processes."""

    @pytest.mark.filterwarnings("ignore::UserWarning")
    @pytest.mark.parametrize("n_jobs", [2, None])
    def test_dask_backend_equals_sequential(self, dask_client, n_jobs):
        from distributed import get_task_stream

        template = ESTIMATORS["pav-bounds"]
        profiles = _profiles(n=6)
        rng = np.random.RandomState(1)
        weights = [rng.uniform(0.5, 2.0, size=len(X)) for X in profiles]
        sequential = fit_many(template, profiles, sample_weights=weights)
        # n_jobs=None inside the context: the backend's default (all workers)
        with get_task_stream(dask_client) as stream:
            with joblib.parallel_backend("dask"):
                par = fit_many(
                    template, profiles, sample_weights=weights, n_jobs=n_jobs
                )
        assert _summaries(par) == _summaries(sequential)
        assert len(stream.data) > 0  # the fits ran on the cluster
