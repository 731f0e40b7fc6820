"""``python -m sklweights tour``: every estimator end to end, next to a baseline.

Each method subpackage contributes a section: a module
``sklweights.<method>._tour`` with a function ``run(ctx)`` that fits its
estimators and the baseline a user would otherwise reach for on embedded data
(bundled or generated; never the network), reports rows with
``ctx.add_row(...)`` and writes figures with ``ctx.savefig(...)``. The command
prints one table per section and lists the figures written.
"""

import importlib
import os
import time
import traceback
import warnings
from pathlib import Path

from ._families import FAMILIES

# name shown to users -> module holding run(ctx); the order is the tour's order
SECTIONS = {family.name: family.tour for family in FAMILIES}


class TourContext:
    """What a tour section gets: mode, output folder, table and figure sinks.

    Attributes
    ----------
    quick : bool
        Smaller data and fewer epochs (the whole tour under 30 s on 2 cores).
    outdir : pathlib.Path
        Where figures go.
    random_state : int
        Seed for everything the section draws.
    """

    def __init__(self, *, quick, outdir, random_state=0, stream=None, progress=None):
        self.quick = quick
        self.outdir = Path(outdir)
        self.random_state = random_state
        self.rows = []
        self.figures = []
        self.notes = []
        self._progress = progress
        self.section = None

    def step(self, message):
        """Report progress (shown on the progress bar)."""
        if self._progress is not None:
            self._progress.set_postfix_str(f"{self.section}: {message}"[:70])

    def add_row(self, model, **metrics):
        """Add a table row: the model's name and its metrics (numbers or text)."""
        self.rows.append({"section": self.section, "model": model, **metrics})

    def note(self, text):
        """A sentence printed under the section's table."""
        self.notes.append((self.section, text))

    def savefig(self, fig, name):
        """Save a matplotlib figure as ``<outdir>/<name>.png`` and close it."""
        import matplotlib.pyplot as plt

        self.outdir.mkdir(parents=True, exist_ok=True)
        path = self.outdir / f"{name}.png"
        fig.savefig(path, dpi=110, bbox_inches="tight")
        plt.close(fig)
        self.figures.append(path)
        return path


def _format_table(rows):
    keys = []
    for r in rows:
        for k in r:
            if k != "section" and k not in keys:
                keys.append(k)

    def fmt(v):
        if isinstance(v, float):
            return f"{v:.4g}"
        return "" if v is None else str(v)

    cells = [[fmt(r.get(k)) for k in keys] for r in rows]
    widths = [max(len(k), *(len(c[i]) for c in cells)) for i, k in enumerate(keys)]
    line = "  ".join(k.ljust(w) for k, w in zip(keys, widths))
    out = [line, "  ".join("-" * w for w in widths)]
    out += ["  ".join(c.ljust(w) for c, w in zip(row, widths)) for row in cells]
    return "\n".join(out)


def run_tour(*, quick=False, only=None, outdir="sklweights-tour", random_state=0):
    """Run the tour and print its tables. Returns the exit status (0 = all ran)."""
    from tqdm.auto import tqdm

    os.environ.setdefault("MPLBACKEND", "Agg")
    names = list(SECTIONS)
    if only:
        unknown = [n for n in only if n not in SECTIONS]
        if unknown:
            raise SystemExit(
                f"--only: unknown section(s) {unknown}; choose from {names}."
            )
        names = [n for n in names if n in only]
    available = []
    for name in names:
        try:
            module = importlib.import_module(SECTIONS[name])
        except ModuleNotFoundError as exc:
            if exc.name == SECTIONS[name]:
                continue  # this method has no tour section yet
            raise
        available.append((name, module))
    if not available:
        print("No tour sections are available yet.")
        return 0
    print(
        f"sklweights tour ({'quick' if quick else 'full'} mode): "
        f"{', '.join(n for n, _ in available)}; figures go to {outdir}/"
    )
    failed = []
    timings = {}
    with tqdm(total=len(available), unit="section", desc="tour") as bar:
        ctx = TourContext(
            quick=quick, outdir=outdir, random_state=random_state, progress=bar
        )
        for name, module in available:
            ctx.section = name
            ctx.step("starting")
            t0 = time.perf_counter()
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    module.run(ctx)
            except ImportError as exc:
                ctx.note(f"skipped: {exc}")
            except Exception:  # report and carry on with the other sections
                failed.append(name)
                ctx.note("FAILED:\n" + traceback.format_exc())
            timings[name] = time.perf_counter() - t0
            bar.update(1)
    for name, _ in available:
        rows = [r for r in ctx.rows if r["section"] == name]
        print(f"\n== {name} ({timings[name]:.1f} s) ==")
        if rows:
            print(_format_table(rows))
        for section, text in ctx.notes:
            if section == name:
                print(text)
    if ctx.figures:
        print("\nFigures:")
        for path in ctx.figures:
            print(f"  {path}")
    print(f"\nTotal: {sum(timings.values()):.1f} s")
    return 1 if failed else 0
