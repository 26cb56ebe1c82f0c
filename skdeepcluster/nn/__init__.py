"""Torch building blocks: backbones, heads, projectors, the models ``predict`` runs,
the EMA copy of a model and the precision the backbones compute in."""

from skdeepcluster.nn._autoencoders import (
    ConvAutoencoder,
    MLPAutoencoder,
    build_autoencoder,
)
from skdeepcluster.nn._backbones import ConvBackbone, MLPBackbone, build_backbone
from skdeepcluster.nn._ema import ExponentialMovingAverage
from skdeepcluster.nn._heads import MLP, MultiHead, l2_normalize
from skdeepcluster.nn._inference import forward_in_batches
from skdeepcluster.nn._models import (
    AutoencoderEnsemble,
    ClusteringModel,
    ContrastiveModel,
    FrozenBackboneHeads,
    MTDCModel,
    RescaledInput,
)
from skdeepcluster.nn._precision import PRECISIONS, native_cpu_bf16, resolve_precision

__all__ = [
    "AutoencoderEnsemble",
    "ClusteringModel",
    "ContrastiveModel",
    "ConvAutoencoder",
    "ConvBackbone",
    "ExponentialMovingAverage",
    "FrozenBackboneHeads",
    "MLP",
    "MLPAutoencoder",
    "MLPBackbone",
    "MTDCModel",
    "MultiHead",
    "PRECISIONS",
    "RescaledInput",
    "build_autoencoder",
    "build_backbone",
    "forward_in_batches",
    "l2_normalize",
    "native_cpu_bf16",
    "resolve_precision",
]
