"""Benchmark: domain-weighted sentiment classifiers on VADER multi-domain.

Settings (bundled VADER sentences, 80/20 split stratified by domain x label):

* ``binary``: |valence| >= 0.5, neutral dropped;
* ``3class``: negative / neutral / positive;
* ``imbalanced``: binary, with 10% of the training negatives kept;
* ``lodo``: leave one domain out (train on three domains, test on the fourth;
  the mean over the four held-out domains).

Rivals: pooled TF-IDF logistic regression (the reference of the ratios) and
linear SVM; per-domain logistic regressions routed by the true domain
(oracle), by the predicted domain (hard) or by the domain posterior (soft);
domain-augmented features (Daume 2007, oracle domain at test time); a KimCNN
text classifier with the same embedding size; ours: the linear and the capsule
ensembles with DBD and classifier weighting, routing 1 vs 3, with and without
pooled pre-training.

Usage::

    python benchmarks/text.py            # full (GPU when available)
    python benchmarks/text.py --quick    # a 25% subsample, short training
    python benchmarks/text.py --ablate lr,dropout --fraction 0.25 --seeds 3

``--ablate FACTOR[,FACTOR...]`` fits the capsule ensemble (DBD weighting) with
its defaults and then with each other value of one factor at a time (the rest
at the defaults), on every seed of every ``--settings`` entry; the table gives
the medians over seeds and the median paired difference to the defaults
(``ABLATIONS`` lists the factors and their values; ``class_weight`` is meant
for the ``imbalanced`` setting).
"""

import argparse
import copy
import os
import platform
import sys
import time
import warnings
from pathlib import Path

import numpy as np

warnings.filterwarnings("ignore")


def _metrics(y_true, y_pred, minority):
    from sklearn.metrics import accuracy_score, balanced_accuracy_score, f1_score

    return {
        "accuracy": accuracy_score(y_true, y_pred),
        "macro_f1": f1_score(y_true, y_pred, average="macro"),
        "balanced_acc": balanced_accuracy_score(y_true, y_pred),
        "minority_recall": float(np.mean(y_pred[y_true == minority] == minority)),
    }


# --------------------------------------------------------------------- KimCNN
def _kim_cnn(args):
    import torch
    from sklearn.base import BaseEstimator, ClassifierMixin

    from sklweights.text._capsule import _build_vocabulary, _encode, _trim
    from sklweights.text._tokenize import _Tokenizer
    from sklweights.utils._torch import (
        TorchTrainingMixin,
        predict_in_batches,
        torch_seed,
    )

    class KimNet(torch.nn.Module):
        def __init__(self, vocab, n_classes, dim=64, filters=64):
            super().__init__()
            self.emb = torch.nn.Embedding(vocab, dim, padding_idx=0)
            self.convs = torch.nn.ModuleList(
                torch.nn.Conv1d(dim, filters, k, padding=k - 1) for k in (3, 4, 5)
            )
            self.drop = torch.nn.Dropout(0.5)
            self.out = torch.nn.Linear(3 * filters, n_classes)

        def forward(self, ids):
            e = self.emb(ids).transpose(1, 2)
            h = [torch.relu(c(e)).amax(dim=2) for c in self.convs]
            return self.out(self.drop(torch.cat(h, dim=1)))

    class KimCNN(TorchTrainingMixin, ClassifierMixin, BaseEstimator):
        def __init__(self, device="auto", max_epochs=8, random_state=0):
            self.device = device
            self.max_epochs = max_epochs
            self.random_state = random_state
            self.batch_size = 64
            self.learning_rate = 0.003
            self.early_stopping = True
            self.validation_fraction = 0.1
            self.n_iter_no_change = 2
            self.tol = 1e-4
            self.verbose = 0

        def fit(self, X, y):
            device = self._fit_device()
            tokens = _Tokenizer().many(X)
            self.classes_, y_enc = np.unique(y, return_inverse=True)
            self.vocab_ = _build_vocabulary(tokens, 2, None)
            ids = _encode(tokens, self.vocab_, 60)

            def loss_fn(m, ids, t):
                return torch.nn.functional.cross_entropy(m(_trim(ids)), t)

            with torch_seed(self._torch_seed_, device) as gen:
                net = KimNet(len(self.vocab_) + 2, len(self.classes_))
                self.module_ = self._train(
                    net,
                    loss_fn,
                    (ids, y_enc),
                    generator=gen,
                    device=device,
                    stratify=y_enc,
                )
            return self

        def predict(self, X):
            ids = _encode(_Tokenizer().many(X), self.vocab_, 60)
            ids = np.pad(ids, ((0, 0), (0, 4)))  # room for the widest kernel
            device = self._predict_device()
            self.module_.to(device)
            out = predict_in_batches(
                lambda b: self.module_(b), [ids], batch_size=512, device=device
            )
            self.module_.to("cpu")
            return self.classes_[out.argmax(1)]

    return KimCNN(device=args.device, max_epochs=args.epochs)


