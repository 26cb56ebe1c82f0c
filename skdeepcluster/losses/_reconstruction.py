"""SPC's latent noise and its loss: cross-entropy on agreed samples plus reconstruction.

Reference: L. Mahon and T. Lukasiewicz, "Selective Pseudo-label Clustering", KI 2021
(arXiv:2107.10692).
"""

import torch
import torch.nn.functional as F


def latent_noise(z, scale=1.5, generator=None):
    """SPC's latent noise ``scale * n / max|n|`` with ``n ~ N(0, I)`` over the whole batch.

    Parameters
    ----------
    z : Tensor of shape (B, d)
        Only its shape, dtype and device are used.
    scale : float, default=1.5
    generator : torch.Generator, optional

    Returns
    -------
    noise : Tensor of shape (B, d), with max absolute value ``scale``.
    """
    n = torch.randn(z.shape, dtype=z.dtype, device=z.device, generator=generator)
    if n.numel() == 0:
        return n
    return scale * n / n.abs().max().clamp_min(1e-12)


def spc_loss(x, x_hat, logits, targets, agreed, reconstruction="l1"):
    """The SPC training loss of one batch.

    ``CE(logits[A], targets[A]) + mean_i R_i + mean_{i not in A} R_i``, where ``R_i`` is
    the reconstruction error of sample i (mean absolute error, the reference's, or mean
    squared error) and A the agreed samples. The CE term is dropped when no sample of the
    batch is agreed and the last term when all are, so non-agreed samples get twice the
    reconstruction weight of agreed ones.

    Parameters
    ----------
    x, x_hat : Tensor of shape (B, ...)
        Inputs and their reconstructions (from the noisy code).
    logits : Tensor of shape (m, K)
        Head outputs (from the noisy code) of the agreed samples only, in batch order.
    targets : LongTensor of shape (B,)
        Pseudo-labels; entries of non-agreed samples are ignored.
    agreed : BoolTensor of shape (B,)
    reconstruction : {"l1", "mse"}, default="l1"

    Returns
    -------
    loss : scalar Tensor
    """
    diff = x_hat.flatten(1) - x.flatten(1)
    if reconstruction == "l1":
        per_sample = diff.abs().mean(1)
    elif reconstruction == "mse":
        per_sample = diff.square().mean(1)
    else:
        raise ValueError(f"reconstruction must be 'l1' or 'mse', got {reconstruction!r}.")
    loss = per_sample.mean()
    if not bool(agreed.all()):
        loss = loss + per_sample[~agreed].mean()
    if bool(agreed.any()):
        loss = loss + F.cross_entropy(logits, targets[agreed])
    return loss
