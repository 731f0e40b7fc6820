"""
============================================================
Aggregating quantile models: a calibrated, ordered fan chart
============================================================

Three quantile learners (per-level gradient boosting, a quantile random
forest and linear quantile regression) each predict seven levels. Their
aggregate, with one weight per model and level (``weighting="medium"``), is
fitted exactly by linear programming on out-of-fold predictions, sorted so
that no quantiles cross, and calibrated by split conformalized quantile
regression (CQR). The result is a fan chart of 50%, 80% and 90% intervals.
"""

# %%
# Data: noise that grows with x
# -----------------------------
import matplotlib.pyplot as plt
import numpy as np
from sklearn.ensemble import GradientBoostingRegressor
from sklearn.linear_model import QuantileRegressor

from sklweights import MultiQuantileRegressor, QuantileAggregator
from sklweights.datasets import make_heteroscedastic_regression
from sklweights.metrics import (
    crossing_rate,
    empirical_coverage,
    mean_interval_width,
    weighted_interval_score,
)
from sklweights.plotting import IntervalCoverageDisplay, QuantileFanDisplay

levels = [0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95]
X, y = make_heteroscedastic_regression(600, 1, random_state=0)
X_test, y_test, true_q = make_heteroscedastic_regression(
    2000, 1, quantiles=levels, random_state=1
)

library = [
    ("boosting", GradientBoostingRegressor(n_estimators=100, max_depth=2)),
    ("linear", QuantileRegressor(alpha=0.0)),
]
try:
    from quantile_forest import RandomForestQuantileRegressor

    library.append(
        ("forest", RandomForestQuantileRegressor(n_estimators=50, min_samples_leaf=5))
    )
except ImportError:  # the forest is optional
    pass

# %%
# Fit the aggregate and, for comparison, each base learner alone
# --------------------------------------------------------------
agg = QuantileAggregator(
    library, quantiles=levels, weighting="medium", conformal="split", random_state=0
).fit(X, y)

rows = []
for name, est in library:
    single = MultiQuantileRegressor(est, quantiles=levels, noncrossing=None).fit(X, y)
    raw = single.predict_quantiles(X_test)
    q = np.sort(raw, axis=1)
    rows.append((name, q, crossing_rate(raw)))
rows.append(("aggregate + CQR", agg.predict_quantiles(X_test), 0.0))

print(f"{'model':<16} {'WIS':>6} {'cover90':>8} {'width90':>8} {'crossing':>9}")
for name, q, cross in rows:
    wis = weighted_interval_score(y_test, q, quantiles=levels)
    cov = empirical_coverage(y_test, q[:, 0], q[:, -1])
    width = mean_interval_width(q[:, 0], q[:, -1])
    print(f"{name:<16} {wis:6.3f} {cov:8.3f} {width:8.3f} {cross:9.3f}")

# %%
# The learned weights: which model carries which level
# ----------------------------------------------------
# ``weights_`` has one row per level; each row lies on the simplex.
fig, ax = plt.subplots(figsize=(6, 2.8))
bottom = np.zeros(len(levels))
for m, (name, _) in enumerate(library):
    ax.bar(range(len(levels)), agg.weights_[:, m], bottom=bottom, label=name)
    bottom += agg.weights_[:, m]
ax.set_xticks(range(len(levels)), [str(t) for t in levels])
ax.set_xlabel("quantile level")
ax.set_ylabel("weight")
ax.legend(fontsize=8, loc="upper right")
ax.set_title("Medium weights per level")
fig.tight_layout()

# %%
# Fan chart
# ---------
# The calibrated bands next to the true conditional quantiles (dashed).
# :class:`~sklweights.plotting.QuantileFanDisplay` draws the bands along a
# feature and gives each band's empirical coverage in the legend.
disp = QuantileFanDisplay.from_estimator(
    agg,
    X_test,
    y_test,
    name="QuantileAggregator(weighting='medium', conformal='split')",
)
order = np.argsort(X_test[:, 0])
disp.ax_.plot(X_test[order, 0], true_q[order][:, [0, 6]], "k--", lw=0.8)
disp.figure_.set_size_inches(7, 4)
disp.figure_.tight_layout()

# %%
# Coverage by predicted width
# ---------------------------
# Marginal coverage can hide intervals that are too narrow where they are
# narrow; :class:`~sklweights.plotting.IntervalCoverageDisplay` bins the rows
# by the width of their 90% interval.
IntervalCoverageDisplay.from_estimator(agg, X_test, y_test, confidence_level=0.9)
plt.show()
