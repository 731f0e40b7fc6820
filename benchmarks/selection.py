"""Benchmark: FairCommitteeSelector vs abcvoting on the same instances.

Approval Chamberlin-Courant and PAV on top-t ballots (t = 5) of
normalised-Mallows (phi = 0.5) rankings, plus an impartial-culture stress row.
abcvoting runs with its open-source exact backends only (``pulp-highs`` and,
for CC, ``ortools-cp`` when OR-Tools is installed), never its commercial
default. Ours runs unconstrained (objectives must match abcvoting's) and with
proportional group constraints (a random half/half split; abcvoting has no
group constraints, so those columns are ours alone). Separable rules (Borda,
SNTV, 10-Bloc) with proportional constraints use the sorting path; ours for
Chamberlin-Courant is ``solver="auto"``: the branch and bound, then the MILP
after 10,000 nodes.

Every solve runs in a forked process with a wall-clock cap; a solve past the
cap is reported as a timeout (``TO``). Times are medians over seeds of the
solve call (abcvoting: ``abcrules.compute``; ours: ``fit``, including input
validation and model building). Ratios are ours / abcvoting's fastest exact
backend that finished on that seed (below 1 means ours is faster), medians
over seeds where ours was certified optimal.

    python benchmarks/selection.py --quick   # reduced grid, 3 seeds, 10 s cap
    python benchmarks/selection.py           # the issue's grid, 3 seeds, 30 s cap

``--cc-paths`` compares our two exact paths for Borda Chamberlin-Courant
(``solver="auto"``, the branch and bound first, against ``solver="milp"``)
and prints a table (20 s limit per solve):

    python benchmarks/selection.py --cc-paths

``--approval`` runs approval profiles with ballots of varying size (empty
ones included; prefsampling's resampling and impartial cultures) as
``input="utilities"``, ours against every installed abcvoting backend for AV,
SAV, PAV, CC, SLAV, geometric OWA (``geom2``) and the sequential rules, on a
small grid (n 10-100, m 6-50, k 3-10) and a large one, with the per-call
overhead row; written to ``results/selection_approval.md``:

    python benchmarks/selection.py --approval            # 3 seeds, 10 s cap
    python benchmarks/selection.py --approval --seeds 1  # a quick look
    python benchmarks/selection.py --overhead  # the overhead rows alone

``--paper`` runs the paper's main simulation instead (no abcvoting): latent
quality of committees chosen on biased rankings, for both swap-weight update
rules of ``make_biased_rankings`` (``swap_update="recompute"``, ours, and
``"notebook"``, the authors' released code), written to
``results/selection_paper.md``:

    python benchmarks/selection.py --paper             # 40 repetitions
    python benchmarks/selection.py --paper --reps 4    # a quick look
"""

import argparse
import contextlib
import io
import math
import multiprocessing as mp
import os
import platform
import signal
import sys
import time
import warnings
from pathlib import Path

import numpy as np

from sklweights.datasets import make_biased_rankings
from sklweights.selection import FairCommitteeSelector, committee_score

T_APPROVAL = 5


def _child(queue, fn, args):
    # own process group: a timeout then also ends the solvers' subprocesses
    # (PuLP runs CBC as one), which would otherwise run on as orphans
    os.setpgrp()
    # silence solver banners written at the C level (HiGHS through PuLP)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            queue.put(("ok", fn(*args)))
    except Exception as exc:  # pragma: no cover - reported in the table
        queue.put(("error", f"{type(exc).__name__}: {exc}"))


def run_capped(fn, args, cap):
    """Run fn(*args) in a forked process; (status, value) with status ok|TO|error."""
    ctx = mp.get_context("fork")
    q = ctx.Queue()
    p = ctx.Process(target=_child, args=(q, fn, args))
    p.start()
    p.join(cap)
    if p.is_alive():
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:  # the child had not set its group yet
            p.kill()
        p.join()
        return "TO", None
    try:
        return q.get(timeout=5)
    except Exception:
        return "error", "no result"


def _tiny_profile():
    return make_biased_rankings(10, 6, random_state=0)[0]


def abc_solve(P, rule_id, k, algorithm):
    from abcvoting import abcrules, scores
    from abcvoting.preferences import Profile, Voter

    m = P.shape[1]
    prof = Profile(m)
    for row in P:
        prof.add_voter(Voter(np.flatnonzero(row < T_APPROVAL).tolist()))
    # warm-up on a tiny profile (lazy imports, solver start-up), as for ours
    tiny = Profile(6)
    for row in _tiny_profile():
        tiny.add_voter(Voter(np.flatnonzero(row < 3).tolist()))
    abcrules.compute(rule_id, tiny, 2, algorithm=algorithm, resolute=True)
    t0 = time.perf_counter()
    (committee,) = abcrules.compute(
        rule_id, prof, k, algorithm=algorithm, resolute=True
    )
    elapsed = time.perf_counter() - t0
    return elapsed, float(scores.thiele_score(rule_id, prof, committee))


