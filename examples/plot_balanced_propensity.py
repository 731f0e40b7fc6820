"""
================================================================
Kernel-balanced propensity weights against a logistic propensity
================================================================

Only some rows have an outcome, and which ones depends on the features. The
mean outcome over the observed rows is then biased; inverse-propensity
weights correct it when the propensity model is right.
:class:`~sklweights.recsys.BalancedPropensity` does not fit a propensity
model: it finds the least extreme weights of the observed rows under which
their kernel means match those of all rows (entropy balancing on kernel
features, the balancing step of Li et al., ICLR 2024).

We draw features and outcomes with
:func:`~sklweights.datasets.make_heteroscedastic_regression` and observe a
row with a probability that is not monotone in the first feature, which a
logistic model on the raw features cannot express.
"""

# %%
# Data: outcomes missing depending on x
# -------------------------------------
import matplotlib.pyplot as plt
import numpy as np
from sklearn.linear_model import LogisticRegression

from sklweights.datasets import make_heteroscedastic_regression
from sklweights.recsys import BalancedPropensity

X, y = make_heteroscedastic_regression(1000, 2, random_state=0)
rng = np.random.RandomState(0)
true_p = 1 / (1 + np.exp(-3 * np.sin(2 * np.pi * X[:, 0])))
observed = (rng.uniform(size=len(X)) < true_p).astype(int)
obs = observed == 1
print(f"{obs.sum()} of {len(X)} rows observed")

# %%
# Three weightings of the observed rows
# -------------------------------------
balanced = BalancedPropensity(
    n_landmarks=50, balance_tol=0.001, device="cpu", random_state=0
).fit(X, observed)
logistic = LogisticRegression().fit(X, observed)
weights = {
    "uniform (naive)": np.ones(obs.sum()),
    "logistic 1/p": 1 / logistic.predict_proba(X[obs])[:, 1],
    "balanced": balanced.weights_,
    "true 1/p (oracle)": 1 / true_p[obs],
}
weights = {name: w / w.mean() for name, w in weights.items()}

# %%
# Balance, weight spread and the estimated mean outcome
# -----------------------------------------------------
# The balance is checked at 50 rows that were not landmarks of the fit. The
# effective sample size is ``sum(w)^2 / sum(w^2)``.
held_out = X[np.random.RandomState(1).choice(len(X), 50, replace=False)]
print(f"true mean outcome over all rows: {y.mean():.3f}")
print(f"{'weights':<16} {'max imbalance':>13} {'max w':>6} {'ESS':>5} {'mean y':>7}")
violation = {}
for name, w in weights.items():
    violation[name] = balanced.balance_violation(
        X, observed, landmarks=held_out, weights=w
    )
    ess = w.sum() ** 2 / (w**2).sum()
    estimate = np.average(y[obs], weights=w)
    print(
        f"{name:<16} {violation[name].max():13.4f} {w.max():6.2f} {ess:5.0f}"
        f" {estimate:7.3f}"
    )

# %%
# The naive mean of the observed outcomes (1.207) is far from the mean over
# all rows (0.215). The logistic propensity, linear in the features, removes
# only part of the bias (0.583) and leaves an imbalance of 0.037 at the
# held-out landmarks. The balanced weights cut the imbalance to 0.002 and
# estimate 0.230, closer than even the true inverse propensities (0.135),
# whose larger weights (up to 10.5, effective sample size 167 against 233)
# make that single draw noisier. Balance is bought with spread: the balanced
# weights go up to 8.7, against 4.9 for the logistic ones.
#
# Left: the imbalance at each held-out landmark, per weighting. Right: the
# weights along the first feature; the balanced weights follow the shape of
# the true inverse propensity, which the logistic model cannot.
fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
axes[0].boxplot(list(violation.values()), tick_labels=list(violation))
axes[0].tick_params(axis="x", labelsize=8)
axes[0].set_yscale("log")
axes[0].set_ylabel("imbalance at held-out landmarks")
axes[0].set_title("Kernel balance")
order = np.argsort(X[obs, 0])
for name in ("logistic 1/p", "balanced"):
    axes[1].plot(X[obs, 0][order], weights[name][order], ".", ms=3, label=name)
axes[1].plot(
    X[obs, 0][order], weights["true 1/p (oracle)"][order], "k-", lw=1, label="true 1/p"
)
axes[1].set_xlabel("first feature")
axes[1].set_ylabel("weight (mean 1)")
axes[1].legend(fontsize=8)
axes[1].set_title("Weights of the observed rows")
fig.tight_layout()
plt.show()
