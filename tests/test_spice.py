import numpy as np
import pytest

from skdeepcluster import clustering_accuracy
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
    # init_steps (SPICE's head_init_steps) sets the length of the warm start: one step
    # leaves fresh heads far from their partitions
    torch.manual_seed(0)
    heads = MultiHead([MLP(16, 4, hidden=(16,)) for _ in range(3)])
    stage.init_steps = 1
    stage._warm_start(ctx, heads, features, l2_normalize(features), 4)
    with torch.no_grad():
        predicted = heads.eval()(features).argmax(2).numpy()
    assert min(clustering_accuracy(y, head_labels) for head_labels in predicted) < 0.9


@pytest.mark.parametrize("images, head_init, expected", [
    (True, "auto", "kmeans"), (False, "auto", "random"), (False, "kmeans", "kmeans")])
def test_auto_head_init_is_kmeans_for_images_only(images, head_init, expected):
    X = np.random.RandomState(0).rand(40, 8, 8)
    est = tiny(head_init=head_init, pretrain_epochs=1, head_epochs=1, semi_epochs=0)
    assert est.fit(X if images else X.reshape(40, -1)).head_init_ == expected


def test_head_kept_is_the_lowest_loss_one_of_its_rule():
    # Every head is scored after each epoch (history "head_losses"), the same run under
    # either rule; "all_epochs" keeps the lowest-loss (epoch, head) pair of the run as
    # it was then (here epoch 2 of 6), "last_epoch" the lowest-loss head at the end.
    import torch

    from skdeepcluster.nn import MultiHead, l2_normalize
    from skdeepcluster.stages import full_data_head_losses

    X = np.random.RandomState(0).randn(120, 6)
    fits, scores = {}, {}
    for selection in ("last_epoch", "all_epochs"):
        est = fits[selection] = tiny(head_selection=selection, head_epochs=6, n_heads=3,
                                     semi_epochs=0, pseudo_batch_size=60,
                                     random_state=0).fit(X)
        history = est.head_net_.history
        assert len(history) == 12  # two outer iterations an epoch, scored after each two
        scores[selection] = np.asarray([r["head_losses"] for r in history
                                        if "head_losses" in r])
    np.testing.assert_array_equal(scores["last_epoch"], scores["all_epochs"])
    scored = scores["all_epochs"]
    epoch, head = np.unravel_index(np.argmin(scored), scored.shape)
    assert epoch + 1 < 6
    assert (fits["all_epochs"].selected_epoch_, fits["all_epochs"].selected_head_) == (
        epoch + 1, head)
    assert fits["last_epoch"].selected_epoch_ == 6
    assert fits["last_epoch"].selected_head_ == np.argmin(scored[-1])
    for est in fits.values():
        np.testing.assert_array_equal(est.head_losses_, scored[est.selected_epoch_ - 1])
        # the predicting model is the kept head with its weights of that epoch: its
        # score, computed afresh on the frozen features, is the one recorded then
        features = torch.from_numpy(est.transform(X)).float()
        again = full_data_head_losses(MultiHead([est.module_.head]), features,
                                      l2_normalize(features),
                                      per_cluster=40, center_ratio=0.5,
                                      double_softmax=False, batch_size=64)
        assert again[0] == pytest.approx(est.head_losses_[est.selected_head_], abs=1e-6)
