"""Cost curves: how the fit time of each estimator family grows with size.

For each of the five estimator families, ``fit`` is timed on CPU at a
geometric grid of sizes along the axes that drive its cost, one axis at a
time with the others held fixed:

* PRESTO (``PrestoClassifier``, ``sklweights.ordinal``): rows n, features p,
  classes K; statsmodels ``OrderedModel`` (logit, BFGS) as a peer along n.
* Quantile aggregation (``sklweights.quantile``): ``QuantileAggregator``
  (its full fit, and the weight LP inside it) and ``MultiQuantileRegressor``
  along rows n and quantile levels T.
* Debiased recommendation (``DebiasedMF``, torch on CPU, fixed epochs):
  observed rating pairs.
* Committee selection (``FairCommitteeSelector``): candidates m, committee
  size k and voters n; abcvoting's PAV (open-source ``pulp-highs`` backend)
  as a peer when it is installed.
* Domain-weighted sentiment (``sklweights.text``): documents, for the capsule
  ensemble (torch on CPU, fixed epochs), the linear ensemble and a pooled
  TF-IDF logistic regression (peer).

Each point is the median of ``--repeats`` fits (3; data drawn once, outside
the timing) after one untimed warm-up fit per series (at its smallest size:
lazy imports, torch and solver start-up). A series stops growing once a fit
takes longer than ``--max-seconds``. The slope of a least-squares line through
log(seconds) against log(size) is the growth exponent: 1 means linear, 2
quadratic; a slope well below 1 means fixed per-fit costs still dominate at
those sizes.

Writes ``cost_curves.csv`` (family, estimator, axis, size, seconds),
``cost_<family>.png`` (one log-log panel per axis) and ``cost_curves.md``
(header, slope table, figure links) to ``--out-dir``
(``benchmarks/results`` by default).

Usage::

    python benchmarks/cost_curves.py            # full grids (about 6-8 min, 2 cores)
    python benchmarks/cost_curves.py --quick    # smaller grids (about 2 min)
    python benchmarks/cost_curves.py --smoke --out-dir /tmp/cc   # 2 tiny sizes
"""

import argparse
import csv
import gc
import importlib.util
import os
import platform
import sys
import time
import warnings
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")  # before numpy (and torch) are imported

import numpy as np  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"

FAMILIES = {
    "presto": "PRESTO ordinal regression (sklweights.ordinal)",
    "quantile": "Quantile aggregation (sklweights.quantile)",
    "recsys": "Debiased recommendation (sklweights.recsys)",
    "selection": "Committee selection (sklweights.selection)",
    "text": "Domain-weighted sentiment (sklweights.text)",
}


@dataclass(eq=False)
class Series:
    """One line of a figure: an estimator's fit time along one axis."""

    family: str
    estimator: str
    axis: str
    fixed: str
    points: list = field(default_factory=list)  # (size, seconds)
    note: str = ""

    def slope(self, last=None):
        """Least-squares slope of log(seconds) on log(size)."""
        pts = self.points[-last:] if last else self.points
        if len(pts) < 2:
            return float("nan")
        x, y = np.log([p[0] for p in pts]), np.log([p[1] for p in pts])
        if np.ptp(x) == 0:
            return float("nan")
        return float(np.polyfit(x, y, 1)[0])


