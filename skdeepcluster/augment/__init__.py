"""Weak and strong views of a batch, as batched torch ops on the batch's device."""

from skdeepcluster.augment._image import ImageViews, cutout, intensity_jitter, random_affine
from skdeepcluster.augment._neighbors import NeighborViews, mine_neighbors
from skdeepcluster.augment._vector import (
    VectorViews,
    feature_mask,
    gaussian_noise,
    scarf_resample,
)
from skdeepcluster.augment._views import VECTOR_VIEWS, make_views

__all__ = [
    "ImageViews",
    "NeighborViews",
    "VECTOR_VIEWS",
    "VectorViews",
    "cutout",
    "feature_mask",
    "gaussian_noise",
    "intensity_jitter",
    "make_views",
    "mine_neighbors",
    "random_affine",
    "scarf_resample",
]
