"""Instance contrastive loss (NT-Xent / InfoNCE with in-batch negatives)."""

import torch
import torch.nn.functional as F


def nt_xent_loss(z1, z2, temperature=0.5):
    """NT-Xent over two views of a batch.

    Each of the 2B embeddings is an anchor; its positive is the other view of the same
    sample and its negatives are the other 2B - 2 embeddings. Embeddings are
    L2-normalised here; the loss is the mean over the 2B anchors of
    ``-log(exp(s_pos / t) / sum_{a != anchor} exp(s_a / t))``.

    Parameters
    ----------
    z1, z2 : Tensor of shape (B, d)
        The two views' embeddings, row i of each from the same sample.
    temperature : float, default=0.5

    Returns
    -------
    loss : scalar Tensor

    References
    ----------
    Chen et al., "A Simple Framework for Contrastive Learning of Visual Representations"
    (SimCLR), ICML 2020.
    """
    if z1.shape != z2.shape or z1.ndim != 2:
        raise ValueError(
            f"z1 and z2 must both be (B, d); got {tuple(z1.shape)} and {tuple(z2.shape)}."
        )
    b = z1.shape[0]
    z = F.normalize(torch.cat([z1, z2]), dim=1)
    logits = z @ z.T / temperature
    logits.fill_diagonal_(float("-inf"))
    positives = torch.cat([torch.arange(b, 2 * b), torch.arange(b)]).to(z.device)
    return F.cross_entropy(logits, positives)
