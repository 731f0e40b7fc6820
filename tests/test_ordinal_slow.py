"""Slow reproduction of the PRESTO paper's simulation claim (Sec. 4.1, Fig. 1)."""

import numpy as np
import pytest
from scipy import stats
from sklearn.linear_model import LogisticRegression

from sklweights.datasets import make_presto_ordinal
from sklweights.metrics import rare_class_probability_mse
from sklweights.ordinal import PrestoClassifier, PrestoClassifierCV


@pytest.mark.slow
def test_presto_beats_logit_and_proportional_odds_on_sparse_design():
    """PRESTO has a lower mean rare-class MSE than both baselines, p < 0.01.

    The paper's main design (n=2500, p=10, K=4, sparse differences with
    dev_prob=1/2 and dev_size=0.5, intercepts (0, 3.5, 5.5), about 0.7% in the
    rare class), 100 replicates, in-sample MSE of the rare-class probability,
    paired one-sided t-tests as in the paper. To keep the test near one minute
    on two cores PRESTO is tuned on a 10-alpha grid with 3-fold CV (the
    benchmark uses the paper's 20 alphas x 5 folds). The proportional-odds
    baseline is our penalize_first=False fit at a huge alpha, which matches
    statsmodels' OrderedModel to 1e-4 (tested in test_ordinal.py). With 12
    replicates the paper-style comparison already gave p of about 0.03 for
    both (notes); 100 replicates give a wide margin below 0.01.
    """
    mse = {"presto": [], "logit": [], "po": []}
    for rep in range(100):
        X, y, proba = make_presto_ordinal(random_state=10_000 + rep)
        presto = PrestoClassifierCV(alphas=10, cv=3).fit(X, y)
        po = PrestoClassifier(alpha=1e3, penalize_first=False).fit(X, y)
        logit = LogisticRegression(C=np.inf, max_iter=5000).fit(X, y == 3)
        mse["presto"].append(rare_class_probability_mse(proba, presto.predict_proba(X)))
        mse["po"].append(rare_class_probability_mse(proba, po.predict_proba(X)))
        mse["logit"].append(
            rare_class_probability_mse(proba, logit.predict_proba(X)[:, 1])
        )
    m = {k: np.array(v) for k, v in mse.items()}
    for base in ("logit", "po"):
        p = stats.ttest_rel(m["presto"], m[base], alternative="less").pvalue
        assert m["presto"].mean() < m[base].mean()
        assert p < 0.01, (base, p, np.median(m["presto"]), np.median(m[base]))
