import numpy as np
import pytest
import torch
from sklearn.metrics import adjusted_rand_score

from skdeepcluster import MutualTaughtClustering
from skdeepcluster.nn import MTDCModel
from tests.estimators import mtdc as tiny


@pytest.mark.parametrize("k, expected", [(1, 1), (2, 1), (3, 2), (4, 3), (10, 3)])
def test_top_r_is_clamped_for_small_k(k, expected):
    X = np.random.RandomState(0).normal(size=(40, 3))
    est = tiny(n_clusters=k, epochs=1).fit(X)
    assert est.top_r_ == expected
    assert est.net_.criterion_.params["top_r"] == expected


def test_zero_weights_skip_the_mutual_terms_and_the_teacher(blobs, monkeypatch):
    calls = []
    original = MTDCModel.forward

    def spy(self, x):
        calls.append(x.shape[0])
        return original(self, x)

    monkeypatch.setattr(MTDCModel, "forward", spy)
    est = tiny(bce_weight=0.0, pcl_weight=0.0, epochs=2).fit(blobs[0])
    batch = est.net_.history[-1, "batches", 0]
    assert "loss_bce" not in batch and "loss_pcl" not in batch
    assert batch["train_loss"] == pytest.approx(batch["loss_ins"] + batch["loss_clu"], rel=1e-5)
    # forward() is only the teacher pass (training uses project()) and the final labelling
    n_training_steps = sum(len(h["batches"]) for h in est.net_.history)
    assert n_training_steps > 0
    assert len(calls) == 1  # the labels_ pass of fit

    calls.clear()
    est = tiny(epochs=2).fit(blobs[0])
    assert len(calls) == 1 + sum(len(h["batches"]) for h in est.net_.history)
    batch = est.net_.history[-1, "batches", 0]
    assert {"loss_bce", "loss_pcl"} <= set(batch)


def test_teacher_runs_in_eval_mode_without_grad_on_the_clean_batch(blobs, monkeypatch):
    seen = []
    original = MTDCModel.forward

    def spy(self, x):
        seen.append((self.training, torch.is_grad_enabled(), x.detach().clone()))
        return original(self, x)

    monkeypatch.setattr(MTDCModel, "forward", spy)
    X = blobs[0].astype(np.float32)
    est = tiny(epochs=1, batch_size=90).fit(X)
    training, grad, x = seen[0]
    assert not training and not grad
    # one batch of all 90 samples, shuffled: the clean (scaled) rows, no corruption
    scaled = (X - est._scaling[0]) / est._scaling[1]
    got = np.sort(x.numpy(), axis=0)
    np.testing.assert_allclose(got, np.sort(scaled, axis=0), rtol=1e-5, atol=1e-6)


def test_contrastive_init_pretrains_with_cc_terms_only(blobs):
    est = tiny(init="contrastive", pretrain_epochs=2, epochs=3).fit(blobs[0])
    assert len(est.pretrain_net_.history) == 2
    assert "loss_bce" not in est.pretrain_net_.history[-1, "batches", 0]
    assert len(est.net_.history) == 3
    assert "loss_bce" in est.net_.history[-1, "batches", 0]
    assert est.module_ is est.net_.module_


def test_init_from_a_fitted_module_continues_training(blobs):
    X = blobs[0]
    first = tiny(epochs=5).fit(X)
    same = tiny(init=first.module_, epochs=0).fit(X)
    np.testing.assert_allclose(same.predict_proba(X), first.predict_proba(X), rtol=1e-5)
    assert same.module_ is not first.module_
    more = tiny(init=first.module_, epochs=2).fit(X)
    assert not np.allclose(more.predict_proba(X), first.predict_proba(X))
    # the source module is untouched by the continued training
    np.testing.assert_allclose(first.predict_proba(X), same.predict_proba(X), rtol=1e-5)


def test_init_module_must_match(blobs):
    first = tiny(epochs=1).fit(blobs[0])
    with pytest.raises(ValueError, match="n_clusters=4"):
        tiny(init=first.module_, n_clusters=4).fit(blobs[0])
    with pytest.raises(ValueError, match="does not accept samples"):
        tiny(init=first.module_).fit(np.random.RandomState(0).normal(size=(30, 5)))


@pytest.mark.parametrize("param, value", [("init", "boost"), ("bce_direction", "x"),
                                          ("bce_weight", -1.0), ("top_r", 0)])
def test_bad_params_are_rejected(blobs, param, value):
    with pytest.raises(ValueError, match=param):
        tiny(**{param: value}).fit(blobs[0])


def test_images_and_embedding():
    rng = np.random.RandomState(0)
    X = rng.uniform(size=(40, 8, 8)).astype(np.float32)
    est = tiny(epochs=1, batch_size=16).fit(X)
    assert est.labels_.shape == (40,)
    assert est.transform(X).shape == (40, est.module_.backbone.out_features)
    assert est.predict_proba(X[:5]).shape == (5, 3)


