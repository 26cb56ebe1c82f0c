"""Datasets that yield what a training step needs, beyond skorch's plain (X, y)."""

import numpy as np
import torch
from torch.utils.data import BatchSampler, DataLoader, Dataset, RandomSampler, SequentialSampler


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
        # j: one item or a batch of them; the head axis comes last either way
        return (torch.from_numpy(self.indices[:, j].T),
                torch.from_numpy(self.labels[:, j].T))


def batch_loader(dataset, batch_size, shuffle=False, drop_last=False):
    """A data loader that indexes ``dataset`` once per batch, with the whole batch of
    indices, instead of once per sample: skorch's datasets slice arrays and tensors by
    an index list, so a batch costs one gather. The batches, their order and the random
    numbers drawn are those of ``DataLoader(dataset, batch_size, shuffle, drop_last)``.
    """
    order = RandomSampler(dataset) if shuffle else SequentialSampler(dataset)
    return DataLoader(dataset, sampler=BatchSampler(order, batch_size, drop_last),
                      batch_size=None)
