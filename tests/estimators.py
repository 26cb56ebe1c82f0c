"""Tiny, fast settings of the four estimators, shared by the test modules."""

import numpy as np
from sklearn.cluster import KMeans

from skdeepcluster import (
    ClusMatch,
    MutualTaughtClustering,
    SelectivePseudoLabelClustering,
    SPICEClustering,
)

# float32 inference in batches: a row's outputs can differ in the 7th digit depending on
# which other rows share its batch (BLAS blocking). Labels are unaffected.
FLOAT32_BATCHING = "float32 batched inference differs at ~1e-7 relative across batch layouts"
EXPECTED_FAILED_CHECKS = {"check_methods_subset_invariance": FLOAT32_BATCHING}


def _with(defaults, params):
    return {"device": "cpu", "random_state": 0, **defaults, **params}


def spice(**params):
    return SPICEClustering(**_with(dict(
        n_clusters=3, pretrain_epochs=10, head_epochs=2, n_heads=2, n_repeat=2,
        semi_epochs=2, batch_size=32, head_batch_size=16, labeled_batch_size=8,
        unlabeled_ratio=2, n_neighbors=5), params))


def spc(**params):
    return SelectivePseudoLabelClustering(**_with(dict(
        n_clusters=3, n_members=2, latent_dim=3, pretrain_epochs=2, epochs_per_round=4,
        max_rounds=1, projection="pca", batch_size=8, lr=1e-2), params))


def clusmatch(**params):
    return ClusMatch(**_with(dict(
        n_clusters=3, pretrain_epochs=1, finetune_epochs=2, batch_size=32,
        labeled_batch_size=8, unlabeled_ratio=2), params))


def clusmatch_on_kmeans(**params):
    return clusmatch(base_estimator=KMeans(3, n_init=3, random_state=0), **params)


def mtdc(**params):
    return MutualTaughtClustering(**_with(dict(
        n_clusters=3, epochs=4, batch_size=32, lr=1e-3), params))


#: name -> (tiny factory, a parameter and two values for GridSearchCV, the factory the
#: pipeline and search tests use, checks sklearn's suite is expected to fail)
ESTIMATORS = {
    "SPICE": (spice, "temperature", [0.5, 1.0], spice, EXPECTED_FAILED_CHECKS),
    "SPC": (spc, "latent_dim", [2, 3], spc, {
        **EXPECTED_FAILED_CHECKS, "check_methods_sample_order_invariance": FLOAT32_BATCHING}),
    "ClusMatch": (clusmatch, "negative_weight", [0.0, 0.5], clusmatch_on_kmeans,
                  EXPECTED_FAILED_CHECKS),
    "MTDC": (mtdc, "bce_weight", [0.0, 10.0], mtdc, EXPECTED_FAILED_CHECKS),
}


def assert_fit_predict_consistent(est, X):
    """``fit_predict``, ``labels_``, ``predict`` and the argmax of ``predict_proba`` agree."""
    labels = est.fit_predict(X)
    np.testing.assert_array_equal(labels, est.labels_)
    np.testing.assert_array_equal(labels, est.predict(X))
    proba = est.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    np.testing.assert_array_equal(proba.argmax(axis=1), labels)
    assert est.transform(X).shape[0] == X.shape[0]
