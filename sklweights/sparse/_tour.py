"""Tour section: unfolded ISTA / FISTA against plain iterations and the Lasso."""

import time


def run(ctx):
    import numpy as np
    from sklearn.decomposition import SparseCoder

    from sklweights.datasets import make_sparse_recovery
    from sklweights.sparse import UnfoldedFISTA, UnfoldedISTA, sparse_coding_objective

    rs = ctx.random_state
    ctx.step("data")
    n_train = 1000 if ctx.quick else 3000
    epochs = 30 if ctx.quick else 100
    data = make_sparse_recovery(
        n_train + 1000, n_test_samples=1000, test_sparsity=0.2, random_state=rs
    )
    D = data.dictionary
    Y, X = data.Y[:n_train], data.codes[:n_train]
    Yt, Xt = data.Y[n_train:], data.codes[n_train:]
    reg = 0.05
    common = dict(dictionary=D, n_layers=10, reg=reg, device="cpu", random_state=rs)
    models = {
        "ISTA, 10 iterations (baseline)": UnfoldedISTA(learn_steps=False, **common),
        "FISTA, 10 iterations (baseline)": UnfoldedFISTA(
            learn_steps=False, learn_momenta=False, **common
        ),
        "UnfoldedISTA, unsupervised": UnfoldedISTA(max_epochs=epochs, **common),
        "UnfoldedISTA, supervised": UnfoldedISTA(
            loss="supervised", max_epochs=epochs, **common
        ),
        "UnfoldedFISTA, unsupervised": UnfoldedFISTA(max_epochs=epochs, **common),
    }
    for name, est in models.items():
        ctx.step(name)
        t = time.perf_counter()
        est.fit(Y, X)
        fit_s = time.perf_counter() - t
        ctx.add_row(
            name,
            objective=-est.score(Yt),
            mse=float(np.mean((est.transform(Yt) - Xt) ** 2)),
            mismatch_objective=-est.score(data.Y_test),
            fit_s=fit_s,
        )
    ctx.step("Lasso (SparseCoder lasso_cd)")
    coder = SparseCoder(D, transform_algorithm="lasso_cd", transform_alpha=reg)
    t = time.perf_counter()
    codes = coder.transform(Yt)
    lasso_s = time.perf_counter() - t
    ctx.add_row(
        "Lasso to convergence (SparseCoder lasso_cd)",
        objective=float(np.mean(sparse_coding_objective(Yt, codes, D, reg=reg))),
        mse=float(np.mean((codes - Xt) ** 2)),
        mismatch_objective=float(
            np.mean(
                sparse_coding_objective(
                    data.Y_test, coder.transform(data.Y_test), D, reg=reg
                )
            )
        ),
        transform_s=lasso_s,
    )
    ctx.note(
        "75 x 150 compressed sensing, sparsity 0.1 (mismatch: 0.2), reg 0.05; "
        "objective = mean 1/2 ||y - x D||^2 + reg ||x||_1 on held-out problems. "
        "Ten trained layers cost ten iterations; FISTA is the untrained bar."
    )
