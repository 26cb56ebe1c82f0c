"""Selectors: no-grad rules that turn predictions into (indices, labels, weights)."""

from skdeepcluster.selection._base import Selection
from skdeepcluster.selection._neighbors import chunked_knn
from skdeepcluster.selection._prototype import select_by_prototypes
from skdeepcluster.selection._reliable import select_reliable

__all__ = ["Selection", "chunked_knn", "select_by_prototypes", "select_reliable"]
