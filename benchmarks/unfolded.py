"""Benchmark: deep-unfolded ISTA / FISTA / IHT against plain iterations and peers.

Design (the unfolded-ISTA prototype's, ``make_sparse_recovery`` defaults): a
75 x 150 dictionary with N(0, 1/75) entries, Bernoulli(0.1)-Gaussian codes,
noise 0.01; ``reg`` 0.05 (l1) and 0.002 (l0). Per seed a new dictionary,
``--train`` training problems, 2,000 test problems with the training
sparsity and 2,000 with sparsity 0.2 (the train/test mismatch).

Methods (same process; torch, BLAS and OpenMP capped at one thread):
plain ISTA / FISTA / IHT with T iterations (our layers with
``learn_steps=False``, equal to numpy iterations to 1e-12, see the tests);
``UnfoldedISTA`` / ``UnfoldedFISTA`` trained on the objective
(unsupervised) at T = 5, 10, 20, and on the recovery error (supervised) at
T = 10; ``UnfoldedISTA`` at T = 10 trained incrementally and with
``max_step=2``; ``UnfoldedIHT`` at T = 10; the converged Lasso
(``SparseCoder(transform_algorithm="lasso_cd", transform_alpha=reg)``, which
is ``Lasso(alpha=reg / 75, fit_intercept=False)`` per problem) and
``OrthogonalMatchingPursuit`` through ``SparseCoder(transform_algorithm="omp",
transform_n_nonzero_coefs=15)`` (15 = the training codes' expected number of
nonzeros). Quality: mean objective and MSE per code entry on the test
problems (medians over seeds). Time: transform milliseconds per 1,000
problems (median over ``--repeats`` runs for depths up to 20, one run for
the long solvers and the peers; then the median over seeds) and its ratio to
the converged Lasso.

Usage::

    python benchmarks/unfolded.py [--seeds 3] [--train 3000] [--epochs 100]
        [--device cpu]
"""

import argparse
import os
import platform
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
warnings.filterwarnings("ignore")

DEPTHS = (5, 10, 20)
REG_L1, REG_L0 = 0.05, 0.002
N_TEST = 2000
OMP_NONZEROS = 15


def _timed_transform(est, Y, repeats):
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        codes = est.transform(Y)
        times.append(time.perf_counter() - t)
    return codes, float(np.median(times)) * 1000 / len(Y)


