"""
===================================================
Domain-weighted sentiment with flipping word senses
===================================================

"Unpredictable" praises a film and condemns a car. A single (pooled)
sentiment classifier cannot give a word opposite polarities in different
domains; the domain-weighted ensembles of :mod:`sklweights.text` train one
classifier per domain and weight them, for each new document, by how much it
belongs to each domain (its Domain Belonging Degree, DBD).

This example generates reviews from three domains whose sentiment words
partly flip polarity between domains, and compares

* a pooled TF-IDF logistic regression,
* :class:`~sklweights.LinearDomainWeightedClassifier` with the paper's DBD
  weighting and with a domain-classifier weighting,

per domain; then it shows the DBD weights of a few sentences.
"""

# %%
# Data: three domains, polarity-flipping words
# --------------------------------------------
import matplotlib.pyplot as plt
import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline

from sklweights.datasets import make_multidomain_sentiment
from sklweights.metrics import per_domain_score
from sklweights.text import LinearDomainWeightedClassifier

X, y, domains = make_multidomain_sentiment(
    n_domains=3, n_samples_per_domain=300, flip_fraction=0.6, random_state=0
)
X_train, X_test, y_train, y_test, d_train, d_test = train_test_split(
    X, y, domains, test_size=0.3, random_state=0, stratify=domains
)
print(X_train[:3])

# %%
# Pooled model versus domain-weighted ensembles
# ---------------------------------------------
pooled = make_pipeline(
    TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
    LogisticRegression(C=10, max_iter=1000),
).fit(X_train, y_train)
dbd = LinearDomainWeightedClassifier(domain_weighting="dbd").fit(
    X_train, y_train, domains=d_train
)
posterior = LinearDomainWeightedClassifier(domain_weighting="classifier").fit(
    X_train, y_train, domains=d_train
)
models = {
    "pooled logistic": pooled,
    "per-domain, DBD weights": dbd,
    "per-domain, classifier weights": posterior,
}
scores = {
    name: per_domain_score(y_test, model.predict(X_test), d_test)
    for name, model in models.items()
}
for name, model in models.items():
    print(f"{name:32s} accuracy {np.mean(model.predict(X_test) == y_test):.3f}")
print("DBD domain accuracy:", np.mean(dbd.predict_domain(X_test) == d_test))

names = sorted(set(d_test))
fig, ax = plt.subplots(figsize=(7, 3.5))
width = 0.27
for i, (name, s) in enumerate(scores.items()):
    ax.bar(np.arange(len(names)) + i * width, [s[k] for k in names], width, label=name)
ax.set_xticks(np.arange(len(names)) + width)
ax.set_xticklabels(names)
ax.set_ylim(0.5, 1)
ax.set_ylabel("accuracy")
ax.set_title("Per-domain accuracy")
ax.legend(loc="lower right", fontsize=8)
fig.tight_layout()

# %%
# The DBD weights of example sentences
# ------------------------------------
# A sentence made of one domain's topic words gets most of its weight on that
# domain; a sentence of shared words only gets uniform weights.
topic = {d: X_train[d_train == d][0].split() for d in names}
examples = [
    " ".join(w for w in topic["books"] if w not in {"good", "bad"}),
    " ".join(topic["electronics"][:4]),
    "this was really good",
    "unknown words only",
]
weights = dbd.domain_weights(examples)
fig, ax = plt.subplots(figsize=(7, 2.8))
im = ax.imshow(weights, cmap="Blues", vmin=0, vmax=1)
ax.set_xticks(range(len(dbd.domains_)))
ax.set_xticklabels(dbd.domains_)
ax.set_yticks(range(len(examples)))
ax.set_yticklabels([e[:40] for e in examples], fontsize=8)
for i in range(weights.shape[0]):
    for j in range(weights.shape[1]):
        ax.text(j, i, f"{weights[i, j]:.2f}", ha="center", va="center", fontsize=8)
ax.set_title("Domain Belonging Degree of example sentences")
fig.colorbar(im, ax=ax)
fig.tight_layout()
plt.show()
