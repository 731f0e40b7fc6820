"""Tour section: AnyLoss (trained on F1) next to log-loss with a tuned threshold."""

import time


def run(ctx):
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import balanced_accuracy_score, f1_score
    from sklearn.model_selection import TunedThresholdClassifierCV, train_test_split

    from sklweights.classification import AnyLossClassifier
    from sklweights.datasets import make_anyloss_random

    rs = ctx.random_state
    ctx.step("data")
    X, y = make_anyloss_random(3000 if ctx.quick else 10000, random_state=rs)
    Xtr, Xte, ytr, yte = train_test_split(
        X, y, test_size=0.5, stratify=y, random_state=rs
    )
    models = [
        ("logistic regression, cut at 0.5 (baseline)", LogisticRegression()),
        (
            "logistic regression, F1-tuned cut",
            TunedThresholdClassifierCV(LogisticRegression(), scoring="f1"),
        ),
        ("AnyLossClassifier(f1)", AnyLossClassifier("f1", random_state=rs)),
        (
            "AnyLossClassifier(balanced_accuracy)",
            AnyLossClassifier("balanced_accuracy", random_state=rs),
        ),
    ]
    for name, model in models:
        ctx.step(name)
        t = time.perf_counter()
        model.fit(Xtr, ytr)
        fit_s = time.perf_counter() - t
        pred = model.predict(Xte)
        ctx.add_row(
            name,
            f1=f1_score(yte, pred),
            balanced_acc=balanced_accuracy_score(yte, pred),
            fit_s=fit_s,
        )
    ctx.note(
        "AnyLoss trains the weights on 1 - F1 of a soft confusion matrix, so its "
        "0.5 cut-off is the F1-optimal one; the tuned threshold reaches a "
        "similar F1 by moving the cut-off of a log-loss model."
    )
