"""Cluster-level contrastive loss of Contrastive Clustering (CC), with its entropy term."""

import math

from skdeepcluster.losses._contrastive import nt_xent_loss


def cluster_entropy_regularizer(proba):
    """``log K - H(P)``, with ``P`` the batch's cluster-size distribution.

    ``P`` is the column sum of ``proba`` normalised to sum 1. The term is 0 for
    perfectly balanced assignments and ``log K`` when the batch collapses into one
    cluster; minimising it keeps all clusters in use.

    Parameters
    ----------
    proba : Tensor of shape (B, K)
        Cluster probabilities (rows on the simplex).

    Returns
    -------
    loss : scalar Tensor
    """
    p = proba.sum(dim=0)
    p = p / p.sum()
    k = proba.shape[1]
    return math.log(k) + (p * p.clamp_min(1e-12).log()).sum()


def cluster_contrastive_loss(proba1, proba2, temperature=1.0, entropy_weight=1.0):
    """CC's cluster-level contrastive loss plus its entropy regulariser.

    Each column of ``proba1`` and ``proba2`` (one cluster's assignment vector over the
    batch) is an instance: column k of one view is the positive of column k of the
    other view, the other 2K - 2 columns are negatives, with cosine similarity and
    temperature ``temperature`` (this is NT-Xent over the 2K columns, so it is computed
    with :func:`~skdeepcluster.losses.nt_xent_loss`). The entropy term
    ``log K - H(P_v)`` of each view ``v`` is added (both views summed), scaled by
    ``entropy_weight``.

    Parameters
    ----------
    proba1, proba2 : Tensor of shape (B, K)
        Softmax cluster probabilities of the two views, row i of each from sample i.
    temperature : float, default=1.0
    entropy_weight : float, default=1.0

    Returns
    -------
    loss : scalar Tensor

    References
    ----------
    Y. Li, P. Hu, Z. Liu, D. Peng, J. T. Zhou and X. Peng, "Contrastive Clustering",
    AAAI 2021.
    """
    if proba1.shape != proba2.shape or proba1.ndim != 2:
        raise ValueError(
            "proba1 and proba2 must both be (B, K); got "
            f"{tuple(proba1.shape)}, {tuple(proba2.shape)}."
        )
    contrast = nt_xent_loss(proba1.T, proba2.T, temperature=temperature)
    entropy = cluster_entropy_regularizer(proba1) + cluster_entropy_regularizer(proba2)
    return contrast + entropy_weight * entropy
