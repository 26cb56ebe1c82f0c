from types import SimpleNamespace

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClusterMixin
from sklearn.cluster import KMeans
from sklearn.datasets import load_digits
from sklearn.mixture import GaussianMixture

from skdeepcluster import ClusMatch, clustering_accuracy
from skdeepcluster._input import InputSpec
from tests.estimators import clusmatch as tiny
from tests.estimators import clusmatch_on_kmeans as on_kmeans


def test_clone_and_pickle_with_base(blobs):
    import pickle

    from sklearn.base import clone

    est = on_kmeans()
    cloned = clone(est)
    # clone clones the base too: compare everything but the base object itself
    params = {k: v for k, v in est.get_params().items() if k != "base_estimator"}
    assert {k: v for k, v in cloned.get_params().items() if k != "base_estimator"} == params
    assert cloned.base_estimator is not est.base_estimator
    est.fit(blobs[0])
    restored = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(restored.predict(blobs[0]), est.predict(blobs[0]))


# ------------------------------------------------------------------ bases
def test_default_base_fitted_attributes(blobs):
    X = blobs[0]
    est = tiny(labeled_per_cluster=5).fit(X)
    assert isinstance(est.base_estimator_, KMeans)
    assert est.base_labels_.shape == (90,)
    assert len(est.labeled_idx_) == 15 and np.bincount(est.labeled_labels_).tolist() == [5] * 3
    # the labelled samples carry their base cluster (in compact ids)
    np.testing.assert_array_equal(est.base_labels_[est.labeled_idx_], est.labeled_labels_)
    assert est.positive_thresholds_.shape == (3,)
    assert est.negative_thresholds_.shape == (3, 3)
    np.testing.assert_allclose(est.positive_thresholds_,
                               1 - est.negative_thresholds_.sum(1))
    assert est.kmeans_labels_.shape == (90,)


@pytest.mark.parametrize("spec, n, expected", [
    ("auto", 60_000, 60),  # 1% of a 6,000-sample cluster, as the reference's CIFAR-10
    ("auto", 10_000, 10),
    ("auto", 1_797, 10),   # the floor
    (0.1, 1_797, 18),
    (0.001, 90, 1),
    (7, 90, 7),
])
def test_labeled_count_per_cluster(spec, n, expected):
    assert ClusMatch(n_clusters=10, labeled_per_cluster=spec)._n_labeled(n) == expected


def test_auto_labeled_count_on_small_clusters(blobs):
    # 30 samples per blob: "auto" asks for 10 of each
    est = on_kmeans().fit(blobs[0])
    assert np.bincount(est.labeled_labels_).tolist() == [10] * 3


def test_kmeans_base_centroid_selection(blobs):
    X = blobs[0]
    est = on_kmeans(labeled_per_cluster=3).fit(X)
    base = est.base_estimator_
    assert base is not est.base_estimator  # cloned
    dist = ((X[:, None, :] - base.cluster_centers_[None]) ** 2).sum(-1)
    for c in range(3):
        members = np.flatnonzero(base.labels_ == c)
        closest = members[np.argsort(dist[members, c])[:3]]
        assert set(est.labeled_idx_[est.labeled_labels_ == c]) == set(closest)


def test_gmm_base_uses_variance_selection(blobs):
    X = blobs[0]
    gmm = GaussianMixture(3, random_state=0)
    est = tiny(base_estimator=gmm, labeled_per_cluster=2).fit(X)
    proba = est.base_estimator_.predict_proba(X)
    var = proba.var(1)
    for c in range(3):
        chosen = est.labeled_idx_[est.labeled_labels_ == c]
        members = np.flatnonzero(est.base_labels_ == c)
        assert var[chosen].min() >= np.sort(var[members])[-2] - 1e-12


def test_prefit_base_is_not_refitted(blobs):
    X, y = blobs
    km = KMeans(3, n_init=3, random_state=1).fit(X)
    est = tiny(base_estimator=km, base_prefit=True).fit(X)
    assert est.base_estimator_ is km
    np.testing.assert_array_equal(est.base_labels_, km.predict(X))
    with pytest.raises(Exception, match="not fitted"):
        tiny(base_estimator=KMeans(3), base_prefit=True).fit(X)


class _NoisyBase(ClusterMixin, BaseEstimator):
    """Labels by the sign of the first feature, every 10th sample as noise (-1)."""

    def __init__(self, n_groups=2):
        self.n_groups = n_groups

    def fit(self, X, y=None):
        X = np.asarray(X)
        edges = np.quantile(X[:, 0], np.linspace(0, 1, self.n_groups + 1)[1:-1])
        self.labels_ = np.searchsorted(edges, X[:, 0]) * 7  # ids 0, 7, 14, ...
        self.labels_[::10] = -1
        return self


