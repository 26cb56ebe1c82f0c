import numpy as np
import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from skdeepcluster import SPICEClustering, clustering_accuracy
from skdeepcluster._input import InputSpec
from tests import _api


def tiny(**params):
    """Settings small enough for sklearn's checks (dozens of fits)."""
    base = dict(
        n_clusters=3, pretrain_epochs=10, head_epochs=2, n_heads=2, n_repeat=2,
        semi_epochs=2, batch_size=32, head_batch_size=16, labeled_batch_size=8,
        unlabeled_ratio=2, n_neighbors=5, device="cpu", random_state=0,
    )
    base.update(params)
    return SPICEClustering(**base)




@parametrize_with_checks(
    [tiny()], expected_failed_checks=lambda est: _api.EXPECTED_FAILED_CHECKS
)
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


@pytest.mark.parametrize("head_init", ["random", "kmeans"])
def test_quality_on_separated_blobs(head_init):
    # 4 blobs in 8-D: every stage must work for ACC to clear 0.95 (chance is ~0.3).
    from sklearn.datasets import make_blobs

    X, y = make_blobs(n_samples=400, centers=4, n_features=8, cluster_std=1.0, random_state=2)
    est = tiny(n_clusters=4, pretrain_epochs=20, head_epochs=5, semi_epochs=5, n_heads=3,
               batch_size=128, head_batch_size=64, labeled_batch_size=16, n_neighbors=10,
               head_init=head_init)
    labels = est.fit_predict(X)
    assert clustering_accuracy(y, labels) >= 0.95
    assert clustering_accuracy(y, est.self_labels_) >= 0.95
    # the reliable set is correct and balanced across clusters
    rel = est.reliable_mask_
    assert rel.sum() >= 4 * est.min_reliable_per_cluster
    assert clustering_accuracy(y[rel], est.self_labels_[rel]) >= 0.95
    # reliable_labels_ lines up with X[reliable_mask_]
    assert clustering_accuracy(y[rel], est.reliable_labels_) >= 0.95
    assert len(set(np.bincount(est.reliable_labels_).tolist())) == 1


def test_auto_pretraining_is_longer_for_vectors_than_for_images():
    # MLP epochs are cheap and vector views weak: 400 epochs on digits as vectors,
    # 166 on the same digits as images, and both budgets shrink with n
    est = SPICEClustering()
    vectors, images = InputSpec("vector", (64,)), InputSpec("image", (1, 8, 8))
    assert est._pretrain_epochs(1797, vectors) == 400
    assert est._pretrain_epochs(1797, images) == 166
    assert est._pretrain_epochs(10_000, vectors) == 240
    assert est._pretrain_epochs(10_000, images) == 100
    assert SPICEClustering(pretrain_epochs=7)._pretrain_epochs(1797, vectors) == 7


def test_heads_start_from_their_own_kmeans_partitions():
    # Each head is fitted to one k-means++ run on the embedding: afterwards its argmax
    # reproduces that partition, which matches the blobs.
    import torch
    from sklearn.datasets import make_blobs

    from skdeepcluster.cluster._spice import _fit_heads_to_kmeans
    from skdeepcluster.nn import MLP, MultiHead, l2_normalize

    X, y = make_blobs(n_samples=300, centers=4, n_features=16, cluster_std=1.0, random_state=0)
    features = torch.from_numpy(X).float()
    torch.manual_seed(0)
    heads = MultiHead([MLP(16, 4, hidden=(16,)) for _ in range(3)])
    targets = _fit_heads_to_kmeans(heads, features, l2_normalize(features), 4,
                                   np.random.RandomState(0), lr=5e-3)
    assert targets.shape == (3, 300)
    with torch.no_grad():
        predicted = heads.eval()(features).argmax(2).numpy()
    for head_labels, kmeans_labels in zip(predicted, targets, strict=True):
        assert np.mean(head_labels == kmeans_labels) >= 0.99
        assert clustering_accuracy(y, kmeans_labels) >= 0.99


def test_auto_head_init_is_kmeans_for_images_only():
    images, vectors = InputSpec("image", (1, 28, 28)), InputSpec("vector", (64,))
    assert SPICEClustering()._head_init(images) == "kmeans"
    assert SPICEClustering()._head_init(vectors) == "random"
    assert SPICEClustering(head_init="kmeans")._head_init(vectors) == "kmeans"
    assert SPICEClustering(head_init="random")._head_init(images) == "random"
