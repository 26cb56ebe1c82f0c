"""ClusMatch's base clustering: fit (or read) the clustering to improve, and what the
labelled-sample selection needs from it."""

from typing import NamedTuple

import numpy as np
from sklearn.base import clone
from sklearn.cluster import KMeans
from sklearn.utils import get_tags
from sklearn.utils.validation import check_is_fitted

from skdeepcluster._warnings import warn_user
from skdeepcluster.nn import forward_in_batches, l2_normalize


class BaseClustering(NamedTuple):
    """A fitted base and what it says about the training samples.

    Attributes
    ----------
    estimator : estimator
    labels : ndarray of shape (n_samples,)
        As the base gave them (noise < 0 included).
    compact : ndarray of shape (n_samples,)
        Non-noise ids renamed to 0..m-1 in increasing order (noise: -1).
    selection : {"centroid", "variance"}
        How labelled samples are ranked.
    values : ndarray
        Features (centroid) or ``predict_proba`` (variance) of the samples.
    centers : ndarray or None
        Row c: the centre of compact cluster c in ``values``' space, when the base has it.
    """

    estimator: object
    labels: np.ndarray
    compact: np.ndarray
    selection: str
    values: np.ndarray
    centers: np.ndarray | None


def default_base(ctx, backbone, n_clusters, batch_size, metric="cosine"):
    """The paper's feature-learning base: k-means (10 starts) on the L2-normalised
    representation of a pretrained backbone (``metric="cosine"``), or on the
    representation as it is (``"euclidean"``)."""
    backbone.eval()
    emb = forward_in_batches(backbone, ctx.data, batch_size)
    emb = l2_normalize(emb) if metric == "cosine" else emb
    emb = emb.cpu().double().numpy()
    km = KMeans(n_clusters, n_init=10,
                random_state=ctx.rng.randint(np.iinfo(np.int32).max)).fit(emb)
    return BaseClustering(km, km.labels_.copy(), km.labels_.copy(), "centroid", emb,
                          km.cluster_centers_)


def external_base(estimator, X, n_clusters, *, prefit, selection):
    """Fit ``estimator`` on ``X`` as the user gave it (images flattened for bases without
    3-D support), or read it when ``prefit``; ``selection`` as ClusMatch's parameter."""
    if getattr(X, "ndim", 2) >= 3 and not _accepts_3d(estimator):
        X = np.asarray(X).reshape(X.shape[0], -1)
    base, labels = _fit_base(estimator, X, prefit)
    compact = _compact_labels(labels, n_clusters)
    if selection == "auto":
        selection = "centroid" if hasattr(base, "cluster_centers_") or not hasattr(
            base, "predict_proba") else "variance"
    if selection == "variance":
        if not hasattr(base, "predict_proba"):
            raise ValueError(
                "selection='variance' needs a base_estimator with predict_proba; "
                f"{type(base).__name__} has none. Use selection='centroid'.")
        return BaseClustering(base, labels, compact, "variance", base.predict_proba(X), None)
    return BaseClustering(base, labels, compact, "centroid", *_centroid_space(base, X, labels))


def _fit_base(estimator, X, prefit):
    n = X.shape[0] if hasattr(X, "shape") else len(X)
    if prefit:
        base = estimator
        check_is_fitted(base)
        labels = base.predict(X) if hasattr(base, "predict") else getattr(base, "labels_", None)
    else:
        base = clone(estimator)
        if hasattr(base, "fit_predict"):
            labels = base.fit_predict(X)
        else:
            base.fit(X)
            labels = getattr(base, "labels_", None)
            if labels is None and hasattr(base, "predict"):
                labels = base.predict(X)
    if labels is None:
        raise ValueError(
            f"base_estimator {type(base).__name__} gives no labels: it needs "
            "fit_predict, labels_ or predict.")
    labels = np.asarray(labels)
    if not np.issubdtype(labels.dtype, np.number):  # e.g. string ids: number them
        labels = np.unique(labels, return_inverse=True)[1].reshape(-1)
    if labels.shape != (n,):
        raise ValueError(
            f"base_estimator gave labels of shape {labels.shape}, expected ({n},); "
            "with base_prefit=True its labels_ must belong to the X passed to fit.")
    if not np.issubdtype(labels.dtype, np.integer):
        if not np.all(np.equal(np.mod(labels, 1), 0)):
            raise ValueError("base_estimator must give integer cluster labels.")
        labels = labels.astype(np.int64)
    return base, labels


def _compact_labels(labels, n_clusters):
    """Base ids (noise < 0 kept as -1) -> 0..m-1, checking m against n_clusters."""
    ids = np.unique(labels[labels >= 0])
    n_noise = int(np.sum(labels < 0))
    if ids.size == 0:
        raise ValueError("base_estimator labelled every sample as noise (< 0).")
    if ids.size > n_clusters:
        raise ValueError(
            f"base_estimator found {ids.size} clusters but n_clusters="
            f"{n_clusters}; set the base's number of clusters to n_clusters.")
    if ids.size < n_clusters:
        warn_user(f"base_estimator found only {ids.size} non-empty clusters for "
                  f"n_clusters={n_clusters}; the other clusters get no labelled "
                  "samples and can only be filled by the k-means pseudo-labels.")
    if n_noise:
        warn_user(f"base_estimator labelled {n_noise} sample(s) as noise (< 0); they are "
                  "never chosen as labelled samples but are clustered like the others.")
    compact = np.full(labels.shape, -1, dtype=np.int64)
    keep = labels >= 0
    compact[keep] = np.searchsorted(ids, labels[keep])
    return compact


def _centroid_space(base, X, labels):
    """(features, centres or None): the base's ``cluster_centers_`` in input space,
    else its ``transform`` space, else the input space."""
    centers = getattr(base, "cluster_centers_", None)
    if centers is not None:
        feats = np.asarray(X, dtype=np.float64).reshape(len(labels), -1)
        centers = np.asarray(centers, dtype=np.float64)
        ids = np.unique(labels[labels >= 0])
        if centers.ndim == 2 and centers.shape[1] == feats.shape[1] and (
                centers.shape[0] > ids.max()):
            return feats, centers[ids]  # row c = compact cluster c
        return feats, None
    if hasattr(base, "transform"):
        return np.asarray(base.transform(X), dtype=np.float64), None
    return np.asarray(X, dtype=np.float64).reshape(len(labels), -1), None


def _accepts_3d(estimator):
    """Whether the estimator takes (n, H, W) input (its sklearn tags say so)."""
    try:
        return bool(get_tags(estimator).input_tags.three_d_array)
    except (AttributeError, TypeError):  # not an sklearn estimator: assume 2-D only
        return False
