"""Ensemble agreement: the samples on which a super-majority of clusterings agree (SPC)."""

import itertools
from typing import NamedTuple

import numpy as np

from skdeepcluster.metrics import hungarian_match
from skdeepcluster.selection._base import Selection


class EnsembleVote(NamedTuple):
    """Result of :func:`ensemble_vote`.

    Attributes
    ----------
    labels : ndarray of int, shape (n_samples,)
        Ensemble label (most voted; ties to the lowest id; -1 where no member voted).
    agreed : ndarray of bool, shape (n_samples,)
        Samples whose top label has at least ``min_votes`` votes.
    aligned : ndarray of int, shape (n_members, n_samples)
        Every member's labeling renamed into the ensemble's ids (-1 kept as noise).
    usable : ndarray of bool, shape (n_members,)
        Members that voted (those with the retained cluster count).
    min_votes : float
    topped_up : ndarray of bool, shape (n_samples,)
        Agreed samples let in by the per-cluster floor (``min_cluster_share``), below
        the super-majority.
    """

    labels: np.ndarray
    agreed: np.ndarray
    aligned: np.ndarray
    usable: np.ndarray
    min_votes: float
    topped_up: np.ndarray


def _align(labels, reference):
    """``labels`` renamed to match ``reference`` (Hungarian); -1 (noise) stays -1 and is
    ignored by the matching.

    Every id of ``labels`` takes part, also one whose samples are all noise in
    ``reference``; ids left without a partner (``labels`` has more ids, or a reference
    id is absent) take the smallest ids not used yet, so K clusters keep ids 0..K-1
    when ``reference`` uses only such ids.
    """
    out = np.full_like(labels, -1)
    ids = np.unique(labels[labels >= 0])
    ref_ids = np.unique(reference[reference >= 0])
    keep = (labels >= 0) & (reference >= 0)
    _, rows, cols = hungarian_match(labels[keep], reference[keep], ids, ref_ids)
    mapping = {int(ids[r]): int(ref_ids[c]) for r, c in zip(rows, cols, strict=True)}
    used = set(mapping.values())
    free = (i for i in itertools.count() if i not in used)
    for i in ids:
        if int(i) not in mapping:
            mapping[int(i)] = next(free)
            used.add(mapping[int(i)])
    for i in ids:
        out[labels == i] = mapping[int(i)]
    return out


def ensemble_vote(member_labels, n_clusters, *, reference=0, previous=None, ratio=1.2,
                  min_cluster_share=0.0):
    """Align several clusterings of the same samples and vote.

    1. Members with exactly ``n_clusters`` non-noise clusters vote; if none has, the
       members with the most common count do.
    2. Each voting member is renamed to the ``reference`` member by Hungarian matching
       (noise ``-1`` ignored). If ``previous`` labels are given, the reference itself
       is first renamed to them, so ids keep their meaning across rounds.
    3. ``v[i, k]`` = number of voting members giving sample i label k (noise votes are
       dropped); ensemble label = argmax; agreed = ``max_k v[i, k] >= n_usable / ratio``.
    4. Floor (not in the reference): an ensemble cluster with fewer agreed samples than
       ``min_cluster_share * n_agreed / n_clusters`` takes its own samples with the
       most votes for it until it has that many (ties at the cut all join). Without it
       a cluster the members split differently gets no agreed sample at all, and
       training on the agreed set then teaches every member to merge it away.

    Parameters
    ----------
    member_labels : array-like of int, shape (n_members, n_samples)
        Cluster ids per member, ``-1`` for noise.
    n_clusters : int
    reference : int, default=0
        Index of the pivot member. If it does not vote, the first voting member is used.
    previous : array-like of int, shape (n_samples,), optional
        Labels to keep the ids consistent with (e.g. the previous round's ensemble).
    ratio : float, default=1.2
        SPC's super-majority: at least ``n_usable / ratio`` votes (1.2 -> 83%).
    min_cluster_share : float, default=0.0
        The per-cluster floor of step 4, as a share of the mean agreed count per
        cluster; 0 turns it off.

    Returns
    -------
    vote : EnsembleVote
    """
    labels = np.asarray(member_labels, dtype=np.int64)
    if labels.ndim != 2 or labels.shape[0] == 0:
        raise ValueError(
            f"member_labels must have shape (n_members, n_samples), got {labels.shape}."
        )
    counts = np.array([len(np.unique(row[row >= 0])) for row in labels])
    target = n_clusters
    if not np.any(counts == n_clusters):
        values, freq = np.unique(counts, return_counts=True)
        target = values[np.argmax(freq)]
    usable = counts == target
    ref = reference if usable[reference] else int(np.flatnonzero(usable)[0])
    pivot = labels[ref]
    if previous is not None:
        pivot = _align(pivot, np.asarray(previous, dtype=np.int64))
    aligned = np.full_like(labels, -1)
    for m in np.flatnonzero(usable):
        aligned[m] = pivot if m == ref else _align(labels[m], pivot)
    n_ids = max(int(aligned.max()) + 1, n_clusters)
    votes = np.zeros((labels.shape[1], n_ids), dtype=np.int64)
    for m in np.flatnonzero(usable):
        ok = aligned[m] >= 0
        votes[np.flatnonzero(ok), aligned[m, ok]] += 1
    top = votes.max(axis=1)
    ensemble = np.where(top > 0, votes.argmax(axis=1), -1)
    min_votes = usable.sum() / ratio
    agreed = (top >= min_votes) & (top > 0)
    topped_up = _top_up(votes, ensemble, agreed, n_clusters, min_cluster_share)
    return EnsembleVote(ensemble, agreed | topped_up, aligned, usable, float(min_votes),
                        topped_up)


def _top_up(votes, ensemble, agreed, n_clusters, share):
    """Samples added to the agreed set by the per-cluster floor (see ensemble_vote)."""
    added = np.zeros_like(agreed)
    floor = int(np.ceil(share * agreed.sum() / n_clusters))
    for k in range(votes.shape[1]):
        candidates = np.flatnonzero((ensemble == k) & ~agreed)
        missing = floor - int(np.count_nonzero(agreed & (ensemble == k)))
        if missing <= 0 or candidates.size == 0:
            continue
        count = votes[candidates, k]
        cut = np.sort(count)[::-1][min(missing, candidates.size) - 1]
        added[candidates[count >= cut]] = True
    return added


def select_by_agreement(member_labels, n_clusters, *, reference=0, previous=None, ratio=1.2,
                        min_cluster_share=0.0):
    """The samples a super-majority of the members agree on, with the agreed label.

    See :func:`ensemble_vote` for the rule and the parameters.

    Returns
    -------
    selection : Selection
        Agreed sample indices, their ensemble labels and unit weights.
    """
    vote = ensemble_vote(member_labels, n_clusters, reference=reference, previous=previous,
                         ratio=ratio, min_cluster_share=min_cluster_share)
    idx = np.flatnonzero(vote.agreed)
    return Selection.hard(idx, vote.labels[idx])
