"""FixMatch weak-to-strong consistency with a confidence mask."""

import torch
import torch.nn.functional as F

from skdeepcluster.losses._pseudo_label import pseudo_label_cross_entropy


def fixmatch_consistency_loss(logits_weak, logits_strong, threshold=0.95):
    """``mean_u 1[max p_w >= threshold] * CE(strong, argmax p_w)``, with the weak branch
    detached.

    Parameters
    ----------
    logits_weak, logits_strong : Tensor of shape (B, K)
    threshold : float, default=0.95

    Returns
    -------
    loss : scalar Tensor
    mask : Tensor of shape (B,)
        1.0 where the weak prediction was confident enough to be used.

    References
    ----------
    Sohn et al., "FixMatch: Simplifying Semi-Supervised Learning with Consistency and
    Confidence", NeurIPS 2020.
    """
    with torch.no_grad():
        probs = F.softmax(logits_weak.detach(), dim=1)
        confidence, pseudo = probs.max(dim=1)
        mask = (confidence >= threshold).to(logits_strong.dtype)
    return pseudo_label_cross_entropy(logits_strong, pseudo, weights=mask), mask
