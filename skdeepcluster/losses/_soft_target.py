"""ClusMatch's merged positive + k-means pseudo-label loss (one soft-target CE)."""

import torch.nn.functional as F


def merged_pseudo_label_loss(logits, positive_labels, kmeans_labels, mask,
                             positive_weight=0.5, kmeans_weight=0.5):
    """``mean_i M_i * -sum_k t_ik log q_ik`` with
    ``t_i = positive_weight * onehot(positive_labels_i) + kmeans_weight * onehot(kmeans_i)``.

    Where the two labels agree this is a CE with weight ``positive_weight +
    kmeans_weight``; where they disagree, a soft target split between them. Both share
    the positive mask ``M``; the mean runs over all B samples (masked ones count 0).

    Parameters
    ----------
    logits : Tensor of shape (B, K)
        Strong-view predictions (q = softmax(logits)).
    positive_labels : LongTensor of shape (B,)
        Argmax of the weak-view prediction.
    kmeans_labels : LongTensor of shape (B,)
        Aligned k-means labels.
    mask : Tensor of shape (B,)
        Positive mask (bool or 0/1).
    positive_weight, kmeans_weight : float, default=0.5

    Returns
    -------
    loss : scalar Tensor

    References
    ----------
    J. Wu et al., "ClusMatch: Improving Deep Clustering by Unified Positive and
    Negative Pseudo-label Learning", IEEE TPAMI, 2025.
    """
    if logits.shape[0] == 0:
        return logits.sum()
    k = logits.shape[1]
    target = positive_weight * F.one_hot(positive_labels, k).to(logits.dtype)
    target = target + kmeans_weight * F.one_hot(kmeans_labels, k).to(logits.dtype)
    per_sample = -(target * F.log_softmax(logits, dim=1)).sum(dim=1)
    return (per_sample * mask.to(logits.dtype)).mean()
