"""GPU check: each torch estimator trained on CPU and on CUDA, same seed and data.

For every torch-backed estimator of sklweights this script

1. trains it on the CPU and on the GPU with the same ``random_state`` and data,
   for a fixed number of epochs (no early stopping, so both do the same work);
2. checks that the predictions agree within a stated tolerance (float32
   arithmetic differs between devices, so agreement is approximate: we report
   the largest absolute difference of predicted probabilities/quantiles and the
   difference of the quality metric);
3. reports the GPU/CPU speed-up (median of fit times) at a size where it
   matters;
4. measures mixed precision (bf16 autocast around the GPU fit) and its effect
   on quality.

Usage (on a machine with CUDA)::

    python benchmarks/gpu_check.py [--quick] [--out results.md]

Without CUDA it says so and exits 0 (nothing to check).
"""

import argparse
import contextlib
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


DRY_RUN = False  # --dry-run: every "cuda" run happens on the CPU (script test)


def _dev(device):
    return "cpu" if DRY_RUN else device


def _timed(fn, repeats=1):
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        _sync()
        times.append(time.perf_counter() - t0)
    return float(np.median(times)), out


def _sync():
    import torch

    if torch.cuda.is_available():
        torch.cuda.synchronize()


@contextlib.contextmanager
def _autocast(enabled):
    """bf16 autocast around a whole ``fit``.

    ``cache_enabled=False`` is essential here: autocast caches the bf16 copy
    of each weight until the outermost autocast region exits, so around a
    whole training loop every forward pass would reuse the weights of the
    first step (training then stalls at chance level). Without the cache the
    copies are remade at each forward, as with autocast around each step.
    """
    import torch

    if enabled and not DRY_RUN:
        with torch.autocast("cuda", dtype=torch.bfloat16, cache_enabled=False):
            yield
    else:
        yield


def _train_seconds(est):
    """Seconds spent in the torch training loops (``history_`` epoch times)."""
    hist = getattr(est, "history_", None)
    if isinstance(hist, dict):
        hist = [r for h in hist.values() for r in h]
    if not hist or "time" not in hist[0]:
        return float("nan")
    return float(sum(r["time"] for r in hist))


_LEGS = [
    ("cpu", "cpu", False),
    ("cuda", "cuda", False),
    ("cuda-rerun", "cuda", False),  # run-to-run spread on the GPU itself
    ("cuda+bf16", "cuda", True),
]


def _run_legs(make_fitted, evaluate):
    """Fit on the CPU, on CUDA and on CUDA with bf16 autocast; evaluate each.

    ``make_fitted(device)`` returns a fitted estimator; ``evaluate(est)``
    returns ``(predictions, metric, n_epochs)``. Returns ``{leg: (fit
    seconds, training-loop seconds, predictions, metric, n_epochs)}``.
    """
    res = {}
    for label, device, amp in _LEGS:

        def fit(device=device, amp=amp):
            with _autocast(amp):
                return make_fitted(_dev(device))

        t, est = _timed(fit)
        res[label] = (t, _train_seconds(est), *evaluate(est))
    return res


def check_debiased_mf(quick):
    from sklearn.metrics import roc_auc_score

    from sklweights import DebiasedMF
    from sklweights.datasets import make_mnar_ratings

    n = 300 if quick else 2000
    data = make_mnar_ratings(n_users=n, n_items=n, random_state=0)
    n_pairs = len(data.X_train)
    rows = []
    # 4096 is the CPU-friendly default size; a GPU wants bigger batches
    for method, batch_size in [("kbips", 4096), ("dr_jl", 4096), ("kbips", 32768)]:
        params = dict(
            method=method,
            max_epochs=2 if quick else 5,
            batch_size=batch_size,
            early_stopping=False,
            random_state=0,
        )

        def evaluate(est):
            p = est.predict_proba(data.mar_pairs)[:, 1]
            return p, roc_auc_score(data.y_mar, p), est.n_epochs_

        res = _run_legs(
            lambda device, params=params: DebiasedMF(device=device, **params).fit(
                data.X_train, data.y_train, n_users=n, n_items=n
            ),
            evaluate,
        )
        rows.append(
            _row(f"DebiasedMF({method}, batch {batch_size})", f"{n_pairs:,} pairs", res)
        )
    return rows


