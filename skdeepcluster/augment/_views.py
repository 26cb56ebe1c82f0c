"""Choosing the view family for an input spec."""

from skdeepcluster.augment._image import ImageViews
from skdeepcluster.augment._vector import VectorViews


def make_views(spec, pool):
    """Default weak/strong views for ``spec.kind``; ``pool`` is the training data tensor
    (on the training device) that vector corruptions draw column marginals from."""
    if spec.kind == "image":
        return ImageViews()
    return VectorViews(pool.reshape(pool.shape[0], -1))