def run_seed(seed, args):
    from sklearn.decomposition import SparseCoder

    from sklweights.datasets import make_sparse_recovery
    from sklweights.sparse import (
        UnfoldedFISTA,
        UnfoldedIHT,
        UnfoldedISTA,
        sparse_coding_objective,
    )

    data = make_sparse_recovery(
        args.train + N_TEST, n_test_samples=N_TEST, test_sparsity=0.2, random_state=seed
    )
    D = data.dictionary
    Y, X = data.Y[: args.train], data.codes[: args.train]
    tests = {
        "match": (data.Y[args.train :], data.codes[args.train :]),
        "mismatch": (data.Y_test, data.codes_test),
    }
    common = dict(device=args.device, random_state=seed)
    train = dict(max_epochs=args.epochs, **common)
    models = {}
    for T in DEPTHS:
        models["ISTA", T] = UnfoldedISTA(D, n_layers=T, learn_steps=False, **common)
        models["FISTA", T] = UnfoldedFISTA(
            D, n_layers=T, learn_steps=False, learn_momenta=False, **common
        )
        models["unfolded ISTA, unsup.", T] = UnfoldedISTA(D, n_layers=T, **train)
        models["unfolded FISTA, unsup.", T] = UnfoldedFISTA(D, n_layers=T, **train)
    for T in (100, 1000):
        models["ISTA", T] = UnfoldedISTA(D, n_layers=T, learn_steps=False, **common)
    models["unfolded ISTA, sup.", 10] = UnfoldedISTA(D, loss="supervised", **train)
    models["unfolded FISTA, sup.", 10] = UnfoldedFISTA(D, loss="supervised", **train)
    models["unfolded ISTA, unsup., incremental", 10] = UnfoldedISTA(
        D, incremental=True, max_epochs=max(1, args.epochs // 4), **common
    )
    models["unfolded ISTA, unsup., max_step=2", 10] = UnfoldedISTA(
        D, max_step=2.0, **train
    )
    for T in (10, 100, 1000):
        models["IHT", T] = UnfoldedIHT(D, n_layers=T, learn_steps=False, **common)
    models["unfolded IHT, unsup.", 10] = UnfoldedIHT(D, **train)
    models["unfolded IHT, sup.", 10] = UnfoldedIHT(D, loss="supervised", **train)

    out = {}
    for key, est in models.items():
        t = time.perf_counter()
        est.fit(Y, X)
        fit_s = time.perf_counter() - t
        penalty = "l0" if "IHT" in key[0] else "l1"
        row = {"fit_s": fit_s}
        # repeats only where the time is short and reported
        repeats = args.repeats if key[1] <= 20 else 1
        for name, (Yt, Xt) in tests.items():
            codes, per_k = _timed_transform(est, Yt, repeats if name == "match" else 1)
            row[name, "obj"] = float(
                np.mean(
                    sparse_coding_objective(Yt, codes, D, reg=est.reg, penalty=penalty)
                )
            )
            row[name, "mse"] = float(np.mean((codes - Xt) ** 2))
            if name == "match":
                row["ms_per_1000"] = per_k * 1000
        if "unfolded" in key[0]:
            row["steps_L"] = est.steps_ * est.lipschitz_
        out[key] = row
    # each peer scored on the objective it solves (OMP: l0, with l0's reg)
    peers = {
        ("Lasso (converged)", None): SparseCoder(
            D,
            transform_algorithm="lasso_cd",
            transform_alpha=REG_L1,
            transform_max_iter=10000,
        ),
        ("OMP, 15 nonzeros", None): SparseCoder(
            D, transform_algorithm="omp", transform_n_nonzero_coefs=OMP_NONZEROS
        ),
    }
    for key, est in peers.items():
        row = {"fit_s": 0.0}
        penalty, reg = ("l0", REG_L0) if key[0].startswith("OMP") else ("l1", REG_L1)
        for name, (Yt, Xt) in tests.items():
            codes, per_k = _timed_transform(est, Yt, 1)
            row[name, "obj"] = float(
                np.mean(sparse_coding_objective(Yt, codes, D, reg=reg, penalty=penalty))
            )
            row[name, "mse"] = float(np.mean((codes - Xt) ** 2))
            if name == "match":
                row["ms_per_1000"] = per_k * 1000
        out[key] = row
    return out


def _median(runs, key, field):
    return float(np.median([r[key][field] for r in runs]))


def _fmt(v):
    return "" if v is None else f"{v:.4g}"


def _comparison_row(runs, label, key, base=None):
    """Objective (relative to ``base`` when given) and MSE, matched and mismatched."""
    cells = []
    for name in ("match", "mismatch"):
        obj = _median(runs, key, (name, "obj"))
        shown = _fmt(obj) if base is None else f"{obj:.4g} ({obj / base[name]:.3f})"
        cells += [shown, _fmt(_median(runs, key, (name, "mse")))]
    return f"| {label} | " + " | ".join(cells) + " |"


def tables(runs):
    lines = []
    # 1. objective and MSE against depth
    lines += [
        "## l1: mean objective and MSE per entry against depth T (test sparsity 0.1)",
        "",
        "| method | "
        + " | ".join(f"objective T={T}" for T in DEPTHS)
        + " | "
        + " | ".join(f"MSE T={T}" for T in DEPTHS)
        + " |",
        "|---" * (1 + 2 * len(DEPTHS)) + "|",
    ]
    for method in ("ISTA", "FISTA", "unfolded ISTA, unsup.", "unfolded FISTA, unsup."):
        objs = [_median(runs, (method, T), ("match", "obj")) for T in DEPTHS]
        mses = [_median(runs, (method, T), ("match", "mse")) for T in DEPTHS]
        lines.append(
            f"| {method} | "
            + " | ".join(map(_fmt, objs))
            + " | "
            + " | ".join(map(_fmt, mses))
            + " |"
        )
    lasso, omp = ("Lasso (converged)", None), ("OMP, 15 nonzeros", None)

    def ref(key, field):
        return _median(runs, key, ("match", field))

    lines += [
        "",
        f"References: ISTA 100 iterations objective {ref(('ISTA', 100), 'obj'):.4g} "
        f"(MSE {ref(('ISTA', 100), 'mse'):.3g}), ISTA 1000 "
        f"{ref(('ISTA', 1000), 'obj'):.4g} (MSE {ref(('ISTA', 1000), 'mse'):.3g}), "
        f"converged Lasso {ref(lasso, 'obj'):.4g} (MSE "
        f"{ref(lasso, 'mse'):.3g}), OMP with 15 nonzeros MSE {ref(omp, 'mse'):.3g}.",
        "",
    ]
    # 2. the paper's comparison at T = 10, with the mismatch
    lines += [
        "## l1 at T = 10: supervised against unsupervised, and a sparsity mismatch",
        "",
        "Objective relative to plain ISTA with 10 iterations in brackets.",
        "",
        "| method | objective | MSE | mismatch (0.2) objective | mismatch MSE |",
        "|---|---|---|---|---|",
    ]
    base = {
        name: _median(runs, ("ISTA", 10), (name, "obj"))
        for name in ("match", "mismatch")
    }
    rows = [
        ("ISTA, 10 it.", ("ISTA", 10)),
        ("ISTA, 100 it.", ("ISTA", 100)),
        ("ISTA, 1000 it.", ("ISTA", 1000)),
        ("FISTA, 10 it.", ("FISTA", 10)),
        ("unfolded ISTA, unsupervised", ("unfolded ISTA, unsup.", 10)),
        ("unfolded ISTA, supervised", ("unfolded ISTA, sup.", 10)),
        (
            "unfolded ISTA, unsup., incremental",
            ("unfolded ISTA, unsup., incremental", 10),
        ),
        (
            "unfolded ISTA, unsup., max_step=2",
            ("unfolded ISTA, unsup., max_step=2", 10),
        ),
        ("unfolded FISTA, unsupervised", ("unfolded FISTA, unsup.", 10)),
        ("unfolded FISTA, supervised", ("unfolded FISTA, sup.", 10)),
    ]
    rows.append(("Lasso (converged)", lasso))
    lines += [_comparison_row(runs, label, key, base) for label, key in rows]
    # 3. l0
    lines += [
        "",
        "## l0 at T = 10: unfolded IHT",
        "",
        "| method | l0 objective | MSE | mismatch (0.2) objective | mismatch MSE |",
        "|---|---|---|---|---|",
    ]
    for label, key in (
        ("IHT, 10 it.", ("IHT", 10)),
        ("IHT, 100 it.", ("IHT", 100)),
        ("IHT, 1000 it.", ("IHT", 1000)),
        ("unfolded IHT, unsupervised", ("unfolded IHT, unsup.", 10)),
        ("unfolded IHT, supervised", ("unfolded IHT, sup.", 10)),
        ("OMP, 15 nonzeros", ("OMP, 15 nonzeros", None)),
    ):
        lines.append(_comparison_row(runs, label, key))
    # 4. time
    lasso_ms = _median(runs, ("Lasso (converged)", None), "ms_per_1000")
    lines += [
        "",
        "## Time to code 1,000 problems (transform; median over seeds)",
        "",
        "A trained network costs what its untrained twin of the same depth costs:",
        "training changes the steps, not the operations.",
        "",
        "| method | ms per 1,000 problems | ratio to the converged Lasso | fit s |",
        "|---|---|---|---|",
    ]
    for label, key in (
        ("ISTA / unfolded ISTA, T=10", ("unfolded ISTA, unsup.", 10)),
        ("FISTA / unfolded FISTA, T=10", ("unfolded FISTA, unsup.", 10)),
        ("unfolded ISTA, T=20", ("unfolded ISTA, unsup.", 20)),
        ("ISTA, 100 it.", ("ISTA", 100)),
        ("ISTA, 1000 it.", ("ISTA", 1000)),
        ("IHT / unfolded IHT, T=10", ("unfolded IHT, unsup.", 10)),
        ("Lasso (converged; SparseCoder lasso_cd)", ("Lasso (converged)", None)),
        ("OMP, 15 nonzeros (SparseCoder omp)", ("OMP, 15 nonzeros", None)),
    ):
        ms = _median(runs, key, "ms_per_1000")
        lines.append(
            f"| {label} | {ms:.4g} | {ms / lasso_ms:.3f} | "
            f"{_median(runs, key, 'fit_s'):.3g} |"
        )
    # 5. learned steps
    lines += [
        "",
        "## Learned steps at T = 10, in units of 1/L (seed 0)",
        "",
        "| network | " + " | ".join(f"layer {t}" for t in range(1, 11)) + " |",
        "|---" * 11 + "|",
    ]
    for label, key in (
        ("unfolded ISTA, unsupervised", ("unfolded ISTA, unsup.", 10)),
        ("unfolded ISTA, supervised", ("unfolded ISTA, sup.", 10)),
        ("unfolded FISTA, unsupervised", ("unfolded FISTA, unsup.", 10)),
        ("unfolded IHT, unsupervised", ("unfolded IHT, unsup.", 10)),
    ):
        steps = runs[0][key]["steps_L"]
        lines.append(f"| {label} | " + " | ".join(f"{s:.2f}" for s in steps) + " |")
    return lines


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--train", type=int, default=3000)
    ap.add_argument("--epochs", type=int, default=100)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--device", default="cpu")
    ap.add_argument(
        "--out", default=str(ROOT / "benchmarks" / "results" / "unfolded.md")
    )
    args = ap.parse_args()

    import sklearn
    import torch
    from threadpoolctl import threadpool_limits

    torch.set_num_threads(1)
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "none visible"
    header = [
        "# Deep-unfolded sparse recovery benchmark",
        "",
        f"- machine: {platform.machine()}, {os.cpu_count()} CPU cores (shared), Python "
        f"{platform.python_version()}, scikit-learn {sklearn.__version__}, torch "
        f"{torch.__version__}; torch, BLAS and OpenMP capped at 1 thread",
        f"- device of the torch layers: {args.device} (GPU: {gpu})",
        *(
            []
            if torch.cuda.is_available()
            else [
                "- no GPU was available to this run: every time is a CPU time "
                "(`--device cuda` times the layers on a GPU)"
            ]
        ),
        f"- command: `python benchmarks/unfolded.py --seeds {args.seeds} --train "
        f"{args.train} --epochs {args.epochs} --repeats {args.repeats} --device "
        f"{args.device}`",
        "- design: dictionary 150 atoms x 75 features (N(0, 1/75)), "
        "Bernoulli(0.1)-Gaussian codes, noise 0.01, reg 0.05 (l1) / 0.002 (l0); "
        f"{args.train} training and {N_TEST} + {N_TEST} (sparsity 0.1 / 0.2) test "
        "problems per seed; medians over seeds",
        "",
    ]
    runs = []
    t0 = time.perf_counter()
    with threadpool_limits(1):
        for seed in range(args.seeds):
            runs.append(run_seed(seed, args))
            print(f"seed {seed} done ({time.perf_counter() - t0:.0f} s)", flush=True)
            Path(args.out).write_text(
                "\n".join(header + tables(runs))
                + f"\n\nTotal run time {time.perf_counter() - t0:.0f} s.\n"
            )


if __name__ == "__main__":
    main()
