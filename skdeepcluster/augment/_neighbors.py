"""Nearest-neighbour views for vectors: a positive of a row is one of its k nearest
neighbours in the input (SCAN, NNCLR, TEMI), not a corruption of the row itself.

On the benchmark tables a standardised row's 10 nearest neighbours share its class for
78-100% of rows; whether stepping toward them beats corruption depends on the method
(``benchmarks/results/vector-views.md``). The neighbours are mined once, in chunks of
query rows (memory linear in n, never an n x n matrix), with faiss when it is installed
and torch otherwise.
"""

import numpy as np
import torch

from skdeepcluster.augment._vector import VectorViews

#: Distances computed at a time while mining: query chunk x n_samples values.
_BLOCK_VALUES = 2**24
METRICS = ("cosine", "euclidean")


def _check_metric(metric):
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {METRICS}, got {metric!r}.")


def mine_neighbors(X, n_neighbors, *, metric="cosine", chunk_size=None, backend="auto"):
    """The ``n_neighbors`` nearest other rows of every row of ``X``, nearest first.

    Parameters
    ----------
    X : ndarray or Tensor of shape (n, d)
    n_neighbors : int
        At most ``n - 1``.
    metric : {"cosine", "euclidean"}, default="cosine"
    chunk_size : int, default=None
        Query rows per distance block (``None``: about 16 M distances a block).
    backend : {"auto", "faiss", "torch"}, default="auto"
        ``"auto"``: faiss (exact flat index) when it is installed, else chunked torch
        matrix products on ``X``'s device.

    Returns
    -------
    neighbors : LongTensor of shape (n, n_neighbors), on ``X``'s device (the CPU for
        numpy input). A row is never its own neighbour; with the torch backend, ties go
        to the lower index.
    """
    _check_metric(metric)
    data = torch.as_tensor(X)
    device = data.device
    data = data.reshape(len(data), -1).float()
    n = data.shape[0]
    if not 1 <= n_neighbors <= n - 1:
        raise ValueError(f"n_neighbors must be in [1, n_samples - 1] = [1, {n - 1}], got "
                         f"{n_neighbors}.")
    if metric == "cosine":
        data = torch.nn.functional.normalize(data, dim=1)
    if backend == "auto":
        backend = "faiss" if _faiss() is not None and device.type == "cpu" else "torch"
    if backend == "faiss":
        found = _mine_faiss(data.cpu().numpy(), n_neighbors, metric)
        return torch.from_numpy(found).to(device)
    if backend != "torch":
        raise ValueError(f"backend must be 'auto', 'faiss' or 'torch', got {backend!r}.")
    chunk = chunk_size or max(1, _BLOCK_VALUES // n)
    sq = (data * data).sum(1)
    out = torch.empty((n, n_neighbors), dtype=torch.long, device=device)
    for start in range(0, n, chunk):
        q = data[start:start + chunk]
        # squared Euclidean distance; on unit rows it orders as cosine distance does
        dist = sq[start:start + chunk, None] - 2 * q @ data.T + sq[None, :]
        rows = torch.arange(q.shape[0], device=device)
        dist[rows, rows + start] = float("inf")  # not its own neighbour
        # a stable sort puts the lower index first among equal distances
        out[start:start + chunk] = torch.sort(dist, dim=1, stable=True).indices[:, :n_neighbors]
    return out


def _faiss():
    try:
        import faiss
    except ImportError:
        return None
    return faiss


def _mine_faiss(data, n_neighbors, metric):
    faiss = _faiss()
    if faiss is None:
        raise ImportError("backend='faiss' needs the faiss-cpu package "
                          "(pip install faiss-cpu).")
    data = np.ascontiguousarray(data, dtype=np.float32)
    # inner product on unit rows is cosine similarity; faiss returns the best first
    index = faiss.IndexFlatIP(data.shape[1]) if metric == "cosine" else faiss.IndexFlatL2(
        data.shape[1])
    index.add(data)
    _, found = index.search(data, n_neighbors + 1)
    # keep the first n_neighbors hits that are not the row itself (among duplicates
    # faiss may list a copy first and the row last: then the last hit goes)
    other = found != np.arange(len(found))[:, None]
    first = np.argsort(~other, axis=1, kind="stable")[:, :n_neighbors]
    return np.take_along_axis(found, first, axis=1).astype(np.int64)


class NeighborViews(VectorViews):
    """:class:`VectorViews` whose strong view first moves a row toward a neighbour.

    The strong view of row i steps toward one of its ``n_neighbors`` nearest neighbours
    j, drawn uniformly: ``x_i + t (x_j - x_i)`` with ``t`` uniform in ``step``
    (``(1, 1)``: the neighbour itself), then masks and adds noise as the corruption
    views do; the weak view is theirs. Views need the rows' indices in the training
    data (``index``); rows without them (not training rows) get no step.

    Parameters
    ----------
    data : Tensor of shape (n, d)
        The training rows (on the training device).
    neighbors : LongTensor of shape (n, k)
        Each row's neighbours (:func:`mine_neighbors`), on the same device.
    step : tuple of float, default=(0.0, 0.5)
        Range of the step toward the neighbour.
    **corruption
        :class:`VectorViews`' parameters (``weak_noise``, ``strong_mask``, ...).
    """

    def __init__(self, data, neighbors, step=(0.0, 0.5), **corruption):
        super().__init__(data, **corruption)
        self.neighbors = neighbors
        self.step = step

    def release_data(self):
        """Drop the training rows and their neighbours once training is over."""
        super().release_data()
        self.neighbors = None

    def neighbor_of(self, x, index):
        """For each row of ``x`` (training rows ``index``), a random neighbour's row."""
        index = index.to(self.neighbors.device)
        pick = torch.randint(self.neighbors.shape[1], index.shape, device=index.device)
        return self.pool[self.neighbors[index, pick]].to(x.device).view_as(x)

    def strong(self, x, index=None):
        if index is not None and self.neighbors is not None:
            t = torch.empty((x.shape[0], 1), device=x.device).uniform_(*self.step)
            x = x + t * (self.neighbor_of(x, index) - x)
        return super().strong(x, index)
