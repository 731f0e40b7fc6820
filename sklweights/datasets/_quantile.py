"""Data generators and loaders for the quantile estimators."""

__all__ = []
