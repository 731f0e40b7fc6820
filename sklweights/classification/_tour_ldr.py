"""Tour section: ALDR-KL next to cross-entropy on digits with 40% noisy labels."""

import time


def run(ctx):
    from sklearn.datasets import load_digits
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import train_test_split
    from sklearn.neural_network import MLPClassifier
    from sklearn.preprocessing import StandardScaler

    from sklweights.classification import LDRClassifier
    from sklweights.datasets import make_label_noise

    rs = ctx.random_state
    ctx.step("data")
    X, y = load_digits(return_X_y=True)
    Xtr, Xte, ytr, yte = train_test_split(
        X, y, test_size=0.3, stratify=y, random_state=rs
    )
    noisy, flipped = make_label_noise(ytr, noise_rate=0.4, random_state=rs)
    epochs = 30 if ctx.quick else 100
    milestones = (15, 22) if ctx.quick else (50, 75)
    sc = StandardScaler().fit(Xtr)
    ctx.step("MLPClassifier, early stopping (baseline)")
    t = time.perf_counter()
    mlp = MLPClassifier((64, 64), early_stopping=True, max_iter=500, random_state=rs)
    mlp.fit(sc.transform(Xtr), noisy)
    ctx.add_row(
        "MLPClassifier(64, 64), early stopping (baseline)",
        clean_test_acc=mlp.score(sc.transform(Xte), yte),
        fit_s=time.perf_counter() - t,
    )
    for loss in ("ce", "aldr_kl"):
        ctx.step(f"LDRClassifier({loss})")
        t = time.perf_counter()
        clf = LDRClassifier(
            loss, max_epochs=epochs, lr_milestones=milestones, random_state=rs
        ).fit(Xtr, noisy)
        fit_s = time.perf_counter() - t
        ctx.add_row(
            f"LDRClassifier({loss!r})",
            clean_test_acc=clf.score(Xte, yte),
            mislabel_auc=roc_auc_score(flipped, clf.label_issue_scores(Xtr, noisy)),
            fit_s=fit_s,
        )
    ctx.note(
        "40% of the training labels redrawn at random; accuracy on clean test "
        "labels. mislabel_auc: how well label_issue_scores ranks the wrong "
        "training labels first."
    )
