"""Tests of the shared machinery: optional imports, solver policy, discovery,
the bundled data, the command line."""

import subprocess
import sys
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

import sklweights
from sklweights.datasets import load_vader_multidomain
from sklweights.utils import (
    SolverResult,
    all_estimators,
    check_solver_result,
    import_optional,
    import_torch,
    iteration_result,
    solve_cvxpy,
)


# ----------------------------------------------------------------- packaging
def test_version_and_public_api():
    assert isinstance(sklweights.__version__, str)
    for name in sklweights.__all__:
        assert hasattr(sklweights, name), name


# Installed first in a fresh interpreter: makes torch and matplotlib
# unimportable, as if they were not installed (setting sys.modules[name] = None
# would confuse libraries that look torch up in sys.modules).
BLOCK_OPTIONAL = """
import sys
class _Block:
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in ('torch', 'matplotlib'):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None
sys.meta_path.insert(0, _Block())
"""


def _run_without_optional(code):
    return subprocess.run(
        [sys.executable, "-c", BLOCK_OPTIONAL + code],
        capture_output=True,
        text=True,
        check=False,
    )


def test_import_without_torch_and_matplotlib():
    out = _run_without_optional(
        "import sklweights, sklweights.datasets, sklweights.metrics\n"
        "assert 'torch' not in sys.modules\n"
        "print('ok')\n"
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_import_does_not_load_heavy_optional_modules():
    code = (
        "import sys, sklweights\n"
        "heavy = {'torch', 'matplotlib', 'cvxpy', 'statsmodels', 'mapie'}\n"
        "print(sorted(heavy & set(sys.modules)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


def test_missing_torch_gives_install_hint(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)
    with pytest.raises(ImportError) as exc:
        import_torch("DebiasedMF")
    assert "pip install 'sklweights[torch]'" in str(exc.value)
    assert "DebiasedMF" in str(exc.value)


def test_torch_estimators_without_torch_raise_hint():
    """Fitting any torch-backed estimator without torch names the extra.

    Each torch estimator declares ``_requires_torch = True`` and a class method
    ``_torch_hint_example_data(rng)`` giving small valid ``fit`` arguments.
    """
    names = [
        name for name, cls in all_estimators() if getattr(cls, "_requires_torch", False)
    ]
    if not names:
        pytest.skip("no torch estimator is public yet")
    out = _run_without_optional(
        "import numpy as np, sklweights\n"
        "from sklweights.utils._test_common import check_params\n"
        "params = check_params()\n"
        f"for name in {names!r}:\n"
        "    cls = getattr(sklweights, name)\n"
        "    args, kwargs = cls._torch_hint_example_data(np.random.RandomState(0))\n"
        "    try:\n"
        "        cls(**params.get(cls, {})).fit(*args, **kwargs)\n"
        "    except ImportError as exc:\n"
        "        assert \"pip install 'sklweights[torch]'\" in str(exc), str(exc)\n"
        "        print(name, 'ok')\n"
        "    else:\n"
        "        raise AssertionError(name + ' fitted without torch')\n"
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == [w for n in names for w in (n, "ok")]


def test_optional_import_hint_names_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(ImportError, match=r"sklweights\[plot\]"):
        import_optional("matplotlib", purpose="the tour")


# ----------------------------------------------------------------- solver policy
def test_solver_policy_optimal_is_silent():
    res = SolverResult("optimal", "optimal", "highs")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert check_solver_result(res, what="test") is res


def test_solver_policy_inaccurate_warns():
    res = iteration_result(False, 50, solver="cd", max_iter=50, tol=1e-6)
    with pytest.warns(ConvergenceWarning, match="max_iter=50"):
        check_solver_result(res, what="MyEstimator")
    assert res.usable


def test_solver_policy_failed_raises():
    res = SolverResult("failed", "infeasible", "highs")
    with pytest.raises(ValueError, match="infeasible"):
        check_solver_result(res, what="MyEstimator")


def test_solve_cvxpy_statuses():
    cp = pytest.importorskip("cvxpy")
    x = cp.Variable(2)
    ok = cp.Problem(cp.Minimize(cp.sum_squares(x - 1)), [x >= 0])
    res = solve_cvxpy(ok, solvers=["CLARABEL", "SCS"], what="test")
    assert res.status == "optimal"
    np.testing.assert_allclose(x.value, [1, 1], atol=1e-6)
    bad = cp.Problem(cp.Minimize(cp.sum(x)), [x >= 1, x <= 0])
    with pytest.raises(ValueError, match="infeasible"):
        solve_cvxpy(bad, solvers=["CLARABEL"], what="test")
    # A solver that is not installed is skipped along the fallback list.
    res = solve_cvxpy(ok, solvers=["NOT_A_SOLVER", "CLARABEL"], what="test")
    assert res.solver == "CLARABEL"


# ----------------------------------------------------------------- discovery
def test_all_estimators_filters():
    everything = all_estimators()
    assert everything == sorted(everything, key=lambda t: t[0])
    classifiers = all_estimators(type_filter="classifier")
    assert set(classifiers) <= set(everything)
    with pytest.raises(ValueError, match="type_filter"):
        all_estimators(type_filter="clusterer")


# ----------------------------------------------------------------- data
def test_load_vader_multidomain_bunch():
    data = load_vader_multidomain()
    assert len(data.text) == 23703
    assert set(data.domain) == {"tweets", "movie", "amazon", "nyt"}
    assert data.valence.min() >= -4 and data.valence.max() <= 4
    # the documented labelling rule
    pos = data.valence >= 0.5
    neg = data.valence <= -0.5
    assert np.all(data.label[pos] == "positive")
    assert np.all(data.label[neg] == "negative")
    assert np.all(data.label[~pos & ~neg] == "neutral")
    assert "Hutto" in data.DESCR


def test_load_vader_multidomain_options():
    X, y = load_vader_multidomain(binary=True, return_X_y=True, label_type="int")
    assert set(np.unique(y)) == {0, 1}
    assert len(X) == 19459
    frame = load_vader_multidomain(as_frame=True, domains=["tweets"]).frame
    assert list(frame.columns) == ["text", "domain", "valence", "label"]
    assert len(frame) == 4200
    with pytest.raises(ValueError, match="domains"):
        load_vader_multidomain(domains=["reddit"])
    with pytest.raises(ValueError, match="threshold"):
        load_vader_multidomain(threshold=-1)


# ----------------------------------------------------------------- command line
def test_cli_help_and_unknown_section():
    out = subprocess.run(
        [sys.executable, "-m", "sklweights", "tour", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "--quick" in out.stdout and "--only" in out.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "sklweights", "tour", "--only", "nonsense"],
        capture_output=True,
        text=True,
    )
    assert bad.returncode != 0
    assert "unknown section" in bad.stderr + bad.stdout


def test_every_core_dependency_is_imported_by_the_package():
    # a core dependency that only tests or benchmarks use belongs in an extra
    import ast
    import pathlib
    import re

    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        pytest.skip("tomllib needs Python 3.11")
    root = pathlib.Path(__file__).resolve().parents[1]
    if not (root / "pyproject.toml").exists():
        pytest.skip("not run from a source checkout")
    deps = tomllib.loads((root / "pyproject.toml").read_text())["project"][
        "dependencies"
    ]
    module_of = {"scikit-learn": "sklearn", "quantile-forest": "quantile_forest"}
    imported = set()
    for path in (root / "sklweights").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                imported.update(a.name.split(".")[0] for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                imported.add(node.module.split(".")[0])
    for dep in deps:
        dist = re.match(r"[A-Za-z0-9_.-]+", dep).group(0)
        module = module_of.get(dist, dist.replace("-", "_"))
        assert module in imported, f"{dist} is a core dependency nobody imports"


def _regressors():
    from sklearn.base import is_regressor

    from sklweights.utils._test_common import check_instances

    return [est for est in check_instances() if is_regressor(est)]


@pytest.mark.parametrize("estimator", _regressors(), ids=lambda e: type(e).__name__)
def test_regressors_take_numeric_strings_and_name_other_strings(estimator):
    from sklearn.base import clone

    if getattr(estimator, "_requires_torch", False):
        pytest.importorskip("torch")
    rng = np.random.RandomState(0)
    X = rng.normal(size=(40, 3))
    y = np.round(X @ [1.0, -2.0, 0.5] + rng.normal(size=40), 2)
    ref = clone(estimator).fit(X, y).predict(X)
    got = clone(estimator).fit(X, y.astype(str)).predict(X)  # dtype('<U...')
    np.testing.assert_allclose(got, ref)
    words = np.array(["low", "high"] * 20)
    with pytest.raises(ValueError, match="y must hold numbers"):
        clone(estimator).fit(X, words)


# ------------------------------------------------ one solver-status vocabulary
def _ordinal_data(rng):
    X = rng.normal(size=(120, 3))
    y = np.digitize(X[:, 0] + 0.5 * rng.normal(size=120), [-0.5, 0.5])
    return X, y


def _solver_examples():
    from sklweights.ordinal import PrestoClassifier, PrestoClassifierCV
    from sklweights.quantile import QuantileAggregator
    from sklweights.recsys import BalancedPropensity
    from sklweights.selection import FairCommitteeSelector

    def regression(rng):
        X = rng.normal(size=(80, 2))
        return X, X[:, 0] + rng.normal(size=80)

    def observation(rng):
        X = rng.normal(size=(150, 2))
        return X, (rng.uniform(size=150) < 1 / (1 + np.exp(-X[:, 0]))).astype(int)

    return {
        PrestoClassifier: [({}, _ordinal_data)],
        PrestoClassifierCV: [({}, _ordinal_data)],
        QuantileAggregator: [({}, regression)],
        BalancedPropensity: [({"solver": s}, observation) for s in ("torch", "cvxpy")],
        FairCommitteeSelector: [
            ({"solver": s}, lambda rng: (rng.normal(size=(20, 6)),))
            for s in ("auto", "milp", "greedy")
        ],
    }


def test_solver_status_uses_one_vocabulary():
    """Every estimator that documents ``solver_status_`` reports the package's
    normalised status ("optimal" / "inaccurate"), never a solver's own text."""
    from sklweights.utils._solver import INACCURATE, OPTIMAL
    from sklweights.utils._test_common import check_params

    documented = {
        cls for _, cls in all_estimators() if "solver_status_" in (cls.__doc__ or "")
    }
    examples = _solver_examples()
    assert documented == set(examples)
    params = check_params()
    for cls, cases in examples.items():
        for extra, make in cases:
            est = cls(**{**params.get(cls, {}), **extra})
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                est.fit(*make(np.random.RandomState(0)))
            assert est.solver_status_ in (OPTIMAL, INACCURATE), (cls, extra)