def ours_solve(P, rule, k, groups, cap):
    kw = {"approval_top": T_APPROVAL} if rule in ("pav", "approval_cc") else {}
    if rule == "bloc":
        kw = {"approval_top": 10}
    if groups is not None:
        kw.update(candidate_groups=groups, proportional=True)
    sel = FairCommitteeSelector(k, rule=rule, time_limit=cap, **kw)

    # Each solve runs in a fresh (forked) process: one untimed fit of a tiny
    # profile first pays for lazy imports and solver start-up, as abcvoting's
    # warm-up does, so both sides are timed warm (a user fitting many
    # profiles pays those once). Separable rules take milliseconds: median of
    # 5 fits.
    tiny_kw = {k_: v for k_, v in kw.items() if k_ == "approval_top"}
    tiny_kw = {"approval_top": 3} if tiny_kw else {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        FairCommitteeSelector(2, rule=rule, **tiny_kw).fit(_tiny_profile())
    repeats = 5 if rule in ("borda", "sntv", "bloc") else 1
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sel.fit(P)
        times.append(time.perf_counter() - t0)
    return float(np.median(times)), sel.objective_, sel.optimal_, sel.mip_gap_


def fmt_time(values, n_to):
    if not values:
        return f">{CAP:g}s (TO)" if n_to else "-"
    med = float(np.median(values))
    s = f"{med:.3g}" if med >= 0.001 else f"{med:.2g}"
    return s + (f" ({n_to} TO)" if n_to else "")


CAP = 30.0


def bench_instance(n, m, k, culture, seeds, cap, has_ortools):
    rows = {}
    match = [0, 0]
    for seed in seeds:
        L, _, g = make_biased_rankings(
            n,
            m,
            culture=culture,
            phi=0.5,
            swap_fraction=0.0,
            random_state=seed,
        )
        res = {}
        for name, fn, args in (
            [
                ("PAV ours", ours_solve, (L, "pav", k, None, cap)),
                ("PAV abc pulp-highs", abc_solve, (L, "pav", k, "pulp-highs")),
                ("CC ours", ours_solve, (L, "approval_cc", k, None, cap)),
                ("CC abc pulp-highs", abc_solve, (L, "cc", k, "pulp-highs")),
            ]
            + (
                [("CC abc ortools-cp", abc_solve, (L, "cc", k, "ortools-cp"))]
                if has_ortools
                else []
            )
            + [
                ("PAV ours fair", ours_solve, (L, "pav", k, g, cap)),
                ("CC ours fair", ours_solve, (L, "approval_cc", k, g, cap)),
                ("Borda ours fair", ours_solve, (L, "borda", k, g, cap)),
                ("SNTV ours fair", ours_solve, (L, "sntv", k, g, cap)),
                ("10-Bloc ours fair", ours_solve, (L, "bloc", k, g, cap)),
            ]
        ):
            status, val = run_capped(fn, args, cap + 2)
            res[name] = (status, val)
            entry = rows.setdefault(name, {"t": [], "to": 0, "gap": []})
            if status == "ok":
                if len(val) > 2 and not val[2]:  # ours stopped by time_limit
                    entry["to"] += 1
                    entry["gap"].append(val[3])
                else:
                    entry["t"].append(val[0])
            elif status == "TO":
                entry["to"] += 1
            else:
                entry["to"] += 1
                entry.setdefault("err", val)
        for ours, abc in (("PAV ours", "PAV abc pulp-highs"), ("CC ours", None)):
            ref = [abc] if abc else ["CC abc pulp-highs", "CC abc ortools-cp"]
            for r in ref:
                if r not in res:
                    continue
                a, b = res[ours], res[r]
                if a[0] == "ok" and b[0] == "ok" and a[1][2]:
                    match[1] += 1
                    match[0] += abs(a[1][1] - b[1][1]) <= 1e-6 * max(1, abs(b[1][1]))
        for ours, refs in (
            ("PAV ours", ["PAV abc pulp-highs"]),
            ("CC ours", ["CC abc pulp-highs", "CC abc ortools-cp"]),
        ):
            # ratio to abcvoting's fastest exact backend that finished
            a = res[ours]
            done = [res[r][1][0] for r in refs if r in res and res[r][0] == "ok"]
            if a[0] == "ok" and a[1][2] and done:
                rows.setdefault(ours + " / abc", {"t": [], "to": 0, "gap": []})
                rows[ours + " / abc"]["t"].append(a[1][0] / min(done))
    return rows, match


def _bench_quiet(n, m, k, culture, seeds, cap, has_ortools):
    global CAP
    CAP = cap
    t0 = time.perf_counter()
    rows, match = bench_instance(n, m, k, culture, seeds, cap, has_ortools)
    summary = {
        c: round(float(np.median(e["t"])), 4) if e["t"] else "TO"
        for c, e in rows.items()
    }
    print(
        f"{culture} n={n} m={m} k={k} ({time.perf_counter() - t0:.0f} s): "
        f"{summary} match {match}",
        file=sys.stderr,
        flush=True,
    )
    return rows, match


def header():
    import abcvoting
    import highspy
    import scipy

    import sklweights

    def ver(mod):
        return getattr(mod, "__version__", "?")

    try:
        import ortools

        ort = ortools.__version__
    except ImportError:
        ort = "not installed"
    try:
        from importlib.metadata import version

        pulp_v = version("pulp")
        abc_v = version("abcvoting")
        highs_v = version("highspy")
    except Exception:
        pulp_v = abc_v = highs_v = "?"
    load = os.getloadavg() if hasattr(os, "getloadavg") else ("?",)
    return (
        f"Machine: {platform.platform()}, {os.cpu_count()} CPUs, load average at "
        f"start {load[0]:.1f}; Python {platform.python_version()}; "
        f"sklweights {sklweights.__version__}, numpy {np.__version__}, scipy "
        f"{scipy.__version__} (milp = HiGHS), abcvoting {abc_v}, PuLP {pulp_v}, "
        f"highspy {highs_v}, ortools {ort}."
    ), (ver(abcvoting), ver(highspy))


# ------------------------------------------------------------------ --paper
PAPER_K = 10
PAPER_M = 50
PAPER_NS = (25, 50, 100)
PAPER_FRACTIONS = np.linspace(0, 1, 8)
PAPER_UPDATES = ("recompute", "notebook")
# "fixed": one random half/half split per n, kept for every repetition and
# fraction (the notebook's design); "random": a new split for every draw
PAPER_DESIGNS = ("fixed", "random")
# rule name -> (FairCommitteeSelector / committee_score keywords)
PAPER_RULES = {
    "Borda": {"rule": "borda"},
    "SNTV": {"rule": "sntv"},
    "10-Bloc": {"rule": "bloc", "approval_top": PAPER_K},
    # the notebook's get_borda_score adds the position index (top = 0): a
    # reversed Borda, shown for comparison with the paper's Borda curve
    "reversed Borda": {
        "rule": "owa",
        "positional": np.arange(PAPER_M, dtype=float),
        "owa": np.ones(PAPER_K),
    },
}
PAPER_ELLS = tuple(range(0, PAPER_K + 1, 2))


def paper_groups(n):
    """The fixed design's split for ``n`` voters (1 = disadvantaged)."""
    groups = np.zeros(PAPER_M, dtype=np.int64)
    groups[np.random.default_rng(2023 + n).permutation(PAPER_M)[: PAPER_M // 2]] = 1
    return groups


def paper_draw(design, n, swap_update, frac_index, rep):
    """One profile: latent ratios per rule for every constraint, and bias size.

    Returns ``{rule: [none, ell_0, ell_2, ..., ell_k, proportional]}`` (latent
    score / latent optimum) and the share of the latent (group 1 above group
    0) pairs still inverted after the bias.
    """
    # the same seed for both update rules: same latent rankings and groups
    seed = 100_000 * n + 1000 * frac_index + rep
    L, B, g = make_biased_rankings(
        n,
        PAPER_M,
        culture="norm_mallows",
        phi=0.5,
        swap_fraction=float(PAPER_FRACTIONS[frac_index]),
        swap_phi=0.5,
        swap_update=swap_update,
        candidate_groups=paper_groups(n) if design == "fixed" else None,
        random_state=seed,
    )
    out = {}
    for name, kw in PAPER_RULES.items():
        opt = FairCommitteeSelector(PAPER_K, **kw).fit(L).objective_

        def ratio(kw=kw, opt=opt, **extra):
            sel = FairCommitteeSelector(PAPER_K, **kw, **extra).fit(B)
            return committee_score(L, sel.selected_, **kw) / opt

        row = [ratio()]
        row += [
            ratio(candidate_groups=g, group_bounds={1: (ell, ell)})
            for ell in PAPER_ELLS
        ]
        row.append(ratio(candidate_groups=g, proportional=True))
        out[name] = row

    def inverted(P):
        lab = g[np.argsort(P, axis=1)] == 1
        return float(np.sum(np.cumsum(lab, axis=1) * ~lab))

    inv0 = inverted(L)
    return out, (inverted(B) / inv0 if inv0 else 0.0)


def paper_cell(args):
    """All repetitions of one (design, update rule, n, fraction) point."""
    design, n, swap_update, frac_index, reps = args
    t0 = time.perf_counter()
    draws = [paper_draw(design, n, swap_update, frac_index, rep) for rep in range(reps)]
    ratios = {r: np.array([d[0][r] for d in draws]) for r in PAPER_RULES}
    left = float(np.mean([d[1] for d in draws]))
    print(
        f"{design} {swap_update} n={n} fraction={PAPER_FRACTIONS[frac_index]:.3f} "
        f"({time.perf_counter() - t0:.0f} s)",
        file=sys.stderr,
        flush=True,
    )
    return ratios, left


def _paper_summary(r):
    """Mean ratios of one point: none (+ s.e.), best ell per profile, best
    fixed ell (value and ell), proportional."""
    none = r[:, 0].mean()
    per_profile = r[:, 1:-1].max(axis=1).mean()
    means = r[:, 1:-1].mean(axis=0)
    j = int(np.argmax(means))
    prop = r[:, -1].mean()
    sem = r[:, 0].std(ddof=1) / np.sqrt(len(r)) if len(r) > 1 else float("nan")
    return none, sem, per_profile, means[j], PAPER_ELLS[j], prop


def paper_split_cell(args):
    """Unconstrained ratios at n = 50, fraction 4/7, for a split with ``c``
    disadvantaged candidates among the Mallows centre's top k."""
    c, swap_update, reps = args
    rng = np.random.default_rng(7 + c)
    g = np.zeros(PAPER_M, dtype=np.int64)
    g[rng.choice(PAPER_K, c, replace=False)] = 1
    rest = PAPER_M // 2 - c
    g[PAPER_K + rng.choice(PAPER_M - PAPER_K, rest, replace=False)] = 1
    # reversed Borda's optimum is at the bottom of the centre: c is moot there
    rules = {r: kw for r, kw in PAPER_RULES.items() if r != "reversed Borda"}
    out = {r: [] for r in rules}
    for rep in range(reps):
        L, B, _ = make_biased_rankings(
            50,
            PAPER_M,
            culture="norm_mallows",
            phi=0.5,
            swap_fraction=float(PAPER_FRACTIONS[4]),
            swap_phi=0.5,
            swap_update=swap_update,
            candidate_groups=g,
            random_state=rep,
        )
        for name, kw in rules.items():
            opt = FairCommitteeSelector(PAPER_K, **kw).fit(L).objective_
            sel = FairCommitteeSelector(PAPER_K, **kw).fit(B)
            out[name].append(committee_score(L, sel.selected_, **kw) / opt)
    print(f"split c={c} {swap_update}", file=sys.stderr, flush=True)
    return {r: float(np.mean(v)) for r, v in out.items()}


def run_paper(args):
    reps = args.reps
    cells = [
        (design, n, upd, i, reps)
        for design in PAPER_DESIGNS
        for upd in PAPER_UPDATES
        for n in PAPER_NS
        for i in range(len(PAPER_FRACTIONS))
    ]
    from sklweights.utils import parallel_map

    t0 = time.perf_counter()
    # the repetitions are plain computations: joblib (loky, or Dask under a
    # parallel_backend context), native threads capped per worker
    jobs = args.jobs if args.jobs > 1 else None
    results = parallel_map(paper_cell, [(c,) for c in cells], n_jobs=jobs)
    split_cells = [(c, upd, reps) for c in range(1, 9) for upd in PAPER_UPDATES]
    split_res = parallel_map(paper_split_cell, [(c,) for c in split_cells], n_jobs=jobs)
    elapsed = time.perf_counter() - t0
    res = {c[:4]: r for c, r in zip(cells, results)}
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    fr = [f"{f:.3f}" for f in PAPER_FRACTIONS]
    late = [i for i, f in enumerate(PAPER_FRACTIONS) if f >= 0.25]
    top = ", ".join(
        f"n = {n}: {int(paper_groups(n)[:PAPER_K].sum())}" for n in PAPER_NS
    )
    lines = [
        "# The paper's main simulation, both swap-weight update rules",
        "",
        f"Machine: {platform.platform()}, {os.cpu_count()} CPUs, load average "
        f"{load:.1f} at the end; Python {platform.python_version()}, numpy "
        f"{np.__version__}. Run time {elapsed / 60:.1f} min.",
        "",
        f"Command: `python benchmarks/selection.py --paper --reps {reps}"
        f"{f' --jobs {args.jobs}' if args.jobs > 1 else ''}`.",
        "",
        "Setup (Boehmer et al., ICML 2023, as in the authors' notebook): "
        f"norm-Mallows latent rankings (phi = 0.5, centred on the identity), "
        f"m = {PAPER_M}, k = {PAPER_K}, n in {PAPER_NS}, swapping bias with "
        f"swap_phi = 0.5, fraction of swaps in linspace(0, 1, 8), {reps} "
        "repetitions per point, each with new latent rankings. "
        "`make_biased_rankings(swap_update=...)`: `recompute` (ours, the "
        "default) recomputes the swap weights after every swap; `notebook` "
        "keeps those of the latent ranking, as the authors' code does. Both use "
        "the same seeds, so they see the same latent rankings and groups. "
        "Groups: **fixed** = one random half/half split per n for every "
        "repetition and fraction, as in the notebook (disadvantaged candidates "
        f"among the Mallows centre's top {PAPER_K}: {top}); **random** = a new "
        "split for every draw. Committees are chosen on the biased rankings and "
        "scored on the latent ones: **latent score / latent optimum**, means "
        "over repetitions. Measures: `none` = no constraint (± its standard "
        "error); `best/profile` = the best exact count ell of group 1 in "
        f"{PAPER_ELLS} chosen per profile (an oracle, as in "
        "`examples/plot_selection_biased_rankings.py`); `best fixed ell` = the "
        "ell with the best mean over the repetitions (the notebook's "
        "`max_ell` of means; the ell in brackets); `prop` = proportional "
        "bounds (5 + 5); `inv left` = share of the latent inverted (group 1 "
        "above group 0) pairs still inverted after the bias. Borda is standard "
        "Borda; `reversed Borda` is the notebook's `get_borda_score` (position "
        "index, top = 0), shown for comparison only.",
        "",
    ]

    def rng_(v):
        return f"{min(v):.3f} to {max(v):.3f}"

    # summary first: fractions >= 0.25, against the values quoted for the paper
    lines += [
        "## Summary at fractions of swaps >= 0.25",
        "",
        "Ranges (min to max over the fractions "
        + ", ".join(fr[i] for i in late)
        + ") of the means. Gain = best fixed ell - none, per fraction. Values "
        "quoted for the paper (issue #6): no constraint Borda about 0.956, SNTV "
        "about 0.78-0.80, 10-Bloc about 0.87-0.89; with the best group "
        "constraint Borda >= 0.99, SNTV gains >= 0.08 but stays <= 0.96, Bloc "
        "gains >= 0.07; proportional beats none.",
        "",
        "| groups | swap_update | n | rule | none | best fixed ell | best/profile "
        "| gain (fixed ell) | prop | prop > none |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for design in PAPER_DESIGNS:
        for upd in PAPER_UPDATES:
            for n in PAPER_NS:
                for rule in PAPER_RULES:
                    summ = [
                        _paper_summary(res[(design, n, upd, i)][0][rule]) for i in late
                    ]
                    none = [s[0] for s in summ]
                    fixed = [s[3] for s in summ]
                    prof = [s[2] for s in summ]
                    prop = [s[5] for s in summ]
                    gain = [b - a for a, b in zip(none, fixed)]
                    beats = sum(p > a for p, a in zip(prop, none))
                    lines.append(
                        f"| {design} | {upd} | {n} | {rule} | {rng_(none)} | "
                        f"{rng_(fixed)} | {rng_(prof)} | {rng_(gain)} | "
                        f"{rng_(prop)} | {beats}/{len(late)} |"
                    )
    lines.append("")

    # how much the unconstrained level depends on the one split
    lines += [
        "## The unconstrained level depends on the split",
        "",
        "No constraint, n = 50, fraction of swaps "
        f"{PAPER_FRACTIONS[4]:.3f}, {reps} repetitions, for fixed splits with c "
        f"disadvantaged candidates among the Mallows centre's top {PAPER_K} "
        "(a random split has c = 5 on average; 0.956 / 0.78-0.80 / 0.87-0.89 "
        "are the values quoted for the paper).",
        "",
        "| c | "
        + " | ".join(f"{r} {u}" for r in split_res[0] for u in PAPER_UPDATES)
        + " |",
        "|---|" + "---|" * (len(split_res[0]) * len(PAPER_UPDATES)),
    ]
    split = {c[:2]: r for c, r in zip(split_cells, split_res)}
    for c in range(1, 9):
        lines.append(
            f"| {c} | "
            + " | ".join(
                f"{split[(c, u)][r]:.3f}" for r in split_res[0] for u in PAPER_UPDATES
            )
            + " |"
        )
    lines.append("")

    for design in PAPER_DESIGNS:
        for upd in PAPER_UPDATES:
            lines += [f'## groups {design}, swap_update = "{upd}"', ""]
            for n in PAPER_NS:
                lines += [f"### n = {n}", ""]
                lines.append("| rule | measure | " + " | ".join(fr) + " |")
                lines.append("|---|---|" + "---|" * len(fr))
                left = [res[(design, n, upd, i)][1] for i in range(len(fr))]
                lines.append(
                    "| (all) | inv left | "
                    + " | ".join(f"{v:.2f}" for v in left)
                    + " |"
                )
                for rule in PAPER_RULES:
                    summ = [
                        _paper_summary(res[(design, n, upd, i)][0][rule])
                        for i in range(len(fr))
                    ]
                    for label, cell in (
                        ("none", lambda s: f"{s[0]:.3f} ± {s[1]:.3f}"),
                        ("best/profile", lambda s: f"{s[2]:.3f}"),
                        ("best fixed ell", lambda s: f"{s[3]:.3f} ({s[4]})"),
                        ("prop", lambda s: f"{s[5]:.3f}"),
                    ):
                        lines.append(
                            f"| {rule} | {label} | "
                            + " | ".join(cell(s) for s in summ)
                            + " |"
                        )
                lines.append("")
    text = "\n".join(lines)
    print(text)
    Path(args.paper_out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.paper_out).write_text(text + "\n")


def run_cc_paths(cells, seeds, cap):
    """Borda Chamberlin-Courant: solver="auto" (branch and bound, then the
    MILP) against solver="milp", in this process; prints a markdown table.

    abcvoting has no ranking-based CC, so this compares our two exact paths.
    A stopped solve counts as ``cap`` seconds in the median.
    """
    FairCommitteeSelector(2, rule="borda_cc").fit(_tiny_profile())  # warm-up
    print(
        "| n, m, k | culture | auto (s) | milp (s) | auto / milp | auto path "
        "| objectives equal |"
    )
    print("|---|---|---|---|---|---|---|")
    for n, m, k, culture in cells:
        t_auto, t_milp, paths, equal, stopped = [], [], set(), 0, [0, 0]
        for seed in seeds:
            L, _, _ = make_biased_rankings(
                n, m, culture=culture, phi=0.5, swap_fraction=0.0, random_state=seed
            )
            res = {}
            for solver in ("auto", "milp"):
                sel = FairCommitteeSelector(
                    k, rule="borda_cc", solver=solver, time_limit=cap
                )
                t0 = time.perf_counter()
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    sel.fit(L)
                res[solver] = (time.perf_counter() - t0, sel)
            (ta, a), (tm, b) = res["auto"], res["milp"]
            t_auto.append(ta)
            t_milp.append(tm)
            stopped[0] += not a.optimal_
            stopped[1] += not b.optimal_
            paths.add(
                "B&B" if a.solver_ == "branch-and-bound" else "B&B 10k nodes, then MILP"
            )
            equal += abs(a.objective_ - b.objective_) <= 1e-9 * abs(b.objective_)

        def med(v, s):
            return f"{np.median(v):.3g}" + (f" ({s} TO)" if s else "")

        ratio = float(np.median(np.array(t_auto) / np.array(t_milp)))
        name = "impartial" if culture == "impartial" else "norm-Mallows"
        print(
            f"| {n}, {m}, {k} | {name} | {med(t_auto, stopped[0])} | "
            f"{med(t_milp, stopped[1])} | {ratio:.2f} | {', '.join(sorted(paths))} "
            f"| {equal}/{len(seeds)} |",
            flush=True,
        )


# --------------------------------------------------------------- --approval
# abcvoting rule -> our keywords (input="utilities"); solver for ours
APPROVAL_RULES = {
    "av": ({"rule": "av"}, "auto"),
    "sav": ({"rule": "sav"}, "auto"),
    "pav": ({"rule": "pav"}, "auto"),
    "cc": ({"rule": "cc"}, "auto"),
    "slav": ({"rule": "slav"}, "auto"),
    "geom2": ({"rule": "owa", "owa": "geom2"}, "auto"),
    "seqpav": ({"rule": "pav"}, "greedy"),
    "seqcc": ({"rule": "cc"}, "greedy"),
}
APPROVAL_SMALL = [(10, 6, 3), (20, 10, 4), (50, 20, 5), (100, 30, 6), (100, 50, 10)]
APPROVAL_LARGE = [(500, 50, 10), (2000, 100, 10)]
ABC_THIELE = ("pav", "cc", "slav", "geom2")
# abcvoting's exact backends (never its "fastest" pick, which is Gurobi
# whenever gurobipy imports); "standard" for AV, SAV and the sequential rules
ABC_BACKENDS = (
    "branch-and-bound",
    "pulp-highs",
    "pulp-cbc",
    "gurobi",
    "ortools-cp",
    "brute-force",
    "standard",
)


def approval_profile(n, m, culture, seed):
    """0/1 matrix, ballots of varying size (prefsampling)."""
    from prefsampling import approval

    if culture == "resampling":
        ballots = approval.resampling(
            n, m, phi=0.5, rel_size_central_vote=0.15, seed=seed
        )
    else:
        ballots = approval.impartial(n, m, p=0.15, seed=seed)
    A = np.zeros((n, m), dtype=np.int64)
    for v, b in enumerate(ballots):
        A[v, list(b)] = 1
    return A


def _abc_profile(A):
    from abcvoting.preferences import Profile, Voter

    prof = Profile(A.shape[1])
    for row in A:
        prof.add_voter(Voter(np.flatnonzero(row).tolist()))
    return prof


def _exact_score(rule_id, A, committee):
    """Exact (fraction) score of a committee under the abcvoting rule."""
    from fractions import Fraction

    from abcvoting import scores

    base = rule_id[3:] if rule_id.startswith("seq") else rule_id
    if base == "sav":
        return sum(
            Fraction(int(r[list(committee)].sum()), int(r.sum())) for r in A if r.sum()
        )
    return scores.thiele_score(base, _abc_profile(A), list(committee))


def _median_time(fn, repeats):
    from threadpoolctl import threadpool_limits

    times, out = [], None
    with threadpool_limits(1):
        for _ in range(repeats):
            t0 = time.perf_counter()
            out = fn()
            times.append(time.perf_counter() - t0)
    return float(np.median(times)), out


def abc_approval_solve(A, rule_id, k, algorithm, repeats):
    from abcvoting import abcrules

    prof = _abc_profile(A)
    tiny = _abc_profile(np.eye(4, dtype=int))
    abcrules.compute(rule_id, tiny, 2, algorithm=algorithm, resolute=True)  # warm
    t, (committee,) = _median_time(
        lambda: abcrules.compute(rule_id, prof, k, algorithm=algorithm, resolute=True),
        repeats,
    )
    return t, tuple(sorted(committee))


def ours_approval_solve(A, rule_id, k, solver, repeats):
    kw, default = APPROVAL_RULES[rule_id]
    kw = dict(kw)
    if kw.get("owa") == "geom2":
        kw["owa"] = 0.5 ** np.arange(k)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        warm = dict(kw)
        if "owa" in warm:
            warm["owa"] = 0.5 ** np.arange(2)
        FairCommitteeSelector(2, input="utilities", **warm).fit(np.eye(4))  # warm
        sel = FairCommitteeSelector(
            k, input="utilities", solver=solver or default, **kw
        )
        t, _ = _median_time(lambda: sel.fit(A), repeats)
    return t, tuple(sel.selected_.tolist()), sel.solver_


def _abc_algorithms(rule_id, m, k):
    """The installed abcvoting backends for a rule (never its 'fastest' pick)."""
    from abcvoting import abcrules

    if rule_id not in ABC_THIELE:
        return ["standard"]
    algos = [
        a for a in abcrules.Rule(rule_id).available_algorithms if a in ABC_BACKENDS[:5]
    ]
    if math.comb(m, k) <= 20_000:
        algos.append("brute-force")
    return algos


OVERHEAD_GRID = ((10, 6, 3), (20, 10, 4))
# abcvoting's fastest backends on these sizes (its MILP backends take 1-30 ms)
OVERHEAD_ABC = ("branch-and-bound", "brute-force")


def overhead_rows(repeats=100):
    """Median per-call time, ours vs abcvoting's fastest backend, one process.

    Every rule of ``APPROVAL_RULES`` on the ``OVERHEAD_GRID`` profiles (seed
    0), each side warmed up first; medians over ``repeats`` calls with native
    thread pools limited to 1.
    """
    rows = []
    for n, m, k in OVERHEAD_GRID:
        A = approval_profile(n, m, "resampling", 0)
        for rule_id in APPROVAL_RULES:
            t_ours, _, path = ours_approval_solve(A, rule_id, k, None, repeats)
            algos = OVERHEAD_ABC if rule_id in ABC_THIELE else ("standard",)
            abc = {}
            for algo in algos:
                abc[algo] = abc_approval_solve(A, rule_id, k, algo, repeats)[0]
            best = min(abc, key=abc.get)
            rows.append((rule_id, (n, m, k), t_ours, path, best, abc[best]))
    return rows


def overhead_lines(repeats=100):
    lines = [
        "| rule | n, m, k | ours (ms) | our path | abcvoting fastest (ms) | "
        "ours / abcvoting |",
        "|---|---|---|---|---|---|",
    ]
    for rule_id, (n, m, k), t, path, algo, t_abc in overhead_rows(repeats):
        lines.append(
            f"| {rule_id} | {n}, {m}, {k} | {t * 1e3:.3f} | {path} | "
            f"{algo} {t_abc * 1e3:.3f} | {t / t_abc:.2f} |"
        )
    return lines


def overhead_section(args):
    """The per-call overhead section of ``results/selection_approval.md``."""
    repeats = 100
    return [
        f"## Per-call overhead (median of {repeats} calls, one process)",
        "",
        "Ours (`solver='auto'`; `'greedy'` for the sequential rules) against "
        "abcvoting's fastest backend for the rule (of `branch-and-bound` and "
        "`brute-force` for the Thiele rules, `standard` for the others; its "
        "MILP backends take 1-30 ms here), on the resampling profile of seed 0, "
        "both warmed up first, native thread pools limited to 1. Refresh this "
        "section alone with `python benchmarks/selection.py --overhead` "
        f"(load average at start {os.getloadavg()[0]:.1f}).",
        "",
    ] + overhead_lines(repeats)


def run_overhead(args):
    """Rewrite only the overhead section of the approval results."""
    section = overhead_section(args)
    print("\n".join(section))
    out = Path(__file__).parent / "results" / "selection_approval.md"
    text = out.read_text() if out.exists() else ""
    cut = text.find("## Per-call overhead")
    head = text[:cut].rstrip("\n") + "\n\n" if cut >= 0 else text
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(head + "\n".join(section) + "\n")


def approval_cell(n, m, k, culture, seeds, cap, rules):
    """Times, ratios and agreement for one (n, m, k) over seeds."""
    out = {}
    for seed in seeds:
        A = approval_profile(n, m, culture, seed)
        repeats = 5 if n * m <= 5000 else 1
        for rule_id in rules:
            entry = out.setdefault(rule_id, {"ours": [], "abc": {}, "eq": [0, 0]})
            st, val = run_capped(
                ours_approval_solve, (A, rule_id, k, None, repeats), cap + 2
            )
            t_ours, ours_score = np.nan, None
            if st == "ok":
                t_ours, W, path = val
                entry.setdefault("paths", set()).add(path.split(" (")[0])
                ours_score = _exact_score(rule_id, A, W)
            entry["ours"].append(t_ours)
            for algo in _abc_algorithms(rule_id, m, k):
                st, val = run_capped(
                    abc_approval_solve, (A, rule_id, k, algo, repeats), cap + 2
                )
                cell = entry["abc"].setdefault(algo, {"t": [], "to": 0, "err": 0})
                if st == "ok":
                    cell["t"].append(val[0])
                    if ours_score is not None:
                        cell.setdefault("ratio", []).append(t_ours / val[0])
                        entry["eq"][1] += 1
                        entry["eq"][0] += ours_score == _exact_score(rule_id, A, val[1])
                elif st == "TO":
                    cell["to"] += 1
                else:
                    cell["err"] += 1
                    cell["msg"] = val
    return out


def run_approval(args):
    import abcvoting  # noqa: F401

    cap = args.cap or 10.0
    global CAP
    CAP = cap
    seeds = list(range(args.seeds))
    head, _ = header()
    import prefsampling

    lines = [
        "# Approval profiles: FairCommitteeSelector(input='utilities') vs abcvoting",
        "",
        head + f" prefsampling {prefsampling.__version__}.",
        "",
        f"Command: `python benchmarks/selection.py --approval --seeds {args.seeds}"
        f"{f' --cap {args.cap:g}' if args.cap else ''}`. Ballots of varying size "
        "(prefsampling: `resampling` phi = 0.5, central vote 15% of the "
        "candidates; empty ballots occur), read as 0/1 utilities. Each solve "
        "runs in a forked child (warmed up on a tiny profile first, native "
        f"thread pools limited to 1) with a {cap:g} s cap; time = median of 5 "
        "calls on the small grid, 1 call on the large one; cells are medians "
        "over seeds (TO: over the cap; err: the backend failed). Ratio = ours / "
        "that backend, median over seeds and grid points (< 1: ours faster). "
        "'equal' counts (ours, backend) pairs whose committees have the same "
        "exact score. Sequential rules: ours is `solver='greedy'`, abcvoting's "
        "`standard`.",
        "",
    ]
    ratios = {}
    for title, grid, culture in (
        ("Small profiles", APPROVAL_SMALL, "resampling"),
        ("Large profiles", APPROVAL_LARGE, "resampling"),
    ):
        rules = list(APPROVAL_RULES)
        lines += [f"## {title}", ""]
        lines.append(
            "| rule | n, m, k | ours (s) | our path | abcvoting backends (s) | "
            "ours / fastest | equal |"
        )
        lines.append("|---|---|---|---|---|---|---|")
        for n, m, k in grid:
            t0 = time.perf_counter()
            cell = approval_cell(n, m, k, culture, seeds, cap, rules)
            print(
                f"{title} {n},{m},{k}: {time.perf_counter() - t0:.0f} s",
                file=sys.stderr,
                flush=True,
            )
            for rule_id in rules:
                e = cell[rule_id]
                parts, fastest = [], []
                for algo, c in e["abc"].items():
                    txt = fmt_time(c["t"], c["to"])
                    if c["err"]:
                        txt += f" ({c['err']} err)"
                    parts.append(f"{algo} {txt}")
                    ratios.setdefault((rule_id, algo, title), []).extend(
                        c.get("ratio", [])
                    )
                    if c["t"]:
                        fastest.append(np.median(c["t"]))
                ours = (
                    np.nanmedian(e["ours"]) if np.any(np.isfinite(e["ours"])) else None
                )
                ratio = f"{ours / min(fastest):.2f}" if fastest and ours else "-"
                lines.append(
                    f"| {rule_id} | {n}, {m}, {k} | "
                    + (f"{ours:.2g}" if ours else "TO")
                    + f" | {', '.join(sorted(e.get('paths', [])))} | "
                    + "; ".join(parts)
                    + f" | {ratio} | {e['eq'][0]}/{e['eq'][1]} |"
                )
        lines.append("")
    ran = [a for a in ABC_BACKENDS if any(key[1] == a for key in ratios)]
    lines += [
        "## Median ratio ours / backend, per rule",
        "",
        "| rule | grid | " + " | ".join(ran) + " |",
        "|---" * (len(ran) + 2) + "|",
    ]
    for title in ("Small profiles", "Large profiles"):
        for rule_id in APPROVAL_RULES:
            cells = []
            for algo in ran:
                r = ratios.get((rule_id, algo, title), [])
                cells.append(f"{np.median(r):.2f}" if r else "-")
            lines.append(
                f"| {rule_id} | {title.split()[0].lower()} | "
                + " | ".join(cells)
                + " |"
            )
    lines += [""] + overhead_section(args)
    text = "\n".join(lines)
    print(text)
    out = Path(__file__).parent / "results" / "selection_approval.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text + "\n")


def main(argv=None):
    global CAP
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="reduced grid")
    parser.add_argument("--cap", type=float, default=None, help="seconds per solve")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument(
        "--grid",
        default=None,
        help="only these instances, e.g. '100,20,5;500,50,10' (no stress rows)",
    )
    parser.add_argument(
        "--stress",
        default=None,
        help="with --grid: impartial-culture stress instances, e.g. '100,20,5'",
    )
    parser.add_argument(
        "--jobs", type=int, default=1, help="instances run in parallel processes"
    )
    parser.add_argument(
        "--out", default=str(Path(__file__).parent / "results" / "selection.md")
    )
    parser.add_argument(
        "--paper",
        action="store_true",
        help="the paper's simulation (both swap_update rules) instead",
    )
    parser.add_argument(
        "--reps", type=int, default=40, help="--paper: repetitions per point"
    )
    parser.add_argument(
        "--paper-out",
        default=str(Path(__file__).parent / "results" / "selection_paper.md"),
    )
    parser.add_argument(
        "--cc-paths",
        action="store_true",
        help="Borda-CC: our branch and bound against our MILP (no abcvoting)",
    )
    parser.add_argument(
        "--approval",
        action="store_true",
        help="approval ballots of varying size (input='utilities') vs abcvoting",
    )
    parser.add_argument(
        "--overhead",
        action="store_true",
        help="only the approval section's per-call overhead table (10x6, 20x10)",
    )
    args = parser.parse_args(argv)
    if args.overhead:
        run_overhead(args)
        return
    if args.approval:
        run_approval(args)
        return
    if args.paper:
        run_paper(args)
        return
    if args.cc_paths:
        cells = [
            (100, 20, 5, "norm_mallows"),
            (100, 50, 5, "norm_mallows"),
            (500, 50, 5, "norm_mallows"),
            (500, 50, 10, "norm_mallows"),
            (100, 200, 10, "norm_mallows"),
            (100, 50, 10, "impartial"),
        ]
        run_cc_paths(cells, list(range(args.seeds)), args.cap or 20.0)
        return
    if args.quick:
        grid = [
            (100, 20, 5),
            (100, 50, 10),
            (500, 20, 10),
            (500, 50, 10),
            (500, 50, 20),
            (2000, 50, 10),
            (2000, 200, 10),
        ]
        CAP = args.cap or 10.0
    else:
        grid = [
            (n, m, k)
            for n in (100, 500, 2000)
            for m in (20, 50, 200)
            for k in (5, 10, 20)
            if k < m
        ]
        CAP = args.cap or 30.0
    stress = [(100, 20, 5), (500, 50, 10)]
    if args.grid:
        grid = [tuple(int(v) for v in item.split(",")) for item in args.grid.split(";")]
        stress = []
    if args.stress:
        stress = [
            tuple(int(v) for v in item.split(",")) for item in args.stress.split(";")
        ]
    seeds = list(range(args.seeds))
    try:
        import ortools  # noqa: F401

        has_ortools = True
    except ImportError:
        has_ortools = False
    head, _ = header()
    cols = (
        [
            "PAV ours",
            "PAV abc pulp-highs",
            "PAV ours / abc",
            "CC ours",
            "CC abc pulp-highs",
        ]
        + (["CC abc ortools-cp"] if has_ortools else [])
        + [
            "CC ours / abc",
            "PAV ours fair",
            "CC ours fair",
            "Borda ours fair",
            "SNTV ours fair",
            "10-Bloc ours fair",
        ]
    )
    lines = [
        "# Selection benchmark: FairCommitteeSelector vs abcvoting",
        "",
        head,
        "",
        f"Command: `python benchmarks/selection.py{' --quick' if args.quick else ''}"
        f"{f' --grid {args.grid!r}' if args.grid else ''}"
        f"{f' --stress {args.stress!r}' if args.stress else ''}"
        f"{f' --cap {args.cap:g}' if args.cap else ''} --seeds {args.seeds}`. "
        f"Cap {CAP:g} s per solve (TO = timeout: abcvoting killed at the cap + 2 s; "
        f"ours stopped by `time_limit` = cap, which returns a feasible committee and "
        "its MIP gap). Top-5 approval ballots; fair = proportional bounds on a "
        "random half/half split. Median seconds over seeds; ratio columns: ours / "
        "abcvoting's fastest exact backend that finished (< 1: ours faster).",
        "",
    ]

    def table(title, culture, inst):
        out = [f"## {title}", ""]
        out.append("| n, m, k | " + " | ".join(cols) + " | objectives equal |")
        out.append("|---" * (len(cols) + 2) + "|")
        jobs = [(n, m, k, culture, seeds, CAP, has_ortools) for n, m, k in inst]
        order = sorted(range(len(jobs)), key=lambda i: -inst[i][0] * inst[i][1])
        jobs = [jobs[i] for i in order]
        if args.jobs > 1:
            # instances in parallel worker processes (one core each); solves
            # within an instance stay sequential, so each row's ratios compare
            # tools under the same conditions. Not joblib: every solve forks
            # its own child for the wall-clock cap, which daemonic pool
            # workers (loky, Dask) may not do.
            from concurrent.futures import ProcessPoolExecutor

            with ProcessPoolExecutor(
                args.jobs, mp_context=mp.get_context("fork")
            ) as ex:
                results = list(ex.map(_bench_quiet, *zip(*jobs)))
        else:
            results = [_bench_quiet(*j) for j in jobs]
        results = [r for _, r in sorted(zip(order, results))]
        for (n, m, k), (rows, match) in zip(inst, results):
            cells = []
            for c in cols:
                e = rows.get(c, {"t": [], "to": 0, "gap": []})
                if c.endswith("/ abc"):
                    cells.append(f"{np.median(e['t']):.2f}" if e["t"] else "-")
                    continue
                cell = fmt_time(e["t"], e["to"])
                if e["gap"]:
                    cell += f" gap {np.nanmax(e['gap']):.2g}"
                if "err" in e:
                    cell += " err"
                cells.append(cell)
            out.append(
                f"| {n}, {m}, {k} | "
                + " | ".join(cells)
                + f" | {match[0]}/{match[1]} |"
            )
            print(out[-1], file=sys.stderr, flush=True)
        errors = sorted(
            {e["err"] for r, _ in results for e in r.values() if "err" in e}
        )
        if errors:
            out += ["", "Errors: " + "; ".join(errors)]
        return out + [""]

    lines += table("Normalised Mallows (phi = 0.5)", "norm_mallows", grid)
    if stress:
        lines += table("Impartial culture (stress)", "impartial", stress)
    text = "\n".join(lines)
    print(text)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(text + "\n")


if __name__ == "__main__":
    main()
