"""Ordinal regression for rare top classes: PRESTO (Faletto & Bien, ICML 2023)."""

from ._presto import CumulativeCrossingWarning, PrestoClassifier, PrestoClassifierCV

__all__ = ["CumulativeCrossingWarning", "PrestoClassifier", "PrestoClassifierCV"]
