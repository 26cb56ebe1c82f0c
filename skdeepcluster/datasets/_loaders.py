"""sklearn-style loaders for the image datasets used by the deep clustering papers."""

from __future__ import annotations

import numpy as np
from sklearn.utils import Bunch

from skdeepcluster.datasets._base import (
    DatasetSpec,
    RemoteFile,
    check_subset,
    get_data_home,
    locate,
)
from skdeepcluster.datasets._formats import (
    DatasetFileError,
    read_idx,
    read_libsvm_images,
    read_usps_h5,
)

__all__ = ["load_mnist", "load_fashion_mnist", "load_usps", "load_digits_images"]

# --------------------------------------------------------------------------- MNIST
# sha256 of the original files as pinned by TensorFlow Datasets / torchvision-based code
# (the md5 are torchvision's, which match the files served by the original site and its
# mirrors; the t10k files were checked against the copy in the project's shared data).
_MNIST_MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
)


def _mnist_file(name, sha256, md5):
    return RemoteFile(name, tuple(m + name for m in _MNIST_MIRRORS), sha256=sha256, md5=md5)


_MNIST = DatasetSpec(
    name="MNIST",
    subdirs=("mnist", "MNIST/raw"),
    system_dirs=("/usr/share/datasets/mnist",),
    files={
        "train": ((
            _mnist_file("train-images-idx3-ubyte.gz",
                        "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
                        "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
            _mnist_file("train-labels-idx1-ubyte.gz",
                        "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
                        "d53e105ee54ea40749a09fcbcd1e9432"),
        ),),
        "test": ((
            _mnist_file("t10k-images-idx3-ubyte.gz",
                        "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
                        "9fb629c4189551a2d022fa330f9573f3"),
            _mnist_file("t10k-labels-idx1-ubyte.gz",
                        "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
                        "ec29112dd5afa0611ce80d1b7f02629c"),
        ),),
    },
)

# ------------------------------------------------------------------- Fashion-MNIST
# md5: published by the authors in the Fashion-MNIST README (zalandoresearch/fashion-mnist).
# sha256: as pinned by TensorFlow Datasets for the same files. Note: Debian's
# dataset-fashion-mnist package re-compresses the files, so its .gz digests differ; local
# files are therefore validated structurally (gzip CRC, IDX magic, dims, length), and the
# digests are checked on downloads only.
_FASHION_BASE = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"


def _fashion_file(name, sha256, md5):
    return RemoteFile(name, (_FASHION_BASE + name,), sha256=sha256, md5=md5)


_FASHION = DatasetSpec(
    name="Fashion-MNIST",
    subdirs=("fashion-mnist", "fashion_mnist", "FashionMNIST/raw"),
    system_dirs=("/usr/share/datasets/fashion-mnist",),  # Debian: dataset-fashion-mnist
    files={
        "train": ((
            _fashion_file("train-images-idx3-ubyte.gz",
                          "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
                          "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
            _fashion_file("train-labels-idx1-ubyte.gz",
                          "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
                          "25c81989df183df01b3e8a0aad5dffbe"),
        ),),
        "test": ((
            _fashion_file("t10k-images-idx3-ubyte.gz",
                          "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
                          "bef4ecab320f06d8554ea6380940ec79"),
            _fashion_file("t10k-labels-idx1-ubyte.gz",
                          "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
                          "bb300cfdad3c16e7a12a480ee83cd310"),
        ),),
    },
)

# ---------------------------------------------------------------------------- USPS
# The LIBSVM site publishes no digest. No sha256 from a reliable source could be
# verified, so downloads are checked against the md5 that torchvision pins for these
# exact files (widely reproduced). usps.h5 (Kaggle layout) is accepted locally only.
_USPS_BASE = "https://www.csie.ntu.edu.tw/~cjlin/libsvmtools/datasets/multiclass/"
_USPS_H5 = RemoteFile("usps.h5", ())
_USPS = DatasetSpec(
    name="USPS",
    subdirs=("usps", "USPS"),
    system_dirs=("/usr/share/datasets/usps",),
    files={
        "train": (
            (RemoteFile("usps.bz2", (_USPS_BASE + "usps.bz2",),
                        md5="ec16c51db3855ca6c91edd34d0e9b197"),),
            (_USPS_H5,),
        ),
        "test": (
            (RemoteFile("usps.t.bz2", (_USPS_BASE + "usps.t.bz2",),
                        md5="8ea070ee2aca1ac39742fdd1ef5ed118"),),
            (_USPS_H5,),
        ),
    },
)


# ------------------------------------------------------------------------ helpers
def _finish(images, target, *, name, descr, return_X_y, files=()):
    images = np.ascontiguousarray(images, dtype=np.float32)
    target = np.asarray(target, dtype=np.int64)
    if return_X_y:
        return images, target
    n, h, w = images.shape
    return Bunch(
        data=images,
        images=images,
        target=target,
        target_names=np.arange(10),
        image_shape=(h, w),
        n_samples=n,
        files=[str(f) for f in files],
        DESCR=descr,
        name=name,
    )


def _load_idx_pair(images_path, labels_path, shape=(28, 28), n_classes=10):
    images = read_idx(images_path, expected_ndim=3)
    labels = read_idx(labels_path, expected_ndim=1)
    if images.dtype != np.uint8 or labels.dtype != np.uint8:
        raise DatasetFileError(f"{images_path}/{labels_path}: expected unsigned byte IDX files.")
    if images.shape[1:] != shape:
        raise DatasetFileError(f"{images_path}: images are {images.shape[1:]}, expected {shape}.")
    if len(images) != len(labels):
        raise DatasetFileError(
            f"{images_path} has {len(images)} images but {labels_path} has {len(labels)} labels."
        )
    if labels.size and labels.max() >= n_classes:
        raise DatasetFileError(f"{labels_path}: label {labels.max()} outside 0..{n_classes - 1}.")
    return images.astype(np.float32) / 255.0, labels.astype(np.int64)


def _load_idx_dataset(spec, descr, subset, data_home, download_if_missing, return_X_y):
    parts = check_subset(subset)
    xs, ys, files = [], [], []
    for part in parts:
        paths, _, _ = locate(spec, part, data_home, download_if_missing)
        x, y = _load_idx_pair(*paths)
        xs.append(x)
        ys.append(y)
        files.extend(paths)
    return _finish(np.concatenate(xs), np.concatenate(ys), name=spec.name,
                   descr=descr + f"\n\nsubset={subset!r}; files: " + ", ".join(map(str, files)),
                   return_X_y=return_X_y, files=files)


_DOC_PARAMS = """
    Parameters
    ----------
    subset : {"train", "test", "all"}, default="all"
        Which split to load; "all" concatenates train then test. Only the files
        of the requested split are needed.
    data_home : str or path-like, optional
        Cache/search directory; default ``$XDG_CACHE_HOME/skdeepcluster``
        (``~/.cache/skdeepcluster``). Files are looked for in ``<data_home>/%s/``,
        then in well-known system locations, and downloaded (with digest check) only
        if not found.
    download_if_missing : bool, default=True
        If False, raise FileNotFoundError instead of downloading.
    return_X_y : bool, default=False
        Return ``(images, target)`` instead of a :class:`~sklearn.utils.Bunch`.

    Returns
    -------
    Bunch with ``data``/``images`` (float32, shape (n, H, W), values in [0, 1]),
    ``target`` (int64), ``image_shape``, ``files`` and ``DESCR``; or ``(X, y)``.
"""


def load_mnist(*, subset="all", data_home=None, download_if_missing=True, return_X_y=False):
    return _load_idx_dataset(
        _MNIST,
        "MNIST handwritten digits (LeCun et al.): 60,000 train + 10,000 test 28x28 "
        "grey images, 10 classes.",
        subset, data_home, download_if_missing, return_X_y,
    )


load_mnist.__doc__ = "Load MNIST (28x28 handwritten digits, 70,000 images).\n" + (
    _DOC_PARAMS % "mnist")


def load_fashion_mnist(*, subset="all", data_home=None, download_if_missing=True,
                       return_X_y=False):
    return _load_idx_dataset(
        _FASHION,
        "Fashion-MNIST (Xiao et al. 2017): 60,000 train + 10,000 test 28x28 grey images "
        "of Zalando articles, 10 classes.",
        subset, data_home, download_if_missing, return_X_y,
    )


load_fashion_mnist.__doc__ = "Load Fashion-MNIST (28x28 clothing images, 70,000 images).\n" + (
    _DOC_PARAMS % "fashion-mnist")


def load_usps(*, subset="all", data_home=None, download_if_missing=True, return_X_y=False):
    parts = check_subset(subset)
    xs, ys, files = [], [], []
    for part in parts:
        paths, alt, _ = locate(_USPS, part, data_home, download_if_missing)
        path = paths[0]
        if alt[0].name == "usps.h5":
            x, y = read_usps_h5(path, part)
        else:
            x, y = read_libsvm_images(path, n_features=256, shape=(16, 16))
            y = y - 1  # LIBSVM labels 1..10 stand for digits 0..9
        if y.size and (y.min() < 0 or y.max() > 9):
            raise DatasetFileError(f"{path}: labels outside the 10 USPS classes.")
        xs.append(x)
        ys.append(y)
        files.append(path)
    return _finish(np.concatenate(xs), np.concatenate(ys), name="USPS",
                   descr="USPS handwritten digits: 7,291 train + 2,007 test 16x16 grey "
                   "images, 10 classes (LIBSVM distribution, pixels rescaled from [-1,1] "
                   f"to [0,1]).\n\nsubset={subset!r}; files: " + ", ".join(map(str, files)),
                   return_X_y=return_X_y, files=files)


load_usps.__doc__ = "Load USPS (16x16 handwritten digits, 9,298 images).\n" + (
    _DOC_PARAMS % "usps").replace(
    "downloaded (with digest check)",
    "downloaded (usps.bz2/usps.t.bz2 from LIBSVM, md5 check); a usps.h5 with train/test "
    "groups (needs h5py) is accepted too, and").replace("only if not found", "if not found")


def load_digits_images(*, subset="all", data_home=None, download_if_missing=True,
                       return_X_y=False):
    """Load sklearn's bundled 8x8 digits as (1797, 8, 8) float32 images in [0, 1].

    ``subset`` is validated for API symmetry, but the digits have no official split:
    every value returns all 1,797 images except that "train"/"test" are refused with
    a ValueError pointing at sklearn.model_selection.train_test_split. ``data_home``
    and ``download_if_missing`` are accepted and ignored (the data ships with sklearn).
    """
    check_subset(subset)
    if subset != "all":
        raise ValueError(
            "The digits dataset has no official train/test split: use subset='all' and "
            "sklearn.model_selection.train_test_split."
        )
    from sklearn.datasets import load_digits

    d = load_digits()
    images = d.images.astype(np.float32) / 16.0
    return _finish(images, d.target, name="digits",
                   descr="sklearn's bundled UCI ML hand-written digits: 1,797 8x8 images "
                   "(pixel counts 0..16 divided by 16), 10 classes.",
                   return_X_y=return_X_y)


get_data_home = get_data_home
