"""Tour section: PRESTO next to the two models a user would otherwise fit."""

import time

import numpy as np


def run(ctx):
    """Fit PRESTO, rare-vs-rest logistic regression and proportional odds.

    Data: the paper's sparse-difference design (about 0.7% in the top class).
    Reports the rare-class probability MSE against the true probabilities
    (the paper's metric, in sample as in the paper) and the held-out Brier
    score, and plots estimated against true rare-class probabilities.
    """
    import matplotlib.pyplot as plt
    from sklearn.linear_model import LogisticRegression

    from sklweights.datasets import make_presto_ordinal
    from sklweights.metrics import multiclass_brier_score, rare_class_probability_mse

    from . import PrestoClassifier, PrestoClassifierCV

    n = 1500 if ctx.quick else 2500
    ctx.step("generating data")
    X, y, proba = make_presto_ordinal(n_samples=2 * n, random_state=ctx.random_state)
    Xtr, ytr, ptr = X[:n], y[:n], proba[:n]
    Xte, yte = X[n:], y[n:]
    cv_args = {"alphas": 6, "cv": 3} if ctx.quick else {}
    K = proba.shape[1]

    models = {
        "PrestoClassifierCV": lambda: PrestoClassifierCV(**cv_args).fit(Xtr, ytr),
        "proportional odds (PRESTO alpha->inf)": lambda: PrestoClassifier(
            alpha=1e3, penalize_first=False
        ).fit(Xtr, ytr),
        "LogisticRegression rare vs rest": lambda: LogisticRegression(
            C=np.inf, max_iter=5000
        ).fit(Xtr, ytr == K - 1),
    }
    rare_hat = {}
    for name, fit in models.items():
        ctx.step(name)
        t0 = time.perf_counter()
        model = fit()
        seconds = time.perf_counter() - t0
        p_tr = model.predict_proba(Xtr)[:, -1]
        rare_hat[name] = p_tr
        row = {
            "rare-class MSE x1e5 (in sample)": 1e5
            * rare_class_probability_mse(ptr[:, -1], p_tr),
            "fit s": seconds,
        }
        if name != "LogisticRegression rare vs rest":
            row["test Brier"] = multiclass_brier_score(
                yte, model.predict_proba(Xte), labels=np.arange(K)
            )
        if name == "PrestoClassifierCV":
            row["alpha"] = model.alpha_
        ctx.add_row(name, **row)
    ctx.note(
        "PRESTO borrows strength from the common classes for the rare top class "
        f"({100 * np.mean(ytr == K - 1):.1f}% of rows) without assuming "
        "proportional odds; lower rare-class MSE is better."
    )

    fig, ax = plt.subplots(figsize=(5, 4))
    for name, p in rare_hat.items():
        ax.scatter(ptr[:, -1], p, s=4, alpha=0.5, label=name)
    top = float(ptr[:, -1].max())
    ax.plot([0, top], [0, top], color="k", lw=1)
    ax.set_xlabel("true rare-class probability")
    ax.set_ylabel("estimated")
    ax.set_title("PRESTO: rare-class probabilities")
    ax.legend(fontsize=7, markerscale=3)
    ctx.savefig(fig, "presto_rare_probabilities")
