"""ClusMatch's choice of a few "labelled" samples per cluster of a base clustering."""

import numpy as np

from skdeepcluster.selection._base import Selection


def _cluster_ids(labels):
    """The cluster ids present (noise labels < 0 left out)."""
    return np.unique(labels[labels >= 0])


def select_nearest_to_centroid(features, labels, n_per_cluster, centers=None):
    """Per cluster, the ``n_per_cluster`` members closest to the cluster's centroid.

    The feature-learning branch of ClusMatch's label selection: rank each cluster's
    members by Euclidean distance to its centre (ascending) and keep the closest ones,
    labelled by their cluster. Noise labels (< 0) are never selected; a cluster with
    fewer members than ``n_per_cluster`` gives all of them.

    Parameters
    ----------
    features : ndarray of shape (n, d)
    labels : ndarray of int, shape (n,)
        Cluster of each sample; negative = noise.
    n_per_cluster : int
    centers : ndarray of shape (n_clusters, d), optional
        Row c is the centre of cluster id c (e.g. a KMeans' ``cluster_centers_``).
        By default the mean of each cluster's members.

    Returns
    -------
    Selection, grouped by cluster id (ascending), closest first within a cluster.
    """
    features = np.asarray(features, dtype=np.float64)
    labels = np.asarray(labels)
    indices, out_labels = [], []
    for c in _cluster_ids(labels):
        members = np.flatnonzero(labels == c)
        center = features[members].mean(axis=0) if centers is None else np.asarray(
            centers, dtype=np.float64)[c]
        dist = ((features[members] - center) ** 2).sum(axis=1)
        chosen = members[np.argsort(dist, kind="stable")[: int(n_per_cluster)]]
        indices.append(chosen)
        out_labels.append(np.full(chosen.size, c))
    return _join(indices, out_labels)


def select_highest_variance(proba, labels, n_per_cluster):
    """Per cluster, the ``n_per_cluster`` members whose probability vector has the
    largest variance (the most peaked, i.e. confident, predictions).

    The clustering-head branch of ClusMatch's label selection. Noise labels (< 0) are
    never selected; ties keep the sample order.

    Parameters
    ----------
    proba : ndarray of shape (n, K)
    labels : ndarray of int, shape (n,)
    n_per_cluster : int

    Returns
    -------
    Selection, grouped by cluster id (ascending), highest variance first.
    """
    proba = np.asarray(proba, dtype=np.float64)
    labels = np.asarray(labels)
    variance = proba.var(axis=1)
    indices, out_labels = [], []
    for c in _cluster_ids(labels):
        members = np.flatnonzero(labels == c)
        chosen = members[np.argsort(-variance[members], kind="stable")[: int(n_per_cluster)]]
        indices.append(chosen)
        out_labels.append(np.full(chosen.size, c))
    return _join(indices, out_labels)


def _join(indices, labels):
    if not indices:
        return Selection.hard(np.empty(0, np.int64), np.empty(0, np.int64))
    return Selection.hard(np.concatenate(indices), np.concatenate(labels))