class Timer:
    """Times one series: warm-up, median of repeats, stop past a cap."""

    def __init__(self, repeats, max_seconds, warmup=True, collect=True):
        self.repeats = repeats
        self.max_seconds = max_seconds
        self.warmup = warmup
        self.collect = collect  # gc.collect() before each point

    def run(self, series, sizes, build, extras=None):
        """Fill ``series`` (and the series in ``extras``) over ``sizes``.

        ``build(size)`` returns ``(fit, x)``: ``fit()`` fits once and returns
        the fitted estimator, ``x`` is the size to report (e.g. the number of
        observed pairs a generator produced). ``extras`` maps a Series to a
        function of the fitted estimator giving seconds measured inside the
        same fit (the weight LP of the aggregator).
        """
        extras = extras or {}
        for i, size in enumerate(sizes):
            fit, x = build(size)
            if self.warmup and i == 0:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    fit()
            times, inner = [], {s: [] for s in extras}
            if self.collect:
                gc.collect()
            for _ in range(self.repeats):
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    t0 = time.perf_counter()
                    est = fit()
                    times.append(time.perf_counter() - t0)
                for s, get in extras.items():
                    inner[s].append(get(est))
                if times[-1] > self.max_seconds:
                    break
            med = float(np.median(times))
            series.points.append((float(x), med))
            for s, vals in inner.items():
                s.points.append((float(x), float(np.median(vals))))
            print(
                f"  {series.estimator} | {series.axis}={_fmt_size(x)}: {med:.4f} s "
                f"({len(times)} runs)",
                flush=True,
            )
            if times[-1] > self.max_seconds and i + 1 < len(sizes):
                series.note = (
                    f"stopped after {series.axis}={_fmt_size(x)}: one fit took "
                    f"{times[-1]:.1f} s > {self.max_seconds:g} s"
                )
                break


def _grid(scale, full, quick, smoke):
    return {"full": full, "quick": quick, "smoke": smoke}[scale]


# ---------------------------------------------------------------- PRESTO
def family_presto(scale, timer):
    from sklweights.datasets import make_presto_ordinal
    from sklweights.ordinal import PrestoClassifier

    def presto(X, y):
        return PrestoClassifier(alpha=0.005).fit(X, y)

    def statsmodels_fit(X, y):
        from statsmodels.miscmodels.ordinal_model import OrderedModel

        return OrderedModel(y, X, distr="logit").fit(
            method="bfgs", disp=False, maxiter=2000
        )

    def data(n, p, K, dev, intercepts=None):
        return make_presto_ordinal(
            n_samples=n,
            n_features=p,
            n_classes=K,
            dev_size=dev,
            intercepts=intercepts,
            random_state=1,
        )[:2]

    out = []
    fixed = "p=10, K=5, alpha=0.005"
    ours = Series("presto", "PrestoClassifier", "n", fixed)
    peer = Series("presto", "statsmodels OrderedModel (logit, BFGS)", "n", "p=10, K=5")

    def build_n(n, fn):
        X, y = data(n, 10, 5, 0.25)
        return (lambda: fn(X, y)), n

    timer.run(
        ours,
        _grid(
            scale,
            [1000, 4000, 16000, 64000, 256000, 1024000],
            [1000, 16000, 256000],
            [200, 400],
        ),
        lambda n: build_n(n, presto),
    )
    # statsmodels has no analytic score (numerical derivatives): stop at 32000
    timer.run(
        peer,
        _grid(scale, [1000, 2000, 4000, 8000, 16000, 32000], [1000, 4000], [200, 400]),
        lambda n: build_n(n, statsmodels_fit),
    )
    out += [ours, peer]

    s = Series("presto", "PrestoClassifier", "p", "n=2000, K=5, alpha=0.005")

    def build_p(p):
        X, y = data(2000, p, 5, 0.1)
        return (lambda: presto(X, y)), p

    timer.run(s, _grid(scale, [5, 10, 20, 40, 80, 160], [5, 20, 80], [3, 6]), build_p)
    out.append(s)

    n_k = _grid(scale, 8000, 8000, 600)
    s = Series(
        "presto",
        "PrestoClassifier",
        "K",
        f"n={n_k}, p=10, alpha=0.005, intercepts evenly spaced in [-3, 5.5]",
    )

    def build_k(K):
        X, y = data(n_k, 10, K, 0.02, np.linspace(-3.0, 5.5, K - 1))
        return (lambda: presto(X, y)), K

    timer.run(s, _grid(scale, [3, 6, 12, 24], [3, 6, 12], [3, 4]), build_k)
    out.append(s)
    note = (
        f"the K axis stops at 24 classes (n={n_k}): with more classes, or fewer "
        "rows, the rarest classes hold a handful of rows, the no-crossing "
        "constraint binds, and one fit can take from tens of seconds to minutes "
        "in the constrained QP, so those sizes are left out of the curve."
    )
    return out, note


