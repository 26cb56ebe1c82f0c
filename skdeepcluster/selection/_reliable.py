"""SPICE's reliable pseudo-labelling by local semantic consistency (local_consistency)."""

import math

import numpy as np
import torch

from skdeepcluster._warnings import warn_user
from skdeepcluster.selection._base import Selection
from skdeepcluster.selection._neighbors import chunked_knn

#: Above this many samples, the reliable set is chosen among a random subset this large.
MAX_RELIABLE_CANDIDATES = 100_000


@torch.no_grad()
def select_reliable(proba, embeddings, n_neighbors=100, agreement=0.99, confidence=0.99,
                    balance=True, min_per_cluster=10, chunk_size=1024, random_state=None,
                    max_candidates=MAX_RELIABLE_CANDIDATES):
    """Samples whose neighbourhood agrees with their prediction and that are confident.

    Sample i is reliable iff, among its ``n_neighbors`` nearest neighbours by cosine
    similarity of ``embeddings`` (itself included, first), at least
    ``agreement * n_neighbors`` share the predicted cluster of the first neighbour,
    AND ``max_k proba[i, k] > confidence``.

    Fallback (not in the reference code, whose output is empty as soon as one cluster
    has no reliable sample): a predicted cluster with fewer than ``min_per_cluster``
    reliable samples is filled up to ``min(min_per_cluster, its size)`` with its members
    ranked by (neighbour agreement, confidence). Then, with ``balance``, every cluster's
    set is randomly down-sampled to the smallest cluster's size. Clusters nobody is
    predicted in stay empty, with a warning.

    With more than ``max_candidates`` samples, all of this runs on a random subset of
    that many (neighbours searched within it): the all-pairs search grows as n^2, and
    stage 3 needs a labelled set, not every reliable sample.

    Parameters
    ----------
    proba : Tensor of shape (n, K)
    embeddings : Tensor of shape (n, d)
    n_neighbors : int, default=100
    agreement : float, default=0.99
    confidence : float, default=0.99
    balance : bool, default=True
    min_per_cluster : int, default=10
    chunk_size : int, default=1024
        Rows per chunk of the neighbour search; memory is O(chunk_size * n).
    random_state : int, RandomState or None
    max_candidates : int, default=100_000

    Returns
    -------
    Selection of the reliable samples, labelled by their predicted cluster.
    """
    rng = np.random.RandomState(random_state) if not isinstance(
        random_state, np.random.RandomState) else random_state
    if proba.shape[0] > max_candidates:
        subset = np.sort(rng.choice(proba.shape[0], max_candidates, replace=False))
        picked = torch.from_numpy(subset).to(proba.device)
        found = select_reliable(proba[picked], embeddings[picked], n_neighbors, agreement,
                                confidence, balance, min_per_cluster, chunk_size, rng,
                                max_candidates)
        return Selection.hard(subset[found.indices], found.labels)
    n, n_clusters = proba.shape
    pred = proba.argmax(dim=1)
    conf = proba.max(dim=1).values
    neighbors = chunked_knn(embeddings, n_neighbors, chunk_size)
    agree = (pred[neighbors] == pred[neighbors[:, :1]]).sum(dim=1)
    needed = math.ceil(agreement * neighbors.shape[1] - 1e-9)
    reliable = ((agree >= needed) & (conf > confidence)).cpu().numpy()
    pred, agree, conf = pred.cpu().numpy(), agree.cpu().numpy(), conf.cpu().numpy()

    per_cluster, empty = [], []
    for k in range(n_clusters):
        members = np.flatnonzero(pred == k)
        if members.size == 0:
            empty.append(k)
            continue
        chosen = members[reliable[members]]
        target = min(int(min_per_cluster), members.size)
        if chosen.size < target:
            order = np.lexsort((-conf[members], -agree[members]))  # agreement first
            chosen = members[order[:target]]
        per_cluster.append((k, chosen))
    if empty:
        warn_user(f"No sample is predicted in cluster(s) {empty}; they get no reliable "
                  "pseudo-labels.")
    if balance and per_cluster:
        size = min(c.size for _, c in per_cluster)
        per_cluster = [(k, np.sort(rng.choice(c, size, replace=False))) for k, c in per_cluster]
    indices = np.concatenate([c for _, c in per_cluster]) if per_cluster else np.empty(0, int)
    labels = np.concatenate([np.full(c.size, k) for k, c in per_cluster]) if per_cluster else (
        np.empty(0, int))
    return Selection.hard(indices, labels)
