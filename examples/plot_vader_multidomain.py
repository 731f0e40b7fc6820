"""
=====================================================
The bundled VADER multi-domain sentiment sentences
=====================================================

sklweights bundles the VADER ground-truth sentences (Hutto & Gilbert, 2014):
23,703 English sentences from four domains, each rated by about 20 people.
The domain-weighted sentiment estimators are evaluated on them. This example
shows what the loader returns and why the data is a multi-domain problem
(label balance and the valence distribution differ by domain), then fits the
domain-weighted linear classifier next to a pooled one and draws its
per-domain accuracy and domain weights.
"""

# %%
# Load the data as a DataFrame
# ----------------------------
import matplotlib.pyplot as plt
import numpy as np

from sklweights.datasets import load_vader_multidomain

data = load_vader_multidomain(as_frame=True)
frame = data.frame
print(frame.head())

# %%
# Label balance per domain
# ------------------------
# The documented rule labels a sentence positive when its mean valence is at
# least 0.5, negative when at most -0.5, neutral otherwise.
counts = frame.groupby(["domain", "label"], observed=True).size().unstack()
shares = counts.div(counts.sum(axis=1), axis=0)
print(shares.round(3))

# %%
# Valence distribution per domain
# -------------------------------
fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
bins = np.linspace(-4, 4, 33)
for domain, group in frame.groupby("domain", observed=True):
    axes[0].hist(
        group["valence"], bins=bins, histtype="step", density=True, label=domain
    )
axes[0].axvline(-0.5, color="grey", lw=0.8, ls="--")
axes[0].axvline(0.5, color="grey", lw=0.8, ls="--")
axes[0].set_xlabel("mean human valence")
axes[0].set_ylabel("density")
axes[0].legend()
shares.plot.barh(stacked=True, ax=axes[1], color=["#c0504d", "#bbbbbb", "#4f81bd"])
axes[1].set_xlabel("share of sentences")
axes[1].legend(loc="lower right", fontsize=8)
fig.tight_layout()
plt.show()

# %%
# A domain-weighted classifier on the sentences
# ---------------------------------------------
# :class:`~sklweights.text.LinearDomainWeightedClassifier` trains one TF-IDF
# logistic regression per domain and averages their probabilities with
# per-document domain weights: the paper's Domain Belonging Degree (DBD), or
# the posterior of a domain classifier. The pooled TF-IDF logistic regression
# is the baseline a user would otherwise fit. One stratified split (a quarter
# of every domain held out) keeps the example fast.
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline

from sklweights.plotting import DomainWeightsDisplay, GroupScoreDisplay
from sklweights.text import LinearDomainWeightedClassifier

texts = frame["text"].to_numpy()
labels = frame["label"].to_numpy()
domains = frame["domain"].astype(str).to_numpy()
X_train, X_test, y_train, y_test, d_train, d_test = train_test_split(
    texts, labels, domains, test_size=0.25, random_state=0, stratify=domains
)
models = {
    "pooled logistic": make_pipeline(
        TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True),
        LogisticRegression(C=10, max_iter=1000),
    ).fit(X_train, y_train),
    "per-domain, DBD weights": LinearDomainWeightedClassifier(
        domain_weighting="dbd"
    ).fit(X_train, y_train, domains=d_train),
    "per-domain, classifier weights": LinearDomainWeightedClassifier(
        domain_weighting="classifier"
    ).fit(X_train, y_train, domains=d_train),
}
for name, model in models.items():
    print(f"{name:32s} accuracy {np.mean(model.predict(X_test) == y_test):.3f}")
for name in ("per-domain, DBD weights", "per-domain, classifier weights"):
    found = np.mean(models[name].predict_domain(X_test) == d_test)
    print(f"{name:32s} domain found for {found:.3f} of the test sentences")

# %%
# Accuracy per domain
# -------------------
# The three-class accuracy of each model on each domain's held-out sentences.
# A member trained on the wrong domain costs most where the domain is hard to
# recognise: compare the share of sentences whose domain each ensemble found,
# printed above.
disp = GroupScoreDisplay.from_estimator(
    models, X_test, y_test, d_test, metric_name="accuracy"
)
disp.ax_.set_title("Per-domain accuracy on the VADER sentences")
disp.figure_.tight_layout()

# %%
# Domain weights of a few test sentences
# --------------------------------------
# The weights each ensemble gives its per-domain members, for one held-out
# sentence of every domain, and the mean weight on the sentence's own domain
# over the whole test set.
for name in ("per-domain, DBD weights", "per-domain, classifier weights"):
    weights = models[name].predict_weights(X_test)
    own = weights[
        np.arange(len(d_test)), np.searchsorted(models[name].domains_, d_test)
    ]
    print(f"{name:32s} mean weight on the own domain {own.mean():.3f}")
rng = np.random.default_rng(0)
picked = [rng.choice(np.flatnonzero(d_test == d)) for d in np.unique(d_test)]
fig, axes = plt.subplots(1, 2, figsize=(12, 3.6), sharey=True)
for ax, name in zip(
    axes, ["per-domain, DBD weights", "per-domain, classifier weights"]
):
    DomainWeightsDisplay.from_estimator(
        models[name],
        X_test[picked],
        labels=[f"{d_test[i]}: {X_test[i][:30]}..." for i in picked],
        ax=ax,
    )
    ax.set_title(name, pad=24)
fig.tight_layout()
plt.show()
