"""Running a block on one thread, so that its floating-point results do not depend on
how many threads the machine or the calling process uses."""

import contextlib

import torch
from threadpoolctl import threadpool_limits


@contextlib.contextmanager
def single_threaded():
    """torch's intra-op pool and the BLAS / OpenMP pools on one thread for the block;
    the previous settings come back afterwards, also on an exception."""
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with threadpool_limits(1):
            yield
    finally:
        torch.set_num_threads(previous)
