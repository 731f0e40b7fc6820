"""Many fits on a real Dask cluster give the sequential results.

A ``dask.distributed.LocalCluster`` with two worker processes; GridSearchCV over
each estimator family and internal ``n_jobs`` paths run under
``joblib.parallel_backend("dask")`` and must reproduce the sequential run.
"""

import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV, KFold, StratifiedKFold

distributed = pytest.importorskip("distributed")
joblib = pytest.importorskip("joblib")

import sklweights  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


def _grid_results(search, X, y=None, **fit_params):
    search.fit(X, y, **fit_params)
    return search.cv_results_["mean_test_score"], search.best_params_


def _compare(make_search, X, y=None, **fit_params):
    seq = _grid_results(make_search(), X, y, **fit_params)
    with joblib.parallel_backend("dask"):
        par = _grid_results(make_search(), X, y, **fit_params)
    np.testing.assert_allclose(par[0], seq[0], rtol=1e-6, atol=1e-9)
    assert par[1] == seq[1]


def test_presto_grid_search(dask_client):
    X, y, _ = sklweights.datasets.make_presto_ordinal(
        n_samples=1000, n_features=4, random_state=1
    )

    def make():
        return GridSearchCV(
            sklweights.PrestoClassifier(),
            {"alpha": [0.001, 0.01, 0.1]},
            cv=StratifiedKFold(3, shuffle=True, random_state=0),
            scoring="neg_log_loss",
            n_jobs=2,
            error_score="raise",
        )

    _compare(make, X, y)


def test_presto_cv_internal_n_jobs(dask_client):
    X, y, _ = sklweights.datasets.make_presto_ordinal(
        n_samples=1000, n_features=4, random_state=1
    )
    seq = sklweights.PrestoClassifierCV(alphas=5, cv=3).fit(X, y)
    with joblib.parallel_backend("dask"):
        par = sklweights.PrestoClassifierCV(alphas=5, cv=3, n_jobs=2).fit(X, y)
    np.testing.assert_allclose(par.cv_scores_, seq.cv_scores_, rtol=1e-8)
    assert par.alpha_ == seq.alpha_


def test_quantile_grid_search(dask_client):
    from sklearn.linear_model import QuantileRegressor

    X, y = sklweights.datasets.make_heteroscedastic_regression(
        n_samples=200, random_state=0
    )
    base = [
        (
            "linear",
            sklweights.MultiQuantileRegressor(
                QuantileRegressor(alpha=0.0, solver="highs"), quantiles=[0.1, 0.5, 0.9]
            ),
        ),
        (
            "constant",
            sklweights.MultiQuantileRegressor(
                QuantileRegressor(alpha=1e3, solver="highs"), quantiles=[0.1, 0.5, 0.9]
            ),
        ),
    ]

    def make():
        return GridSearchCV(
            sklweights.QuantileAggregator(
                base, quantiles=[0.1, 0.5, 0.9], cv=3, random_state=0
            ),
            {"weighting": ["mean", "coarse", "medium"]},
            cv=KFold(3, shuffle=True, random_state=0),
            n_jobs=2,
            error_score="raise",
        )

    _compare(make, X, y)


def test_selection_grid_search_over_k(dask_client):
    _, X, _ = sklweights.datasets.make_biased_rankings(60, 12, random_state=0)

    def make():
        return GridSearchCV(
            sklweights.FairCommitteeSelector(rule="borda"),
            {"k": [2, 3, 4]},
            cv=KFold(3, shuffle=True, random_state=0),
            n_jobs=2,
            error_score="raise",
        )

    _compare(make, X)


def test_text_linear_grid_search_with_domains(dask_client):
    X, y, domains = sklweights.datasets.make_multidomain_sentiment(
        n_domains=2, n_samples_per_domain=150, random_state=0
    )

    def make():
        return GridSearchCV(
            sklweights.LinearDomainWeightedClassifier(),
            {"domain_weighting": ["dbd", "uniform"]},
            cv=KFold(3, shuffle=True, random_state=0),
            n_jobs=2,
            error_score="raise",
        )

    _compare(make, X, y, domains=domains)


@pytest.mark.torch
def test_recsys_grid_search(dask_client):
    pytest.importorskip("torch")
    data = sklweights.datasets.make_mnar_ratings(
        n_users=60, n_items=60, observation_base=0.8, random_state=0
    )

    # Folds that keep every user and item in every training part (DebiasedMF
    # refuses users or items without any observed pair).
    X, y = data.X_train, data.y_train
    rng = np.random.RandomState(0)
    fold = np.empty(len(X), dtype=int)
    for u in np.unique(X[:, 0]):
        rows = np.flatnonzero(X[:, 0] == u)
        fold[rows] = rng.permutation(len(rows)) % 3
    cv = [(np.flatnonzero(fold != f), np.flatnonzero(fold == f)) for f in range(3)]
    cv = [
        (tr, te)
        for tr, te in cv
        if len(np.unique(X[tr, 1])) == data.n_items
        and len(np.unique(X[tr, 0])) == data.n_users
    ]
    assert len(cv) >= 2

    def make():
        return GridSearchCV(
            sklweights.DebiasedMF(max_epochs=2, device="cpu", random_state=0),
            {"method": ["naive", "ips"]},
            cv=cv,
            scoring="roc_auc",
            n_jobs=2,
            error_score="raise",
        )

    _compare(make, X, y)
