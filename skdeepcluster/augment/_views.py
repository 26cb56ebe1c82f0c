"""Choosing the view family for an input spec."""

from skdeepcluster.augment._image import ImageViews
from skdeepcluster.augment._neighbors import NeighborViews, mine_neighbors
from skdeepcluster.augment._vector import VectorViews

#: The view families of vector input (the ``vector_views`` parameter).
VECTOR_VIEWS = ("neighbors", "corruption")


def make_views(spec, pool, vector_views="corruption", n_neighbors=10, metric="cosine"):
    """Default weak/strong views for ``spec.kind``; ``pool`` is the training data tensor
    (on the training device).

    Images get :class:`ImageViews`, their intensity jitter clipped to the data's range.
    Vectors get the noise and masking of :class:`VectorViews` (whose SCARF option draws
    column marginals from ``pool``), or with ``vector_views="neighbors"``
    :class:`NeighborViews` over the ``n_neighbors`` nearest rows under ``metric``
    (fewer on data sets too small for them).
    """
    if spec.kind == "image":
        # jittered intensities stay inside the data's own range
        return ImageViews(value_range=(float(pool.min()), float(pool.max())))
    rows = pool.reshape(pool.shape[0], -1)
    if vector_views == "corruption":
        return VectorViews(rows)
    if vector_views != "neighbors":
        raise ValueError(f"vector_views must be one of {VECTOR_VIEWS}, got {vector_views!r}.")
    k = max(1, min(int(n_neighbors), rows.shape[0] - 1))
    return NeighborViews(rows, mine_neighbors(rows, k, metric=metric))