# ---------------------------------------------------------------- quantile
def family_quantile(scale, timer):
    from quantile_forest import RandomForestQuantileRegressor
    from sklearn.ensemble import (
        GradientBoostingRegressor,
        HistGradientBoostingRegressor,
    )

    from sklweights.datasets import make_heteroscedastic_regression
    from sklweights.quantile import MultiQuantileRegressor, QuantileAggregator

    cv = _grid(scale, 3, 3, 2)
    trees = _grid(scale, 20, 20, 5)  # forest trees; boosting rounds are half

    def levels(T):
        return np.arange(1, T + 1) / (T + 1)

    def aggregator(T):
        library = [
            (
                "forest",
                RandomForestQuantileRegressor(
                    n_estimators=trees, min_samples_leaf=10, random_state=0
                ),
            ),
            (
                "boosting",
                GradientBoostingRegressor(
                    loss="quantile",
                    n_estimators=trees // 2,
                    max_depth=2,
                    random_state=0,
                ),
            ),
        ]
        return QuantileAggregator(
            library, quantiles=levels(T), weighting="medium", cv=cv, random_state=0
        )

    def multi(T):
        return MultiQuantileRegressor(
            HistGradientBoostingRegressor(loss="quantile", max_iter=trees),
            quantiles=levels(T),
        )

    def build(make, n, T):
        X, y = make_heteroscedastic_regression(n, 5, random_state=0)
        return (lambda: make(T).fit(X, y)), None

    def lp_seconds(est):
        return est.fit_times_["aggregation"]

    lib = f"2 base models (quantile forest, per-level boosting), cv={cv}"
    n_t = _grid(scale, 250, 250, 80)
    t_n = _grid(scale, 7, 7, 2)  # levels along the n axis
    n_sizes = _grid(scale, [250, 500, 1000, 2000, 4000, 8000], [250, 1000], [80, 160])
    t_sizes = _grid(scale, [3, 6, 12, 24], [3, 12], [2, 3])
    out = []
    for axis, sizes, fixed in (
        ("n", n_sizes, f"T={t_n} levels, p=5, {lib}"),
        ("T", t_sizes, f"n={n_t}, p=5, {lib}"),
    ):
        fit = Series("quantile", "QuantileAggregator", axis, fixed)
        lp = Series("quantile", "QuantileAggregator: weight LP only", axis, fixed)

        def b(size, axis=axis):
            n, T = (size, t_n) if axis == "n" else (n_t, size)
            return build(aggregator, n, T)[0], size

        timer.run(fit, sizes, b, extras={lp: lp_seconds})
        out += [fit, lp]
    n_t = _grid(scale, 500, 500, 80)
    for axis, sizes, fixed in (
        (
            "n",
            _grid(scale, [500, 2000, 8000, 32000], [500, 4000], [80, 160]),
            f"T={t_n} levels, p=5, HistGradientBoosting(max_iter={trees}) per level",
        ),
        (
            "T",
            t_sizes,
            f"n={n_t}, p=5, HistGradientBoosting(max_iter={trees}) per level",
        ),
    ):
        s = Series("quantile", "MultiQuantileRegressor", axis, fixed)

        def b(size, axis=axis):
            n, T = (size, t_n) if axis == "n" else (n_t, size)
            return build(multi, n, T)[0], size

        timer.run(s, sizes, b)
        out.append(s)
    return out


