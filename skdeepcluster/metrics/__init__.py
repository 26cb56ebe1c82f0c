"""Clustering metrics that compare labelings up to a permutation of cluster ids."""

from skdeepcluster.metrics._alignment import (
    align_labels,
    clustering_accuracy,
    clustering_accuracy_scorer,
    hungarian_match,
    matching_permutation,
)

__all__ = [
    "align_labels",
    "clustering_accuracy",
    "clustering_accuracy_scorer",
    "hungarian_match",
    "matching_permutation",
]
