"""The cost-curve benchmark script runs end to end at its smoke scale."""

import csv
import importlib.util
import math
import os
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("matplotlib")

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "cost_curves.py"


@pytest.fixture
def cost_curves(monkeypatch):
    # the script pins BLAS threads at import (setdefault): keep that local
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        monkeypatch.setenv(var, os.environ.get(var, "1"))
    spec = importlib.util.spec_from_file_location("cost_curves", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_smoke_run_writes_csv_markdown_and_figures(cost_curves, tmp_path):
    series = cost_curves.main(["--smoke", "--out-dir", str(tmp_path)])

    families = {s.family for s in series}
    # torch-only lines may be missing; everything else must be there
    assert {"presto", "quantile", "selection", "text"} <= families
    for s in series:
        assert len(s.points) == 2, (s.estimator, s.axis, s.points)
        assert all(x > 0 and sec > 0 for x, sec in s.points)
        assert math.isfinite(s.slope()), (s.estimator, s.axis)

    with open(tmp_path / "cost_curves.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == ["family", "estimator", "axis", "size", "seconds"]
    assert len(rows) == sum(len(s.points) for s in series)
    seconds = np.array([float(r["seconds"]) for r in rows])
    assert np.all(np.isfinite(seconds)) and np.all(seconds > 0)

    md = (tmp_path / "cost_curves.md").read_text()
    assert "Command: `python benchmarks/cost_curves.py --smoke" in md
    table = [
        line
        for line in md.splitlines()
        if line.startswith("| ") and not line.startswith("| family")
    ]
    assert len(table) == len(series)
    for line in table:
        slope = float(line.rstrip(" |").split("|")[-2])
        assert math.isfinite(slope), line
    for family in families:
        png = tmp_path / f"cost_{family}.png"
        assert f"(cost_{family}.png)" in md
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert png.stat().st_size < 150_000


def test_unknown_family_is_an_error(cost_curves, tmp_path):
    with pytest.raises(SystemExit):
        cost_curves.main(["--smoke", "--families", "nope", "--out-dir", str(tmp_path)])
