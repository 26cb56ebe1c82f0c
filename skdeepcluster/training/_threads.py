"""Running a block on one thread, so that its floating-point results do not depend on
how many threads the machine or the calling process uses."""

import contextlib

import torch
from threadpoolctl import threadpool_info, threadpool_limits


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


@contextlib.contextmanager
def preserved_thread_settings():
    """torch's intra-op thread count and every loaded OpenMP / BLAS pool's size as they
    were before the block, whatever the block ran (numba's OpenMP layer, used by UMAP,
    can change them for the rest of the process)."""
    torch_threads = torch.get_num_threads()
    pools = threadpool_info()
    try:
        yield
    finally:
        if torch.get_num_threads() != torch_threads:
            torch.set_num_threads(torch_threads)
        threadpool_limits(limits=pools)  # not as a context: the sizes stay set
