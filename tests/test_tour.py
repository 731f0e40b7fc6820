"""The tour framework (``python -m sklweights tour``)."""

import sys
import types

import pytest

from sklweights import _tour


@pytest.fixture
def fake_sections(monkeypatch):
    ok = types.ModuleType("fake_ok")

    def run_ok(ctx):
        ctx.step("fitting")
        ctx.add_row("ours", accuracy=0.91, time_s=0.5)
        ctx.add_row("baseline", accuracy=0.85, time_s=0.1)
        ctx.note("ours beats the baseline")
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots()
        ax.plot([0, 1], [0, 1])
        ctx.savefig(fig, "fake_ok")

    ok.run = run_ok
    broken = types.ModuleType("fake_broken")

    def run_broken(ctx):
        raise RuntimeError("boom")

    broken.run = run_broken
    monkeypatch.setitem(sys.modules, "fake_ok", ok)
    monkeypatch.setitem(sys.modules, "fake_broken", broken)
    monkeypatch.setattr(
        _tour,
        "SECTIONS",
        {"ok": "fake_ok", "broken": "fake_broken", "absent": "fake_absent_module"},
    )


def test_tour_prints_tables_and_writes_figures(fake_sections, tmp_path, capsys):
    status = _tour.run_tour(quick=True, only=["ok"], outdir=tmp_path)
    out = capsys.readouterr().out
    assert status == 0
    assert "== ok" in out and "ours" in out and "0.91" in out
    assert "ours beats the baseline" in out
    assert (tmp_path / "fake_ok.png").stat().st_size > 0


def test_tour_reports_a_failing_section_and_carries_on(fake_sections, tmp_path, capsys):
    status = _tour.run_tour(quick=True, outdir=tmp_path)
    out = capsys.readouterr().out
    assert status == 1
    assert "FAILED" in out and "boom" in out
    assert "== ok" in out  # the other section still ran
    assert "absent" not in out.split("==")[-1]  # missing sections are skipped


def test_tour_unknown_section(fake_sections, tmp_path):
    with pytest.raises(SystemExit, match="unknown section"):
        _tour.run_tour(quick=True, only=["nope"], outdir=tmp_path)


def test_selection_section_draws_its_table_with_latent_quality_display(
    tmp_path, monkeypatch
):
    pytest.importorskip("matplotlib")
    from sklweights.plotting import LatentQualityDisplay
    from sklweights.selection import _tour as selection_tour

    drawn = []
    original = LatentQualityDisplay.from_predictions.__func__

    def spy(cls, bias_values, quality, **kw):
        disp = original(cls, bias_values, quality, **kw)
        drawn.append(disp)
        return disp

    monkeypatch.setattr(LatentQualityDisplay, "from_predictions", classmethod(spy))
    ctx = _tour.TourContext(quick=True, outdir=tmp_path)
    ctx.section = "selection"
    selection_tour.run(ctx)
    assert (tmp_path / "selection_latent_quality.png").stat().st_size > 0
    assert [d.ax_.get_title() for d in drawn] == ["Borda", "SNTV", "10-Bloc"]
    rows = {r["model"]: r for r in ctx.rows}
    for disp in drawn:
        at = list(disp.bias_values).index(0.5)  # the table's fraction of swaps
        for setting, values in disp.quality.items():
            row = rows[f"{disp.ax_.get_title()}, {setting}"]
            assert row["latent_quality"] == pytest.approx(values[at].mean())


def test_help_lists_every_section(capsys):
    from sklweights.__main__ import main

    with pytest.raises(SystemExit):
        main(["tour", "--help"])
    out = capsys.readouterr().out
    for name in _tour.SECTIONS:
        assert name in out
