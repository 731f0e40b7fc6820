"""The selection estimators (not yet available)."""

__all__ = []
