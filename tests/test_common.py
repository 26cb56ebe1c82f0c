"""What every estimator must do as a scikit-learn clusterer: sklearn's own checks and
the package's API checks, parametrised over the four estimators."""

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.metrics import adjusted_rand_score
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

import skdeepcluster
from skdeepcluster.metrics import clustering_accuracy_scorer
from tests.estimators import ESTIMATORS, assert_fit_predict_consistent

NAMES = list(ESTIMATORS)


EXPECTED_FAILED = {type(make()): failed for make, *_, failed in ESTIMATORS.values()}


@parametrize_with_checks(
    [make() for make, *_ in ESTIMATORS.values()],
    expected_failed_checks=lambda est: EXPECTED_FAILED[type(est)],
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


@pytest.mark.parametrize("name", NAMES)
def test_clone_and_pickle(name, blobs):
    est = ESTIMATORS[name][0]()
    cloned = clone(est)
    assert cloned.get_params() == est.get_params()
    assert not hasattr(cloned, "labels_")
    est.fit(blobs[0])
    restored = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(restored.predict(blobs[0]), est.predict(blobs[0]))
    np.testing.assert_allclose(restored.predict_proba(blobs[0]), est.predict_proba(blobs[0]),
                               rtol=1e-6)


@pytest.mark.parametrize("name", NAMES)
def test_pipeline(name, blobs):
    X, y = blobs
    labels = make_pipeline(StandardScaler(), ESTIMATORS[name][3]()).fit_predict(X)
    assert labels.shape == (X.shape[0],)
    assert adjusted_rand_score(y, labels) > 0.5


@pytest.mark.parametrize("name", NAMES)
def test_grid_search(name, blobs):
    _, param, values, make, _ = ESTIMATORS[name]
    search = GridSearchCV(make(), {param: values}, scoring=clustering_accuracy_scorer, cv=2)
    search.fit(*blobs)
    assert search.best_params_[param] in values
    assert 0.0 <= search.best_score_ <= 1.0


@pytest.mark.parametrize("name", NAMES)
def test_fit_predict_consistent(name, blobs):
    assert_fit_predict_consistent(ESTIMATORS[name][0](), blobs[0])


@pytest.mark.parametrize("name", NAMES)
def test_same_seed_same_labels(name, blobs):
    make = ESTIMATORS[name][0]
    a = make(random_state=3).fit_predict(blobs[0])
    b = make(random_state=3).fit_predict(blobs[0])
    np.testing.assert_array_equal(a, b)


def test_fit_restores_thread_counts_that_a_stage_changed(monkeypatch, blobs):
    # what numba's OpenMP layer can do inside UMAP: the fit puts the counts back
    import torch
    from threadpoolctl import threadpool_info, threadpool_limits

    est = ESTIMATORS["MTDC"][0]()
    fit_stages = type(est)._fit_stages

    def meddling(self, ctx):
        torch.set_num_threads(1)
        threadpool_limits(1)
        return fit_stages(self, ctx)

    monkeypatch.setattr(type(est), "_fit_stages", meddling)
    previous = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        with threadpool_limits(2):
            before = {(p["filepath"], p["num_threads"]) for p in threadpool_info()}
            est.fit(blobs[0])
            after = {(p["filepath"], p["num_threads"]) for p in threadpool_info()}
            assert torch.get_num_threads() == 2
            assert before <= after
    finally:
        torch.set_num_threads(previous)


@pytest.mark.parametrize("name", NAMES)
def test_fit_leaves_the_thread_counts_as_they_were(name, blobs):
    import torch
    from threadpoolctl import threadpool_info

    def pools():
        return {(p["filepath"], p["num_threads"]) for p in threadpool_info()}

    previous = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        before = pools()
        ESTIMATORS[name][0]().fit(blobs[0])
        assert torch.get_num_threads() == 2
        assert before <= pools()  # pools loaded during the fit may join, none changed
    finally:
        torch.set_num_threads(previous)


@pytest.mark.parametrize("name", NAMES)
def test_resolved_values_are_stored_not_written_back(name, blobs):
    est = ESTIMATORS[name][0](precision="auto").fit(blobs[0])
    assert est.precision == "auto"
    assert est.precision_ == "float32"  # vectors run in float32 whatever the CPU
    est = ESTIMATORS[name][0](precision="bfloat16").fit(blobs[0])
    assert est.precision_ == "bfloat16"


@pytest.mark.parametrize("cls", [getattr(skdeepcluster, n) for n in (
    "SPICEClustering", "SelectivePseudoLabelClustering", "ClusMatch", "MutualTaughtClustering")])
def test_docstring_is_an_api_reference(cls):
    doc = cls.__doc__
    assert len(doc.splitlines()) <= 110  # measurements and history live in docs/
    assert "{shared" not in doc and "{view" not in doc  # the shared sections were filled in
    for name in cls().get_params():
        assert f"{name} :" in doc or f", {name}" in doc or f"{name}, " in doc, name
