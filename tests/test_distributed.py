"""Beyond one process through joblib's backends, with the package's code unchanged:
SPC's members and scikit-learn's searches on a Dask cluster (and on Ray where it is
installed) give what the default backend gives."""

import numpy as np
import pytest
from joblib import parallel_config
from sklearn.model_selection import GridSearchCV

from skdeepcluster.metrics import clustering_accuracy_scorer
from tests.estimators import mtdc, spc

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def dask_client():
    # two worker processes, one thread each: the members really leave this process
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None, silence_logs=40) as cluster:
        with distributed.Client(cluster) as client:
            yield client


def _ran_on_workers(client):
    """Whether the workers have run tasks (each keeps a log of its task transitions)."""
    counts = client.run(lambda dask_worker: len(dask_worker.state.log))
    return all(n > 0 for n in counts.values())


def test_spc_members_on_dask_give_the_default_backends_labels(dask_client, blobs):
    X = blobs[0]
    expected = spc(n_members=2).fit_predict(X)
    with parallel_config(backend="dask"):
        labels = spc(n_members=2, n_jobs=2).fit_predict(X)
    np.testing.assert_array_equal(labels, expected)
    assert _ran_on_workers(dask_client)


def test_grid_search_on_dask_scores_as_the_default_backend(dask_client, blobs):
    X, y = blobs
    grid = {"bce_weight": [0.0, 10.0]}

    def search():
        return GridSearchCV(mtdc(), grid, scoring=clustering_accuracy_scorer, cv=2,
                            n_jobs=2).fit(X, y)

    expected = search()
    with parallel_config(backend="dask"):
        found = search()
    np.testing.assert_allclose(found.cv_results_["mean_test_score"],
                               expected.cv_results_["mean_test_score"])
    assert found.best_params_ == expected.best_params_


def test_spc_members_on_ray_give_the_default_backends_labels(blobs):
    ray = pytest.importorskip("ray")
    from ray.util.joblib import register_ray

    X = blobs[0]
    expected = spc(n_members=2).fit_predict(X)
    register_ray()
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        with parallel_config(backend="ray"):
            labels = spc(n_members=2, n_jobs=2).fit_predict(X)
    finally:
        ray.shutdown()
    np.testing.assert_array_equal(labels, expected)


def test_what_spc_sends_to_joblib_is_hashable():
    # joblib's Dask backend hashes each task's callable; an unhashable one leaves the
    # fit waiting forever instead of failing
    from skdeepcluster.stages import LatentClustering

    hash(LatentClustering(3))
