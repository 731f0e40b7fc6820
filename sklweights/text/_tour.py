"""Tour section: domain-weighted sentiment classifiers next to a pooled model."""

import importlib.util
import time

import numpy as np


def run(ctx):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import make_pipeline

    from sklweights.datasets import make_multidomain_sentiment
    from sklweights.plotting import GroupScoreDisplay
    from sklweights.text import (
        DomainWeightedCapsuleClassifier,
        LinearDomainWeightedClassifier,
    )

    ctx.step("generating multi-domain reviews with polarity-flipping words")
    n = 120 if ctx.quick else 250
    X, y, d = make_multidomain_sentiment(
        n_domains=3, n_samples_per_domain=n, random_state=ctx.random_state
    )
    Xtr, Xte, ytr, yte, dtr, dte = train_test_split(
        X, y, d, test_size=0.3, random_state=ctx.random_state, stratify=d
    )
    models = [
        (
            "pooled TF-IDF + LogisticRegression (baseline)",
            make_pipeline(
                TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
                LogisticRegression(C=10, max_iter=1000),
            ),
            False,
        ),
        (
            "LinearDomainWeightedClassifier (DBD)",
            LinearDomainWeightedClassifier(),
            True,
        ),
        (
            "LinearDomainWeightedClassifier (classifier weighting)",
            LinearDomainWeightedClassifier(domain_weighting="classifier"),
            True,
        ),
    ]
    if importlib.util.find_spec("torch") is not None and not ctx.quick:
        models.append(
            (
                "DomainWeightedCapsuleClassifier (DBD)",
                DomainWeightedCapsuleClassifier(
                    max_epochs=8,
                    embed_dim=32,
                    n_filters=32,
                    n_capsule_channels=4,
                    learning_rate=0.01,
                    early_stopping=False,
                    device="cpu",
                    random_state=ctx.random_state,
                ),
                True,
            )
        )
    predictions = {}
    for name, model, domain_aware in models:
        ctx.step(f"fitting {name}")
        t = time.perf_counter()
        if domain_aware:
            model.fit(Xtr, ytr, domains=dtr)
        else:
            model.fit(Xtr, ytr)
        fit_s = time.perf_counter() - t
        pred = model.predict(Xte)
        row = {"accuracy": float(np.mean(pred == yte)), "fit_s": fit_s}
        if domain_aware:
            row["domain_accuracy"] = float(np.mean(model.predict_domain(Xte) == dte))
        ctx.add_row(name, **row)
        predictions[name] = pred

    disp = GroupScoreDisplay.from_predictions(yte, predictions, dte)
    disp.ax_.set_ylim(0.5, 1.0)
    disp.ax_.set_title("Per-domain accuracy with polarity-flipping words")
    ctx.savefig(disp.figure_, "text_per_domain_accuracy")
    if ctx.quick:
        ctx.note("Quick mode: the capsule network is left out (see the full tour).")
    ctx.note(
        "Generated data: words such as 'unpredictable' are positive in one domain "
        "and negative in another, which a pooled model cannot represent. On the "
        "real VADER sentences the pooled TF-IDF logistic regression stays the "
        "one to beat (see benchmarks/results/text.md)."
    )