# ------------------------------------------------------------------ ablations
#: factor -> (parameter, the values tried), one at a time, each against the
#: defaults; a parameter of None: each value is a dict of parameters
ABLATIONS = {
    "lr": ("learning_rate", [0.001, 0.01]),
    "epochs": ("max_epochs", [4, 16]),
    "patience": ("n_iter_no_change", [1, 4]),
    "no_early_stopping": ("early_stopping", [False]),
    "batch": ("batch_size", [32, 128]),
    "embed_dim": ("embed_dim", [32, 128]),
    "embeddings": ("embeddings", ["unit", "scaled", "corpus"]),
    "dropout": ("dropout", [0.0, 0.5]),
    "weight_decay": ("weight_decay", [1e-5, 1e-4]),
    "routing": ("routing_iterations", [1, 5]),
    "capsules": ("n_capsule_channels", [4, 16]),
    "pretrain": ("pretrain_pooled", [False]),
    "class_weight": ("class_weight", ["balanced"]),
    "class_weight+unit": (
        None,
        [{"class_weight": "balanced", "embeddings": "unit"}],
    ),
    "class_weight+corpus": (
        None,
        [{"class_weight": "balanced", "embeddings": "corpus"}],
    ),
    "neutral_weight": ("class_weight", [{"neutral": 1.5}, {"neutral": 2.0}]),
    "min_freq": ("min_freq", [1, 3]),
    "max_len": ("max_len", [30]),
}


def _ablation_estimator(params):
    """The capsule estimator with ``params`` (``embed_init``, the name these
    ablations first used, is ``embeddings``)."""
    from sklweights.text import DomainWeightedCapsuleClassifier

    params = dict(params)
    if "embed_init" in params:
        params["embeddings"] = params.pop("embed_init")
    return DomainWeightedCapsuleClassifier(**params)


def run_ablation(name, Xtr, ytr, dtr, Xte, yte, args, minority, seed):
    """The defaults, then each value of each factor in ``args.ablate``."""
    import torch
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    torch.set_num_threads(args.threads)
    rows = []

    def add(factor, value, y_pred, fit_s, extra=None):
        r = {
            "setting": name + args.suffix,
            "seed": seed,
            "factor": factor,
            "value": str(value),
        }
        r.update(_metrics(yte, y_pred, minority))
        r["fit_s"] = fit_s
        r.update(extra or {})
        rows.append(r)
        print(
            f"  {name} seed={seed} {factor}={value}: acc={r['accuracy']:.4f} "
            f"minority={r['minority_recall']:.3f} fit={fit_s:.1f}s",
            flush=True,
        )

    for cw in (None, "balanced") if name == "imbalanced" else (None,):
        t = time.perf_counter()
        lr = make_pipeline(
            _tfidf(), LogisticRegression(C=10, max_iter=1000, class_weight=cw)
        ).fit(Xtr, ytr)
        add(
            "reference",
            f"pooled TF-IDF logistic, class_weight={cw}",
            lr.predict(Xte),
            time.perf_counter() - t,
        )
    base = dict(random_state=seed, device=args.device)
    if args.epochs is not None:
        base["max_epochs"] = args.epochs
    base.update(args.base)
    runs = [
        ("defaults", "; ".join(f"{k}={v}" for k, v in args.base.items()) or "-", {})
    ]
    from sklweights.text import DomainWeightedCapsuleClassifier

    current = {**DomainWeightedCapsuleClassifier().get_params(), **base}
    for factor in args.ablate:
        key, values = ABLATIONS[factor]
        # a value equal to the defaults' (or --base's) would repeat their fit
        values = [v for v in values if key is None or current.get(key) != v]
        runs += [
            (
                factor,
                v if key else "; ".join(f"{k}={x}" for k, x in v.items()),
                v if key is None else {key: v},
            )
            for v in values
        ]
    for factor, value, extra in runs:
        caps = _ablation_estimator({**base, **extra})
        t = time.perf_counter()
        caps.fit(Xtr, ytr, domains=dtr)
        ft = time.perf_counter() - t
        epochs = sum(len(h) for h in caps.member_histories_.values())
        add(
            factor,
            value,
            caps.predict(Xte),
            ft,
            {
                "epochs_run": epochs,
                "s_per_epoch": ft / max(epochs, 1),
                "member_best_epoch": float(np.mean(caps.member_best_epoch_)),
            },
        )
    return rows


