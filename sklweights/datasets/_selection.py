"""Data generators and loaders for the selection estimators."""

__all__ = []
