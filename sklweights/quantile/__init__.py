"""Quantile regression: multi-level wrapper, model aggregation, calibration.

The estimators of Fakoor et al., "Flexible Model Aggregation for Quantile
Regression" (JMLR 2023), with non-crossing and conformal calibration. torch is
only imported when a :class:`DeepQuantileAggregator` is fitted.
"""

from ._aggregator import QuantileAggregator
from ._deep import DeepQuantileAggregator
from ._multi import MultiQuantileRegressor

__all__ = ["DeepQuantileAggregator", "MultiQuantileRegressor", "QuantileAggregator"]
