"""Domain-weighted sentiment classification (capsule networks, linear reference).

Kobari et al. (2023), "Weighted CapsuleNet networks for Persian multi-domain
sentiment analysis" (arXiv:2306.17068): one classifier per domain, combined by
each document's Domain Belonging Degree.
"""

from ._capsule import DomainWeightedCapsuleClassifier
from ._linear import LinearDomainWeightedClassifier
from ._tokenize import normalize_arabic_script, tokenize

__all__ = [
    "DomainWeightedCapsuleClassifier",
    "LinearDomainWeightedClassifier",
    "normalize_arabic_script",
    "tokenize",
]
