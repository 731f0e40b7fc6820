"""Metrics for the text estimators."""

__all__ = []
