"""Cross-entropy on pseudo-labels, optionally weighted/masked, with SPICE's double softmax."""

import torch
import torch.nn.functional as F


def pseudo_label_cross_entropy(logits, targets, weights=None, double_softmax=False):
    """Mean cross-entropy of ``logits`` against hard pseudo-labels.

    Parameters
    ----------
    logits : Tensor of shape (B, K)
    targets : LongTensor of shape (B,)
    weights : Tensor of shape (B,), optional
        Per-sample weights (a 0/1 mask included). The mean is over all B samples, so a
        masked sample counts as 0 in the numerator and 1 in the denominator, as in
        FixMatch.
    double_softmax : bool, default=False
        SPICE's reference code puts ``nn.CrossEntropyLoss`` on heads that already end in
        a softmax, i.e. the loss is ``-log softmax(softmax(logits))[y]``. Its range is
        compressed (>= log(1 + (K-1)/e) for K classes) and its gradients damped.

    Returns
    -------
    loss : scalar Tensor
    """
    if double_softmax:
        logits = F.softmax(logits, dim=1)
    per_sample = F.cross_entropy(logits, targets, reduction="none")
    if weights is not None:
        per_sample = per_sample * weights
    return per_sample.mean() if per_sample.numel() else per_sample.sum()


def balanced_pseudo_label_cross_entropy(proba, labels):
    """Class-balanced cross-entropy on the rows with a pseudo-label (``labels >= 0``), as
    in MTDC's first (boosting) code: each cluster weighted by the inverse of its count
    among those rows, and ``nn.CrossEntropyLoss`` put on the softmax *probabilities*
    (the double softmax of :func:`pseudo_label_cross_entropy`). 0 when no row has a
    label.

    Parameters
    ----------
    proba : Tensor of shape (B, K)
        Cluster probabilities (a softmax output).
    labels : LongTensor of shape (B,)
        Pseudo-labels, -1 for none.

    Returns
    -------
    loss : scalar Tensor
    """
    keep = labels >= 0
    if not bool(keep.any()):
        return proba.sum() * 0.0
    target = labels[keep]
    counts = torch.bincount(target, minlength=proba.shape[1]).to(proba.dtype)
    weight = torch.where(counts > 0, 1.0 / counts.clamp_min(1), torch.ones_like(counts))
    return F.cross_entropy(proba[keep], target, weight=weight)
