"""Batched inference: memory stays linear in the batch, not in the data set."""

import torch


@torch.no_grad()
def forward_in_batches(fn, x, batch_size, *, device=None, dim=0):
    """Apply ``fn`` to ``x`` in chunks of ``batch_size`` rows; outputs joined along ``dim``.

    ``x`` is a tensor or a numpy array; each chunk is moved to ``device`` (by default it
    stays where it is). The caller sets eval or train mode.
    """
    chunks = (torch.as_tensor(x[i : i + batch_size]) for i in range(0, len(x), batch_size))
    if device is not None:
        chunks = (c.to(device) for c in chunks)
    return torch.cat([fn(c) for c in chunks], dim=dim)


__all__ = ["forward_in_batches"]
