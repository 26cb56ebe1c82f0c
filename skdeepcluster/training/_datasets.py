"""Datasets that yield what a training step needs, beyond skorch's plain (X, y)."""

import numpy as np
import torch
from torch.utils.data import Dataset


class PerHeadDataset(Dataset):
    """Item j is, for every head h, the sample ``indices[h, j]`` and its label.

    Each head trains on its own pseudo-labelled selection; stacking them lets one
    backbone pass serve all heads. ``set_selection`` swaps the selection in place (the
    pseudo-label refresh callback calls it at each epoch start).

    Parameters
    ----------
    X : ndarray of shape (n, ...)
    n_heads : int
    length : int
        Items per epoch (the selection size times the passes over it).
    """

    def __init__(self, X, n_heads, length):
        self.X = torch.from_numpy(X)
        self.indices = np.zeros((n_heads, length), dtype=np.int64)
        self.labels = np.zeros((n_heads, length), dtype=np.int64)

    def set_selection(self, indices, labels):
        self.indices = np.asarray(indices, dtype=np.int64)
        self.labels = np.asarray(labels, dtype=np.int64)

    def __len__(self):
        return self.indices.shape[1]

    def __getitem__(self, j):
        return self.X[self.indices[:, j]], torch.from_numpy(self.labels[:, j])
