"""The recsys estimators (not yet available)."""

__all__ = []
