"""umap-learn, imported once, with its numba kernels cached on disk.

umap-learn compiles its kernels (the fuzzy graph, the layout epochs; several with
``parallel=True``) in every new process, on its first fit: about 10 s on a 2-core CPU,
most of a fit on a small table. pynndescent already keeps its kernels in numba's disk
cache (``cache=True``); here umap's own join them, so the compilation is paid once per
installation instead of once per process. The compiled code is the same, so are the
embeddings.
"""

import functools

_UMAP_MODULES = ("umap.umap_", "umap.layouts", "umap.utils", "umap.spectral",
                 "umap.distances", "umap.sparse")


@functools.cache
def import_umap():
    """The ``umap`` module, its numba kernels switched to the disk cache (where numba
    can cache them: a kernel it cannot, e.g. without a writable cache folder, is
    compiled per process as before)."""
    import importlib

    import umap

    try:
        from numba.core.registry import CPUDispatcher
    except ImportError:  # a numba without this layout: compile per process
        return umap
    for name in _UMAP_MODULES:
        module = importlib.import_module(name)
        for kernel in list(vars(module).values()):
            if isinstance(kernel, CPUDispatcher) and kernel.py_func.__module__ == name:
                try:
                    kernel.enable_caching()
                except RuntimeError:  # numba found no cache folder it may write to
                    pass
    return umap
