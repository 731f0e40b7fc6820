"""Metrics for the recsys estimators."""

__all__ = []
