import numpy as np
import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from skdeepcluster import SPICEClustering, clustering_accuracy
from tests import _api


def tiny(**params):
    """Settings small enough for sklearn's checks (dozens of fits)."""
    base = dict(
        n_clusters=3, pretrain_epochs=3, head_epochs=2, n_heads=2, n_repeat=2,
        semi_epochs=2, batch_size=32, head_batch_size=16, labeled_batch_size=8,
        unlabeled_ratio=2, n_neighbors=5, device="cpu", random_state=0,
    )
    base.update(params)
    return SPICEClustering(**base)


# float32 inference in batches: a row's outputs can differ in the 7th digit depending on
# which other rows share its batch (BLAS blocking). Labels are unaffected.
FLOAT32_BATCHING = "float32 batched inference differs at ~1e-7 relative across batch layouts"
EXPECTED_FAILED = {
    "check_methods_subset_invariance": FLOAT32_BATCHING,
}


@parametrize_with_checks([tiny()], expected_failed_checks=lambda est: EXPECTED_FAILED)
def test_sklearn_compatible(estimator, check):
    check(estimator)


def test_clone_and_pickle(blobs):
    _api.check_clone_and_pickle(tiny(), blobs[0])


def test_pipeline(blobs):
    _api.check_pipeline(tiny(), *blobs)


def test_grid_search(blobs):
    _api.check_grid_search(tiny(), *blobs, "temperature", [0.5, 1.0])


def test_fit_predict_consistent(blobs):
    _api.check_fit_predict_consistent(tiny(), blobs[0])


def test_same_seed_same_labels(blobs):
    _api.check_same_seed_same_labels(tiny, blobs[0])
