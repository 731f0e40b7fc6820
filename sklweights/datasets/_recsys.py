"""Data generators and loaders for the recsys estimators."""

__all__ = []
