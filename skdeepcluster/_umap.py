"""umap-learn, imported once, with its numba kernels cached on disk, and UMAP fitted with
exact neighbours from scikit-learn on small data.

umap-learn compiles its kernels (the fuzzy graph, the layout epochs; several with
``parallel=True``) in every new process, on its first fit: about 10 s on a 2-core CPU,
most of a fit on a small table. pynndescent already keeps its kernels in numba's disk
cache (``cache=True``); here umap's own join them, so the compilation is paid once per
installation instead of once per process. The compiled code is the same, so are the
embeddings.

Below :data:`UMAP_EXACT_BELOW` rows UMAP uses exact neighbours, and its own exact search
calls its numba distance from Python once per pair (about 3 s of a 1,797-row fit);
:func:`fit_transform_umap` finds the same neighbours with scikit-learn and hands them
over, so UMAP builds the same graph (to float rounding) without that cost.
"""

import functools
import warnings

import numpy as np

#: Below this many rows UMAP's neighbours are exact (UMAP's own threshold).
UMAP_EXACT_BELOW = 4096

_UMAP_MODULES = ("umap.umap_", "umap.layouts", "umap.utils", "umap.spectral",
                 "umap.distances", "umap.sparse")


@functools.cache
def import_umap():
    """The ``umap`` module, its numba kernels switched to the disk cache (where numba
    can cache them: a kernel it cannot, e.g. without a writable cache folder, is
    compiled per process as before)."""
    import importlib

    with warnings.catch_warnings():  # ParametricUMAP's TensorFlow notice: not used here
        warnings.simplefilter("ignore", ImportWarning)
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


def exact_neighbors(z, n_neighbors):
    """UMAP's ``precomputed_knn`` for ``z``: the indices and Euclidean distances of each
    row's ``n_neighbors`` nearest rows, itself included (brute force, in chunks)."""
    from sklearn.neighbors import NearestNeighbors

    z = np.asarray(z, dtype=np.float64)
    dist, idx = NearestNeighbors(n_neighbors=n_neighbors, algorithm="brute").fit(z).kneighbors(z)
    return idx, dist.astype(np.float32), None


def fit_transform_umap(z, *, n_neighbors, **params):
    """``umap.UMAP(n_neighbors=n_neighbors, **params).fit_transform(z)`` (Euclidean), with
    exact neighbours from :func:`exact_neighbors` below :data:`UMAP_EXACT_BELOW` rows."""
    knn = exact_neighbors(z, n_neighbors) if len(z) < UMAP_EXACT_BELOW else (None,) * 3
    reducer = import_umap().UMAP(n_neighbors=n_neighbors, precomputed_knn=knn, **params)
    with warnings.catch_warnings():
        # no search index: UMAP.transform is never used; a seeded UMAP runs on one thread
        warnings.filterwarnings("ignore", message=".*knn_search_index", category=UserWarning)
        warnings.filterwarnings("ignore", message=".*n_jobs.*overridden", category=UserWarning)
        return reducer.fit_transform(z)
