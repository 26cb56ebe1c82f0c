"""Heads and projectors: small MLPs on top of a representation."""

import torch
from torch import nn


def l2_normalize(x, eps=1e-12):
    """Rows of ``x`` scaled to unit Euclidean norm."""
    return x / x.norm(dim=1, keepdim=True).clamp_min(eps)


class MLP(nn.Module):
    """``in -> hidden... -> out`` with ReLU (and optionally BatchNorm) between layers.

    Used for projectors and cluster heads; with ``hidden=()`` it is a linear layer.
    """

    def __init__(self, in_features, out_features, hidden=(), batchnorm=False):
        super().__init__()
        layers, width = [], in_features
        for h in hidden:
            layers.append(nn.Linear(width, h))
            if batchnorm:
                layers.append(nn.BatchNorm1d(h))
            layers.append(nn.ReLU(inplace=True))
            width = h
        layers.append(nn.Linear(width, out_features))
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)


class MultiHead(nn.Module):
    """Several independent heads on one representation; ``forward`` stacks their outputs.

    Returns a tensor of shape (n_heads, batch, out_features). ``select(h)`` returns head
    ``h`` alone, for prediction after a head has been chosen.
    """

    def __init__(self, heads):
        super().__init__()
        self.heads = nn.ModuleList(heads)

    def forward(self, x):
        return torch.stack([head(x) for head in self.heads])

    def forward_each(self, xs):
        """Head ``h`` applied to ``xs[h]`` (each head sees its own samples)."""
        return torch.stack([head(x) for head, x in zip(self.heads, xs, strict=True)])

    def select(self, h):
        return self.heads[h]
