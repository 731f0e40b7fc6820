"""Sphinx configuration for sklweights (builds offline, warnings as errors)."""

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
os.environ.setdefault("MPLBACKEND", "Agg")

import sklweights  # noqa: E402

project = "sklweights"
author = "The sklweights developers"
copyright = "2026, The sklweights developers"
version = release = sklweights.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.intersphinx",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "myst_parser",
]
source_suffix = {".rst": "restructuredtext"}
myst_enable_extensions = []

templates_path = ["_templates"]
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", "**/sg_execution_times.rst"]
html_theme = "pydata_sphinx_theme"
html_title = f"sklweights {release}"
html_theme_options = {"navigation_with_keys": False, "show_toc_level": 2}
html_static_path = []

autosummary_generate = True
autodoc_default_options = {"members": True, "inherited-members": False}
autodoc_typehints = "none"
numpydoc_show_class_members = False
# the numpydoc checks every public docstring passes (a warning fails the build)
numpydoc_validation_checks = {"PR01", "PR02", "PR07", "PR10", "RT03", "GL08"}
# Offline build: no intersphinx inventories are fetched. References to other
# libraries are resolved by ``_resolve_external`` below instead: a target that
# imports gets a link to that library's generated page; one that does not stays
# a warning (a typo in ``:class:`sklearn.linear_model.Lasso``` fails the build).
intersphinx_mapping = {}
nitpicky = True
# The benchmark tables are markdown documents with their own heading levels.
suppress_warnings = ["config.cache", "myst.header"]
default_role = "literal"


def _skip_member(app, what, name, obj, skip, options):
    # scikit-learn's generated metadata-routing setters (set_fit_request, ...)
    # carry scikit-learn's own cross-references; they are documented there.
    if name.startswith("set_") and name.endswith("_request"):
        return True
    return skip


# where each library documents one public object (``{name}``: its dotted name)
# and one module (``{module}``: the name's first two components)
_EXTERNAL_DOCS = {
    "sklearn": (
        "https://scikit-learn.org/stable/modules/generated/{name}.html",
        "https://scikit-learn.org/stable/api/{module}.html",
    ),
    "scipy": (
        "https://docs.scipy.org/doc/scipy/reference/generated/{name}.html",
        "https://docs.scipy.org/doc/scipy/reference/{short}.html",
    ),
    "numpy": (
        "https://numpy.org/doc/stable/reference/generated/{name}.html",
        "https://numpy.org/doc/stable/reference/routines.html",
    ),
    "joblib": (
        "https://joblib.readthedocs.io/en/stable/generated/{name}.html",
        "https://joblib.readthedocs.io/en/stable/",
    ),
    "torch": (
        "https://docs.pytorch.org/docs/stable/generated/{name}.html",
        "https://docs.pytorch.org/docs/stable/{short}.html",
    ),
    "pandas": (
        "https://pandas.pydata.org/docs/reference/api/{name}.html",
        "https://pandas.pydata.org/docs/reference/index.html",
    ),
    "matplotlib": (
        "https://matplotlib.org/stable/api/_as_gen/{name}.html",
        "https://matplotlib.org/stable/api/{short}_api.html",
    ),
}


def _importable(name):
    """Whether ``name`` is a module or an attribute path below one."""
    import importlib

    parts = name.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        try:
            for attr in parts[i:]:
                obj = getattr(obj, attr)
        except AttributeError:
            return None
        return "module" if i == len(parts) else "object"
    return None


def _public_home(name):
    """``sklweights.X`` -> ``sklweights.<sub>.X``, where the API pages document X."""
    for sub, _ in _SUBPACKAGES:
        module = sys.modules.get(f"sklweights.{sub}")
        if module is not None and name in getattr(module, "__all__", ()):
            return f"sklweights.{sub}.{name}"
    return None


def _resolve_missing(app, env, node, contnode):
    from docutils import nodes

    if node.get("refdomain") != "py":
        return None
    target = node["reftarget"].lstrip("~.")
    top = target.split(".")[0]
    if top == "sklweights":
        # the package re-exports every estimator at the top level, and the
        # guide names them so; the API pages document them in their subpackage
        rest = target.split(".", 1)[1] if "." in target else ""
        home = _public_home(rest) if rest and "." not in rest else None
        if home is None:
            return None
        domain = env.get_domain("py")
        return domain.resolve_xref(
            env, node["refdoc"], app.builder, node["reftype"], home, node, contnode
        )
    if top not in _EXTERNAL_DOCS:
        return None
    kind = _importable(target)
    if kind is None:
        return None
    obj_url, mod_url = _EXTERNAL_DOCS[top]
    parts = target.split(".")
    url = (mod_url if kind == "module" else obj_url).format(
        name=target, module=".".join(parts[:2]), short=".".join(parts[1:2]) or top
    )
    ref = nodes.reference("", "", internal=False, refuri=url, reftitle=target)
    ref.append(contnode)
    return ref


def setup(app):
    app.connect("autodoc-skip-member", _skip_member)
    app.connect("missing-reference", _resolve_missing)