# ---------------------------------------------------------------- recsys
def family_recsys(scale, timer):
    if importlib.util.find_spec("torch") is None:
        return [], "skipped: torch is not installed"
    from sklweights.datasets import make_mnar_ratings
    from sklweights.recsys import DebiasedMF

    epochs = _grid(scale, 3, 3, 1)
    sizes = _grid(scale, [100, 141, 200, 283, 400, 566, 800], [100, 200, 400], [60, 80])
    out = []
    for method in ("naive", "kbips"):
        s = Series(
            "recsys",
            f'DebiasedMF(method="{method}")',
            "rating pairs",
            "",
        )

        def build(u, method=method):
            d = make_mnar_ratings(u, u, random_state=0)

            def fit():
                return DebiasedMF(
                    method,
                    max_epochs=epochs,
                    early_stopping=False,
                    device="cpu",
                    random_state=0,
                ).fit(d.X_train, d.y_train, n_users=d.n_users, n_items=d.n_items)

            return fit, len(d.y_train)

        timer.run(s, sizes, build)
        s.fixed = (
            f"users = items = {sizes[0]}..{sizes[max(len(s.points), 1) - 1]}, "
            f"{epochs} epochs, CPU"
        )
        out.append(s)
    return out, ""


# ---------------------------------------------------------------- selection
def family_selection(scale, timer):
    from sklweights.datasets import make_biased_rankings
    from sklweights.selection import FairCommitteeSelector

    has_abc = importlib.util.find_spec("abcvoting") is not None
    top = 5

    def instance(n, m):
        L, _, g = make_biased_rankings(
            n, m, culture="norm_mallows", phi=0.5, swap_fraction=0.0, random_state=0
        )
        return L, g

    def ours(rule, fair):
        def fit(L, g, k):
            kw = {"approval_top": top} if rule == "pav" else {}
            if fair:
                kw.update(candidate_groups=g, proportional=True)
            return FairCommitteeSelector(k, rule=rule, **kw).fit(L)

        return fit

    def abc(L, g, k):
        from abcvoting import abcrules
        from abcvoting.preferences import Profile, Voter

        prof = Profile(L.shape[1])
        for row in L:
            prof.add_voter(Voter(np.flatnonzero(row < top).tolist()))

        def fit():
            with _quiet_stdout():
                return abcrules.compute(
                    "pav", prof, k, algorithm="pulp-highs", resolute=True
                )

        return fit

    methods = [
        ("PAV (MILP)", ours("pav", False)),
        ("PAV, proportional groups (MILP)", ours("pav", True)),
        ("Borda, proportional groups (sort)", ours("borda", True)),
    ]
    if has_abc:
        methods.append(("abcvoting PAV (pulp-highs)", None))
    n0, m0, k0 = _grid(scale, (500, 100, 10), (500, 100, 10), (40, 12, 3))
    axes = [
        (
            "m",
            _grid(scale, [25, 50, 100, 200, 400], [25, 100], [8, 12]),
            f"n={n0} voters, k={k0}",
        ),
        ("k", _grid(scale, [5, 10, 20, 40], [5, 20], [2, 4]), f"n={n0}, m={m0}"),
        (
            "n",
            _grid(scale, [125, 250, 500, 1000, 2000], [125, 500], [20, 40]),
            f"m={_grid(scale, 50, 50, 12)}, k={k0}",
        ),
    ]
    out = []
    for axis, sizes, fixed in axes:
        for name, fn in methods:
            s = Series(
                "selection",
                name,
                axis,
                fixed + f"; Mallows (phi=0.5) rankings, top-{top} approvals for PAV",
            )

            def build(size, axis=axis, fn=fn):
                n, m, k = n0, m0, k0
                if axis == "m":
                    m = size
                elif axis == "k":
                    k = size
                else:
                    n, m = size, _grid(scale, 50, 50, 12)
                L, g = instance(n, m)
                if fn is None:  # abcvoting: profile built outside the timing
                    return abc(L, g, k), size
                return (lambda: fn(L, g, k)), size

            timer.run(s, sizes, build)
            out.append(s)
    note = "" if has_abc else "abcvoting is not installed: no peer line."
    return out, note


class _quiet_stdout:
    """Silence solver banners written at the C level (HiGHS through PuLP)."""

    def __enter__(self):
        sys.stdout.flush()
        self._saved = os.dup(1)
        self._null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(self._null, 1)

    def __exit__(self, *exc):
        sys.stdout.flush()
        os.dup2(self._saved, 1)
        os.close(self._saved)
        os.close(self._null)


