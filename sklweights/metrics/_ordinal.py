"""Metrics for the ordinal estimators."""

__all__ = []
