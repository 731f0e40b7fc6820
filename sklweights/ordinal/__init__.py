"""The ordinal estimators (not yet available)."""

__all__ = []
