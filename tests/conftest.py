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
