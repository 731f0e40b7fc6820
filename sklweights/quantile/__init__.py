"""The quantile estimators (not yet available)."""

__all__ = []