sphinx_gallery_conf = {
    "examples_dirs": str(HERE.parent / "examples"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "download_all_examples": False,
    "remove_config_comments": True,
    "within_subsection_order": "FileNameSortKey",
    # SKLWEIGHTS_DOCS_PLOT=0 builds the gallery pages without running them.
    "plot_gallery": os.environ.get("SKLWEIGHTS_DOCS_PLOT", "1") not in ("0", "False"),
    "backreferences_dir": "generated/backreferences",
    "doc_module": ("sklweights",),
}

from sklweights._families import (  # noqa: E402
    FAMILIES,
    METHOD_SUBPACKAGES,
    SHARED_SUBPACKAGES,
)

_SUBPACKAGES = list({**METHOD_SUBPACKAGES, **SHARED_SUBPACKAGES}.items())


def _defined_in(module, name, sub):
    """Whether ``sub`` is the home of ``name``: a re-export (``fit_many`` in
    ``selection``, defined in ``utils``) is documented once, at home."""
    home = getattr(getattr(module, name), "__module__", None) or ""
    return not home.startswith("sklweights.") or home.split(".")[1] == sub


def _write_api_reference():
    """Generate api.rst from each subpackage's ``__all__`` (never out of date)."""
    import importlib

    lines = [
        ".. _api:",
        "",
        "API reference",
        "=============",
        "",
        "Generated from the public names (``__all__``) of each subpackage.",
        "",
    ]
    for sub, title in _SUBPACKAGES:
        module = importlib.import_module(f"sklweights.{sub}")
        names = sorted(
            n
            for n in getattr(module, "__all__", [])
            if not n.startswith("_") and _defined_in(module, n, sub)
        )
        lines += [
            title,
            "-" * len(title),
            "",
            f".. module:: sklweights.{sub}",
            "",
        ]
        if not names:
            lines += ["Nothing public yet.", ""]
            continue
        lines += [".. autosummary::", "   :toctree: generated/", ""]
        lines += [f"   {n}" for n in names]
        lines.append("")
    text = "\n".join(lines)
    path = HERE / "api.rst"
    if not path.exists() or path.read_text() != text:
        path.write_text(text)


_write_api_reference()

# every family's benchmark, then the package-wide ones
_BENCHMARKS = [(f.name, f.title, f.benchmark) for f in FAMILIES] + [
    (
        "hl_gauss_sweep",
        "HL-Gauss: choosing n_bins and sigma",
        "benchmarks/hl_gauss.py --sweep-only",
    ),
    ("torch_loop", "The one torch training loop", "benchmarks/torch_loop.py"),
    ("cost_curves", "Cost curves: fit time against size", "benchmarks/cost_curves.py"),
    ("scaling", "Scaling out (Dask LocalCluster)", "benchmarks/scaling.py"),
    ("gpu", "GPU check", "benchmarks/gpu_check.py"),
]


# the figures' section of cost_curves.md: its image links are relative to the
# markdown file, which an include would resolve relative to docs/ instead
_FIGURES_MARKER = "<!-- figures -->"


def _cost_curves_section(path):
    """The slope table of cost_curves.md, then its figures as rst directives."""
    import re

    text = path.read_text()
    lines = [
        "Fit time of each estimator family against the sizes that drive its",
        "cost (``benchmarks/results/cost_curves.csv``), on log-log axes: the",
        "slope of each line is the growth exponent.",
        "",
        f".. include:: ../benchmarks/results/{path.name}",
        "   :parser: myst_parser.sphinx_",
    ]
    if _FIGURES_MARKER not in text:
        return lines + [""]
    lines += [f"   :end-before: {_FIGURES_MARKER}", ""]
    figures = text.split(_FIGURES_MARKER, 1)[1]
    for alt, name in re.findall(r"!\[([^\]]*)\]\((cost_\w+\.png)\)", figures):
        if (path.parent / name).exists():
            lines += [
                f".. figure:: ../benchmarks/results/{name}",
                f"   :alt: {alt}",
                "   :width: 100%",
                "",
                f"   {alt}",
                "",
            ]
    return lines


def _write_performance_page():
    """performance.rst: the latest table of each benchmark, as committed."""
    results = HERE.parent / "benchmarks" / "results"
    lines = [
        ".. _performance:",
        "",
        "Performance",
        "===========",
        "",
        "Each benchmark in ``benchmarks/`` runs sklweights and the peers a user",
        "would otherwise reach for in one process, on the same data, and writes a",
        "markdown table to ``benchmarks/results/``. This page shows the latest",
        "committed table of each, with the command and machine in its header.",
        "Times are medians over repeats and are given as ratios to a named peer,",
        "since absolute times on a shared machine are noisy.",
        "",
    ]
    for key, title, script in _BENCHMARKS:
        lines += [title, "-" * len(title), ""]
        path = results / f"{key}.md"
        if key == "cost_curves" and path.exists():
            lines += _cost_curves_section(path)
        elif path.exists():
            lines += [
                f".. include:: ../benchmarks/results/{key}.md",
                "   :parser: myst_parser.sphinx_",
                "",
            ]
        else:
            lines += [f"No committed results yet: run ``python {script}``.", ""]
    text = "\n".join(lines)
    path = HERE / "performance.rst"
    if not path.exists() or path.read_text() != text:
        path.write_text(text)


_write_performance_page()
