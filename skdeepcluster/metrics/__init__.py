"""Clustering metrics: labelings compared up to a permutation of cluster ids, and
label-free scores for model selection."""

from skdeepcluster.metrics._alignment import (
    align_labels,
    clustering_accuracy,
    clustering_accuracy_scorer,
    hungarian_match,
    matching_permutation,
)
from skdeepcluster.metrics._unsupervised import (
    embedding_silhouette,
    label_stability,
    probe_agreement,
    probe_scorer,
    silhouette_scorer,
    stability_scorer,
)

__all__ = [
    "align_labels",
    "clustering_accuracy",
    "clustering_accuracy_scorer",
    "hungarian_match",
    "matching_permutation",
    "embedding_silhouette",
    "label_stability",
    "probe_agreement",
    "probe_scorer",
    "silhouette_scorer",
    "stability_scorer",
]
