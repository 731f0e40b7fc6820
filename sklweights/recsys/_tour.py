"""Tour section: debiased matrix factorisation next to a plain (naive) MF."""

import time

import numpy as np


def run(ctx):
    """Fit DebiasedMF with naive, IPS, DR-JL and kernel-balanced losses.

    Data: semi-synthetic missing-not-at-random feedback with known truth
    (:func:`sklweights.datasets.make_mnar_ratings`); the test set is every
    user x item pair (missing at random). The naive method is the plain MF a
    user would otherwise train. Reports MAR test AUC, NDCG@5, the Brier score
    on all pairs, the balance violation of the final training weights at
    held-out kernel landmarks (max over 20, the same landmarks for every
    method) next to the base propensity's, and the time per epoch; plots AUC
    and the balance violation per epoch per method.
    """
    import matplotlib.pyplot as plt

    from sklweights.datasets import make_mnar_ratings
    from sklweights.metrics import calibration_summary, ndcg_at_k
    from sklweights.plotting import TrainingHistoryDisplay
    from sklweights.recsys import DebiasedMF

    shape = (100, 150) if ctx.quick else (300, 300)
    epochs = 5 if ctx.quick else 15
    methods = (
        ["naive", "ips", "kbips"]
        if ctx.quick
        else [
            "naive",
            "ips",
            "dr_jl",
            "kbips",
            "kbdr",
        ]
    )
    ctx.step("generating data")
    data = make_mnar_ratings(*shape, random_state=ctx.random_state)
    results = {}
    for method in methods:
        ctx.step(method)
        model = DebiasedMF(
            method, max_epochs=epochs, random_state=ctx.random_state, device="cpu"
        )
        t0 = time.perf_counter()
        model.fit(data.X_train, data.y_train)
        seconds = time.perf_counter() - t0
        proba = model.predict_proba(data.X_test)[:, 1]
        results[method] = model
        ctx.add_row(
            "naive MF (baseline)" if method == "naive" else f"DebiasedMF({method})",
            **{
                "MAR AUC": model.score(data.X_test, data.y_test),
                "NDCG@5": ndcg_at_k(data.y_test, proba, data.X_test[:, 0], k=5),
                "Brier (all pairs)": calibration_summary(data.y_test, proba)["brier"],
                "balance violation": float(model.balance_violation_.max()),
                "base violation": float(model.base_balance_violation_.max()),
                "s/epoch": float(np.median([h["time"] for h in model.history_])),
                "fit s": seconds,
            },
        )
    ctx.note(
        f"{shape[0]} x {shape[1]} semi-synthetic MNAR data "
        f"({len(data.y_train)} observed pairs, positive rate "
        f"{data.y_train.mean():.2f} observed vs {data.y_test.mean():.2f} MAR); "
        "balance violation = max |weighted observed - all| kernel mean at 20 "
        "held-out landmarks (base: the base propensity's weights, where the "
        "kernel methods start)."
    )

    fig, axes = plt.subplots(1, 2, figsize=(9, 3.4))
    names = list(results)
    axes[0].bar(names, [results[m].score(data.X_test, data.y_test) for m in names])
    axes[0].set_ylim(0.5, None)
    axes[0].set_ylabel("MAR test AUC")
    for m in names:
        TrainingHistoryDisplay.from_estimator(
            results[m], keys="balance_violation", name=m, ax=axes[1], marker="."
        )
    axes[1].set_ylabel("max balance violation")
    axes[1].legend(fontsize=8)
    fig.suptitle("DebiasedMF on semi-synthetic MNAR data")
    fig.tight_layout()
    ctx.savefig(fig, "recsys_debiased_mf")
