"""MTDC's boosting pseudo-labels: the most confident rows of each predicted cluster,
kept across steps while they stay confident."""

import math

import torch
import torch.nn.functional as F


@torch.no_grad()
def update_confident_labels(labels, proba, *, confidence=0.99, share=0.5):
    """The next pseudo-labels of a batch, from the first MTDC code's boosting rule.

    Among the rows the teacher predicts as cluster ``i``, the ``ceil(share * B / K)``
    most confident are proposed for ``i``; a row without a label (-1) takes its
    proposal, a labelled row keeps its label; then every row whose confidence is below
    ``confidence`` loses its label.

    Parameters
    ----------
    labels : LongTensor of shape (B,)
        The rows' current pseudo-labels, -1 for none.
    proba : Tensor of shape (B, K)
        Teacher probabilities of the rows.
    confidence : float, default=0.99
    share : float, default=0.5
        Proposals per cluster as a share of ``B / K``.

    Returns
    -------
    labels : LongTensor of shape (B,)
    """
    b, k = proba.shape
    if labels.shape != (b,):
        raise ValueError(f"labels must have shape ({b},), got {tuple(labels.shape)}.")
    top, pred = proba.max(dim=1)
    per_cluster = math.ceil(b / k * share)
    order = torch.argsort(top, descending=True, stable=True)
    onehot = F.one_hot(pred[order], k)
    rank = torch.empty_like(pred)
    rank[order] = (onehot.cumsum(0) * onehot).sum(1) - 1  # 0: most confident of its cluster
    proposal = torch.where(rank < per_cluster, pred, -1)
    labels = torch.where(labels < 0, proposal, labels)
    return torch.where(top < confidence, -1, labels)
