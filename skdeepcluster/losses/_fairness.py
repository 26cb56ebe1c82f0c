"""FreeMatch's self-adaptive fairness term, as ClusMatch uses it."""

import torch


def _inverse_or_zero(x):
    return torch.nan_to_num(1.0 / x, nan=0.0, posinf=0.0, neginf=0.0)


def self_adaptive_fairness_loss(logits, mask, p_model, label_hist, eps=1e-12):
    """``sum_k P~_k log(S~_k + eps)`` over the masked samples.

    With ``s`` the mean of softmax(logits) over the masked samples and ``h_s`` the
    normalised histogram of their argmax: ``P~ = normalise(p_model / label_hist)`` and
    ``S~ = normalise(s / h_s)`` (a class with ``h_s = 0`` gets weight 0, as do zero
    entries of ``label_hist``). The value is <= 0; minimising it spreads the batch's
    predictions over the classes the EMA prior expects. With no masked sample the loss
    is 0.

    Parameters
    ----------
    logits : Tensor of shape (B, K)
        Strong-view predictions (with gradient).
    mask : Tensor of shape (B,)
        Positive mask (bool or 0/1).
    p_model : Tensor of shape (K,)
        EMA of the mean predicted probability vector.
    label_hist : Tensor of shape (K,)
        EMA of the normalised histogram of predicted classes.

    Returns
    -------
    loss : scalar Tensor

    References
    ----------
    Y. Wang et al., "FreeMatch: Self-adaptive Thresholding for Semi-supervised
    Learning", ICLR 2023.
    """
    mask = mask.bool()
    if not bool(mask.any()):
        return logits.sum() * 0.0
    probs = torch.softmax(logits[mask], dim=1)
    k = logits.shape[1]
    hist_s = torch.bincount(probs.argmax(dim=1), minlength=k).to(probs.dtype)
    hist_s = hist_s / hist_s.sum()
    prior = p_model.to(probs) * _inverse_or_zero(label_hist.to(probs))
    prior = prior / prior.sum()
    mean_s = probs.mean(dim=0) * _inverse_or_zero(hist_s).detach()
    mean_s = mean_s / mean_s.sum()
    return (prior.detach() * torch.log(mean_s + eps)).sum()
