"""Displays: the package's figures as objects a user can call.

In scikit-learn's Display pattern (:class:`sklearn.metrics.RocCurveDisplay`):
``Display.from_estimator(estimator, X, y, ...)`` or
``Display.from_predictions(...)`` compute the figure's values (kept as
attributes) and draw them; ``display.plot(ax=...)`` draws again, into given
axes. matplotlib (``pip install 'sklweights[plot]'``) is imported when a
Display draws, never by ``import sklweights``.

* :class:`TrainingHistoryDisplay`: loss per epoch of every torch estimator.
* :class:`ReliabilityDisplay`: calibration of one class's probability (the
  PRESTO paper's rare-class metric, or scikit-learn's uniform bins).
* :class:`QuantileFanDisplay`, :class:`IntervalCoverageDisplay`: quantile
  bands along a feature; coverage by predicted interval width.
* :class:`PredictedHistogramDisplay`: the predicted distributions of
  :class:`~sklweights.regression.HLGaussRegressor`.
* :class:`DomainWeightsDisplay`, :class:`GroupScoreDisplay`: documents'
  domain weights; a score per domain (or any group) for several models.
* :class:`ThresholdMetricDisplay`: F1 (or another metric) against the
  cut-off (AnyLoss); :class:`DistillationPathDisplay`: validation loss
  against the self-distillation step; :class:`CumulativeProbabilityDisplay`:
  an ordinal model's cumulative probabilities along a feature (PRESTO);
  :class:`ObjectiveByLayerDisplay`: the objective after each layer of an
  unfolded sparse coder; :class:`CommitteeTradeoffDisplay`: a committee's
  group composition and quality across constraint settings;
  :class:`CandidatePositionDisplay`: each candidate's positions across the
  voters, by group, the committee marked; :class:`LatentQualityDisplay`:
  committees' latent quality as the bias of the rankings grows (median and
  band per method); :class:`ScoreRatioDisplay`: paired
  loss ratios over the repetitions of a simulation (PRESTO's tour);
  :class:`ScoreDistributionDisplay`: each model's score over the repetitions.
"""

from ._calibration import ReliabilityDisplay
from ._curves import (
    CumulativeProbabilityDisplay,
    DistillationPathDisplay,
    ObjectiveByLayerDisplay,
    ScoreDistributionDisplay,
    ScoreRatioDisplay,
    ThresholdMetricDisplay,
)
from ._distribution import PredictedHistogramDisplay
from ._groups import DomainWeightsDisplay, GroupScoreDisplay
from ._history import TrainingHistoryDisplay
from ._quantile import IntervalCoverageDisplay, QuantileFanDisplay
from ._selection import (
    CandidatePositionDisplay,
    CommitteeTradeoffDisplay,
    LatentQualityDisplay,
)

__all__ = [
    "CandidatePositionDisplay",
    "CommitteeTradeoffDisplay",
    "CumulativeProbabilityDisplay",
    "DistillationPathDisplay",
    "DomainWeightsDisplay",
    "GroupScoreDisplay",
    "IntervalCoverageDisplay",
    "LatentQualityDisplay",
    "ObjectiveByLayerDisplay",
    "PredictedHistogramDisplay",
    "QuantileFanDisplay",
    "ReliabilityDisplay",
    "ScoreDistributionDisplay",
    "ScoreRatioDisplay",
    "ThresholdMetricDisplay",
    "TrainingHistoryDisplay",
]
