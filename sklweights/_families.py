"""The one list of the package's method families and where each one lives.

A *family* is one paper's method (PRESTO, AnyLoss, ...); a *subpackage* is the
field it belongs to (``sklweights.ordinal``, ``sklweights.classification``,
...), which may hold several families. Everything that enumerates them reads
this module: the tour's sections, the API reference and the performance page
of the documentation (``docs/conf.py``), the common tests. ``sklweights/__init__``
keeps explicit imports (for static analysis and IDEs); a test checks that they
re-export exactly the subpackages listed here, and that every subpackage on
disk is listed.

This module imports nothing from the package.
"""

from dataclasses import dataclass

__all__ = ["FAMILIES", "METHOD_SUBPACKAGES", "SHARED_SUBPACKAGES", "Family"]


@dataclass(frozen=True)
class Family:
    """One method family.

    Parameters
    ----------
    name : str
        Its short name: the tour section, the benchmark's result file
        (``benchmarks/results/<name>.md``) and the user-guide page.
    subpackage : str
        The subpackage of ``sklweights`` that holds its estimators.
    title : str
        Its title in the documentation.
    tour : str
        The module with the tour section's ``run(ctx)``.
    benchmark : str
        The command of its benchmark, from the repository root.
    """

    name: str
    subpackage: str
    title: str
    tour: str
    benchmark: str


#: The families, in the tour's and the documentation's order.
FAMILIES = (
    Family(
        "presto",
        "ordinal",
        "PRESTO ordinal regression",
        "sklweights.ordinal._tour",
        "benchmarks/presto.py",
    ),
    Family(
        "quantile",
        "quantile",
        "Quantile aggregation",
        "sklweights.quantile._tour",
        "benchmarks/quantile.py",
    ),
    Family(
        "recsys",
        "recsys",
        "Debiased recommendation",
        "sklweights.recsys._tour",
        "benchmarks/recsys.py",
    ),
    Family(
        "selection",
        "selection",
        "Committee selection",
        "sklweights.selection._tour",
        "benchmarks/selection.py",
    ),
    Family(
        "text",
        "text",
        "Domain-weighted sentiment",
        "sklweights.text._tour",
        "benchmarks/text.py",
    ),
    Family(
        "anyloss",
        "classification",
        "AnyLoss against a tuned threshold",
        "sklweights.classification._tour",
        "benchmarks/anyloss.py",
    ),
    Family(
        "ldr",
        "classification",
        "Label-noise-robust losses",
        "sklweights.classification._tour_ldr",
        "benchmarks/ldr.py",
    ),
    Family(
        "self_distillation",
        "kernel",
        "Self-distilled kernel ridge",
        "sklweights.kernel._tour",
        "benchmarks/self_distillation.py",
    ),
    Family(
        "hl_gauss",
        "regression",
        "HL-Gauss regression by classification",
        "sklweights.regression._tour",
        "benchmarks/hl_gauss.py",
    ),
    Family(
        "unfolded",
        "sparse",
        "Deep-unfolded sparse recovery",
        "sklweights.sparse._tour",
        "benchmarks/unfolded.py",
    ),
)

#: ``{subpackage: title}`` of the method subpackages, in the API's order.
METHOD_SUBPACKAGES = {
    "ordinal": "Ordinal regression (PRESTO)",
    "quantile": "Quantile regression and aggregation",
    "recsys": "Debiased recommendation",
    "selection": "Committee selection",
    "text": "Domain-weighted text classification",
    "classification": ("Classification: metric-targeted (AnyLoss), noisy labels (LDR)"),
    "regression": "Regression by classification (HL-Gauss)",
    "kernel": "Kernel ridge: self-distillation",
    "sparse": "Sparse recovery: deep-unfolded ISTA, FISTA and IHT",
}

#: ``{subpackage: title}`` of the shared machinery, after the methods.
SHARED_SUBPACKAGES = {
    "losses": "Torch losses",
    "metrics": "Metrics and scorers",
    "plotting": "Plotting: Displays",
    "datasets": "Datasets",
    "utils": "Utilities",
}
