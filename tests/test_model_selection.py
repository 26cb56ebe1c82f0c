"""LabelFreeGridSearch: its scores against a brute-force reference on hand-made
embeddings, the pick it makes there, and a real grid on blobs."""

import numpy as np
import pytest
from sklearn.base import BaseEstimator, clone
from sklearn.datasets import make_blobs
from sklearn.exceptions import NotFittedError
from sklearn.metrics import silhouette_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skdeepcluster.model_selection import LabelFreeGridSearch
from tests.estimators import clusmatch


def _cases():
    # "two": the two true groups of directions; "four": each group split into two
    # tight cones in an embedding of its own (what flatters its own labels); "random":
    # labels unrelated to a random embedding
    rng = np.random.RandomState(1)
    groups = np.repeat([0, 1], 40)
    halves = np.tile(np.repeat([0, 1], 20), 2) + 2 * groups
    return {
        "two": (np.eye(3)[groups] + 0.3 * rng.normal(size=(80, 3)), groups),
        "four": (np.eye(4)[halves] + 0.05 * rng.normal(size=(80, 4)), halves),
        "random": (rng.normal(size=(80, 5)), rng.randint(0, 3, 80)),
    }


CASES = _cases()


class FixedClustering(BaseEstimator):
    """Stands for a fitted clusterer whose embedding and labels are one of ``CASES``."""

    def __init__(self, case="two"):
        self.case = case

    def fit(self, X, y=None):
        self.fitted_ = True
        return self

    def transform(self, X):
        return CASES[self.case][0][:len(X)]

    def predict(self, X):
        return CASES[self.case][1][:len(X)]


X_DUMMY = np.zeros((80, 2))
GRID = {"case": ["two", "four", "random"]}


@pytest.mark.parametrize("own_weight", [0.0, 0.5, 1.0])
def test_scores_match_a_brute_force_reference(own_weight):
    search = LabelFreeGridSearch(FixedClustering(), GRID, own_weight=own_weight).fit(X_DUMMY)
    embeddings = [CASES[c][0] for c in GRID["case"]]
    for params, score, own in zip(search.results_["params"], search.results_["score"],
                                  search.results_["own_silhouette"], strict=True):
        Z, labels = CASES[params["case"]]
        reference_own = silhouette_score(Z, labels, metric="cosine")
        reference_cross = np.mean([silhouette_score(E, labels, metric="cosine")
                                   for E in embeddings])
        assert own == pytest.approx(reference_own)
        assert score == pytest.approx(own_weight * reference_own
                                      + (1 - own_weight) * reference_cross)
    assert search.best_score_ == max(search.results_["score"])
    assert search.results_["params"][search.best_index_] == search.best_params_


def test_the_other_embeddings_overrule_a_flattering_own_embedding():
    by_own = LabelFreeGridSearch(FixedClustering(), GRID, own_weight=1.0).fit(X_DUMMY)
    by_all = LabelFreeGridSearch(FixedClustering(), GRID, own_weight=0.0).fit(X_DUMMY)
    assert by_own.best_params_ == {"case": "four"}
    assert by_all.best_params_ == {"case": "two"}
    np.testing.assert_array_equal(by_all.labels_, CASES["two"][1])
    np.testing.assert_array_equal(by_all.predict(X_DUMMY), CASES["two"][1])
    assert by_all.transform(X_DUMMY).shape == (80, 3)


def test_the_default_weighs_both_halves_equally():
    default = LabelFreeGridSearch(FixedClustering(), GRID).fit(X_DUMMY).results_["score"]
    own = LabelFreeGridSearch(FixedClustering(), GRID, own_weight=1.0).fit(X_DUMMY)
    cross = LabelFreeGridSearch(FixedClustering(), GRID, own_weight=0.0).fit(X_DUMMY)
    np.testing.assert_allclose(
        default, (np.array(own.results_["score"]) + cross.results_["score"]) / 2)


def test_candidates_fitted_in_parallel_score_as_one_at_a_time():
    from joblib import parallel_config

    alone = LabelFreeGridSearch(FixedClustering(), GRID).fit(X_DUMMY)
    with parallel_config(backend="threading"):
        together = LabelFreeGridSearch(FixedClustering(), GRID, n_jobs=2).fit(X_DUMMY)
    assert together.results_["score"] == alone.results_["score"]
    assert together.best_params_ == alone.best_params_


def test_a_grid_over_n_clusters_of_a_pipeline_finds_the_blobs():
    X, _ = make_blobs(150, centers=3, n_features=5, cluster_std=0.5, random_state=1)
    search = LabelFreeGridSearch(make_pipeline(StandardScaler(), clusmatch()),
                                 {"clusmatch__n_clusters": [2, 3, 5]})
    labels = clone(search).fit_predict(X)
    search.fit(X)
    assert search.best_params_ == {"clusmatch__n_clusters": 3}
    assert np.unique(labels).size == 3
    np.testing.assert_array_equal(search.labels_, search.predict(X))
    np.testing.assert_array_equal(labels, search.labels_)  # refits are reproducible
    assert search.n_features_in_ == 5
    assert len(search.results_["fit_time"]) == 3
    assert min(search.results_["fit_time"]) > 0


@pytest.mark.parametrize(("params", "message"), [
    (dict(param_grid=[]), "no candidate"),
    (dict(param_grid=GRID, own_weight=1.5), "own_weight"),
    (dict(param_grid=GRID, own_weight="all"), "own_weight"),
])
def test_bad_settings_are_refused_before_any_fit(params, message):
    search = LabelFreeGridSearch(FixedClustering(), **params)
    with pytest.raises(ValueError, match=message):
        search.fit(X_DUMMY)
    assert not hasattr(search, "best_estimator_")


def test_predict_before_fit_is_refused():
    with pytest.raises(NotFittedError):
        LabelFreeGridSearch(FixedClustering(), GRID).predict(X_DUMMY)