def check_capsule(quick):
    from sklearn.metrics import accuracy_score

    from sklweights import DomainWeightedCapsuleClassifier
    from sklweights.datasets import make_multidomain_sentiment

    per_domain = {2: 40, 1: 250}.get(int(quick), 5000)  # 2: --smoke
    X, y, dom = make_multidomain_sentiment(
        n_domains=4, n_samples_per_domain=per_domain, random_state=0
    )[:3]
    Xt, yt, _ = make_multidomain_sentiment(
        n_domains=4, n_samples_per_domain=max(per_domain // 5, 50), random_state=1
    )[:3]
    rows = []
    # dropout=0 for the agreement check: dropout masks come from each
    # device's own random generator (torch's CPU and CUDA streams differ), so
    # with dropout the two runs are statistically alike but not close.
    for dropout, check in [(0.0, True), (0.2, False)]:
        params = dict(
            max_epochs=1 if quick else 2,
            batch_size=256,
            early_stopping=False,
            dropout=dropout,
            random_state=0,
        )

        def evaluate(est):
            proba = est.predict_proba(Xt)[:, 1]
            pred = est.classes_[(proba > 0.5).astype(int)]
            return proba, accuracy_score(yt, pred), est.n_epochs_

        res = _run_legs(
            lambda device, params=params: DomainWeightedCapsuleClassifier(
                device=device, **params
            ).fit(X, y, domains=dom),
            evaluate,
        )
        rows.append(
            _row(
                f"DomainWeightedCapsuleClassifier(dropout={dropout})",
                f"{len(X):,} documents",
                res,
                check=check,
            )
        )
    return rows


def check_deep_quantile(quick):
    from sklweights import DeepQuantileAggregator, MultiQuantileRegressor
    from sklweights.datasets import make_heteroscedastic_regression
    from sklweights.metrics import multi_pinball_loss

    n = 5000 if quick else 100_000
    levels = [0.05, 0.25, 0.5, 0.75, 0.95]
    X, y = make_heteroscedastic_regression(n_samples=n + 5000, random_state=0)
    X, Xt, y, yt = X[:n], X[n:], y[:n], y[n:]
    from sklearn.ensemble import HistGradientBoostingRegressor

    # Cheap base models: their fits are the same work on both legs.
    base = [
        (
            f"hgb{depth}",
            MultiQuantileRegressor(
                HistGradientBoostingRegressor(
                    loss="quantile", max_iter=20, max_depth=depth
                ),
                quantiles=levels,
            ),
        )
        for depth in (2, 6)
    ]
    params = dict(
        estimators=base,
        quantiles=levels,
        cv=2,
        max_epochs=3 if quick else 10,
        batch_size=1024,
        early_stopping=False,
        random_state=0,
    )

    scale = float(np.std(yt))

    def evaluate(est):
        q = est.predict_quantiles(Xt)
        # predictions in units of sd(y), comparable with the other rows
        return q / scale, multi_pinball_loss(yt, q, quantiles=levels), None

    res = _run_legs(
        lambda device: DeepQuantileAggregator(device=device, **params).fit(X, y),
        evaluate,
    )
    return [_row("DeepQuantileAggregator", f"{n:,} rows", res)]


def _row(name, size, res, check=True):
    t_cpu, tr_cpu, p_cpu, m_cpu, ep = res["cpu"]
    t_gpu, tr_gpu, p_gpu, m_gpu, _ = res["cuda"]
    t_amp, tr_amp, p_amp, m_amp, _ = res["cuda+bf16"]
    p_rerun = res["cuda-rerun"][2]
    diff = np.abs(p_cpu - p_gpu)
    return {
        "estimator": name,
        "size": size,
        "epochs": ep,
        "cpu fit (s)": t_cpu,
        "gpu fit (s)": t_gpu,
        "fit speed-up": t_cpu / t_gpu,
        "train speed-up": tr_cpu / tr_gpu,
        "max abs(cpu-gpu)": float(diff.max()),
        "p99 abs(cpu-gpu)": float(np.quantile(diff, 0.99)),
        "max abs(gpu-gpu rerun)": float(np.max(np.abs(p_gpu - p_rerun))),
        "checked": "yes" if check else "no (dropout)",
        "metric cpu": m_cpu,
        "metric gpu": m_gpu,
        "bf16 train speed-up": tr_cpu / tr_amp,
        "metric bf16": m_amp,
        "max abs(cpu-bf16)": float(np.max(np.abs(p_cpu - p_amp))),
    }


CHECKS = {
    "recsys": check_debiased_mf,
    "text": check_capsule,
    "quantile": check_deep_quantile,
}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument(
        "--smoke", action="store_true", help="tiny sizes (tests of the script)"
    )
    parser.add_argument("--only", nargs="+", choices=sorted(CHECKS))
    parser.add_argument("--out", default=None)
    parser.add_argument("--tolerance", type=float, default=0.05)
    parser.add_argument(
        "--dry-run", action="store_true", help="run the GPU legs on the CPU (test)"
    )
    args = parser.parse_args(argv)
    import torch

    global DRY_RUN
    DRY_RUN = args.dry_run
    if not torch.cuda.is_available() and not DRY_RUN:
        print("No CUDA device: nothing to check.")
        return 0
    torch.set_num_threads(min(os.cpu_count() or 1, 16))
    # Warm-up outside the timings: the first optimiser imports torch._dynamo
    # (seconds) and the first CUDA call initialises the context.
    for device in ["cpu"] + (["cuda"] if not DRY_RUN else []):
        w = torch.zeros(8, device=device, requires_grad=True)
        opt = torch.optim.Adam([w], lr=0.1)
        (w**2).sum().backward()
        opt.step()
    _sync()
    header = [
        "# GPU check",
        "",
        f"Command: `python benchmarks/gpu_check.py{' --quick' if args.quick else ''}`",
        f"GPU: {torch.cuda.get_device_name(0) if not DRY_RUN else 'none (dry run)'}; "
        "CPU threads: "
        f"{torch.get_num_threads()} ({platform.processor() or platform.machine()}); "
        f"torch {torch.__version__}; Python {platform.python_version()}",
        "",
        "Fixed epochs, no early stopping, same seed and data on both devices. "
        "`fit` times the whole `fit` (CPU-side preparation included: base "
        "models, propensities, vocabularies); `train` times the torch "
        "training loops alone (sum of the `history_` epoch times). "
        "Predictions compared: probabilities (DebiasedMF, capsule) and "
        "quantiles in units of sd(y) (deep quantile). "
        "`metric` is MAR-sample ROC AUC (DebiasedMF), test accuracy (capsule) and "
        "test mean pinball loss (deep quantile). Agreement tolerance on "
        f"predictions: {args.tolerance} (float32 arithmetic differs by device); "
        "rows with dropout are not checked (the CPU and CUDA random streams "
        "differ). bf16: `torch.autocast(dtype=bfloat16)` around the GPU fit.",
        "",
    ]
    rows, failures = [], []
    for name in args.only or list(CHECKS):
        print(f"... {name}", flush=True)
        try:
            for r in CHECKS[name](2 if args.smoke else args.quick):
                rows.append(r)
                if r["checked"] == "yes" and r["max abs(cpu-gpu)"] > args.tolerance:
                    failures.append(r["estimator"])
        except Exception as exc:  # report and carry on
            import traceback

            traceback.print_exc()
            failures.append(f"{name}: {exc!r}")
    keys = list(rows[0]) if rows else []

    def fmt(v):
        if isinstance(v, float):
            return f"{v:.3g}"
        return str(v)

    table = [
        "| " + " | ".join(keys) + " |",
        "|" + "---|" * len(keys),
        *["| " + " | ".join(fmt(r[k]) for k in keys) + " |" for r in rows],
    ]
    text = "\n".join(header + table) + "\n"
    if failures:
        text += f"\nAgreement or run failures: {failures}\n"
    print(text)
    if args.out:
        Path(args.out).write_text(text)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
