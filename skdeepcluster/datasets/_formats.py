"""Parsers for the on-disk formats of the image datasets (numpy only).

* IDX (MNIST, Fashion-MNIST): big-endian header ``0x00 0x00 <dtype> <ndim>``
  followed by ``ndim`` uint32 dimensions and the row-major payload.
* LIBSVM / svmlight text (USPS from the LIBSVM site), optionally bz2-compressed.
* HDF5 ``usps.h5`` with ``train``/``test`` groups holding ``data`` and ``target``.

Every parser refuses malformed input with :class:`DatasetFileError` instead of
returning garbage.
"""

from __future__ import annotations

import bz2
import gzip
import os
import zlib

import numpy as np

__all__ = ["DatasetFileError", "read_idx", "read_libsvm_images", "read_usps_h5"]


class DatasetFileError(ValueError):
    """A dataset file exists but is corrupted, truncated or of the wrong kind."""


# IDX type code -> big-endian numpy dtype
_IDX_DTYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


def _read_bytes(path, compression):
    path = os.fspath(path)
    try:
        if compression == "gzip":
            with gzip.open(path, "rb") as f:
                return f.read()
        if compression == "bz2":
            with bz2.open(path, "rb") as f:
                return f.read()
        with open(path, "rb") as f:
            return f.read()
    except (OSError, EOFError, zlib.error, ValueError) as exc:
        raise DatasetFileError(
            f"{path}: cannot decompress ({compression}): {exc}. The file is corrupted or "
            "truncated; delete it and download it again."
        ) from exc


def _compression_for(path):
    name = os.fspath(path)
    if name.endswith(".gz"):
        return "gzip"
    if name.endswith(".bz2"):
        return "bz2"
    return None


def read_idx(path, expected_ndim=None):
    """Read an IDX file (optionally ``.gz``) into a numpy array of its own dtype.

    Parameters
    ----------
    path : path-like
        The file; a ``.gz`` suffix means gzip-compressed.
    expected_ndim : int, optional
        Refuse files whose header declares another number of dimensions
        (3 for image files, 1 for label files).

    Raises
    ------
    DatasetFileError
        Bad compression, wrong magic number, unknown type code, or a payload
        whose length does not match the header's dimensions.
    """
    raw = _read_bytes(path, _compression_for(path))
    if len(raw) < 4:
        raise DatasetFileError(f"{path}: file too short to be an IDX file ({len(raw)} bytes).")
    if raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_DTYPES:
        raise DatasetFileError(
            f"{path}: wrong IDX magic number {raw[:4].hex()} (expected 0000<type><ndim>, "
            "e.g. 00000803 for images, 00000801 for labels)."
        )
    dtype = _IDX_DTYPES[raw[2]]
    ndim = raw[3]
    if expected_ndim is not None and ndim != expected_ndim:
        raise DatasetFileError(
            f"{path}: IDX header declares {ndim} dimensions, expected {expected_ndim} "
            "(is this an image file where a label file was expected, or vice versa?)."
        )
    header_len = 4 + 4 * ndim
    if len(raw) < header_len:
        raise DatasetFileError(f"{path}: truncated IDX header.")
    dims = tuple(int(d) for d in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    expected = int(np.prod(dims, dtype=np.int64)) * dtype.itemsize
    got = len(raw) - header_len
    if got != expected:
        raise DatasetFileError(
            f"{path}: IDX payload has {got} bytes but the header {dims} needs {expected}; "
            "the file is truncated or corrupted."
        )
    return np.frombuffer(raw, dtype=dtype, offset=header_len).reshape(dims)


def read_libsvm_images(path, n_features=256, shape=(16, 16), value_range=(-1.0, 1.0)):
    """Read a dense-ish LIBSVM text file (``.bz2`` allowed) of images.

    Returns ``(images, labels)`` with images as float32 of shape ``(n, *shape)``
    rescaled from ``value_range`` to [0, 1] (missing features are 0 in the
    file's own scale, as LIBSVM's sparse format implies), and raw integer labels.
    """
    raw = _read_bytes(path, _compression_for(path))
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError as exc:
        raise DatasetFileError(f"{path}: not a LIBSVM text file (non-ASCII bytes).") from exc
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if not lines:
        raise DatasetFileError(f"{path}: empty LIBSVM file.")
    X = np.zeros((len(lines), n_features), dtype=np.float64)
    y = np.empty(len(lines), dtype=np.int64)
    for i, line in enumerate(lines):
        parts = line.split()
        try:
            label = float(parts[0])
            if label != int(label):
                raise ValueError("non-integer label")
            y[i] = int(label)
            for item in parts[1:]:
                idx, val = item.split(":", 1)
                j = int(idx) - 1
                if not 0 <= j < n_features:
                    raise ValueError(f"feature index {idx} outside 1..{n_features}")
                X[i, j] = float(val)
        except (ValueError, IndexError) as exc:
            raise DatasetFileError(f"{path}: line {i + 1} is not valid LIBSVM: {exc}") from exc
    lo, hi = value_range
    if not np.all(np.isfinite(X)) or X.min() < lo - 1e-6 or X.max() > hi + 1e-6:
        raise DatasetFileError(f"{path}: feature values outside the expected range {value_range}.")
    images = ((X - lo) / (hi - lo)).clip(0.0, 1.0).astype(np.float32).reshape(-1, *shape)
    return images, y


def read_usps_h5(path, group, shape=(16, 16)):
    """Read ``group`` ("train" or "test") of a ``usps.h5`` file: (images in [0,1], labels)."""
    try:
        import h5py
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            f"Reading {path} needs the optional dependency h5py (pip install h5py), or "
            "provide the LIBSVM files usps.bz2 / usps.t.bz2 instead."
        ) from exc
    try:
        with h5py.File(os.fspath(path), "r") as f:
            X = np.asarray(f[group]["data"][()], dtype=np.float64)
            y = np.asarray(f[group]["target"][()]).astype(np.int64)
    except (OSError, KeyError) as exc:
        raise DatasetFileError(
            f"{path}: not a usps.h5 with '{group}/data' and '{group}/target': {exc}"
        ) from exc
    n_pix = int(np.prod(shape))
    if X.ndim < 2 or int(np.prod(X.shape[1:])) != n_pix or len(X) != len(y):
        raise DatasetFileError(f"{path}: unexpected shapes data={X.shape} target={y.shape}.")
    if X.max() > 1.0 + 1e-6 or X.min() < -1e-6:
        if X.min() >= 0 and X.max() <= 255:
            X = X / 255.0
        else:
            raise DatasetFileError(f"{path}: pixel values outside [0, 1].")
    return X.reshape(-1, *shape).astype(np.float32), y
