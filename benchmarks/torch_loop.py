"""Benchmark: time per epoch of every torch estimator, this checkout vs another.

Both versions of sklweights are imported into ONE process (the modules are
swapped in ``sys.modules`` between fits) and their fits interleave, so machine
noise hits both sides alike. Each estimator is fitted on a fixed synthetic
problem on the CPU, with ``early_stopping=False`` and a fixed epoch budget;
two numbers are reported per fit:

* ``epoch``: the median of ``history_[i]["time"]`` (the loop's own clock: the
  batches, the validation pass and the callbacks of one epoch);
* ``fit/epoch``: the whole ``fit`` wall time divided by the epochs run (adds
  the one-off set-up: vocabulary, SVD features, base learners, ...).

The table gives the median over ``--repeats`` interleaved fits and the ratio
this checkout / the other one (below 1: faster now).

Usage::

    git worktree add /tmp/before <commit>
    python benchmarks/torch_loop.py --before /tmp/before [--repeats 5]
"""

import argparse
import contextlib
import importlib
import platform
import sys
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
warnings.filterwarnings("ignore")


@contextlib.contextmanager
def sklweights_from(path):
    """Import ``sklweights`` from ``path`` for the duration of the block."""
    saved = {k: v for k, v in sys.modules.items() if k.split(".")[0] == "sklweights"}
    for k in saved:
        del sys.modules[k]
    sys.path.insert(0, str(path))
    try:
        yield importlib.import_module("sklweights")
    finally:
        sys.path.remove(str(path))
        for k in [k for k in sys.modules if k.split(".")[0] == "sklweights"]:
            del sys.modules[k]
        sys.modules.update(saved)


def _epoch_times(history):
    """Per-epoch times from a ``history_`` of either shape (list or dict of lists)."""
    if isinstance(history, dict):  # the capsule classifier before the one loop
        return [h["time"] for hs in history.values() for h in hs]
    return [h["time"] for h in history]


def _data(seed=0):
    from sklearn.datasets import make_friedman1

    from sklweights.datasets import make_mnar_ratings, make_multidomain_sentiment

    Xq, yq = make_friedman1(2000, 8, noise=1.0, random_state=seed)
    texts, labels, domains = make_multidomain_sentiment(3, 300, random_state=seed)
    mnar = make_mnar_ratings(300, 300, random_state=seed)
    return {"quantile": (Xq, yq), "text": (texts, labels, domains), "recsys": mnar}


def fit_one(sk, name, data, epochs):
    """Fit one estimator with the given ``sklweights`` module; returns timings."""
    if name == "DeepQuantileAggregator":
        from sklearn.ensemble import GradientBoostingRegressor
        from sklearn.linear_model import QuantileRegressor

        Xq, yq = data["quantile"]
        est = sk.quantile.DeepQuantileAggregator(
            [
                ("linear", QuantileRegressor(alpha=0.0, solver="highs")),
                ("gbm", GradientBoostingRegressor(loss="quantile", n_estimators=30)),
            ],
            quantiles=[0.1, 0.5, 0.9],
            cv=3,
            max_epochs=epochs,
            early_stopping=False,
            device="cpu",
            random_state=0,
        )
        args, kw = (Xq, yq), {}
    elif name == "DomainWeightedCapsuleClassifier":
        texts, labels, domains = data["text"]
        est = sk.text.DomainWeightedCapsuleClassifier(
            max_epochs=epochs, early_stopping=False, device="cpu", random_state=0
        )
        args, kw = (list(texts), labels), {"domains": domains}
    else:
        d = data["recsys"]
        est = sk.recsys.DebiasedMF(
            "kbdr",
            max_epochs=epochs,
            early_stopping=False,
            tol=0.0,  # the old loop also stopped on a training plateau
            n_iter_no_change=epochs + 1,
            device="cpu",
            random_state=0,
        )
        args, kw = (
            (d.X_train, d.y_train),
            {
                "n_users": d.n_users,
                "n_items": d.n_items,
                "y_mar": None,
            },
        )
    t0 = time.perf_counter()
    est.fit(*args, **kw)
    fit = time.perf_counter() - t0
    times = _epoch_times(est.history_)
    return float(np.median(times)), fit / len(times)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--before", required=True, help="checkout to compare against")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--out", default=None, help="write the table here too")
    ap.add_argument("--only", default=None, help="comma-separated estimator names")
    args = ap.parse_args()

    import torch

    sides = {"before": Path(args.before).resolve(), "after": ROOT}
    names = [
        "DeepQuantileAggregator",
        "DomainWeightedCapsuleClassifier",
        "DebiasedMF",
    ]
    if args.only:
        names = [n for n in names if n in args.only.split(",")]
    with sklweights_from(ROOT):
        data = _data()
    res = {(n, s): [] for n in names for s in sides}
    for r in range(args.repeats):
        for n in names:
            order = list(sides) if r % 2 == 0 else list(sides)[::-1]
            for s in order:
                with sklweights_from(sides[s]) as sk:
                    res[n, s].append(fit_one(sk, n, data, args.epochs))
        print(f"repeat {r + 1}/{args.repeats} done", file=sys.stderr)

    lines = [
        f"torch loop timing: {platform.processor() or platform.machine()}, "
        f"torch {torch.__version__}, {torch.get_num_threads()} threads, CPU; "
        f"{args.epochs} epochs, median of {args.repeats} interleaved fits",
        "",
        "| estimator | epoch before (s) | epoch after (s) | ratio |"
        " fit/epoch before (s) | fit/epoch after (s) | ratio |",
        "|---|---|---|---|---|---|---|",
    ]
    for n in names:
        b = np.median(np.array(res[n, "before"]), axis=0)
        a = np.median(np.array(res[n, "after"]), axis=0)
        lines.append(
            f"| {n} | {b[0]:.4f} | {a[0]:.4f} | {a[0] / b[0]:.2f} |"
            f" {b[1]:.4f} | {a[1]:.4f} | {a[1] / b[1]:.2f} |"
        )
    text = "\n".join(lines)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n")


if __name__ == "__main__":
    main()
