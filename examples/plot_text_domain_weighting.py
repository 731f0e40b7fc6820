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
from sklweights.plotting import DomainWeightsDisplay, GroupScoreDisplay
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
for name, model in models.items():
    print(f"{name:32s} accuracy {np.mean(model.predict(X_test) == y_test):.3f}")
print("DBD domain accuracy:", np.mean(dbd.predict_domain(X_test) == d_test))

disp = GroupScoreDisplay.from_estimator(models, X_test, y_test, d_test)
disp.ax_.set_ylim(0.5, 1)
disp.ax_.set_title("Per-domain accuracy")
disp.figure_.tight_layout()

# %%
# The DBD weights of example sentences
# ------------------------------------
# A sentence made of one domain's topic words gets most of its weight on that
# domain; a sentence of shared words only gets uniform weights.
topic = {d: X_train[d_train == d][0].split() for d in dbd.domains_}
examples = [
    " ".join(w for w in topic["books"] if w not in {"good", "bad"}),
    " ".join(topic["electronics"][:4]),
    "this was really good",
    "unknown words only",
]
disp = DomainWeightsDisplay.from_estimator(dbd, examples)
disp.ax_.set_title("Domain Belonging Degree of example sentences", pad=24)
disp.figure_.tight_layout()
plt.show()
