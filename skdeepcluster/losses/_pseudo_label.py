"""Cross-entropy on pseudo-labels, optionally weighted/masked, with SPICE's double softmax."""

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
