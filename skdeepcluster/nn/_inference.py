"""Batched inference: memory stays linear in the batch, not in the data set."""

import numpy as np
import torch


@torch.no_grad()
def forward_in_batches(fn, x, batch_size, *, device=None, dim=0):
    """Apply ``fn`` to ``x`` in chunks of ``batch_size`` rows; outputs joined along ``dim``.

    ``x`` is a tensor or a numpy array (copied chunk by chunk, so read-only arrays and
    memory maps work); each chunk is moved to ``device`` (by default it stays where it
    is). The caller sets eval or train mode.
    """
    outs = []
    for i in range(0, len(x), batch_size):
        chunk = x[i : i + batch_size]
        chunk = torch.tensor(chunk) if isinstance(chunk, np.ndarray) else chunk
        outs.append(fn(chunk if device is None else chunk.to(device)))
    return torch.cat(outs, dim=dim)


__all__ = ["forward_in_batches"]
