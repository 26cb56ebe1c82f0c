"""k nearest neighbours by cosine similarity, computed in row chunks (memory O(chunk * n))."""

import torch


@torch.no_grad()
def chunked_knn(embeddings, n_neighbors, chunk_size=1024):
    """Indices of each row's ``n_neighbors`` most cosine-similar rows, itself included.

    Parameters
    ----------
    embeddings : Tensor of shape (n, d)
    n_neighbors : int
        Clamped to n.
    chunk_size : int, default=1024
        Rows scored at a time; peak memory is ``chunk_size * n`` similarities.

    Returns
    -------
    neighbors : LongTensor of shape (n, min(n_neighbors, n)), most similar first.
    """
    e = torch.nn.functional.normalize(embeddings.float(), dim=1)
    k = min(int(n_neighbors), e.shape[0])
    out = []
    for start in range(0, e.shape[0], chunk_size):
        sims = e[start : start + chunk_size] @ e.T
        # A row's own similarity is the maximum; pin it first so ties cannot displace it.
        rows = torch.arange(sims.shape[0], device=e.device)
        sims[rows, rows + start] = float("inf")
        out.append(sims.topk(k, dim=1).indices)
    return torch.cat(out)
