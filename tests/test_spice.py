import numpy as np
import pytest

from skdeepcluster import SPICEClustering, clustering_accuracy
from skdeepcluster._input import InputSpec
from tests.estimators import spice as tiny



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
    # the reliable set is correct and balanced across clusters, and on separated blobs
    # most samples pass both tests (no floor fills it: min_reliable_per_cluster is 1)
    rel = est.reliable_mask_
    assert est.min_reliable_per_cluster == 1 and rel.sum() >= 300
    assert clustering_accuracy(y[rel], est.self_labels_[rel]) >= 0.95
    # reliable_labels_ lines up with X[reliable_mask_]
    assert clustering_accuracy(y[rel], est.reliable_labels_) >= 0.95
    assert len(set(np.bincount(est.reliable_labels_).tolist())) == 1


def test_auto_pretraining_is_longer_for_vectors_than_for_images():
    # MLP epochs are cheap and vector views weak: 400 epochs on digits as vectors,
    # 166 on the same digits as images, and both budgets shrink with n
    from skdeepcluster.training import resolve_epochs

    assert resolve_epochs("auto", "spice.pretrain", 1797, "vector") == 400
    assert resolve_epochs("auto", "spice.pretrain", 1797, "image") == 166
    assert resolve_epochs("auto", "spice.pretrain", 10_000, "vector") == 240
    assert resolve_epochs("auto", "spice.pretrain", 10_000, "image") == 100
    assert resolve_epochs(7, "spice.pretrain", 1797, "vector") == 7


def test_heads_start_from_their_own_kmeans_partitions():
    # Each head is fitted to one k-means++ run on the embedding: afterwards its argmax
    # reproduces that partition, which matches the blobs.
    from types import SimpleNamespace

    import torch
    from sklearn.datasets import make_blobs

    from skdeepcluster.nn import MLP, MultiHead, l2_normalize
    from skdeepcluster.stages import SelfLabellingHeads

    X, y = make_blobs(n_samples=300, centers=4, n_features=16, cluster_std=1.0, random_state=0)
    features = torch.from_numpy(X).float()
    torch.manual_seed(0)
    heads = MultiHead([MLP(16, 4, hidden=(16,)) for _ in range(3)])
    stage = SelfLabellingHeads(3, 1, 300, 0.5, 1, 64, 5e-3, False, "kmeans", 256)
    ctx = SimpleNamespace(rng=np.random.RandomState(0), device=torch.device("cpu"), verbose=0,
                          accelerator=None, stage_label=lambda stage: f"SPICE {stage}")
    state = torch.random.get_rng_state()
    stage._warm_start(ctx, heads, features, l2_normalize(features), 4)
    assert torch.equal(torch.random.get_rng_state(), state)  # torch's stream untouched
    with torch.no_grad():
        predicted = heads.eval()(features).argmax(2).numpy()
    for head_labels in predicted:
        assert clustering_accuracy(y, head_labels) >= 0.99


@pytest.mark.parametrize("images, head_init, expected", [
    (True, "auto", "kmeans"), (False, "auto", "random"), (False, "kmeans", "kmeans")])
def test_auto_head_init_is_kmeans_for_images_only(images, head_init, expected):
    X = np.random.RandomState(0).rand(40, 8, 8)
    est = tiny(head_init=head_init, pretrain_epochs=1, head_epochs=1, semi_epochs=0)
    assert est.fit(X if images else X.reshape(40, -1)).head_init_ == expected
