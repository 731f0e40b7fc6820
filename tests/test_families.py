"""The family registry (``sklweights._families``) is the one list, and true."""

import importlib
import pkgutil
from pathlib import Path

import sklweights
from sklweights._families import FAMILIES, METHOD_SUBPACKAGES, SHARED_SUBPACKAGES

ROOT = Path(__file__).resolve().parents[1]


def test_every_subpackage_on_disk_is_listed_once():
    on_disk = {m.name for m in pkgutil.iter_modules(sklweights.__path__) if m.ispkg}
    assert on_disk == set(METHOD_SUBPACKAGES) | set(SHARED_SUBPACKAGES)
    assert not set(METHOD_SUBPACKAGES) & set(SHARED_SUBPACKAGES)


def test_top_level_reexports_exactly_the_listed_subpackages():
    # sklweights/__init__ keeps explicit imports; they must match the registry
    expected = set()
    for sub in METHOD_SUBPACKAGES:
        module = importlib.import_module(f"sklweights.{sub}")
        for name in module.__all__:
            assert getattr(sklweights, name) is getattr(module, name), name
        expected |= set(module.__all__)
    expected |= {"__version__", *SHARED_SUBPACKAGES}
    assert set(sklweights.__all__) == expected


def test_each_family_points_at_real_modules_and_files():
    names = [f.name for f in FAMILIES]
    assert len(names) == len(set(names))
    for family in FAMILIES:
        assert family.subpackage in METHOD_SUBPACKAGES, family
        assert family.tour.startswith(f"sklweights.{family.subpackage}.")
        assert importlib.util.find_spec(family.tour) is not None, family.tour
        assert (ROOT / family.benchmark.split()[0]).is_file(), family.benchmark
        guide = ROOT / "docs" / "user_guide" / f"{family.name}.rst"
        assert guide.is_file(), guide
    # every method subpackage holds at least one family
    assert {f.subpackage for f in FAMILIES} == set(METHOD_SUBPACKAGES)


def test_tour_sections_are_the_families():
    from sklweights import _tour

    assert list(_tour.SECTIONS) == [f.name for f in FAMILIES]
