"""The text estimators (not yet available)."""

__all__ = []