# ---------------------------------------------------------------- text
def family_text(scale, timer):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    from sklweights.datasets import make_multidomain_sentiment
    from sklweights.text import LinearDomainWeightedClassifier, tokenize

    n_domains = 3

    def docs(n):
        X, y, d = make_multidomain_sentiment(
            n_domains=n_domains, n_samples_per_domain=n // n_domains, random_state=0
        )
        return X, y, d

    def pooled():
        return make_pipeline(
            TfidfVectorizer(
                tokenizer=tokenize,
                token_pattern=None,
                lowercase=False,
                ngram_range=(1, 2),
                min_df=2,
                sublinear_tf=True,
            ),
            LogisticRegression(C=10.0, max_iter=1000),
        )

    lin_sizes = _grid(
        scale, [300, 600, 1200, 2400, 4800, 9600], [300, 1200, 4800], [60, 90]
    )
    cap_sizes = _grid(scale, [300, 600, 1200, 2400, 4800], [300, 600], [60, 90])
    epochs = _grid(scale, 2, 2, 1)
    fixed = f"{n_domains} domains, make_multidomain_sentiment documents (8-16 tokens)"
    out, note = [], ""
    if importlib.util.find_spec("torch") is not None:
        from sklweights.text import DomainWeightedCapsuleClassifier

        s = Series(
            "text",
            "DomainWeightedCapsuleClassifier",
            "documents",
            fixed + f"; {epochs} epochs, CPU",
        )

        def build_caps(n):
            X, y, d = docs(n)

            def fit():
                return DomainWeightedCapsuleClassifier(
                    max_epochs=epochs,
                    early_stopping=False,
                    device="cpu",
                    random_state=0,
                ).fit(X, y, domains=d)

            return fit, len(X)

        timer.run(s, cap_sizes, build_caps)
        out.append(s)
    else:
        note = "torch is not installed: no capsule line."
    s = Series("text", "LinearDomainWeightedClassifier", "documents", fixed)

    def build_lin(n):
        X, y, d = docs(n)
        return (lambda: LinearDomainWeightedClassifier().fit(X, y, domains=d)), len(X)

    timer.run(s, lin_sizes, build_lin)
    out.append(s)
    s = Series("text", "pooled TF-IDF LogisticRegression (peer)", "documents", fixed)

    def build_pooled(n):
        X, y, _ = docs(n)
        return (lambda: pooled().fit(X, y)), len(X)

    timer.run(s, lin_sizes, build_pooled)
    out.append(s)
    return out, note


RUNNERS = {
    "presto": family_presto,
    "quantile": family_quantile,
    "recsys": family_recsys,
    "selection": family_selection,
    "text": family_text,
}


# ---------------------------------------------------------------- report
def _versions():
    names = [
        "numpy",
        "scipy",
        "scikit-learn",
        "statsmodels",
        "quantile-forest",
        "torch",
        "abcvoting",
        "highspy",
        "matplotlib",
    ]
    out = [f"python {platform.python_version()}"]
    for name in names:
        try:
            out.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            out.append(f"{name} missing")
    import sklweights

    out.append(f"sklweights {sklweights.__version__}")
    return ", ".join(out)


def _processor():
    name = platform.processor()
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:  # pragma: no cover - not Linux
        pass
    return name or platform.machine()


def _torch_threads():
    if importlib.util.find_spec("torch") is None:
        return "no torch"
    import torch

    return f"{torch.get_num_threads()} torch thread(s)"


def write_csv(path, series):
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["family", "estimator", "axis", "size", "seconds"])
        for s in series:
            for x, sec in s.points:
                w.writerow([s.family, s.estimator, s.axis, _fmt_size(x), f"{sec:.6g}"])


AXIS_LABELS = {
    "n": "n (rows / voters)",
    "p": "p (features)",
    "K": "K (classes)",
    "T": "T (quantile levels)",
    "m": "m (candidates)",
    "k": "k (committee size)",
    "rating pairs": "observed rating pairs",
    "documents": "documents",
}