def test_noise_and_missing_clusters_warn(blobs):
    X = blobs[0]
    with pytest.warns(UserWarning) as record:
        est = tiny(base_estimator=_NoisyBase(2)).fit(X)
    messages = " ".join(str(w.message) for w in record)
    assert "noise" in messages and "only 2 non-empty clusters" in messages
    assert not np.isin(est.labeled_idx_, np.arange(0, 90, 10)).any()
    assert set(est.labeled_labels_) == {0, 1}  # base ids 0, 7 -> 0, 1
    assert est.labels_.shape == (90,)


def test_too_many_base_clusters_is_an_error(blobs):
    with pytest.raises(ValueError, match="found 5 clusters but n_clusters=3"):
        tiny(base_estimator=KMeans(5, n_init=1, random_state=0)).fit(blobs[0])


def test_variance_without_predict_proba_is_an_error(blobs):
    with pytest.raises(ValueError, match="predict_proba"):
        on_kmeans(selection="variance").fit(blobs[0])


def test_images_reach_a_2d_base_flattened():
    rng = np.random.RandomState(0)
    X = rng.rand(40, 6, 6).astype(np.float32)
    X[:20, :3] += 1.0
    est = tiny(n_clusters=2, base_estimator=KMeans(2, n_init=2, random_state=0)).fit(X)
    assert est.base_estimator_.cluster_centers_.shape == (2, 36)
    assert est.predict(X).shape == (40,)
    # "auto" target weights reach the criterion: the argmax alone on images
    assert (est.net_.criterion_.positive_weight, est.net_.criterion_.kmeans_weight) == (1, 0)


# ------------------------------------------------------------------ quality
def test_improves_kmeans_on_digits_subset():
    X, y = load_digits(return_X_y=True)
    keep = y < 5
    X, y = X[keep], y[keep]
    est = ClusMatch(
        5, base_estimator=KMeans(5, n_init=5, random_state=0), pretrain_epochs=20,
        finetune_epochs=30, labeled_per_cluster=0.1, device="cpu", random_state=0,
    ).fit(X)
    base_acc = clustering_accuracy(y, est.base_labels_)  # 0.896
    acc = clustering_accuracy(y, est.labels_)  # 0.939-0.948 for seeds 0-2
    assert acc >= 0.92
    assert acc >= base_acc + 0.02


class _DuckBase:
    """Not an sklearn estimator: fit + labels_ only, 2-D input only."""

    def fit(self, X):
        assert np.asarray(X).ndim == 2
        self.labels_ = KMeans(2, n_init=2, random_state=0).fit_predict(X)
        return self

    def get_params(self, deep=True):
        return {}

    def set_params(self, **params):
        return self


def test_duck_typed_base_on_images():
    rng = np.random.RandomState(0)
    X = rng.rand(40, 6, 6).astype(np.float32)
    X[:20, :3] += 1.0
    est = tiny(n_clusters=2, base_estimator=_DuckBase()).fit(X)
    assert adjusted_rand(est.base_labels_, np.repeat([0, 1], 20)) == 1.0
    assert est.labels_.shape == (40,)


def adjusted_rand(a, b):
    from sklearn.metrics import adjusted_rand_score

    return adjusted_rand_score(a, b)


@pytest.mark.filterwarnings("ignore:base_estimator found only")
def test_fine_tunes_a_skdeepcluster_base_network(blobs):
    import torch

    from skdeepcluster import SPICEClustering

    X, _ = blobs
    base = SPICEClustering(n_clusters=3, pretrain_epochs=1, head_epochs=1, semi_epochs=1,
                           batch_size=32, device="cpu", random_state=0).fit(X * 3 + 1)
    before = {k: v.clone() for k, v in base.module_.state_dict().items()}
    est = tiny(base_estimator=base, base_prefit=True).fit(X)
    assert est.base_network_ and est.pretrain_net_ is None
    # the base keeps its own network
    for k, v in base.module_.state_dict().items():
        torch.testing.assert_close(v, before[k])
    # base fitted on other data: its (mean, std) differ; the copied backbone must see
    # exactly what the base's own backbone sees on the same raw samples
    copied = tiny(base_estimator=base, base_prefit=True, finetune_epochs=0).fit(X)
    raw = X[:7].astype(np.float32)
    with torch.no_grad():
        mine = copied.module_.backbone.eval()(torch.from_numpy(copied._validated(raw)))
        theirs = base.module_.backbone.eval()(torch.from_numpy(base._validated(raw)))
    torch.testing.assert_close(mine, theirs, rtol=1e-4, atol=1e-5)


def test_pretrains_when_the_base_has_no_network(blobs):
    est = on_kmeans().fit(blobs[0])
    assert not est.base_network_ and est.pretrain_net_ is not None
    est = tiny(base_estimator=KMeans(3, n_init=3), base_network="pretrain").fit(blobs[0])
    assert not est.base_network_


