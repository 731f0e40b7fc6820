"""Debiased recommendation on missing-not-at-random feedback.

:class:`DebiasedMF` trains matrix factorisation with IPS, SNIPS, DR, DR-JL or
kernel-balanced propensity weights (Li et al., ICLR 2024);
:class:`BalancedPropensity` computes kernel-balanced propensity weights for
any observational data.
"""

from ._balanced_propensity import BalancedPropensity
from ._debiased_mf import DebiasedMF

__all__ = ["BalancedPropensity", "DebiasedMF"]
