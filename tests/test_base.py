"""The shared estimator template: input checks, devices, transactional fit, images."""

import pickle

import numpy as np
import pytest
import scipy.sparse as sp
import torch

from skdeepcluster._input import resolve_device
from skdeepcluster.stages import SelfLabellingHeads
from tests.estimators import spice as tiny


@pytest.mark.parametrize(
    "X, error, match",
    [
        (np.array([[0.0, np.nan], [1.0, 2.0], [3.0, 4.0]]), ValueError, "NaN"),
        (np.array([[0.0, np.inf], [1.0, 2.0], [3.0, 4.0]]), ValueError, "infinity"),
        (np.empty((0, 3)), ValueError, "0 sample"),
        (np.arange(5.0), ValueError, "Expected 2D array"),
        (np.array([["a", "b"], ["c", "d"], ["e", "f"]], dtype=object), ValueError, "float"),
        (np.ones((3, 2), dtype=complex), ValueError, "Complex"),
        (sp.csr_matrix(np.ones((5, 2))), TypeError, "[Ss]parse"),
        (np.ones((2, 2)), ValueError, "n_samples=2 should be >= n_clusters=3"),
    ],
)
def test_bad_input_is_refused_clearly(X, error, match):
    with pytest.raises(error, match=match):
        tiny().fit(X)


def test_predict_checks_feature_count(blobs):
    est = tiny().fit(blobs[0])
    with pytest.raises(ValueError, match="X has 3 features, but SPICEClustering is expecting 2"):
        est.predict(np.ones((4, 3)))


def test_predict_checks_image_shape():
    rng = np.random.RandomState(0)
    est = tiny(n_clusters=2).fit(rng.rand(20, 6, 6).astype(np.float32))
    with pytest.raises(ValueError, match=r"images of shape \(1, 5, 5\)"):
        est.predict(rng.rand(3, 5, 5))
    # Rows with the same number of values are read as those images.
    assert est.predict(rng.rand(3, 36)).shape == (3,)


def test_image_shape_must_match_features():
    with pytest.raises(ValueError, match=r"image_shape=\(3, 3\) holds 9 values"):
        tiny(image_shape=(3, 3)).fit(np.ones((10, 8)))


def test_image_input_layouts_agree():
    rng = np.random.RandomState(0)
    images = rng.rand(24, 6, 6).astype(np.float32)
    a = tiny(n_clusters=2).fit_predict(images)
    b = tiny(n_clusters=2).fit_predict(images[:, None])
    c = tiny(n_clusters=2, image_shape=(6, 6)).fit_predict(images.reshape(24, -1))
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(a, c)


def test_cuda_without_gpu_is_an_error():
    if torch.cuda.is_available():
        pytest.skip("a GPU is present")
    with pytest.raises(ValueError, match="CUDA is not available"):
        tiny(device="cuda").fit(np.random.rand(10, 2))


def test_gpu_fitted_estimator_unpickles_on_the_cpu(blobs):
    """A GPU-fitted estimator's pickle loads where CUDA is absent (tests/test_cuda.py runs
    the real round trip on a GPU); here device_ claims CUDA while the tensors are on the
    CPU, which takes the same path."""
    if torch.cuda.is_available():
        pytest.skip("a GPU is present")
    X, _ = blobs
    est = tiny().fit(X)
    est.device_ = torch.device("cuda:0")
    payload = pickle.dumps(est)
    with pytest.warns(UserWarning, match="fitted on cuda:0.*loaded on the CPU"):
        restored = pickle.loads(payload)
    assert restored.device_ == torch.device("cpu")
    np.testing.assert_array_equal(restored.predict(X), est.labels_)
    np.testing.assert_array_equal(restored.reliable_mask_, est.reliable_mask_)


@pytest.mark.parametrize("device", ["tpu", "nonsense", 3.5])
def test_unknown_device_is_an_error(device):
    with pytest.raises((ValueError, TypeError)):
        resolve_device(device)


def test_interrupted_fit_leaves_no_fitted_state(blobs, monkeypatch):
    est = tiny()

    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(SelfLabellingHeads, "run", interrupt)
    with pytest.raises(KeyboardInterrupt):
        est.fit(blobs[0])
    assert not any(k.endswith("_") and not k.startswith("_") for k in vars(est))
    assert set(vars(est)) == set(tiny().__dict__)


def test_interrupted_refit_keeps_previous_model(blobs, monkeypatch):
    est = tiny().fit(blobs[0])
    before = est.predict(blobs[0])
    monkeypatch.setattr(SelfLabellingHeads, "run", lambda *a, **k: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        est.fit(blobs[0][:, :1])
    np.testing.assert_array_equal(est.predict(blobs[0]), before)
    assert est.n_features_in_ == 2


def test_pandas_feature_names(blobs):
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame(blobs[0], columns=["a", "b"])
    est = tiny().fit(df)
    assert list(est.feature_names_in_) == ["a", "b"]
    np.testing.assert_array_equal(est.predict(df), est.labels_)


def test_user_backbone_is_used_and_copied(blobs):
    user = torch.nn.Sequential(torch.nn.Linear(2, 16), torch.nn.ReLU(), torch.nn.Linear(16, 8))
    est = tiny(backbone=user).fit(blobs[0])
    assert est.transform(blobs[0]).shape == (blobs[0].shape[0], 8)
    assert est.module_.backbone is not user


def test_user_backbone_must_return_2d(blobs):
    with pytest.raises(ValueError, match="backbone must return a 2-D tensor"):
        tiny(backbone=torch.nn.Identity()).fit(np.random.RandomState(0).rand(30, 1, 4, 4))


@pytest.mark.parametrize("shuffle, drop_last", [(True, True), (False, False)])
def test_batch_loader_gives_the_data_loaders_batches_one_gather_each(shuffle, drop_last):
    from skorch.dataset import Dataset
    from torch.utils.data import DataLoader

    from skdeepcluster.training import batch_loader

    class CountingDataset(Dataset):
        calls = 0

        def __getitem__(self, i):
            self.calls += 1
            return super().__getitem__(i)

    X = np.arange(23 * 3, dtype=np.float32).reshape(23, 3)
    torch.manual_seed(0)
    reference = list(DataLoader(Dataset(X, np.arange(23)), batch_size=5, shuffle=shuffle,
                                drop_last=drop_last))
    after_reference = torch.rand(1)
    torch.manual_seed(0)
    dataset = CountingDataset(X, np.arange(23))
    batches = list(batch_loader(dataset, batch_size=5, shuffle=shuffle, drop_last=drop_last))
    assert dataset.calls == len(batches) == len(reference)  # one access per batch
    for (x, y), (rx, ry) in zip(batches, reference, strict=True):
        torch.testing.assert_close(x, rx)
        torch.testing.assert_close(y, ry)
    assert torch.equal(torch.rand(1), after_reference)  # the same random numbers drawn


def test_per_head_dataset_batches_put_the_head_axis_last():
    from skdeepcluster.training import PerHeadDataset

    ds = PerHeadDataset(n_heads=2, length=4)
    ds.set_selection([[0, 1, 2, 3], [7, 6, 5, 4]], [[0, 0, 1, 1], [1, 1, 0, 0]])
    idx, labels = ds[[1, 3]]
    np.testing.assert_array_equal(idx, [[1, 6], [3, 4]])
    np.testing.assert_array_equal(labels, [[0, 1], [1, 0]])
    np.testing.assert_array_equal(ds[2][0], [2, 5])
