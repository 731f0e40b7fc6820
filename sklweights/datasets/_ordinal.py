"""Data generators and loaders for the ordinal estimators."""

__all__ = []
