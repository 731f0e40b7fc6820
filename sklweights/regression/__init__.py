"""Regression estimators.

* :class:`HLGaussRegressor`: an MLP trained by classification over histogram
  bins with Gaussian soft labels (HL-Gauss; Imani & White, ICML 2018;
  Farebrother et al., ICML 2024), with a predictive distribution and its
  quantiles, and a squared-error twin on the same network.
"""

from ._hl_gauss import HLGaussRegressor, histogram_quantiles

__all__ = ["HLGaussRegressor", "histogram_quantiles"]
