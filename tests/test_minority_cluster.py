"""A 95% / 5% split of two well-separated blobs: the settings that keep the small
cluster (issue #25; ``benchmarks/results/ablations.md``, "A cluster of 5%").

With the defaults the four methods split the large blob instead (ARI about 0), each
for its own reason, written up there; these tests pin the options that do keep it, at
the defaults otherwise, so that a change which loses the small cluster again fails.
"""

import numpy as np
import pytest
from sklearn.cluster import KMeans
from sklearn.datasets import make_blobs
from sklearn.metrics import adjusted_rand_score

from skdeepcluster import ClusMatch, SelectivePseudoLabelClustering


@pytest.fixture(scope="module")
def minority_blobs():
    # centres about 12 apart in 5-d, unit spread: k-means on the rows is exact
    X, y = make_blobs(n_samples=[380, 20], n_features=5, centers=None, random_state=0)
    return X.astype(np.float32), y


def test_the_rows_are_easy_for_kmeans(minority_blobs):
    X, y = minority_blobs
    labels = KMeans(2, n_init=10, random_state=0).fit_predict(X)
    assert adjusted_rand_score(y, labels) == 1.0


def test_clusmatch_with_euclidean_kmeans_finds_the_small_cluster(minority_blobs):
    # cosine k-means (the paper's) splits the large blob here: the contrastive features
    # spread it over the sphere while the small blob stays in a narrow cone
    X, y = minority_blobs
    est = ClusMatch(2, kmeans_metric="euclidean", device="cpu", random_state=0).fit(X)
    assert adjusted_rand_score(y, est.base_labels_) >= 0.9
    assert adjusted_rand_score(y, est.labels_) >= 0.9


def test_clusmatch_with_euclidean_kmeans_keeps_a_perfect_base(minority_blobs):
    X, y = minority_blobs
    base = KMeans(2, n_init=10, random_state=0)
    est = ClusMatch(2, base_estimator=base, kmeans_metric="euclidean", device="cpu",
                    random_state=0).fit(X)
    assert adjusted_rand_score(y, est.base_labels_) == 1.0
    assert adjusted_rand_score(y, est.kmeans_labels_) == 1.0
    # seeds 0-2 keep it exactly; seed 3 moves 5 rows (ARI 0.87), through the negative
    # pseudo-label term (0.97 without it)
    assert adjusted_rand_score(y, est.labels_) >= 0.85


def test_spc_with_mixture_members_keeps_its_unanimous_first_vote(minority_blobs):
    # the members' first vote is exact and unanimous; the rounds then split the large
    # blob, so the first vote must be the one kept
    X, y = minority_blobs
    est = SelectivePseudoLabelClustering(2, clusterer="gmm", device="cpu",
                                         random_state=0).fit(X)
    assert est.agreement_history_[0] == 1.0
    assert est.best_round_ == 0
    assert adjusted_rand_score(y, est.ensemble_labels_) == 1.0
    assert adjusted_rand_score(y, est.labels_) >= 0.9
