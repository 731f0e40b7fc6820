"""Metrics for the quantile estimators."""

__all__ = []
