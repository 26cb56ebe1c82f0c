"""Label-free scores and ``n_clusters="auto"``: the search on hand-made score curves,
the scores on hand-computed cases, and every estimator finding k on separated blobs."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.cluster import KMeans
from sklearn.datasets import make_blobs
from sklearn.metrics import silhouette_samples
from sklearn.model_selection import GridSearchCV

from skdeepcluster import MutualTaughtClustering, SPICEClustering
from skdeepcluster._n_clusters import CrossSilhouettes, coarse_to_fine_search
from skdeepcluster.metrics import (
    embedding_silhouette,
    label_stability,
    probe_agreement,
    probe_scorer,
    silhouette_scorer,
)
from tests.estimators import ESTIMATORS, clusmatch

NAMES = list(ESTIMATORS)


# ---------------------------------------------------------------- the search
def _counting(curve):
    calls = []

    def score_of(k):
        calls.append(k)
        return curve(k)

    return score_of, calls


@pytest.mark.parametrize("peak", [2, 3, 7, 11, 23, 30])
def test_search_finds_the_peak_of_a_unimodal_curve_with_few_calls(peak):
    score_of, calls = _counting(lambda k: -abs(k - peak))
    best, scores = coarse_to_fine_search(score_of, 2, 30)
    assert best == peak
    assert len(calls) == len(set(calls)) == len(scores)  # each k scored once
    assert len(calls) <= 14  # against 29 for trying every k
    assert set(calls) >= {2, 3, 6, 10, 17, 30}  # the coarse pass, log-spaced


def test_search_breaks_ties_to_the_smaller_k_and_skips_non_finite_scores():
    best, _ = coarse_to_fine_search(lambda k: 1.0 if k in (6, 10) else 0.0, 2, 30)
    assert best == 6
    best, scores = coarse_to_fine_search(lambda k: np.nan if k == 3 else -k, 2, 5)
    assert best == 2 and scores[3] == -np.inf
    best, scores = coarse_to_fine_search(lambda k: 0.0, 4, 4)
    assert best == 4 and list(scores) == [4]
    with pytest.raises(ValueError, match="empty"):
        coarse_to_fine_search(lambda k: 0.0, 5, 4)


def test_search_follows_scores_that_change_as_candidates_are_added():
    # a joint score that favours whichever candidate is nearest the mean of those tried:
    # every earlier score moves with each new k, and the pick must follow the final ones
    def rescore(scores):
        centre = np.mean(list(scores))
        return {k: -abs(k - centre) for k in scores}

    calls = []
    best, scores = coarse_to_fine_search(lambda k: calls.append(k) or 0.0, 2, 30,
                                         rescore=rescore)
    assert scores == rescore(dict.fromkeys(scores))
    assert best == max(scores, key=lambda k: (scores[k], -k))
    assert sorted(calls) == sorted(scores)  # still one evaluation per k


def test_search_tries_the_number_of_clusters_an_unusable_fit_used():
    # 6, 8 and 12 leave clusters empty (using 5, 7 and 7 clusters); from the usable
    # 2, 3 and 4 alone the refinement stops at 5, below the peak at 7
    def curve(k):
        return np.nan if k in (6, 8, 12) else 1.0 - 0.1 * abs(k - 7)

    found = {6: 5, 8: 7, 12: 7}
    assert coarse_to_fine_search(curve, 2, 12)[0] == 5
    score_of, calls = _counting(curve)
    best, scores = coarse_to_fine_search(score_of, 2, 12, used=found.get)
    assert best == 7 and scores[7] == 1.0
    assert sorted(calls) == sorted(set(calls)) == sorted(scores)  # each k once
    assert set(scores) == {2, 3, 4, 5, 6, 7, 8, 12}
    # a number outside the range, or none, is not tried
    best, scores = coarse_to_fine_search(curve, 6, 12, used={6: 5, 8: None, 12: 7}.get)
    assert 5 not in scores and best == 7
    # one step only: 12 points at 11, whose fit is unusable too; its 10 is not followed
    best, scores = coarse_to_fine_search(lambda k: np.nan if k > 10 else -abs(k - 4), 2, 12,
                                         used={12: 11, 11: 10}.get)
    assert best == 4 and 11 in scores and 10 not in scores


# ---------------------------------------------------------------- the scores
def test_silhouette_matches_a_hand_computed_case():
    # 1-D points {0, 1} and {10, 11}: for 0, a = 1 and b = (10 + 11) / 2; by symmetry
    # every point has the silhouette of 0 or of 1 (a = 1, b = (9 + 10) / 2).
    Z = np.array([[0.0], [1.0], [10.0], [11.0]])
    expected = np.mean([1 - 1 / 10.5, 1 - 1 / 9.5, 1 - 1 / 9.5, 1 - 1 / 10.5])
    assert embedding_silhouette(Z, [0, 0, 1, 1], metric="euclidean") == pytest.approx(expected)
    assert embedding_silhouette(Z, [0, 0, 0, 0]) == -1.0  # one cluster: no structure


def test_cross_silhouettes_weigh_the_own_embedding_against_every_embedding():
    rng = np.random.RandomState(0)
    embeddings = {k: rng.normal(size=(60, 3)) for k in (2, 3, 5)}
    labels = {k: rng.randint(0, k, 60) for k in embeddings}
    for own_weight in (0.0, 0.5, 1.0):
        judged = CrossSilhouettes(own_weight)
        for k in embeddings:
            judged.add(k, embeddings[k], labels[k])
        scores = judged.scores()
        for i in labels:  # the slow, obvious reference
            cross = np.mean([embedding_silhouette(embeddings[j], labels[i]) for j in embeddings])
            own = embedding_silhouette(embeddings[i], labels[i])
            assert scores[i] == pytest.approx(own_weight * own + (1 - own_weight) * cross)


def test_cross_silhouettes_discount_an_embedding_that_flatters_its_own_labels():
    # two groups of directions; fit "4" split each into two tight cones in its own
    # embedding, while fit "2" kept the two groups. Its own silhouette prefers the split,
    # the mean over both embeddings (the cross part of the score) the two groups.
    rng = np.random.RandomState(1)
    groups = np.repeat([0, 1], 40)
    halves = np.tile(np.repeat([0, 1], 20), 2) + 2 * groups
    two = np.eye(3)[groups] + 0.3 * rng.normal(size=(80, 3))
    four = np.eye(4)[halves] + 0.05 * rng.normal(size=(80, 4))
    assert embedding_silhouette(four, halves) > embedding_silhouette(two, groups)
    judged = CrossSilhouettes(own_weight=0.0)
    judged.add(2, two, groups)
    judged.add(4, four, halves)
    scores = judged.scores()
    assert scores[2] > scores[4]


def test_cross_silhouettes_row_scores_match_per_row_silhouettes():
    rng = np.random.RandomState(2)
    embeddings = {k: rng.normal(size=(50, 3)) for k in (2, 4)}
    labels = {k: rng.randint(0, k, 50) for k in embeddings}
    judged = CrossSilhouettes(0.25)
    for k in embeddings:
        judged.add(k, embeddings[k], labels[k])
    rows, scores = judged.row_scores(), judged.scores()
    for i in labels:  # the slow, obvious reference, row by row
        own = silhouette_samples(embeddings[i], labels[i], metric="cosine")
        cross = np.mean([silhouette_samples(embeddings[j], labels[i], metric="cosine")
                         for j in embeddings], axis=0)
        np.testing.assert_allclose(rows[i], 0.25 * own + 0.75 * cross)
        assert scores[i] == pytest.approx(rows[i].mean())


def test_probe_agreement_is_one_for_separable_labels_and_zero_for_one_cluster():
    X, y = make_blobs(300, centers=3, n_features=4, cluster_std=0.3, random_state=0)
    assert probe_agreement(X, y) == pytest.approx(1.0)
    assert probe_agreement(X, np.zeros(300, int)) == 0.0
    # labels unrelated to the rows: the probe is at chance, about 0 after correction
    shuffled = np.random.RandomState(0).permutation(y)
    assert abs(probe_agreement(X, shuffled)) < 0.15


def test_label_stability_is_invariant_to_renaming():
    a = np.array([0, 0, 1, 1, 2, 2])
    assert label_stability(a, (a + 1) % 3) == pytest.approx(1.0)
    assert label_stability(a, [0, 1, 0, 1, 0, 1]) < 0.1


@pytest.mark.parametrize("scorer", [silhouette_scorer, probe_scorer])
def test_scorers_rank_a_good_clustering_above_a_shuffled_one(scorer):
    X, _ = make_blobs(150, centers=3, n_features=5, cluster_std=0.5, random_state=1)
    good = clusmatch(base_estimator=KMeans(3, n_init=3, random_state=0)).fit(X)

    class Shuffled:  # the same embedding, labels permuted across rows
        def transform(self, X):
            return good.transform(X)

        def predict(self, X):
            return np.random.RandomState(0).permutation(good.predict(X))

    assert scorer(good, X) > scorer(Shuffled(), X) + 0.5


def test_the_scorer_serves_a_label_free_grid_search():
    X, _ = make_blobs(150, centers=3, n_features=5, cluster_std=0.5, random_state=1)
    search = GridSearchCV(clusmatch(), {"n_clusters": [2, 3, 5]}, scoring=silhouette_scorer,
                          cv=2).fit(X)
    assert search.best_params_ == {"n_clusters": 3}


# ---------------------------------------------------------------- n_clusters="auto"
#: (estimator, k, settings): every estimator on 3 blobs; on 7, the two whose tiny fits
#: separate them for every seed tried (SPICE's and MTDC's merge two of the seven for
#: some seeds at these budgets: a fit that leaves a cluster empty, which the search
#: then rightly refuses).
AUTO_CASES = [*[(name, 3, {}) for name in NAMES], ("ClusMatch", 7, {}),
              ("SPC", 7, dict(latent_dim=5, pretrain_epochs=20))]


@pytest.mark.parametrize(("name", "k", "params"), AUTO_CASES)
def test_auto_finds_k_on_separated_blobs(name, k, params):
    X, _ = make_blobs(40 * k, centers=k, n_features=5, cluster_std=0.4, center_box=(-15, 15),
                      random_state=k)
    est = ESTIMATORS[name][0](n_clusters="auto", n_clusters_range=(2, 12), **params).fit(X)
    assert est.n_clusters_ == k
    assert est.n_clusters_scores_[k] == max(est.n_clusters_scores_.values())
    assert np.unique(est.labels_).size == k
    assert est.predict_proba(X[:4]).shape == (4, k)
    assert est.get_params()["n_clusters"] == "auto"  # the parameter is left as given


@pytest.mark.parametrize(("cls", "seed"), [(SPICEClustering, 0), (MutualTaughtClustering, 1)])
def test_auto_at_the_defaults_finds_seven_blobs(cls, seed):
    # SPICE: at the tiny settings above it leaves clusters empty from k = 4 on these
    # rows; at its defaults it separates all seven (seeds 0 and 1 tried, 7 both).
    # MTDC, seed 1: its fits at 6, 8 and 12 leave a cluster empty (the one at 8 uses 7
    # clusters), so 7 is found only by trying the number that fit used (it picked 2
    # before); seed 0 finds 7 either way; seed 2 picks 3, its fits at 6 to 9 each
    # leaving a cluster empty.
    X, _ = make_blobs(280, centers=7, n_features=5, cluster_std=0.4, center_box=(-15, 15),
                      random_state=7)
    est = cls(n_clusters="auto", n_clusters_range=(2, 12), device="cpu",
              random_state=seed).fit(X)
    assert est.n_clusters_ == 7
    assert np.unique(est.labels_).size == 7


def test_auto_sets_the_base_estimators_number_of_clusters():
    X, _ = make_blobs(120, centers=4, n_features=5, cluster_std=0.4, random_state=4)
    est = clusmatch(base_estimator=KMeans(2, n_init=3, random_state=0), n_clusters="auto",
                    n_clusters_range=(2, 6)).fit(X)
    assert est.n_clusters_ == 4 and est.base_estimator_.n_clusters == 4
    assert est.base_estimator.n_clusters == 2  # the user's base is not modified


def test_auto_refuses_bad_ranges_and_prefit_bases():
    X, _ = make_blobs(60, centers=3, n_features=5, random_state=0)
    for bad in [(1, 5), (5, 4), (2.5, 6), (2, 3, 4)]:
        with pytest.raises(ValueError, match="n_clusters_range"):
            clusmatch(n_clusters="auto", n_clusters_range=bad).fit(X)
    with pytest.raises(ValueError, match="too few"):
        clusmatch(n_clusters="auto", n_clusters_range=(4, 8)).fit(X[:4])
    prefit = KMeans(3, n_init=3, random_state=0).fit(X)
    est = clusmatch(base_estimator=prefit, base_prefit=True, n_clusters="auto")
    with pytest.raises(ValueError, match="base_prefit"):
        est.fit(X)
    assert not hasattr(est, "labels_")  # nothing fitted is left behind


def test_an_integer_n_clusters_is_reported_as_fitted():
    X, _ = make_blobs(60, centers=3, n_features=5, random_state=0)
    est = clone(clusmatch(n_clusters="auto", n_clusters_range=(2, 4))).fit(X)
    assert set(est.n_clusters_scores_) == {2, 3, 4}
    est.set_params(n_clusters=3).fit(X)  # a refit drops the earlier search's scores
    assert est.n_clusters_ == 3 and not hasattr(est, "n_clusters_scores_")


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")  # the base's
def test_auto_warns_when_every_candidate_leaves_clusters_empty():
    X = np.repeat(np.eye(2) * 10, 30, axis=0)  # two distinct rows: at most 2 clusters
    with pytest.warns(UserWarning, match="left some clusters empty"):
        est = clusmatch(n_clusters="auto", n_clusters_range=(3, 4)).fit(X)
    assert est.n_clusters_ == 3 and set(est.n_clusters_scores_.values()) == {-np.inf}


def test_scorers_embed_at_most_the_sample_size_of_large_data():
    from skdeepcluster.metrics._unsupervised import SCORE_SAMPLE_SIZE

    seen = []

    class Recording:
        def transform(self, X):
            seen.append(len(X))
            return np.asarray(X)[:, :2]

        def predict(self, X):
            return (np.asarray(X)[:, 0] > 0).astype(int)

    X = np.random.RandomState(0).normal(size=(3 * SCORE_SAMPLE_SIZE, 3))
    full = embedding_silhouette(X[:, :2], (X[:, 0] > 0).astype(int))  # subsamples itself
    assert silhouette_scorer(Recording(), X) == pytest.approx(full)
    assert seen == [SCORE_SAMPLE_SIZE]
