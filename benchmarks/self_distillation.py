"""Benchmark: self-distilled kernel ridge against a tuned KernelRidge, and its cost.

Quality, on offline regression sets (a new split per seed):

* ``diabetes``: scikit-learn's ``load_diabetes`` (442 x 10);
* ``friedman1``, ``friedman2``, ``friedman3``: ``make_friedman1(500,
  noise=1)``, ``make_friedman2(500, noise=125)``, ``make_friedman3(500,
  noise=0.1)`` (a new draw per seed);
* ``sine``: the notes' small design, 40 training points ``x ~ U(0, 1)``,
  ``y = sin(2 pi x) + N(0, 0.5^2)``, RBF ``gamma=10`` on raw x, tested on
  400 fresh points.

The others: 60/40 split, X and y standardised on the training rows, RBF
``gamma = 1 / n_features``. Test MSE (standardised y), means over seeds, for
the teacher's penalty ``lambda0`` in {0.01, 1, 100}: ``KernelRidge(lambda0)``;
``SelfDistilledKernelRidge`` with one step and the weight chosen on 20% of the
training rows held out (``"optimal"``, then refit on all rows) or by the
one-shot GCV estimate, each in [0, 1] (Borup & Andersen's range) and free;
the free GCV weight with 5 steps; the oracle weight (projection on the test
set itself: the headroom, not a method); and ``GridSearchCV(KernelRidge,
alpha in logspace(-3, 3, 13), cv=5)``, which does not depend on lambda0.
Fit time as a ratio to ``KernelRidge(lambda0)``'s (median over seeds).

Speed, n = 2,000 rows of ``make_friedman1`` (10 features), medians over
repeats in one process: the whole 10-step path against one ``KernelRidge``
fit plus the eigendecomposition of its kernel matrix, and a grid of 50
weights (10 steps each) against ``KernelRidge`` fits.

Usage::

    python benchmarks/self_distillation.py [--seeds 10] [--sets diabetes,...]
        [--threads 1] [--repeats 5]
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

LAMBDAS = (0.01, 1.0, 100.0)
ALPHA_GRID = np.logspace(-3, 3, 13)


def load(name, seed):
    """(X_train, y_train, X_test, y_test, gamma), standardised where stated."""
    from sklearn.datasets import (
        load_diabetes,
        make_friedman1,
        make_friedman2,
        make_friedman3,
    )
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    if name == "sine":
        rng = np.random.default_rng(seed)
        x = rng.uniform(size=(440, 1))
        y = np.sin(2 * np.pi * x[:, 0]) + rng.normal(scale=0.5, size=440)
        return x[:40], y[:40], x[40:], y[40:], 10.0
    if name == "diabetes":
        X, y = load_diabetes(return_X_y=True)
    else:
        make = {
            "friedman1": lambda: make_friedman1(500, noise=1.0, random_state=seed),
            "friedman2": lambda: make_friedman2(500, noise=125.0, random_state=seed),
            "friedman3": lambda: make_friedman3(500, noise=0.1, random_state=seed),
        }
        if name not in make:
            raise ValueError(f"unknown set {name!r}")
        X, y = make[name]()
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.4, random_state=seed)
    sc = StandardScaler().fit(Xtr)
    m, s = ytr.mean(), ytr.std()
    return (
        sc.transform(Xtr),
        (ytr - m) / s,
        sc.transform(Xte),
        (yte - m) / s,
        1.0 / X.shape[1],
    )


def _timed(fn):
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


def run_one(name, seed):
    """Test MSE, fit seconds and weights of every model, for each lambda0."""
    from sklearn.kernel_ridge import KernelRidge
    from sklearn.model_selection import GridSearchCV

    from sklweights.kernel import SelfDistilledKernelRidge, self_distillation_path

    Xtr, ytr, Xte, yte, gamma = load(name, seed)

    def mse(model):
        return float(np.mean((model.predict(Xte) - yte) ** 2))

    out = {}
    grid, t_grid = _timed(
        lambda: GridSearchCV(
            KernelRidge(kernel="rbf", gamma=gamma),
            {"alpha": ALPHA_GRID},
            cv=5,
            scoring="neg_mean_squared_error",
        ).fit(Xtr, ytr)
    )
    for lam in LAMBDAS:
        row = {}
        krr, t_krr = _timed(
            lambda lam=lam: KernelRidge(alpha=lam, kernel="rbf", gamma=gamma).fit(
                Xtr, ytr
            )
        )
        row["KernelRidge(lambda0)"] = (mse(krr), 1.0, None)
        variants = [
            ("SD held-out, [0, 1]", dict(weight="optimal", constrain_weight=True)),
            ("SD held-out, free", dict(weight="optimal", constrain_weight=False)),
            ("SD GCV, [0, 1]", dict(weight="gcv", constrain_weight=True)),
            ("SD GCV, free", dict(weight="gcv", constrain_weight=False)),
            (
                "SD GCV, free, 5 steps",
                dict(weight="gcv", constrain_weight=False, n_steps=5),
            ),
        ]
        for label, params in variants:
            model, t = _timed(
                lambda params=params, lam=lam: SelfDistilledKernelRidge(
                    alpha=lam, gamma=gamma, random_state=seed, **params
                ).fit(Xtr, ytr)
            )
            row[label] = (mse(model), t / t_krr, float(model.weights_[0]))
        oracle = SelfDistilledKernelRidge(
            alpha=lam, gamma=gamma, weight="optimal", constrain_weight=False
        ).fit(Xtr, ytr, X_val=Xte, y_val=yte)
        row["oracle weight (test set)"] = (mse(oracle), None, oracle.weights_[0])
        row["GridSearchCV(KernelRidge)"] = (
            float(np.mean((grid.predict(Xte) - yte) ** 2)),
            t_grid / t_krr,
            None,
        )
        # sanity: the path's weight-1 column is the teacher
        path = self_distillation_path(
            Xtr, ytr, Xte, yte, weights=[1.0], n_steps=1, alpha=lam, gamma=gamma
        )
        assert abs(path.val_mse[0, 1] - row["KernelRidge(lambda0)"][0]) < 1e-8
        out[lam] = row
    return out, float(grid.best_params_["alpha"])


def quality_tables(sets, seeds):
    lines = []
    for name in sets:
        runs = [run_one(name, s) for s in range(seeds)]
        models = list(runs[0][0][LAMBDAS[0]])
        Xtr = load(name, 0)[0]
        best_alphas = [r[1] for r in runs]
        lines += [
            f"### {name} ({Xtr.shape[0]} training rows, {Xtr.shape[1]} features, "
            f"{seeds} seeds; GridSearchCV's alpha: median "
            f"{np.median(best_alphas):g})",
            "",
            "| model | "
            + " | ".join(f"MSE, lambda0={lam:g}" for lam in LAMBDAS)
            + " | "
            + " | ".join(f"mean weight, lambda0={lam:g}" for lam in LAMBDAS)
            + " | fit time / KernelRidge |",
            "|---" * (2 * len(LAMBDAS) + 2) + "|",
        ]
        for m in models:
            cells = []
            for lam in LAMBDAS:
                cells.append(f"{np.mean([r[0][lam][m][0] for r in runs]):.4f}")
            for lam in LAMBDAS:
                ws = [r[0][lam][m][2] for r in runs]
                cells.append("" if ws[0] is None else f"{np.mean(ws):+.2f}")
            ts = [r[0][1.0][m][1] for r in runs]
            cells.append("" if ts[0] is None else f"{np.median(ts):.1f}")
            lines.append(f"| {m} | " + " | ".join(cells) + " |")
        lines += [
            "",
            "Paired test-MSE differences against GridSearchCV(KernelRidge) "
            "(mean, standard error, seeds where ours is lower):",
            "",
            "| ours | " + " | ".join(f"lambda0={lam:g}" for lam in LAMBDAS) + " |",
            "|---" * (len(LAMBDAS) + 1) + "|",
        ]
        for m in ("SD held-out, free", "SD GCV, free", "KernelRidge(lambda0)"):
            cells = []
            for lam in LAMBDAS:
                d = np.array(
                    [
                        r[0][lam][m][0] - r[0][lam]["GridSearchCV(KernelRidge)"][0]
                        for r in runs
                    ]
                )
                se = d.std(ddof=1) / np.sqrt(len(d)) if len(d) > 1 else np.nan
                wins = int((d < 0).sum())
                cells.append(f"{d.mean():+.4f} ({se:.4f}, {wins}/{len(d)})")
            lines.append(f"| {m} | " + " | ".join(cells) + " |")
        lines.append("")
        print("\n".join(lines[-(len(models) + 12) :]), file=sys.stderr, flush=True)
    return lines


def speed_table(n, repeats):
    from scipy import linalg
    from sklearn.datasets import make_friedman1
    from sklearn.kernel_ridge import KernelRidge
    from sklearn.metrics.pairwise import rbf_kernel
    from sklearn.preprocessing import StandardScaler

    from sklweights.kernel import SelfDistilledKernelRidge, self_distillation_path

    X, y = make_friedman1(n + 500, noise=1.0, random_state=0)
    X = StandardScaler().fit_transform(X)
    y = (y - y.mean()) / y.std()
    X, y, Xv, yv = X[:n], y[:n], X[n:], y[n:]
    gamma, lam = 0.1, 1.0
    grid = np.linspace(-1.0, 2.0, 50)
    tasks = {
        "KernelRidge fit": lambda: KernelRidge(
            alpha=lam, kernel="rbf", gamma=gamma
        ).fit(X, y),
        "eigendecomposition of its kernel": lambda: linalg.eigh(
            K, check_finite=False, driver="evd"
        ),
        "SD fit, 10 steps, fixed weight": lambda: SelfDistilledKernelRidge(
            alpha=lam, gamma=gamma, weight=0.5, n_steps=10
        ).fit(X, y),
        "SD fit, 10 steps, GCV weights": lambda: SelfDistilledKernelRidge(
            alpha=lam, gamma=gamma, weight="gcv", constrain_weight=False, n_steps=10
        ).fit(X, y),
        "SD fit, 10 steps, held-out weights (split + refit)": lambda: (
            SelfDistilledKernelRidge(
                alpha=lam,
                gamma=gamma,
                weight="optimal",
                constrain_weight=False,
                n_steps=10,
                random_state=0,
            ).fit(X, y)
        ),
        "path, 1 weight x 10 steps (+500 validation rows)": lambda: (
            self_distillation_path(
                X, y, Xv, yv, weights=[0.5], n_steps=10, alpha=lam, gamma=gamma
            )
        ),
        "path, 50 weights x 10 steps (+500 validation rows)": lambda: (
            self_distillation_path(
                X, y, Xv, yv, weights=grid, n_steps=10, alpha=lam, gamma=gamma
            )
        ),
    }

    def refit_loop():
        target = y
        for _ in range(11):
            model = KernelRidge(alpha=lam, kernel="rbf", gamma=gamma).fit(X, target)
            target = 0.5 * y + 0.5 * model.predict(X)

    tasks["10 steps by refitting KernelRidge (11 fits)"] = refit_loop
    K = rbf_kernel(X, gamma=gamma)
    times = {k: [] for k in tasks}
    for _ in range(repeats):
        for key, fn in tasks.items():
            times[key].append(_timed(fn)[1])
    med = {k: float(np.median(v)) for k, v in times.items()}
    krr = med["KernelRidge fit"]
    base = krr + med["eigendecomposition of its kernel"]
    lines = [
        f"### Cost at n = {n} (make_friedman1, 10 features, RBF; medians of "
        f"{repeats} repeats)",
        "",
        "| task | seconds | / (KernelRidge fit + eigendecomposition) | "
        "/ KernelRidge fit |",
        "|---|---|---|---|",
    ]
    for key, t in med.items():
        lines.append(f"| {key} | {t:.3f} | {t / base:.2f} | {t / krr:.1f} |")
    one = med["path, 1 weight x 10 steps (+500 validation rows)"]
    fifty = med["path, 50 weights x 10 steps (+500 validation rows)"]
    lines += [
        "",
        f"- whole 10-step path (estimator, fixed weight) / (KernelRidge fit + "
        f"eigendecomposition): "
        f"**{med['SD fit, 10 steps, fixed weight'] / base:.2f}** (target <= 1.5); "
        f"path helper: **{one / base:.2f}**",
        f"- 49 more weights on the path: {fifty - one:.3f} s = "
        f"**{(fifty - one) / krr:.2f}** KernelRidge fits (target <= 2); the "
        f"same grid by refitting would take about "
        f"{50 * med['10 steps by refitting KernelRidge (11 fits)'] / krr:.0f} "
        "KernelRidge fits (50 x the measured 11-fit loop)",
        "",
    ]
    print("\n".join(lines), file=sys.stderr, flush=True)
    return lines


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--sets", default="diabetes,friedman1,friedman2,friedman3,sine")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--n-speed", type=int, default=2000)
    ap.add_argument(
        "--out",
        default=str(ROOT / "benchmarks" / "results" / "self_distillation.md"),
    )
    args = ap.parse_args()

    import scipy
    import sklearn

    from sklweights.utils import limited_threads

    lines = [
        "# Self-distilled kernel ridge benchmark",
        "",
        f"- machine: {platform.machine()}, Python {platform.python_version()}, "
        f"numpy {np.__version__}, scipy {scipy.__version__}, scikit-learn "
        f"{sklearn.__version__}; BLAS limited to {args.threads} thread(s)",
        f"- command: `python benchmarks/self_distillation.py --seeds {args.seeds} "
        f"--sets {args.sets} --threads {args.threads} --repeats {args.repeats}`",
        "- test MSE on standardised y (sine: raw y), means over seeds; SD = "
        "SelfDistilledKernelRidge, one step unless stated; 'mean weight' is the "
        "weight of the first step",
        "",
    ]
    with limited_threads(args.threads):
        lines += speed_table(args.n_speed, args.repeats)
        lines += quality_tables(args.sets.split(","), args.seeds)
    Path(args.out).write_text("\n".join(lines))


if __name__ == "__main__":
    main()