def test_auto_pretraining_epochs_follow_the_rules():
    from skdeepcluster.training import resolve_epochs

    assert resolve_epochs("auto", "clusmatch.pretrain", 1797, "vector") == 400
    assert resolve_epochs("auto", "clusmatch.pretrain", 1797, "image") == 120
    assert resolve_epochs("auto", "clusmatch.pretrain", 10_000, "vector") == 72
    assert resolve_epochs("auto", "clusmatch.pretrain", 10_000, "image") == 120
    assert resolve_epochs("auto", "clusmatch.pretrain", 70_000, "image") == 20
    assert resolve_epochs("auto", "clusmatch.pretrain", 20_000, "image") == 60
    assert resolve_epochs(3, "clusmatch.pretrain", 1797, "vector") == 3


def test_auto_budgets_bound_the_sample_visits_on_large_data():
    from skdeepcluster.training import EPOCH_BUDGETS, resolve_epochs
    from skdeepcluster.training._budget import MAX_SAMPLE_VISITS

    # 20 epochs (the floor) up to 150,000 rows, then 3M visits: 3 epochs at 1M, 1 at 10M
    assert resolve_epochs("auto", "clusmatch.pretrain", 150_000, "image") == 20
    assert resolve_epochs("auto", "clusmatch.pretrain", 1_000_000, "image") == 3
    assert resolve_epochs("auto", "clusmatch.pretrain", 10_000_000, "image") == 1
    for budget in EPOCH_BUDGETS:
        for n in (1_000_000, 3_000_000, 20_000_000):
            epochs = resolve_epochs("auto", budget, n)
            assert epochs >= 1
            assert epochs * n <= max(MAX_SAMPLE_VISITS, n)


def _ctx(spec):
    from types import SimpleNamespace

    return SimpleNamespace(spec=spec, resolve=lambda name, value: value)


def test_auto_target_weights_drop_kmeans_on_images_only():
    vectors = _ctx(InputSpec("vector", (64,)))
    images = _ctx(InputSpec("image", (1, 8, 8)))
    assert ClusMatch()._target_weights(images) == (1.0, 0.0)
    assert ClusMatch()._target_weights(vectors) == (0.5, 0.5)
    assert ClusMatch(kmeans_weight=0.25)._target_weights(images) == (0.75, 0.25)
    assert ClusMatch(kmeans_weight=2.0)._target_weights(vectors) == (0.0, 2.0)
    assert ClusMatch(positive_weight=0.3)._target_weights(vectors) == (0.3, 0.5)
    assert ClusMatch(positive_weight=0.5, kmeans_weight=0.5)._target_weights(images) == (
        0.5, 0.5)


def test_auto_threshold_momentum_follows_the_run_length(blobs):
    # 90 samples, unlabelled batch 8 * 2 = 16: 5 steps an epoch, 25 in 5 epochs
    est = tiny(threshold_momentum="auto", finetune_epochs=5, labeled_batch_size=8,
               unlabeled_ratio=2).fit(blobs[0])
    assert est.threshold_momentum_ == pytest.approx(0.01 ** (1 / 25))
    assert est.threshold_momentum_ ** 25 == pytest.approx(0.01)
    ctx = SimpleNamespace(resolve=lambda name, value: value)
    assert est._threshold_momentum(ctx, 100_000) == 0.999  # long runs: the paper's value
    assert tiny().fit(blobs[0]).threshold_momentum_ == 0.999


@pytest.mark.parametrize("decay_all", [True, False])
def test_weight_decay_spares_biases_and_norms_only_when_asked(blobs, decay_all):
    est = tiny(decay_biases_and_norms=decay_all, finetune_epochs=1).fit(blobs[0])
    groups = est.net_.optimizer_.param_groups
    names = {id(p): n for n, p in est.net_.module_.named_parameters()}
    decay = {names[id(p)]: g["weight_decay"] for g in groups for p in g["params"]}
    assert set(decay) == set(names.values())  # every parameter is optimised once
    for name, param in est.net_.module_.named_parameters():
        expected = 5e-4 if decay_all or param.ndim > 1 else 0.0
        assert decay[name] == expected, name
    assert any(p.ndim <= 1 for p in est.net_.module_.parameters())
    # the backbone keeps its own (slow) learning rate either way
    backbone = {id(p) for p in est.net_.module_.backbone.parameters()}
    rates = {g["initial_lr"] if "initial_lr" in g else g["lr"]
             for g in groups if any(id(p) in backbone for p in g["params"])}
    others = {g["initial_lr"] if "initial_lr" in g else g["lr"]
              for g in groups if not any(id(p) in backbone for p in g["params"])}
    assert len(rates) == 1 and len(others) == 1 and rates != others
