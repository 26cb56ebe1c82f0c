"""Selectors: no-grad rules that turn predictions into (indices, labels, weights)."""

from skdeepcluster.selection._agreement import (
    EnsembleVote,
    ensemble_vote,
    select_by_agreement,
)
from skdeepcluster.selection._base import Selection
from skdeepcluster.selection._centroid import (
    select_highest_variance,
    select_nearest_to_centroid,
)
from skdeepcluster.selection._confident import update_confident_labels
from skdeepcluster.selection._neighbors import chunked_knn
from skdeepcluster.selection._prototype import select_by_prototypes
from skdeepcluster.selection._reliable import select_reliable
from skdeepcluster.selection._thresholds import ClassPairThresholds

__all__ = [
    "ClassPairThresholds",
    "EnsembleVote",
    "Selection",
    "chunked_knn",
    "ensemble_vote",
    "select_by_agreement",
    "select_by_prototypes",
    "select_highest_variance",
    "select_nearest_to_centroid",
    "select_reliable",
    "update_confident_labels",
]
