"""
=================================================
Noisy labels: cross-entropy against ALDR-KL
=================================================

A share of the training labels is wrong (uniform label noise on the digits
data). The same 64x64 MLP is trained with cross-entropy, which ends up
memorising the wrong labels, and with the adaptive label-distributionally
robust loss ALDR-KL of Zhu, Ying & Yang (ICML 2023), which weighs the
classes of each example by a worst case over label distributions at a
large temperature. Accuracy is measured on the clean test labels. The
fitted model also ranks the training rows by how likely their label is
wrong.
"""

# %%
# Accuracy against the noise rate
# -------------------------------
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split

from sklweights.classification import LDRClassifier
from sklweights.datasets import make_label_noise
from sklweights.plotting import TrainingHistoryDisplay

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.3, stratify=y, random_state=0
)
rates = [0.0, 0.2, 0.4, 0.6]
losses = {"ce": "cross-entropy", "gce": "generalised CE", "aldr_kl": "ALDR-KL"}
accuracy = {loss: [] for loss in losses}
fitted = {}  # the models of the 40% noise rate, for their training curves
for rate in rates:
    noisy, flipped = make_label_noise(y_train, noise_rate=rate, random_state=0)
    for loss in losses:
        clf = LDRClassifier(loss, random_state=0).fit(X_train, noisy)
        accuracy[loss].append(clf.score(X_test, y_test))
        if rate == 0.4:
            fitted[loss] = clf

fig, ax = plt.subplots(figsize=(6, 4))
for loss, name in losses.items():
    ax.plot(rates, accuracy[loss], "o-", label=name)
ax.set_xlabel("share of training labels redrawn at random")
ax.set_ylabel("accuracy on clean test labels")
ax.legend()
fig.tight_layout()

# %%
# Training curves at 40% noise
# ----------------------------
# :class:`~sklweights.plotting.TrainingHistoryDisplay` draws each fit's
# training loss per epoch (each loss on its own scale, so the curves show
# convergence, not a comparison of levels).
fig, axes = plt.subplots(1, len(losses), figsize=(10, 3))
for ax, (loss, name) in zip(axes, losses.items()):
    TrainingHistoryDisplay.from_estimator(fitted[loss], name=name, ax=ax)
    ax.set_title(name)
fig.tight_layout()

# %%
# Which training labels are wrong?
# --------------------------------
# ``label_issue_scores`` is ``-log p(y | x)`` of the given label under the
# fitted model: rank the rows by it and review the top first. ALDR-KL's
# per-row temperatures move too, but they do not look at the label.
noisy, flipped = make_label_noise(y_train, noise_rate=0.4, random_state=0)
clf = LDRClassifier("aldr_kl", random_state=0).fit(X_train, noisy)
scores = clf.label_issue_scores(X_train, noisy)
auc = roc_auc_score(flipped, scores)
print(f"ROC AUC of the scores for the flipped labels: {auc:.3f}")
print(
    "ROC AUC of the temperatures:                  "
    f"{roc_auc_score(flipped, clf.sample_temperature_):.3f}"
)
print(
    "temperatures range from "
    f"{clf.sample_temperature_.min():.2f} to {clf.sample_temperature_.max():.2f}"
)
order = np.argsort(-scores)
top = flipped[order[:100]].mean()
print(f"share of wrong labels among the 100 top-ranked rows: {top:.2f}")
plt.show()
