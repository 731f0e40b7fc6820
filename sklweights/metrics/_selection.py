"""Metrics for the selection estimators."""

__all__ = []
