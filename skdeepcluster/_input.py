"""The input layer shared by every estimator: validation, image/vector detection, the
standardisation of vectors, devices.

Two kinds of input reach the networks:

* vectors, shape ``(n_samples, n_features)``: tabular data or embedding matrices;
* images, shape ``(n_samples, C, H, W)``: given as ``(n, H, W)``, ``(n, C, H, W)``, or as
  2-D rows together with an ``image_shape`` parameter.
"""

import numbers
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import torch
from sklearn.utils import check_array
from sklearn.utils.validation import validate_data

from skdeepcluster._warnings import warn_user


@dataclass(frozen=True)
class InputSpec:
    """What the networks need to know about the training input.

    Attributes
    ----------
    kind : {"vector", "image"}
    shape : tuple of int
        Shape of one sample as the networks see it: ``(n_features,)`` or ``(C, H, W)``.
    """

    kind: str
    shape: tuple

    @property
    def n_features(self):
        return int(np.prod(self.shape))


def _normalise_image_shape(image_shape):
    """``(H, W)`` or ``(C, H, W)`` of positive ints -> ``(C, H, W)``."""
    shape = tuple(image_shape)
    if len(shape) not in (2, 3) or not all(
        isinstance(s, numbers.Integral) and s > 0 for s in shape
    ):
        raise ValueError(
            "image_shape must be (height, width) or (channels, height, width) of positive "
            f"ints, got {image_shape!r}."
        )
    return (1, *shape) if len(shape) == 2 else shape


#: A column whose standard deviation is at most this fraction of its largest magnitude is
#: constant (float64 rounding, not information); it is scaled to 0.
_CONSTANT_RELATIVE_STD = 1e-10
#: Rows standardised at a time (float64 work space stays small).
_SCALING_CHUNK = 65536
#: Images with a side below this many pixels are refused (no image views or CNN for them).
MIN_IMAGE_SIDE = 4


def validate_input(estimator, X, *, reset, image_shape=None, min_samples=1, dtype=np.float32):
    """Check ``X`` and return ``(array, spec)``, ``array`` of shape (n, *spec.shape).

    ``array`` is cast to ``dtype``; ``dtype=None`` keeps the float precision of the input
    (float32 or float64), for scaling in float64 before the cast. On ``reset=True``
    (fit) this sets ``n_features_in_`` (and ``feature_names_in_`` for DataFrames)
    exactly as sklearn's ``validate_data`` does; on ``reset=False`` it checks the input
    against what was seen in ``fit``.
    """
    ndim = getattr(X, "ndim", None)
    if ndim is not None and ndim >= 3:
        X = check_array(
            X,
            allow_nd=True,
            dtype=[np.float32, np.float64],
            ensure_min_samples=min_samples,
            input_name="X",
        )
        if X.ndim > 4:
            raise ValueError(
                f"Image input must have shape (n, H, W) or (n, C, H, W); got {X.ndim}-D input."
            )
        shape = X.shape[1:] if X.ndim == 4 else (1, *X.shape[1:])
        if reset:
            _check_image_layout(X.shape, shape)
            estimator.n_features_in_ = int(np.prod(shape))
            if hasattr(estimator, "feature_names_in_"):
                del estimator.feature_names_in_
        elif tuple(shape) != tuple(estimator._input_spec.shape):
            raise ValueError(
                f"X has images of shape {tuple(shape)}, but {type(estimator).__name__} was "
                f"fitted on images of shape {tuple(estimator._input_spec.shape)}."
            )
        spec = InputSpec("image", tuple(int(s) for s in shape))
    else:
        X = validate_data(
            estimator,
            X,
            reset=reset,
            dtype=[np.float32, np.float64],
            ensure_min_samples=min_samples,
        )
        if reset:
            if image_shape is not None:
                shape = _normalise_image_shape(image_shape)
                if int(np.prod(shape)) != X.shape[1]:
                    raise ValueError(
                        f"image_shape={tuple(image_shape)} holds {int(np.prod(shape))} values "
                        f"per sample, but X has {X.shape[1]} features."
                    )
                _check_image_layout(X.shape, shape)
                spec = InputSpec("image", shape)
            else:
                spec = InputSpec("vector", (X.shape[1],))
        else:
            spec = estimator._input_spec
    X = np.ascontiguousarray(X, dtype=dtype).reshape((X.shape[0], *spec.shape))
    return X, spec


