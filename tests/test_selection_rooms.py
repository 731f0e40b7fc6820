"""Where the selection helpers live: scores in ``selection``, ``fit_many`` in utils.

A metric never imports an estimator: ``sklweights.metrics`` and
``sklweights.utils`` load without ``sklweights.selection``, and the old
``sklweights.metrics.latent_quality_ratio`` is a deprecated alias.
"""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import sklweights
from sklweights import metrics, selection, utils
from sklweights.datasets import make_biased_rankings

PACKAGE_DIR = Path(sklweights.__file__).resolve().parent

# Imports one subpackage without running sklweights/__init__ (which imports
# every family): the package is registered as a bare module first.
ALONE = """
import sys, types
pkg = types.ModuleType("sklweights")
pkg.__path__ = [{path!r}]
sys.modules["sklweights"] = pkg
import {module}
loaded = sorted(m for m in sys.modules if m.startswith("sklweights."))
print(loaded)
assert not any(m.startswith("sklweights.selection") for m in loaded), loaded
"""


@pytest.mark.parametrize("module", ["sklweights.metrics", "sklweights.utils"])
def test_module_imports_without_selection(module):
    code = ALONE.format(path=str(PACKAGE_DIR), module=module)
    res = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert res.returncode == 0, res.stderr
    assert module in res.stdout  # the module itself did load


def test_latent_quality_ratio_lives_in_selection():
    assert "latent_quality_ratio" in selection.__all__
    assert "latent_quality_ratio" not in metrics.__all__
    assert selection.latent_quality_ratio.__module__.startswith("sklweights.selection")


@pytest.mark.parametrize("rule, at", [("borda", {}), ("pav", {"approval_top": 3})])
def test_deprecated_metrics_alias_warns_and_agrees(rule, at):
    latent, biased, groups = make_biased_rankings(
        20, 8, swap_fraction=0.5, random_state=0
    )
    sel = selection.FairCommitteeSelector(
        3, rule=rule, candidate_groups=groups, proportional=True, **at
    ).fit(biased)
    new = selection.latent_quality_ratio(latent, sel.selected_, rule=rule, **at)
    with pytest.warns(FutureWarning, match=r"import it from sklweights\.selection"):
        old = metrics.latent_quality_ratio(latent, sel.selected_, rule=rule, **at)
    assert old == new
    with pytest.warns(FutureWarning), pytest.raises(ValueError, match="at least one"):
        metrics.latent_quality_ratio(latent, [])


def test_fit_many_is_one_object_in_utils():
    assert utils.fit_many is selection.fit_many is sklweights.fit_many
    assert utils.fit_many.__module__ == "sklweights.utils._fit_many"
    assert "fit_many" in utils.__all__ and "fit_many" in selection.__all__


def test_fit_many_fits_any_estimator():
    # generic: a plain scikit-learn estimator, not only the selector
    from sklearn.preprocessing import StandardScaler

    rng = np.random.default_rng(0)
    data = [rng.normal(loc=i, size=(10, 2)) for i in range(3)]
    fitted = utils.fit_many(
        StandardScaler(), data, params=[None, {"with_mean": False}, None]
    )
    assert [f.with_mean for f in fitted] == [True, False, True]
    for f, d in zip(fitted, data):
        np.testing.assert_allclose(f.scale_, d.std(axis=0))
