"""SPICE's prototype pseudo-labelling (SemHead.select_samples)."""

import torch

from skdeepcluster.selection._base import Selection


@torch.no_grad()
def select_by_prototypes(proba, embeddings, n_per_cluster=None, center_ratio=0.5,
                         own_cells=False):
    """Balanced pseudo-labels from cluster prototypes in a fixed embedding space.

    For each cluster k: take the ``m = floor(center_ratio * M)`` samples with the highest
    probability of k (column-wise top-m, regardless of their argmax), average their
    embeddings into a prototype c_k (not re-normalised), and label k the ``M`` samples
    most similar to c_k (dot product). ``M`` defaults to ``B // K``. A sample may be
    picked for several clusters, as in the reference code.

    ``own_cells=True`` (not in the reference): c_k labels only samples whose most
    similar prototype is c_k, so a cluster with fewer than ``M`` such samples gets
    fewer labels, and no sample gets two.

    Parameters
    ----------
    proba : Tensor of shape (B, K)
    embeddings : Tensor of shape (B, d), L2-normalised
    n_per_cluster : int, optional
    center_ratio : float, default=0.5
    own_cells : bool, default=False

    Returns
    -------
    Selection with K * M entries, M per cluster (at most M with ``own_cells``), labels
    sorted by cluster.
    """
    b, k = proba.shape
    m_select = int(n_per_cluster) if n_per_cluster is not None else b // k
    m_select = max(1, min(m_select, b))
    m_center = max(1, int(center_ratio * m_select))
    top = proba.topk(m_center, dim=0).indices  # (m, K): column-wise top-m
    centers = embeddings[top].mean(dim=0)  # (K, d)
    sims = embeddings @ centers.T  # (B, K)
    if own_cells:
        nearest = sims.argmax(dim=1, keepdim=True)
        cluster = torch.arange(k, device=sims.device)
        sims = sims.masked_fill(nearest != cluster, -torch.inf)
    best, chosen = sims.topk(m_select, dim=0)  # (M, K)
    labels = torch.arange(k, device=proba.device).expand(m_select, k)
    keep = torch.isfinite(best).T.reshape(-1).cpu().numpy()
    return Selection.hard(chosen.T.reshape(-1).cpu().numpy()[keep],
                          labels.T.reshape(-1).cpu().numpy()[keep])
