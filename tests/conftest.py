import importlib.util
from pathlib import Path

import numpy as np
import pytest
import torch


@pytest.fixture(autouse=True)
def _single_thread_torch():
    # Tiny models: threading overhead dominates; one thread also makes timings stable.
    torch.set_num_threads(1)
    yield


@pytest.fixture
def blobs():
    """Three well separated 2-D blobs, standardised (the sklearn clustering check's data)."""
    from sklearn.datasets import make_blobs

    X, y = make_blobs(n_samples=90, centers=3, cluster_std=0.6, random_state=0)
    return X.astype(np.float64), y


@pytest.fixture(scope="session")
def benchmark_script():
    """Loader of a script of ``benchmarks/`` as a module: ``benchmark_script("run")``."""
    folder = Path(__file__).resolve().parents[1] / "benchmarks"

    def load(name):
        spec = importlib.util.spec_from_file_location(f"bench_{name}", folder / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    return load
