"""Choosing the view family for an input spec."""

from skdeepcluster.augment._image import ImageViews
from skdeepcluster.augment._vector import VectorViews


def make_views(spec, pool):
    """Default weak/strong views for ``spec.kind``; ``pool`` is the training data tensor
    (on the training device): vector corruptions draw column marginals from it, image
    intensity jitter is clipped to its range."""
    if spec.kind == "image":
        # jittered intensities stay inside the data's own range
        return ImageViews(value_range=(float(pool.min()), float(pool.max())))
    return VectorViews(pool.reshape(pool.shape[0], -1))
