"""
=====================================================
Training on F1 (AnyLoss) against tuning a threshold
=====================================================

On imbalanced data the score people report is F1 (or G-mean, or balanced
accuracy), while the model was trained on log-loss and then cut at 0.5 or at
a tuned threshold. :class:`~sklweights.classification.AnyLossClassifier`
trains the weights on ``1 - F1`` of a differentiable confusion matrix
(Han, Moniz & Chawla, KDD 2024). Here, on the authors' "Random" set (10%
positives), we compare the test F1 of both approaches over the whole range
of cut-offs, then look at the one knob AnyLoss adds: the amplifier ``L``.
"""

# %%
# Data and the two approaches
# ---------------------------
import matplotlib.pyplot as plt
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import TunedThresholdClassifierCV, train_test_split

from sklweights.classification import AnyLossClassifier
from sklweights.datasets import make_anyloss_random
from sklweights.plotting import ThresholdMetricDisplay

X, y = make_anyloss_random()
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.5, stratify=y, random_state=0
)

anyloss = AnyLossClassifier(metric="f1", random_state=0).fit(X_train, y_train)
logistic = LogisticRegression().fit(X_train, y_train)
tuned = TunedThresholdClassifierCV(LogisticRegression(), scoring="f1").fit(
    X_train, y_train
)

rows = [
    ("AnyLoss-F1, cut at 0.5", f1_score(y_test, anyloss.predict(X_test))),
    ("log-loss, cut at 0.5", f1_score(y_test, logistic.predict(X_test))),
    (
        f"log-loss, tuned cut ({tuned.best_threshold_:.2f})",
        f1_score(y_test, tuned.predict(X_test)),
    ),
]
for name, f1 in rows:
    print(f"{name:32s} test F1 = {f1:.3f}")

# %%
# F1 against the cut-off
# ----------------------
# AnyLoss puts its best cut-off where it was trained to, at 0.5; log-loss
# training needs the threshold moved far below 0.5 to reach the same F1.
# (:class:`~sklweights.plotting.ThresholdMetricDisplay`; the second call draws
# into the first one's axes.)
disp = ThresholdMetricDisplay.from_estimator(anyloss, X_test, y_test, name="AnyLoss-F1")
ThresholdMetricDisplay.from_estimator(
    logistic, X_test, y_test, name="log-loss", ax=disp.ax_
)
disp.ax_.axvline(tuned.best_threshold_, color="C1", lw=0.8, ls="--", label="tuned cut")
disp.ax_.set_ylabel("test F1")
disp.ax_.legend(fontsize=8)
disp.figure_.tight_layout()

# %%
# F1 against the amplifier
# ------------------------
# The authors' default ``L = 73`` makes the soft counts almost exact; smaller
# values smooth the loss (below about 10, too much: F1 drops). A fit that
# collapses to a single class is flagged by ``collapsed_`` (and a warning), so
# such runs never pass silently.
amplifiers = [1, 3, 10, 30, 73, 150]
scores = []
for L in amplifiers:
    clf = AnyLossClassifier(metric="f1", amplifier=L, random_state=0)
    clf.fit(X_train, y_train)
    scores.append(f1_score(y_test, clf.predict(X_test)))
fig, ax = plt.subplots(figsize=(6, 4))
ax.semilogx(amplifiers, scores, "o-")
ax.axhline(rows[2][1], color="C1", ls="--", lw=0.8, label="log-loss, tuned cut")
ax.set_xlabel("amplifier L")
ax.set_ylabel("test F1")
ax.legend()
fig.tight_layout()
plt.show()