def _parse_base(text):
    """``'a=1,b="x"'`` -> ``{"a": 1, "b": "x"}`` (values are Python literals)."""
    import ast

    out = {}
    for item in filter(None, (t.strip() for t in text.split(","))):
        key, sep, value = item.partition("=")
        if not sep:
            raise SystemExit(f"--base: expected key=value, got {item!r}")
        try:
            out[key.strip()] = ast.literal_eval(value.strip())
        except (ValueError, SyntaxError):
            out[key.strip()] = value.strip()  # a bare string
    return out


def _write_ablation(rows, args):
    import pandas as pd

    df = pd.DataFrame(rows)
    lines = [
        "# Capsule ablations on VADER multi-domain\n",
        f"Command: `python benchmarks/text.py {' '.join(sys.argv[1:])}`; "
        f"{_scale(args)}; {df['seed'].nunique()} seeds; one factor at a time "
        "from the defaults (DBD weighting). Medians over seeds; d_acc and "
        "d_minority: median over seeds of the paired difference to the "
        "defaults' fit of the same seed; wins: seeds where the accuracy is "
        "higher than the defaults'.\n",
    ]
    cols = ["accuracy", "macro_f1", "minority_recall", "fit_s"]
    for setting, sub in df.groupby("setting", sort=False):
        default = sub[sub["factor"] == "defaults"].set_index("seed")
        lines += [
            f"\n## {setting}\n",
            "| factor | value | accuracy | macro-F1 | minority recall | d_acc | "
            "d_minority | wins | fit s | s/epoch | best epoch |",
            "|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for (factor, value), g in sub.groupby(["factor", "value"], sort=False):
            g = g.set_index("seed")
            m = g[cols].median()
            if factor == "reference":
                d_acc = d_min = wins = spe = best = ""
            else:
                da = g["accuracy"] - default["accuracy"].reindex(g.index)
                dm = g["minority_recall"] - default["minority_recall"].reindex(g.index)
                d_acc, d_min = f"{da.median():+.4f}", f"{dm.median():+.3f}"
                wins = f"{int((da > 0).sum())}/{len(da)}"
                spe = f"{g['s_per_epoch'].median():.2f}"
                best = f"{g['member_best_epoch'].median():.1f}"
            lines.append(
                f"| {factor} | {value} | {m['accuracy']:.4f} | "
                f"{m['macro_f1']:.4f} | {m['minority_recall']:.3f} | {d_acc} | "
                f"{d_min} | {wins} | {m['fit_s']:.1f} | {spe} | {best} |"
            )
    text = "\n".join(lines) + "\n"
    print(text)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(text)


# --------------------------------------------------------------------- models
def _tfidf(min_df=2):
    from sklearn.feature_extraction.text import TfidfVectorizer

    from sklweights.text._tokenize import _NGrams, _Tokenizer

    tok = _Tokenizer()
    return TfidfVectorizer(
        analyzer=lambda s: _NGrams((1, 2))(tok(s)), sublinear_tf=True, min_df=min_df
    )


def run_setting(name, Xtr, ytr, dtr, Xte, yte, dte, args, minority, seed):
    """Fit every model of one setting; return rows of metrics."""
    import scipy.sparse as sp
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.svm import LinearSVC

    from sklweights.text import (
        DomainWeightedCapsuleClassifier,
        LinearDomainWeightedClassifier,
    )

    rows = []
    lodo = name.startswith("lodo")
    if args.capsule_only:
        import torch

        torch.set_num_threads(args.threads)
        caps = DomainWeightedCapsuleClassifier(
            random_state=seed, device=args.device, max_epochs=args.epochs
        )
        t = time.perf_counter()
        caps.fit(Xtr, ytr, domains=dtr)
        ft = time.perf_counter() - t
        t = time.perf_counter()
        p = caps.predict(Xte)
        pt = time.perf_counter() - t
        r = {
            "setting": name + args.suffix,
            "seed": seed,
            "model": (
                f"ours capsule r=3, dbd weighting [{args.device}, "
                f"{args.threads} torch threads]"
            ),
        }
        r.update(_metrics(yte, p, minority))
        r.update(
            domain_acc=float(np.mean(caps.predict_domain(Xte) == dte)),
            fit_s=ft,
            predict_s=pt,
        )
        return [r]
    cw = "balanced" if name == "imbalanced+balanced" else None

    def add(model, y_pred, fit_s, pred_s, dom_pred=None, note=""):
        r = {"setting": name + args.suffix, "model": model, "seed": seed}
        r.update(_metrics(yte, y_pred, minority))
        r["domain_acc"] = (
            float(np.mean(dom_pred == dte))
            if dom_pred is not None and not lodo
            else np.nan
        )
        r["fit_s"], r["predict_s"] = fit_s, pred_s
        rows.append(r)
        print(
            f"  {name:22s} {model:42s} acc={r['accuracy']:.4f} fit={fit_s:.1f}s",
            flush=True,
        )

    def timed(fn, *a, **k):
        t = time.perf_counter()
        out = fn(*a, **k)
        return out, time.perf_counter() - t

    # pooled baselines
    lr = make_pipeline(
        _tfidf(), LogisticRegression(C=10, max_iter=1000, class_weight=cw)
    )
    _, ft = timed(lr.fit, Xtr, ytr)
    p, pt = timed(lr.predict, Xte)
    add("pooled TF-IDF logistic (reference)", p, ft, pt)
    if name in ("binary", "3class"):
        svm = make_pipeline(_tfidf(), LinearSVC(C=0.5, class_weight=cw))
        _, ft = timed(svm.fit, Xtr, ytr)
        p, pt = timed(svm.predict, Xte)
        add("pooled TF-IDF linear SVM", p, ft, pt)
    if not lodo and name in ("binary", "3class"):
        # domain-augmented features (Daume 2007): x (+) per-domain copy of x
        vec = _tfidf().fit(Xtr)
        doms = np.unique(dtr)

        def augment(X, d):
            F = vec.transform(X)
            blocks = [F] + [F.multiply((d == k)[:, None]).tocsr() for k in doms]
            return sp.hstack(blocks).tocsr()

        t = time.perf_counter()
        aug = LogisticRegression(C=10, max_iter=1000).fit(augment(Xtr, dtr), ytr)
        ft = time.perf_counter() - t
        p, pt = timed(aug.predict, augment(Xte, dte))
        add("domain-augmented logistic (oracle domain)", p, ft, pt)

    # ours, linear: one fit gives the members; routings differ only in weights
    for weighting in ("dbd", "classifier"):
        lin = LinearDomainWeightedClassifier(
            min_df=2, domain_weighting=weighting, class_weight=cw, n_jobs=args.n_jobs
        )
        _, ft = timed(lin.fit, Xtr, ytr, domains=dtr)
        p, pt = timed(lin.predict, Xte)
        add(f"ours linear, {weighting} weighting", p, ft, pt, lin.predict_domain(Xte))
        if weighting == "classifier":
            tokens = lin._tokenizer().many(list(Xte))
            w = lin.weighter_.transform(tokens)
            members = lin._member_proba(tokens, w)
            hard = np.eye(w.shape[1])[w.argmax(1)]
            for label, weights in [("hard routing (predicted domain)", hard)] + (
                []
                if lodo
                else [
                    (
                        "oracle routing (true domain)",
                        (dte[:, None] == lin.domains_[None, :]).astype(float),
                    )
                ]
            ):
                proba = sum(weights[:, [k]] * m for k, m in enumerate(members))
                add(
                    f"per-domain logistic, {label}",
                    lin.classes_[proba.argmax(1)],
                    ft,
                    pt,
                )
            linear_classifier_weighter = lin.weighter_
    if args.no_torch:
        return rows

    # neural models
    if name in ("binary", "3class"):
        kim = _kim_cnn(args)
        _, ft = timed(kim.fit, Xtr, ytr)
        p, pt = timed(kim.predict, Xte)
        add("KimCNN (pooled, same embedding size)", p, ft, pt)

    base = dict(
        random_state=seed, device=args.device, max_epochs=args.epochs, class_weight=cw
    )
    variants = [("ours capsule r=3", {})]
    if name == "binary":
        variants += [
            ("ours capsule r=1", {"routing_iterations": 1}),
            ("ours capsule r=3, no pre-training (paper)", {"pretrain_pooled": False}),
            ("ours capsule r=3, cross-entropy", {"loss": "cross_entropy"}),
            ("ours capsule r=3, plain-sum routing", {"normalize_routing": False}),
        ]
    for label, extra in variants:
        caps = DomainWeightedCapsuleClassifier(**base, **extra)
        _, ft = timed(caps.fit, Xtr, ytr, domains=dtr)
        p, pt = timed(caps.predict, Xte)
        add(f"{label}, dbd weighting", p, ft, pt, caps.predict_domain(Xte))
        swapped = copy.copy(caps)
        swapped.weighter_ = linear_classifier_weighter
        swapped.domain_weighting = "classifier"
        p, pt = timed(swapped.predict, Xte)
        add(f"{label}, classifier weighting", p, ft, pt, swapped.predict_domain(Xte))
    if name == "binary":
        caps = DomainWeightedCapsuleClassifier(**base)
        _, ft = timed(caps.fit, Xtr, ytr)  # no domains: one pooled network
        p, pt = timed(caps.predict, Xte)
        add("capsule, one pooled network", p, ft, pt)
    return rows


def _load(args):
    from sklweights.datasets import load_vader_multidomain

    b3 = load_vader_multidomain()
    fraction = args.fraction or (0.25 if args.quick else 1.0)
    keep = np.random.RandomState(0).rand(len(b3.text)) < fraction
    return b3.text[keep], b3.label[keep], b3.domain[keep]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--seeds", type=int, default=None)
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--n-jobs", type=int, default=None)
    parser.add_argument("--settings", default="binary,3class,imbalanced,lodo")
    parser.add_argument("--no-torch", action="store_true")
    parser.add_argument("--fraction", type=float, default=None)
    parser.add_argument("--seed-start", type=int, default=0)
    parser.add_argument("--capsule-only", action="store_true")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rows", default=None, help="save raw rows (json) here")
    parser.add_argument(
        "--merge", nargs="*", default=None, help="build the table from saved rows files"
    )
    parser.add_argument(
        "--ablate",
        default=None,
        help="comma-separated factors of ABLATIONS: the capsule ablation mode",
    )
    parser.add_argument(
        "--base",
        default="",
        help="with --ablate: parameters the ablation starts from instead of the "
        "defaults, e.g. 'embed_init=\"scaled\",dropout=0.5' (Python literals)",
    )
    parser.add_argument("--out", default=None)
    args = parser.parse_args(argv)
    args.base = _parse_base(args.base)
    if args.ablate is not None:
        args.ablate = [f for f in args.ablate.split(",") if f]
        unknown = sorted(set(args.ablate) - set(ABLATIONS))
        if unknown:
            parser.error(
                f"unknown --ablate factors {unknown}; known: {list(ABLATIONS)}"
            )
    if args.out is None:
        name = "text_ablation.md" if args.ablate is not None else "text.md"
        args.out = str(Path(__file__).parent / "results" / name)
    args.seeds = args.seeds or (1 if args.quick else 2)
    fraction = args.fraction or (0.25 if args.quick else 1.0)
    args.suffix = "" if fraction >= 1 else f" ({fraction:.0%} subsample)"
    args.epochs = args.epochs or (2 if args.quick else 8)

    from sklearn.model_selection import train_test_split

    if args.merge is not None:
        import json

        rows = []
        for f in args.merge:
            rows += json.loads(Path(f).read_text())
        if args.ablate is not None:
            _write_ablation(rows, args)
        else:
            _write(rows, args, float("nan"))
        return 0
    text, label, domain = _load(args)
    settings = args.settings.split(",")
    rows = []
    t0 = time.perf_counter()
    for seed in range(args.seed_start, args.seed_start + args.seeds):
        for setting in settings:
            if setting == "lodo" and args.ablate is not None:
                raise SystemExit(
                    "--ablate runs the binary, 3class and imbalanced settings"
                )
            if setting == "lodo":
                b = label != "neutral"
                for held in np.unique(domain):
                    tr, te = b & (domain != held), b & (domain == held)
                    rows += run_setting(
                        f"lodo:{held}",
                        text[tr],
                        label[tr],
                        domain[tr],
                        text[te],
                        label[te],
                        domain[te],
                        args,
                        "negative",
                        seed,
                    )
                    _save(rows, args)
                continue
            keep = label != "neutral" if setting != "3class" else slice(None)
            X, y, d = text[keep], label[keep], domain[keep]
            strata = np.char.add(d.astype(str), y.astype(str))
            Xtr, Xte, ytr, yte, dtr, dte = train_test_split(
                X, y, d, test_size=0.2, random_state=seed, stratify=strata
            )
            minority = "negative"
            if setting == "3class":
                minority = "neutral"
            if setting == "imbalanced":
                rng = np.random.RandomState(seed)
                sub = (ytr != "negative") | (rng.rand(len(ytr)) < 0.1)
                Xtr, ytr, dtr = Xtr[sub], ytr[sub], dtr[sub]
            if args.ablate is not None:
                rows += run_ablation(
                    setting, Xtr, ytr, dtr, Xte, yte, args, minority, seed
                )
                _save(rows, args)
                continue
            if setting == "imbalanced":
                for variant in ("imbalanced", "imbalanced+balanced"):
                    rows += run_setting(
                        variant, Xtr, ytr, dtr, Xte, yte, dte, args, minority, seed
                    )
                    _save(rows, args)
                continue
            rows += run_setting(
                setting, Xtr, ytr, dtr, Xte, yte, dte, args, minority, seed
            )
            _save(rows, args)
        if args.ablate is not None:
            _write_ablation(rows, args)
        elif not args.rows:
            _write(rows, args, time.perf_counter() - t0)
    return 0


def _save(rows, args):
    if args.rows:
        import json

        Path(args.rows).write_text(json.dumps(rows, default=float))


def _scale(args):
    fraction = args.fraction or (0.25 if args.quick else 1.0)
    if fraction < 1:
        return f"SUBSAMPLE: {fraction:.0%} of the sentences"
    return "full data"


def _write(rows, args, elapsed):
    import pandas as pd
    import sklearn
    import torch

    df = pd.DataFrame(rows)
    df["setting"] = df["setting"].str.replace(
        r"^lodo:.*", "lodo (mean of 4)", regex=True
    )
    # LODO: mean over held-out domains within a seed, then median over seeds
    agg = df.groupby(["setting", "model", "seed"], sort=False).mean(numeric_only=True)
    med = agg.groupby(["setting", "model"], sort=False).median()
    ref = med.xs("pooled TF-IDF logistic (reference)", level="model")
    n_seeds = df["seed"].nunique()
    lines = []
    dev = "CPU only"
    if torch.cuda.is_available():
        dev = f"GPU {torch.cuda.get_device_name(0)}"
    lines.append("# Text benchmark: domain-weighted sentiment on VADER multi-domain\n")
    lines.append(
        f"Machine: {platform.platform()}, {os.cpu_count()} CPUs, {dev}; python "
        f"{platform.python_version()}, scikit-learn {sklearn.__version__}, "
        f"torch {torch.__version__}. Command: `python benchmarks/text.py "
        f"{' '.join(sys.argv[1:])}`; {_scale(args)}; "
        f"medians over {n_seeds} seed(s) (split and model seeds); neural "
        f"max_epochs={args.epochs}; device={args.device}"
        + ("" if np.isnan(elapsed) else f"; total {elapsed / 60:.1f} min")
        + ".\n"
    )
    lines.append(
        "Ratios are to the pooled TF-IDF logistic regression of the same "
        "setting (time ratio > 1 = slower). Minority class: negative (binary), "
        "neutral (3-class). domain_acc: argmax of the domain weights.\n"
    )
    for setting in med.index.get_level_values(0).unique():
        sub = med.xs(setting, level="setting")
        r = ref.loc[setting]
        lines.append(f"\n## {setting}\n")
        lines.append(
            "| model | accuracy | macro-F1 | balanced acc | minority recall | "
            "domain acc | acc / ref | fit s | fit / ref | predict s |"
        )
        lines.append("|---|---|---|---|---|---|---|---|---|---|")
        for model, m in sub.iterrows():
            dom = "" if np.isnan(m["domain_acc"]) else f"{m['domain_acc']:.3f}"
            lines.append(
                f"| {model} | {m['accuracy']:.4f} | {m['macro_f1']:.4f} | "
                f"{m['balanced_acc']:.4f} | {m['minority_recall']:.3f} | {dom} | "
                f"{m['accuracy'] / r['accuracy']:.3f} | {m['fit_s']:.1f} | "
                f"{m['fit_s'] / r['fit_s']:.2f} | {m['predict_s']:.2f} |"
            )
    text = "\n".join(lines) + "\n"
    print(text)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(text)


if __name__ == "__main__":
    sys.exit(main())
