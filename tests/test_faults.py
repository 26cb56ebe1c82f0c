"""Hostile input and hostile events: each test names the failure it guards against."""

import os
import pickle
import signal
import subprocess
import sys
import textwrap
import time
import warnings

import numpy as np
import pytest
import torch
from sklearn.base import BaseEstimator, ClusterMixin
from sklearn.cluster import KMeans
from sklearn.datasets import make_blobs
from sklearn.metrics import adjusted_rand_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from tests.estimators import ESTIMATORS

NAMES = list(ESTIMATORS)
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

#: A first training stage that would run for hours: an interrupt lands inside it.
ENDLESS = {"SPICE": dict(pretrain_epochs=10**6), "SPC": dict(pretrain_epochs=10**6),
           "ClusMatch": dict(pretrain_epochs=10**6), "MTDC": dict(epochs=10**6)}
#: Learning rates that make every method's first stage blow up.
DIVERGING = {"SPICE": dict(pretrain_lr=1e30, head_lr=1e30, semi_lr=1e30),
             "SPC": dict(lr=1e30),
             "ClusMatch": dict(pretrain_lr=1e30, fast_lr=1e30, slow_lr=1e30),
             "MTDC": dict(lr=1e30)}


def tiny(name, **params):
    return ESTIMATORS[name][0](**params)


@pytest.fixture(scope="module")
def separated():
    """Three far-apart blobs in 5-D: every estimator separates them (ARI 1)."""
    X, y = make_blobs(n_samples=150, centers=3, n_features=5, cluster_std=0.5,
                      random_state=1)
    return X, y


