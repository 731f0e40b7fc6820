"""Multiwinner committee selection from many rankings under group constraints.

:class:`FairCommitteeSelector` picks the best size-k subset of candidates
(columns) for an OWA committee scoring rule (SNTV, Borda, Bloc,
Chamberlin-Courant, PAV, SLAV or a user-given rule) from the rankings or the
utilities (approval ballots of any size: AV, SAV, PAV, CC, ...) of many voters
(rows), subject to group bounds; after Boehmer, Celis, Huang, Mehrotra and
Vishnoi (ICML 2023); :func:`latent_quality_ratio` judges a committee
against the latent optimum. :func:`fit_many` (from :mod:`sklweights.utils`)
fits it on many profiles in parallel.
"""

from sklweights.selection._bounds import proportional_group_bounds
from sklweights.selection._quality import latent_quality_ratio
from sklweights.selection._selector import (
    FairCommitteeSelector,
    committee_score,
    marginal_gains,
)
from sklweights.selection._smoothness import estimate_smoothness
from sklweights.utils import fit_many  # generic; re-exported where users look

__all__ = [
    "FairCommitteeSelector",
    "committee_score",
    "estimate_smoothness",
    "fit_many",
    "latent_quality_ratio",
    "marginal_gains",
    "proportional_group_bounds",
]
