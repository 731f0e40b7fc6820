"""The GPU check script runs end to end (``--dry-run``: its CUDA legs on the CPU)."""

import importlib.util
from pathlib import Path

import pytest

pytest.importorskip("torch")

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "gpu_check.py"


def _load():
    spec = importlib.util.spec_from_file_location("gpu_check", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_dry_run_writes_the_table_and_flags_disagreement(tmp_path):
    mod = _load()
    out = tmp_path / "gpu.md"
    args = ["--dry-run", "--smoke", "--only", "text", "--out", str(out)]
    # a negative tolerance: every checked row disagrees, unchecked ones don't
    rc = mod.main([*args, "--tolerance", "-1"])
    text = out.read_text()
    assert rc == 1, text
    rows = [line for line in text.splitlines() if line.startswith("| Domain")]
    assert len(rows) == 2  # dropout 0 (checked) and the default dropout
    header = next(line for line in text.splitlines() if line.startswith("| estim"))
    # one cell per column: no stray '|' inside a header or a cell
    assert all(r.count("|") == header.count("|") for r in rows)
    failures = text.split("Agreement or run failures:")[1]
    assert "dropout=0.0" in failures and "dropout=0.2" not in failures
    # dry run: the "cuda" legs run on the CPU with the same seed, so the
    # predictions agree exactly
    col = header.split("|").index(" max abs(cpu-gpu) ")
    assert all(float(r.split("|")[col]) == 0.0 for r in rows)
