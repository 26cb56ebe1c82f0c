"""Negative pseudo-label loss: push down the probability of classes a sample is not."""

import torch


def negative_pseudo_label_loss(logits, negative_mask, eps=1e-8):
    """``mean_i 1[|N_i| >= 1] * -log clamp(1 - sum_{j in N_i} q_ij, eps, 1)``.

    Parameters
    ----------
    logits : Tensor of shape (B, K)
        Predictions on the strong view (q = softmax(logits)).
    negative_mask : BoolTensor of shape (B, K)
        ``negative_mask[i, j]``: class j is a negative pseudo-label of sample i.
    eps : float, default=1e-8

    Returns
    -------
    loss : scalar Tensor
        The mean runs over all B samples; a sample without negatives counts as 0. Not
        gated by any positive mask.

    References
    ----------
    J. Wu et al., "ClusMatch: Improving Deep Clustering by Unified Positive and
    Negative Pseudo-label Learning", IEEE TPAMI, 2025.
    """
    if logits.shape != negative_mask.shape:
        raise ValueError(
            f"logits and negative_mask must have the same shape, got {tuple(logits.shape)} "
            f"and {tuple(negative_mask.shape)}."
        )
    if logits.shape[0] == 0:
        return logits.sum()
    mask = negative_mask.to(logits.dtype)
    q = torch.softmax(logits, dim=1)
    neg_mass = (q * mask).sum(dim=1)
    per_sample = -torch.log((1.0 - neg_mass).clamp(eps, 1.0))
    has_negative = (mask.sum(dim=1) >= 1).to(logits.dtype)
    return (per_sample * has_negative).mean()
