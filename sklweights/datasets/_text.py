"""Data generators and loaders for the text estimators."""

__all__ = []