# ---------------------------------------------------------------- 1. Ctrl-C
@pytest.mark.parametrize("name", NAMES)
def test_sigint_mid_epoch_raises_and_leaves_the_estimator_unfitted(name):
    # A shell that starts a job in the background may hand it SIGINT ignored; Python then
    # keeps it ignored. The child restores Ctrl-C's usual meaning, as a terminal has it.
    child = textwrap.dedent(f"""
        import signal
        import sys
        import numpy as np
        signal.signal(signal.SIGINT, signal.default_int_handler)
        sys.path.insert(0, {ROOT!r})
        from tests.estimators import ESTIMATORS
        est = ESTIMATORS[{name!r}][0](**{ENDLESS[name]!r})
        X = np.random.RandomState(0).normal(size=(600, 5))
        print("ready", flush=True)
        try:
            est.fit(X)
            print("returned", flush=True)
        except KeyboardInterrupt:
            fitted = [k for k in vars(est) if k.endswith("_") and not k.startswith("_")]
            print("KeyboardInterrupt", fitted, flush=True)
    """)
    proc = subprocess.Popen([sys.executable, "-c", child], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(1.5)  # well inside the first stage's first epochs
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert out.strip() == "KeyboardInterrupt []", (out, err[-2000:])


# ---------------------------------------------------------------- 2. divergence
@pytest.mark.parametrize("name", NAMES)
def test_divergence_stops_the_fit_with_an_error_naming_the_stage(name, separated):
    est = tiny(name, **DIVERGING[name])
    with pytest.raises(FloatingPointError, match="diverged.*lower"):
        est.fit(separated[0])
    assert not hasattr(est, "labels_")


def test_clusmatch_divergence_is_named_not_a_kmeans_nan_error():
    # lr=1 leaves the losses finite until an update breaks the weights between two
    # checks; the k-means refresh must then say so instead of failing inside KMeans
    from sklearn.datasets import load_iris

    est = tiny("ClusMatch", pretrain_lr=1, fast_lr=1, slow_lr=1, pretrain_epochs=20,
               finetune_epochs=10, batch_size=64, labeled_batch_size=16)
    with pytest.raises(FloatingPointError, match="ClusMatch.*diverged"):
        est.fit(load_iris().data)


# ---------------------------------------------------------------- 3. scale
@pytest.mark.parametrize("scale", [1e19, 1e-12, 1e39])
@pytest.mark.parametrize("name", NAMES)
def test_extreme_scales_cluster_like_the_unscaled_data(name, scale, separated):
    X = separated[0]
    unscaled = tiny(name).fit(X)
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*constant")  # no column is constant
        est = tiny(name).fit(X * scale)
    assert adjusted_rand_score(unscaled.labels_, est.labels_) >= 0.9
    proba = est.predict_proba(X * scale)
    assert np.all(np.isfinite(proba))
    assert adjusted_rand_score(unscaled.labels_, proba.argmax(1)) >= 0.9


def test_values_beyond_float32_after_scaling_are_refused(separated):
    est = tiny("MTDC").fit(separated[0])
    with pytest.raises(ValueError, match="beyond float32"):
        est.predict(separated[0] * 1e300)


def test_a_column_is_constant_relative_to_its_magnitude():
    from skdeepcluster._input import fit_scaling

    X = np.column_stack([np.full(5, 1e6), np.arange(5) * 1e-12, np.zeros(5)])
    with pytest.warns(UserWarning, match="2 feature"):
        mean, std, clip = fit_scaling(X, "vector")
    assert clip is None
    np.testing.assert_array_equal(std[[0, 2]], [1.0, 1.0])
    assert std[1] == pytest.approx(np.std(np.arange(5) * 1e-12))


def test_scaled_vectors_are_clipped_to_vector_clip():
    from skdeepcluster._input import apply_scaling, fit_scaling

    X = np.array([[0.0, 1.0], [0.0, 1.0], [0.0, 1.0], [8.0, -3.0]])
    # column 0: mean 2, std sqrt(12); column 1: mean 0, std sqrt(3)
    z = (X - [2.0, 0.0]) / [np.sqrt(12.0), np.sqrt(3.0)]
    np.testing.assert_allclose(apply_scaling(X, fit_scaling(X, "vector", clip=1.5)),
                               np.clip(z, -1.5, 1.5), rtol=1e-6)
    assert apply_scaling(X, fit_scaling(X, "vector"))[3, 0] == pytest.approx(z[3, 0])


def test_a_base_backbone_sees_input_scaled_and_clipped_as_its_own():
    from skdeepcluster._input import Scaling
    from skdeepcluster.nn._models import RescaledInput

    class Identity(torch.nn.Module):
        out_features = 2

        def forward(self, x):
            return x

    caller = Scaling(np.array([1.0, 0.0]), np.array([2.0, 1.0]), None)
    base = Scaling(np.array([0.0, 0.0]), np.array([1.0, 4.0]), 1.0)
    x = torch.tensor([[0.5, 8.0], [-1.5, 2.0]])  # raw rows (2, 8) and (-2, 2)
    expected = np.clip([[2.0, 2.0], [-2.0, 0.5]], -1.0, 1.0)
    np.testing.assert_allclose(RescaledInput(Identity(), caller, base)(x), expected)


@pytest.mark.parametrize("name", NAMES)
def test_vector_clip_makes_an_outlying_value_count_as_the_bound(name, separated):
    X = separated[0]
    est = ESTIMATORS[name][0](vector_clip=2.0).fit(X)
    mean, std, clip = est._scaling
    assert clip == 2.0
    far, at_bound = X[:5].copy(), X[:5].copy()
    far[:, 0] = mean[0] + 1e3 * std[0]
    at_bound[:, 0] = mean[0] + 2.0 * std[0]
    np.testing.assert_allclose(est.transform(far), est.transform(at_bound), rtol=1e-5)
    assert not np.allclose(est.transform(far), est.transform(X[:5]))


# ---------------------------------------------------------------- 4. shapes
@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("shape, match", [
    ((30, 1, 2), r"1x2 pixels"),
    ((20, 3, 3), r"3x3 pixels"),
    ((20, 8, 8, 3), r"channels-last"),
    ((20, 1, 2, 8), r"2x8 pixels"),
])
def test_odd_image_shapes_are_refused_naming_the_shape(name, shape, match):
    X = np.random.RandomState(0).rand(*shape)
    with pytest.raises(ValueError, match=match) as info:
        tiny(name).fit(X)
    assert str(shape) in str(info.value)


# ---------------------------------------------------------------- 5. fewer clusters
@pytest.mark.parametrize("name", NAMES)
def test_fewer_clusters_than_asked_warns(name):
    X = np.repeat([[0.0, 0.0, 1.0], [5.0, 5.0, -1.0]], 30, axis=0)  # two distinct points
    with pytest.warns(UserWarning, match=r"found [12] distinct cluster\(s\) for n_clusters=3"):
        tiny(name).fit(X)


# ---------------------------------------------------------------- 6. pickles
def _arrays(obj, seen=None):
    """Every numpy array and torch tensor reachable from ``obj``."""
    seen = set() if seen is None else seen
    if id(obj) in seen or isinstance(obj, (type, str, bytes, int, float, bool)) or obj is None:
        return
    seen.add(id(obj))
    if isinstance(obj, torch.Tensor):
        yield obj.detach().cpu().numpy()
    elif isinstance(obj, np.ndarray):
        if obj.dtype != object:
            yield obj
        else:
            for item in obj.ravel():
                yield from _arrays(item, seen)
    elif isinstance(obj, dict):
        for value in obj.values():
            yield from _arrays(value, seen)
    elif isinstance(obj, (list, tuple, set, frozenset)):
        for value in obj:
            yield from _arrays(value, seen)
    elif hasattr(obj, "__dict__"):
        yield from _arrays(vars(obj), seen)


@pytest.mark.parametrize("name", NAMES)
def test_a_saved_model_carries_no_training_rows(name, separated):
    X = separated[0]
    est = pickle.loads(pickle.dumps(tiny(name).fit(X)))
    standardised = (X - X.mean(0)) / X.std(0)
    n, d = X.shape
    for array in _arrays(est):
        assert not (array.ndim >= 2 and array.shape[0] == n), array.shape
        if array.dtype.kind == "f" and array.ndim and array.shape[-1] == d:
            rows = array.reshape(-1, d).astype(np.float64)
            for training in (X, standardised):
                close = np.isclose(rows[:, None, :], training[None], rtol=1e-5, atol=1e-6)
                assert not close.all(axis=2).any(), "a training row is in the model"


# ---------------------------------------------------------------- 7. set_output
@pytest.mark.parametrize("name", NAMES)
def test_set_output_pandas_gives_a_dataframe(name, separated):
    pd = pytest.importorskip("pandas")
    X = separated[0]
    pipe = make_pipeline(StandardScaler(), tiny(name)).set_output(transform="pandas")
    out = pipe.fit(X).transform(X)
    assert isinstance(out, pd.DataFrame) and out.shape[0] == X.shape[0]
    est = pipe[-1]
    assert list(out.columns) == list(est.get_feature_names_out())
    assert out.shape[1] == est.transform(StandardScaler().fit_transform(X)).shape[1]


# ---------------------------------------------------------------- 8. SPC
@pytest.mark.parametrize("n_jobs", [0, 1.5])
def test_spc_refuses_a_bad_n_jobs(n_jobs, separated):
    with pytest.raises(ValueError, match="n_jobs"):
        tiny("SPC", n_jobs=n_jobs).fit(separated[0])


def test_spc_labels_do_not_depend_on_the_thread_count(separated):
    X = np.random.RandomState(0).normal(size=(200, 6)) + np.repeat(np.eye(6)[:4] * 4, 50, 0)
    previous = torch.get_num_threads()
    try:
        runs = []
        for threads in (1, 2):
            torch.set_num_threads(threads)
            est = tiny("SPC", n_clusters=4, projection="umap", max_rounds=2)
            runs.append(est.fit_predict(X))
            assert torch.get_num_threads() == threads  # restored after the fit
    finally:
        torch.set_num_threads(previous)
    np.testing.assert_array_equal(runs[0], runs[1])


# ---------------------------------------------------------------- 9. ClusMatch bases
class _StringLabels(ClusterMixin, BaseEstimator):
    """KMeans whose cluster ids are strings."""

    def fit(self, X, y=None):
        self.labels_ = np.array(["abc"[i] for i in KMeans(3, n_init=3, random_state=0)
                                 .fit_predict(X)])
        return self


def test_clusmatch_takes_a_base_with_string_labels(separated):
    X, y = separated
    est = tiny("ClusMatch", base_estimator=_StringLabels()).fit(X)
    assert adjusted_rand_score(y, est.labels_) >= 0.9
    assert set(np.unique(est.base_labels_)) <= {0, 1, 2}