def _check_image_layout(array_shape, image_shape):
    """Refuse image input the CNN cannot take: channels-last arrays and tiny images."""
    c, h, w = image_shape
    if len(array_shape) == 4 and array_shape[-1] in (1, 3, 4) and c not in (1, 3, 4):
        raise ValueError(
            f"X of shape {tuple(array_shape)} looks channels-last (n, H, W, C); images must "
            "be (n, C, H, W): pass X.transpose(0, 3, 1, 2).")
    if min(h, w) < MIN_IMAGE_SIDE:
        raise ValueError(
            f"X of shape {tuple(array_shape)} holds images of {h}x{w} pixels; the image path "
            f"needs at least {MIN_IMAGE_SIDE}x{MIN_IMAGE_SIDE}. For vectors, pass a 2-D "
            "array (n_samples, n_features).")


def resolve_device(device):
    """Turn the ``device`` parameter into a ``torch.device``, failing clearly.

    ``"auto"`` picks CUDA when it is available, else the CPU.
    """
    if isinstance(device, str) and device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(
            "device must be 'auto', 'cpu', 'cuda', 'cuda:N' or a torch.device, "
            f"got {device!r}."
        ) from exc
    if resolved.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(
                f"device={device!r} was requested but CUDA is not available on this machine "
                "(torch.cuda.is_available() is False); use device='cpu' or 'auto'."
            )
        if resolved.index is not None and resolved.index >= torch.cuda.device_count():
            raise ValueError(
                f"device={device!r} was requested but only {torch.cuda.device_count()} CUDA "
                "device(s) are visible."
            )
    elif resolved.type != "cpu":
        raise ValueError(f"device must be a CPU or CUDA device, got {device!r}.")
    return resolved


class Scaling(NamedTuple):
    """How vectors are scaled: ``clip((x - mean) / std, -clip, clip)`` in float64
    (``clip=None``: not clipped)."""

    mean: np.ndarray
    std: np.ndarray
    clip: float | None = None


def fit_scaling(X, kind, clip=None):
    """The :class:`Scaling` of vectors (per-feature mean and std in float64, then
    ``clip``); images keep their pixel range (None). Constant columns (see
    ``_CONSTANT_RELATIVE_STD``) get std 1, so they scale to 0."""
    if kind != "vector":
        return None
    mean = X.mean(axis=0, dtype=np.float64)
    std = X.std(axis=0, dtype=np.float64)
    magnitude = np.maximum(np.abs(X.max(axis=0)), np.abs(X.min(axis=0)))
    constant = std <= _CONSTANT_RELATIVE_STD * magnitude
    if np.any(constant):
        warn_user(f"{int(np.sum(constant))} feature(s) of X are constant; they carry no "
                  "information for clustering.")
    return Scaling(mean, np.where(constant, 1.0, std), None if clip is None else float(clip))


def apply_scaling(X, scaling):
    """``X`` standardised (and clipped) in float64 (vectors) and cast to float32, in row
    chunks."""
    out = np.empty(X.shape, dtype=np.float32)
    for start in range(0, X.shape[0], _SCALING_CHUNK):
        block = X[start : start + _SCALING_CHUNK]
        if scaling is not None:
            block = block.astype(np.float64)  # a copy: scaled in place
            block -= scaling.mean
            block /= scaling.std
            if scaling.clip is not None:
                np.clip(block, -scaling.clip, scaling.clip, out=block)
        out[start : start + _SCALING_CHUNK] = block
    if not np.all(np.isfinite(out)):
        raise ValueError(
            "X has values beyond float32's range (about 3.4e38) after standardisation "
            "with the training data's mean and scale; the networks compute in float32.")
    return out
