"""Torch building blocks: backbones, heads, projectors and the EMA copy of a model."""

from skdeepcluster.nn._autoencoders import (
    ConvAutoencoder,
    MLPAutoencoder,
    build_autoencoder,
)
from skdeepcluster.nn._backbones import (
    ConvBackbone,
    MLPBackbone,
    build_backbone,
    cpu_bf16_enabled,
)
from skdeepcluster.nn._ema import ExponentialMovingAverage
from skdeepcluster.nn._heads import MLP, MultiHead, l2_normalize
from skdeepcluster.nn._inference import forward_in_batches

__all__ = [
    "ConvAutoencoder",
    "MLPAutoencoder",
    "build_autoencoder",
    "ConvBackbone",
    "ExponentialMovingAverage",
    "MLP",
    "MLPBackbone",
    "MultiHead",
    "build_backbone",
    "cpu_bf16_enabled",
    "forward_in_batches",
    "l2_normalize",
]