def test_quality_on_separated_blobs():
    """Eight blobs in 10-D: the full objective finds them; a method that collapses or
    ignores the data would score ARI near 0."""
    from sklearn.datasets import make_blobs

    X, y = make_blobs(n_samples=400, centers=6, n_features=10, cluster_std=1.0,
                      random_state=2)
    labels = MutualTaughtClustering(n_clusters=6, epochs=30, batch_size=128, lr=1e-3,
                                    device="cpu", random_state=0).fit_predict(X)
    assert adjusted_rand_score(y, labels) > 0.9


# ----------------------------------------------------------------- the boosting stage
def test_confident_labels_follow_the_first_codes_rule():
    from skdeepcluster.selection import update_confident_labels

    proba = torch.tensor([[0.995, 0.005], [0.999, 0.001], [0.5, 0.5], [0.001, 0.999],
                          [0.2, 0.8]])
    none = torch.full((5,), -1)
    # B / K * share = 1.25 -> 2 proposals per cluster: rows 1, 0 for cluster 0 (row 2
    # is its third); rows 3, 4 for cluster 1; rows 2 and 4 are under 0.99
    got = update_confident_labels(none, proba, confidence=0.99, share=0.5)
    assert got.tolist() == [0, 0, -1, 1, -1]
    # one proposal per cluster: only the most confident of each
    got = update_confident_labels(none, proba, confidence=0.99, share=0.4)
    assert got.tolist() == [-1, 0, -1, 1, -1]
    # a labelled row keeps its label while confident, whatever the teacher now says
    got = update_confident_labels(torch.tensor([1, -1, 0, -1, 1]), proba, confidence=0.99,
                                  share=0.4)
    assert got.tolist() == [1, 0, -1, 1, -1]


def test_balanced_cross_entropy_matches_a_loop():
    from skdeepcluster.losses import balanced_pseudo_label_cross_entropy

    rng = np.random.RandomState(0)
    proba = torch.softmax(torch.from_numpy(rng.normal(size=(7, 3))), 1)
    labels = torch.tensor([0, 0, 0, 2, -1, 2, -1])
    rows = [i for i in range(7) if labels[i] >= 0]
    counts = {c: sum(int(labels[i]) == c for i in rows) for c in (0, 2)}
    num = den = 0.0
    for i in rows:
        c = int(labels[i])
        p = proba[i].numpy()
        log_softmax_of_p = p[c] - np.log(np.exp(p).sum())  # CE put on the probabilities
        num += -log_softmax_of_p / counts[c]
        den += 1 / counts[c]
    got = balanced_pseudo_label_cross_entropy(proba, labels)
    assert float(got) == pytest.approx(num / den, rel=1e-6)
    assert float(balanced_pseudo_label_cross_entropy(proba, torch.full((7,), -1))) == 0.0


def test_no_boosting_by_default(blobs):
    est = tiny().fit(blobs[0])
    assert est.boost_net_ is None and est.module_ is est.net_.module_
    assert est.boost_epochs_ == 0


def test_auto_boosting_is_half_the_training_budget():
    from skdeepcluster.training import resolve_epochs

    assert resolve_epochs("auto", "mtdc.boost", 10_000) == 60  # training: 120
    assert resolve_epochs("auto", "mtdc.boost", 1_797) == 200  # training: 400
    assert resolve_epochs("auto", "mtdc.train", 10_000) == 120


def test_boosting_trains_on_its_confident_labels(blobs):
    X = blobs[0]
    est = tiny(epochs=10, boost_epochs=3, boost_confidence=0.5).fit(X)
    history = est.boost_net_.history
    assert len(history) == 3 and est.module_ is est.boost_net_.module_
    assert {"loss_boost_ce", "loss_bce", "loss_pcl"} <= set(history[-1, "batches", 0])
    # the teacher pass before training labelled rows already: the first step has labels
    assert history[0, "batches", 0, "labelled_share"] > 0
    labels = est.boost_net_.labels.cpu().numpy()
    kept = labels >= 0
    assert kept.mean() > 0.5
    assert adjusted_rand_score(est.labels_[kept], labels[kept]) > 0.9
    off = tiny(epochs=10, boost_epochs=3, boost_confidence=0.5, boost_supcon_weight=0.0,
               bce_weight=0.0).fit(X)
    assert set(off.boost_net_.history[-1, "batches", 0]) >= {"loss_boost_ce"}
    assert "loss_pcl" not in off.boost_net_.history[-1, "batches", 0]


def test_boosting_keeps_separated_blobs_found():
    """The quality test's blobs, then boosting at the reference's confidence: the
    confident labels cover most rows and the clustering stays right."""
    from sklearn.datasets import make_blobs

    X, y = make_blobs(n_samples=400, centers=6, n_features=10, cluster_std=1.0,
                      random_state=2)
    est = MutualTaughtClustering(n_clusters=6, epochs=30, boost_epochs=10, batch_size=128,
                                 lr=1e-3, device="cpu", random_state=0).fit(X)
    assert est.boost_net_.history[-1, "batches", -1, "labelled_share"] > 0.8
    assert adjusted_rand_score(y, est.labels_) > 0.9
