"""Multiwinner committee selection from many rankings under group constraints.

:class:`FairCommitteeSelector` picks the best size-k subset of candidates
(columns) for an OWA committee scoring rule (SNTV, Borda, Bloc,
Chamberlin-Courant, PAV, SLAV or a user-given rule) from the rankings or the
utilities (approval ballots of any size: AV, SAV, PAV, CC, ...) of many voters
(rows), subject to group bounds; after Boehmer, Celis, Huang, Mehrotra and
Vishnoi (ICML 2023). :func:`fit_many` fits it on many profiles in parallel.
"""

from sklweights.selection._bounds import proportional_group_bounds
from sklweights.selection._selector import (
    FairCommitteeSelector,
    committee_score,
    fit_many,
    marginal_gains,
)
from sklweights.selection._smoothness import estimate_smoothness

__all__ = [
    "FairCommitteeSelector",
    "committee_score",
    "estimate_smoothness",
    "fit_many",
    "marginal_gains",
    "proportional_group_bounds",
]
