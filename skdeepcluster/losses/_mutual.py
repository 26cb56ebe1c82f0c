"""MTDC's two mutual-teaching terms.

* :func:`pairwise_similarity_bce_loss`: feature-space similarities teach the cluster
  head (the reference code's "BCE", formerly "HCR").
* :func:`pseudo_label_supcon_loss`: the cluster head's pseudo-labels teach the features
  (the reference code's "PCL", a supervised-contrastive loss).
"""

import torch

from skdeepcluster.nn import l2_normalize

#: The directions of :func:`pairwise_similarity_bce_loss`.
BCE_DIRECTIONS = ("reference", "textbook")


def _gaussian_similarity(x, eps):
    """``exp(-||x_i - x_j||^2)`` for all row pairs, distances clamped at ``eps``."""
    sq = (x * x).sum(dim=1)
    dist = (sq[:, None] + sq[None, :] - 2.0 * x @ x.T).clamp_min(eps)
    return torch.exp(-dist)


def pairwise_similarity_bce_loss(proba, features, direction="reference", eps=1e-12):
    """Pairwise-similarity "BCE" between cluster assignments and (detached) features.

    With ``a`` the rows of ``proba`` and ``g`` the rows of ``features`` (detached), both
    L2-normalised, ``Q^a_ij = exp(-||a_i - a_j||^2)`` and ``Q^g_ij`` likewise (squared
    distances clamped at ``eps``; the diagonal included). Over all ``M^2`` pairs:

    * ``direction="reference"`` (MTDC's code): the *trainable* cluster similarity is in
      the target slot, ``-mean[Q^a log(Q^g + eps) + (1 - Q^a) log(1 - Q^g + eps)]``. It
      is linear in ``Q^a`` with slope ``-logit(Q^g)``: a pair's cluster similarity is
      pushed up where ``Q^g > 0.5`` and down elsewhere.
    * ``direction="textbook"``: ``-mean[Q^g log(Q^a + eps) + (1 - Q^g) log(1 - Q^a + eps)]``,
      which pulls ``Q^a`` towards ``Q^g``.

    Gradients reach only ``proba`` in both directions.

    Parameters
    ----------
    proba : Tensor of shape (M, K)
        Cluster probabilities (M = 2B: both views stacked).
    features : Tensor of shape (M, d)
        Instance features of the same rows; detached here.
    direction : {"reference", "textbook"}, default="reference"
    eps : float, default=1e-12

    Returns
    -------
    loss : scalar Tensor

    References
    ----------
    Z. Hu, Y. Wang, H. Ning, D. Wu and F. Nie, "Mutual-Taught Deep Clustering",
    Elsevier, 2023 (code: github.com/yichenwang231/MTDC).
    """
    if direction not in BCE_DIRECTIONS:
        raise ValueError(f"direction must be one of {BCE_DIRECTIONS}, got {direction!r}.")
    if proba.ndim != 2 or features.ndim != 2 or proba.shape[0] != features.shape[0]:
        raise ValueError(
            "proba (M, K) and features (M, d) must be 2-D with the same rows; got "
            f"{tuple(proba.shape)} and {tuple(features.shape)}."
        )
    qa = _gaussian_similarity(l2_normalize(proba), eps)
    with torch.no_grad():
        qg = _gaussian_similarity(l2_normalize(features.detach()), eps)
    if direction == "reference":
        target, pred = qa, qg
    else:
        target, pred = qg, qa
    bce = target * torch.log(pred + eps) + (1.0 - target) * torch.log(1.0 - pred + eps)
    return -bce.mean()


def top_r_agreement_mask(teacher_proba, top_r):
    """``mask[a, b] = 1`` iff samples a and b have the same ordered top-``top_r`` clusters.

    Parameters
    ----------
    teacher_proba : Tensor of shape (B, K)
    top_r : int
        Clipped to ``[1, K]``.

    Returns
    -------
    mask : bool Tensor of shape (B, B)
    """
    r = max(1, min(int(top_r), teacher_proba.shape[1]))
    ranks = teacher_proba.topk(r, dim=1).indices  # sorted: largest first
    return (ranks[:, None, :] == ranks[None, :, :]).all(dim=2)


def pseudo_label_supcon_loss(z1, z2, teacher_proba, top_r=3, temperature=0.5,
                             base_temperature=0.07):
    """Supervised contrastive loss ("all" mode) with top-r pseudo-label positives.

    The 2B rows of ``[z1; z2]`` (L2-normalised here) are anchors. For anchor a, the
    positives P(a) are the other rows whose sample has the same *ordered* top-``top_r``
    clusters under ``teacher_proba`` (the other view of the same sample is therefore
    always positive; a itself is excluded), and

    ``loss = -(temperature / base_temperature) * mean_a (1/|P(a)|) sum_{p in P(a)}
    log(exp(z_a.z_p / t) / sum_{b != a} exp(z_a.z_b / t))``.

    Parameters
    ----------
    z1, z2 : Tensor of shape (B, d)
        Instance features of the two views.
    teacher_proba : Tensor of shape (B, K)
        Teacher cluster probabilities (no gradient flows into them).
    top_r : int, default=3
        Ranking depth that must agree (1: same argmax); clipped to ``[1, K]``.
    temperature : float, default=0.5
    base_temperature : float, default=0.07

    Returns
    -------
    loss : scalar Tensor

    References
    ----------
    P. Khosla et al., "Supervised Contrastive Learning", NeurIPS 2020; MTDC (see
    :func:`pairwise_similarity_bce_loss`).
    """
    if z1.shape != z2.shape or z1.ndim != 2 or teacher_proba.shape[0] != z1.shape[0]:
        raise ValueError(
            "z1, z2 must be (B, d) and teacher_proba (B, K) with the same B; got "
            f"{tuple(z1.shape)}, {tuple(z2.shape)}, {tuple(teacher_proba.shape)}."
        )
    b = z1.shape[0]
    z = l2_normalize(torch.cat([z1, z2]))
    logits = z @ z.T / temperature
    logits = logits - logits.max(dim=1, keepdim=True).values.detach()
    not_self = ~torch.eye(2 * b, dtype=torch.bool, device=z.device)
    positive = top_r_agreement_mask(teacher_proba.detach(), top_r).repeat(2, 2) & not_self
    log_denominator = torch.logsumexp(logits.masked_fill(~not_self, float("-inf")), dim=1)
    log_prob = logits - log_denominator[:, None]
    positive = positive.to(log_prob.dtype)
    mean_log_prob_pos = (positive * log_prob).sum(dim=1) / positive.sum(dim=1)
    return -(temperature / base_temperature) * mean_log_prob_pos.mean()