def plot_family(path, family, series):
    """One log-log panel per axis, one line per estimator, legends below."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    series = [s for s in series if s.points]
    axes = list(dict.fromkeys(s.axis for s in series))
    names = list(dict.fromkeys(s.estimator for s in series))
    colors = {n: f"C{i}" for i, n in enumerate(names)}  # same colour every panel
    n_lines = max(sum(s.axis == a for s in series) for a in axes)
    plot_h, legend_h, top_h, label_h = 2.2, 0.16 * n_lines + 0.1, 0.35, 0.45
    height = plot_h + legend_h + top_h + label_h
    width = max(3.4 * len(axes) + 0.3, 5.5)  # room for one panel's legend
    fig, axs = plt.subplots(
        1, len(axes), figsize=(width, height), dpi=100, squeeze=False
    )

    def compact(v, _pos=None):
        if v >= 1e6:
            return f"{v / 1e6:g}M"
        if v >= 1e4:
            return f"{v / 1e3:g}k"
        return f"{v:g}"

    for ax, axis in zip(axs[0], axes):
        for s in series:
            if s.axis != axis:
                continue
            x, y = zip(*s.points)
            ax.loglog(
                x,
                y,
                marker="o",
                ms=3,
                lw=1.2,
                color=colors[s.estimator],
                label=f"{s.estimator}, {axis}: slope {s.slope():.2f}",
            )
        for a, values in ((ax.xaxis, ax.get_xlim()), (ax.yaxis, ax.get_ylim())):
            decades = np.log10(values[1] / values[0])
            subs = (1.0, 2.0, 5.0) if decades <= 2.5 else (1.0,)
            a.set_major_locator(LogLocator(base=10, subs=subs))
            a.set_major_formatter(FuncFormatter(compact))
            a.set_minor_formatter(NullFormatter())
        ax.set_xlabel(AXIS_LABELS.get(axis, axis), fontsize=8)
        ax.tick_params(which="both", labelsize=7)
        ax.grid(True, which="major", lw=0.3, alpha=0.6)
        ax.legend(
            fontsize=6.5,
            loc="upper center",
            bbox_to_anchor=(0.5, -label_h / plot_h),
            frameon=False,
            borderaxespad=0.0,
        )
    axs[0][0].set_ylabel("fit seconds (median)", fontsize=8)
    fig.suptitle(FAMILIES[family], fontsize=9)
    # fixed margins: tight_layout costs about a second per figure
    fig.subplots_adjust(
        left=0.6 / width,
        right=1 - 0.15 / width,
        bottom=(legend_h + label_h) / height,
        top=1 - top_h / height,
        wspace=0.25,
    )
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _fmt_s(v):
    return f"{v:.3g}"


def _fmt_size(x):
    return f"{x:.0f}" if float(x).is_integer() else f"{x:g}"


def write_markdown(path, series, notes, args, elapsed, load):
    cmd = " ".join(["python", "benchmarks/cost_curves.py", *args.argv])
    lines = [
        "# Cost curves: fit time against problem size",
        "",
        f"Command: `{cmd}`  ",
        f"Machine: {_processor()}, {os.cpu_count()} CPU cores "
        f"({platform.system()} {platform.machine()}), load average {load:.1f} "
        f"at start (a shared machine: absolute seconds are noisy); 1 BLAS "
        f"thread, {_torch_threads()}, every fit on CPU.  ",
        f"Versions: {_versions()}.  ",
        f"Scale: {args.scale}; each point is the median of {args.repeats} fits "
        f"after one untimed warm-up fit per series; total {elapsed:.0f} s.",
        "",
        "The slope is that of a least-squares line through log(seconds) against "
        "log(size): 1 means the fit time grows linearly with that size, 2 "
        "quadratically. A slope well below 1 means that fixed per-fit costs "
        "(input validation, solver and thread start-up, base-model overheads) "
        "still dominate at these sizes; the last column fits only the largest "
        "three sizes, closer to the asymptotic growth.",
        "",
        "## Fitted log-log slopes",
        "",
        "| family | estimator | axis | held fixed | sizes | seconds (smallest / "
        "largest size) | slope | slope, largest 3 sizes |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for s in series:
        if not s.points:
            continue
        xs = [p[0] for p in s.points]
        lines.append(
            f"| {s.family} | {s.estimator} | {s.axis} | {s.fixed} | "
            f"{', '.join(_fmt_size(x) for x in xs)} | {_fmt_s(s.points[0][1])} / "
            f"{_fmt_s(s.points[-1][1])} | {s.slope():.2f} | "
            f"{s.slope(last=3) if len(xs) > 3 else s.slope():.2f} |"
        )
    stopped = [f"- {s.estimator} ({s.axis}): {s.note}" for s in series if s.note]
    extra = [f"- {FAMILIES[f]}: {n}" for f, n in notes.items() if n]
    if stopped or extra:
        lines += ["", "Notes:", "", *extra, *stopped]
    # docs/conf.py includes this file up to the marker and emits the figures
    # itself (an included image path would resolve relative to docs/)
    lines += ["", "<!-- figures -->"]
    for family in FAMILIES:
        if not any(s.family == family and s.points for s in series):
            continue
        lines += [
            "",
            f"## {FAMILIES[family]}",
            "",
            f"![Fit time against size, log-log: {FAMILIES[family]}](cost_{family}.png)",
        ]
    Path(path).write_text("\n".join(lines) + "\n")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    scale = parser.add_mutually_exclusive_group()
    scale.add_argument("--quick", action="store_true", help="smaller grids")
    scale.add_argument(
        "--smoke", action="store_true", help="2 tiny sizes, 1 run, no warm-up (tests)"
    )
    parser.add_argument(
        "--families",
        default=",".join(FAMILIES),
        help="comma-separated subset of " + ",".join(FAMILIES),
    )
    parser.add_argument("--repeats", type=int, default=None, help="default 3")
    parser.add_argument(
        "--max-seconds",
        type=float,
        default=None,
        help="stop a series once one fit takes longer (default 20, quick 10)",
    )
    parser.add_argument("--out-dir", default=str(RESULTS))
    args = parser.parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)
    args.scale = "smoke" if args.smoke else "quick" if args.quick else "full"
    if args.repeats is None:
        args.repeats = 1 if args.smoke else 3
    if args.max_seconds is None:
        # smoke runs have no warm-up: the first fit pays for lazy imports
        args.max_seconds = {"full": 20.0, "quick": 10.0, "smoke": np.inf}[args.scale]
    families = [f.strip() for f in args.families.split(",") if f.strip()]
    unknown = sorted(set(families) - set(FAMILIES))
    if unknown:
        parser.error(f"unknown families {unknown}; choose from {list(FAMILIES)}")
    out_dir = Path(args.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    timer = Timer(
        args.repeats, args.max_seconds, warmup=not args.smoke, collect=not args.smoke
    )
    t_start = time.perf_counter()
    series, notes = [], {}
    for family in families:
        print(f"== {family}", flush=True)
        t0 = time.perf_counter()
        result = RUNNERS[family](args.scale, timer)
        fam_series, note = result if isinstance(result, tuple) else (result, "")
        notes[family] = note
        series += fam_series
        if any(s.points for s in fam_series):
            plot_family(out_dir / f"cost_{family}.png", family, fam_series)
        print(f"== {family}: {time.perf_counter() - t0:.0f} s", flush=True)
        # keep what is finished
        write_csv(out_dir / "cost_curves.csv", series)
    elapsed = time.perf_counter() - t_start
    write_markdown(out_dir / "cost_curves.md", series, notes, args, elapsed, load)
    for s in series:
        print(f"{s.family:10s} {s.estimator:45s} {s.axis:13s} slope {s.slope():.2f}")
    print(f"total {elapsed:.0f} s; written to {out_dir}")
    return series


if __name__ == "__main__":
    main()
    sys.exit(0)
