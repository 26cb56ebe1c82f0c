"""Numeric precision of the backbones: float32, or bfloat16 autocast of their layers."""

import contextlib
import functools

import torch

PRECISIONS = ("auto", "float32", "bfloat16")


@functools.cache
def native_cpu_bf16():
    """Whether oneDNN runs bfloat16 natively on this CPU (AVX-512 BF16 or AMX)."""
    try:
        return bool(torch.backends.mkldnn.is_available()
                    and torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):  # private op: absent in some builds
        return False


def resolve_precision(precision, device, kind):
    """``"auto"`` -> ``"bfloat16"`` for images on a CPU with native bfloat16 (where its
    convolutions run faster at the same accuracy), else ``"float32"``; other values pass."""
    if precision != "auto":
        return precision
    native = torch.device(device).type == "cpu" and native_cpu_bf16()
    return "bfloat16" if native and kind == "image" else "float32"


def autocast(device, precision):
    """bfloat16 autocast on ``device`` when ``precision == "bfloat16"``, else nothing."""
    if precision != "bfloat16":
        return contextlib.nullcontext()
    return torch.autocast(torch.device(device).type, dtype=torch.bfloat16)
