"""Tests of skdeepcluster.datasets on tiny files written here; never touches the network."""

import bz2
import gzip
import hashlib
import struct

import numpy as np
import pytest

from skdeepcluster import datasets
from skdeepcluster.datasets import (
    DatasetFileError,
    _base,
    get_data_home,
    load_digits_images,
    load_fashion_mnist,
    load_mnist,
    load_usps,
    read_idx,
    read_libsvm_images,
)


@pytest.fixture(autouse=True)
def no_network(monkeypatch, tmp_path):
    """Any download attempt fails, and no system/shared location leaks into the tests."""

    def refuse(url, dest, timeout=60):
        raise OSError(f"network disabled in tests ({url})")

    monkeypatch.setattr(_base, "_urlretrieve", refuse)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "default_cache"))
    from skdeepcluster.datasets import _loaders

    for spec in (_loaders._MNIST, _loaders._FASHION, _loaders._USPS):
        monkeypatch.setattr(spec, "system_dirs", ())


def write_idx(path, array, type_code=0x08, magic=None, truncate=0):
    array = np.asarray(array)
    header = magic if magic is not None else bytes([0, 0, type_code, array.ndim])
    header += b"".join(struct.pack(">I", d) for d in array.shape)
    payload = array.astype(">u1" if type_code == 0x08 else array.dtype).tobytes()
    data = header + payload
    if truncate:
        data = data[:-truncate]
    with gzip.open(path, "wb") as f:
        f.write(data)
    return path


def make_mnist_dir(root, n_train=5, n_test=3, parts=("train", "test")):
    rng = np.random.default_rng(0)
    root.mkdir(parents=True, exist_ok=True)
    out = {}
    for part, n, prefix in (("train", n_train, "train"), ("test", n_test, "t10k")):
        if part not in parts:
            continue
        imgs = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
        labels = rng.integers(0, 10, size=n, dtype=np.uint8)
        write_idx(root / f"{prefix}-images-idx3-ubyte.gz", imgs)
        write_idx(root / f"{prefix}-labels-idx1-ubyte.gz", labels)
        out[part] = (imgs, labels)
    return out


# ----------------------------------------------------------------------------- parsers
def test_read_idx_roundtrip(tmp_path):
    arr = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    got = read_idx(write_idx(tmp_path / "a.gz", arr), expected_ndim=3)
    np.testing.assert_array_equal(got, arr)
    # uncompressed and non-byte types, big-endian
    ints = np.array([1, -2, 70000], dtype=">i4")
    p = tmp_path / "b.idx"
    p.write_bytes(bytes([0, 0, 0x0C, 1]) + struct.pack(">I", 3) + ints.tobytes())
    np.testing.assert_array_equal(read_idx(p), [1, -2, 70000])


