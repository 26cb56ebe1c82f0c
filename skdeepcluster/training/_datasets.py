"""Datasets that yield what a training step needs, beyond skorch's plain (X, y)."""

import numpy as np
import torch
from torch.utils.data import Dataset


class PerHeadDataset(Dataset):
    """Item j is, for every head h, the index ``indices[h, j]`` of a sample and its label.

    Each head trains on its own pseudo-labelled selection; stacking them lets one
    backbone pass serve all heads (the net gathers the rows). ``set_selection`` swaps
    the selection in place (the pseudo-label refresh callback calls it at each epoch
    start).

    Parameters
    ----------
    n_heads : int
    length : int
        Items per epoch (the selection size times the passes over it).
    """

    def __init__(self, n_heads, length):
        self.indices = np.zeros((n_heads, length), dtype=np.int64)
        self.labels = np.zeros((n_heads, length), dtype=np.int64)

    def set_selection(self, indices, labels):
        self.indices = np.asarray(indices, dtype=np.int64)
        self.labels = np.asarray(labels, dtype=np.int64)

    def __len__(self):
        return self.indices.shape[1]

    def __getitem__(self, j):
        return torch.from_numpy(self.indices[:, j]), torch.from_numpy(self.labels[:, j])