@pytest.mark.parametrize(
    "kind, match",
    [("magic", "magic"), ("truncated", "payload"), ("ndim", "dimensions"),
     ("notgzip", "decompress"), ("badgzip", "decompress")],
)
def test_read_idx_refuses_corrupted(tmp_path, kind, match):
    arr = np.zeros((2, 28, 28), dtype=np.uint8)
    p = tmp_path / "x.gz"
    if kind == "magic":
        write_idx(p, arr, magic=b"\x12\x34\x08\x03")
    elif kind == "truncated":
        write_idx(p, arr, truncate=10)
    elif kind == "ndim":
        write_idx(p, np.zeros(2, dtype=np.uint8))
    elif kind == "notgzip":
        p.write_bytes(b"this is not gzip at all")
    else:
        write_idx(p, arr)
        raw = p.read_bytes()
        p.write_bytes(raw[: len(raw) // 2])  # cut gzip stream
    with pytest.raises(DatasetFileError, match=match):
        read_idx(p, expected_ndim=3)


def write_libsvm(path, rows):
    text = "".join(
        f"{label} " + " ".join(f"{j}:{v}" for j, v in feats) + "\n" for label, feats in rows
    )
    with bz2.open(path, "wt") as f:
        f.write(text)
    return path


def test_read_libsvm_images(tmp_path):
    p = write_libsvm(tmp_path / "u.bz2", [(1, [(1, -1), (2, 1), (256, 0.5)]), (10, [(3, 0)])])
    X, y = read_libsvm_images(p)
    assert X.shape == (2, 16, 16) and X.dtype == np.float32
    np.testing.assert_array_equal(y, [1, 10])
    assert X[0, 0, 0] == 0.0 and X[0, 0, 1] == 1.0 and X[0, 15, 15] == 0.75
    assert X[1, 0, 2] == 0.5 and X[1, 0, 0] == 0.5  # missing feature = 0 -> 0.5


def test_read_libsvm_refuses_garbage(tmp_path):
    bad = tmp_path / "bad.bz2"
    write_libsvm(bad, [(1, [(300, 0.1)])])
    with pytest.raises(DatasetFileError, match="feature index"):
        read_libsvm_images(bad)
    notbz = tmp_path / "nb.bz2"
    notbz.write_bytes(b"garbage")
    with pytest.raises(DatasetFileError, match="decompress"):
        read_libsvm_images(notbz)


# ----------------------------------------------------------------------------- loaders
def test_load_mnist_from_data_home(tmp_path):
    ref = make_mnist_dir(tmp_path / "home" / "mnist")
    bunch = load_mnist(data_home=tmp_path / "home")
    assert bunch.data.shape == (8, 28, 28) and bunch.data.dtype == np.float32
    assert 0.0 <= bunch.data.min() and bunch.data.max() <= 1.0
    np.testing.assert_allclose(bunch.data[:5] * 255, ref["train"][0], atol=1e-3)
    np.testing.assert_array_equal(bunch.target, np.r_[ref["train"][1], ref["test"][1]])
    assert bunch.image_shape == (28, 28) and "MNIST" in bunch.DESCR
    X, y = load_mnist(subset="test", data_home=tmp_path / "home", return_X_y=True)
    assert X.shape == (3, 28, 28) and y.dtype == np.int64


def test_test_subset_needs_only_t10k_files(tmp_path):
    make_mnist_dir(tmp_path / "mnist", parts=("test",))
    X, y = load_mnist(subset="test", data_home=tmp_path, return_X_y=True)
    assert len(X) == 3
    with pytest.raises(FileNotFoundError) as exc:
        load_mnist(subset="train", data_home=tmp_path)
    msg = str(exc.value)
    assert "train-images-idx3-ubyte.gz" in msg and str(tmp_path / "mnist") in msg
    assert "network disabled" in msg  # the (refused) download was attempted


def test_no_environment_variable_chooses_the_data(tmp_path, monkeypatch):
    # the former SKDEEPCLUSTER_DATA / SKDEEPCLUSTER_SHARED_DATA are ignored: data_home says
    make_mnist_dir(tmp_path / "envhome" / "mnist", parts=("test",))
    monkeypatch.setenv("SKDEEPCLUSTER_DATA", str(tmp_path / "envhome"))
    monkeypatch.setenv("SKDEEPCLUSTER_SHARED_DATA", str(tmp_path / "envhome"))
    with pytest.raises(FileNotFoundError):
        load_mnist(subset="test", return_X_y=True, download_if_missing=False)
    assert len(load_mnist(subset="test", data_home=tmp_path / "envhome").data) == 3


def test_system_dir_searched(tmp_path, monkeypatch):
    from skdeepcluster.datasets import _loaders

    make_mnist_dir(tmp_path / "sys", parts=("test",))
    monkeypatch.setattr(_loaders._FASHION, "system_dirs", (str(tmp_path / "sys"),))
    assert len(load_fashion_mnist(subset="test", data_home=tmp_path / "empty").data) == 3


def test_default_data_home(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert get_data_home() == tmp_path / "xdg" / "skdeepcluster"


@pytest.mark.parametrize("loader", [load_mnist, load_fashion_mnist, load_usps,
                                    load_digits_images])
@pytest.mark.parametrize("subset", ["training", "", None, "ALL"])
def test_subset_validation(loader, subset, tmp_path):
    with pytest.raises(ValueError, match="subset must be one of"):
        loader(subset=subset, data_home=tmp_path)


def test_missing_without_download(tmp_path):
    with pytest.raises(FileNotFoundError, match="download_if_missing=False"):
        load_fashion_mnist(subset="test", data_home=tmp_path, download_if_missing=False)


def test_corrupted_local_files_refused(tmp_path):
    d = tmp_path / "mnist"
    make_mnist_dir(d, parts=("test",))
    write_idx(d / "t10k-labels-idx1-ubyte.gz", np.zeros(4, dtype=np.uint8))  # 4 labels, 3 images
    with pytest.raises(DatasetFileError, match="labels"):
        load_mnist(subset="test", data_home=tmp_path)
    (d / "t10k-images-idx3-ubyte.gz").write_bytes(b"\x1f\x8b garbage")
    with pytest.raises(DatasetFileError):
        load_mnist(subset="test", data_home=tmp_path)


def test_download_hash_mismatch_refused(tmp_path, monkeypatch):
    """A downloaded file whose digest differs is deleted and refused, not parsed."""

    def fake(url, dest, timeout=60):
        write_idx(dest, np.zeros((1, 28, 28), dtype=np.uint8))

    monkeypatch.setattr(_base, "_urlretrieve", fake)
    with pytest.raises(DatasetFileError, match="sha256"):
        load_mnist(subset="test", data_home=tmp_path)
    assert not list((tmp_path / "mnist").glob("*.gz"))


def test_download_success_path(tmp_path, monkeypatch):
    """The downloader keeps a file whose digests match (spec patched to the fake's digest)."""
    payload = tmp_path / "payload.gz"
    write_idx(payload, np.zeros((2, 28, 28), dtype=np.uint8))
    raw = payload.read_bytes()
    remote = _base.RemoteFile("f.gz", ("http://example.invalid/f.gz",),
                              sha256=hashlib.sha256(raw).hexdigest(),
                              md5=hashlib.md5(raw).hexdigest())
    monkeypatch.setattr(_base, "_urlretrieve", lambda url, dest, timeout=60: open(
        dest, "wb").write(raw))
    path = _base.download(remote, tmp_path / "dl")
    assert path.read_bytes() == raw


def test_load_usps_libsvm(tmp_path):
    d = tmp_path / "usps"
    d.mkdir()
    write_libsvm(d / "usps.bz2", [(1, [(1, 1)]), (10, [(2, -1)])])
    write_libsvm(d / "usps.t.bz2", [(5, [(1, 0)])])
    b = load_usps(data_home=tmp_path)
    assert b.data.shape == (3, 16, 16)
    np.testing.assert_array_equal(b.target, [0, 9, 4])
    X, y = load_usps(subset="test", data_home=tmp_path, return_X_y=True)
    assert X.shape == (1, 16, 16) and y.tolist() == [4]


def test_load_usps_missing_message(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"usps\.t\.bz2.*usps\.h5"):
        load_usps(subset="test", data_home=tmp_path)


def test_load_usps_h5(tmp_path):
    h5py = pytest.importorskip("h5py")
    d = tmp_path / "usps"
    d.mkdir()
    with h5py.File(d / "usps.h5", "w") as f:
        for g, n in (("train", 4), ("test", 2)):
            grp = f.create_group(g)
            grp["data"] = np.full((n, 256), 0.25)
            grp["target"] = np.arange(n)
    X, y = load_usps(data_home=tmp_path, return_X_y=True)
    assert X.shape == (6, 16, 16) and np.allclose(X, 0.25) and y.tolist() == [0, 1, 2, 3, 0, 1]


def test_load_digits_images():
    b = load_digits_images()
    assert b.images.shape == (1797, 8, 8) and b.images.dtype == np.float32
    assert b.images.max() == 1.0 and b.images.min() == 0.0
    X, y = load_digits_images(return_X_y=True)
    assert X.shape == (1797, 8, 8) and len(y) == 1797
    with pytest.raises(ValueError, match="no official"):
        load_digits_images(subset="train")


def test_public_api():
    for name in datasets.__all__:
        assert hasattr(datasets, name)


def test_usps_h5_without_h5py_clear_error(tmp_path, monkeypatch):
    d = tmp_path / "usps"
    d.mkdir()
    (d / "usps.h5").write_bytes(b"not really hdf5")
    monkeypatch.setitem(__import__("sys").modules, "h5py", None)  # import h5py -> ImportError
    with pytest.raises(ImportError, match="h5py"):
        load_usps(subset="test", data_home=tmp_path)
