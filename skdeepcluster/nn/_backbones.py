"""Backbones: an MLP for vectors and a small CNN for images.

Both map a batch to a representation of ``out_features`` values; the estimators put
projectors and cluster heads on top.
"""

import copy

import torch
from torch import nn

from skdeepcluster.nn._precision import autocast


class MLPBackbone(nn.Module):
    """``in_features -> hidden... -> out_features`` with BatchNorm and ReLU between layers.

    Parameters
    ----------
    in_features : int
    hidden : tuple of int, default=(512, 512)
    out_features : int, default=128
    precision : {"float32", "bfloat16"}, default="float32"
        ``"bfloat16"`` runs the layers under bfloat16 autocast; the output is float32.
    """

    def __init__(self, in_features, hidden=(512, 512), out_features=128, precision="float32"):
        super().__init__()
        self.precision = precision
        layers, width = [], in_features
        for h in hidden:
            layers += [nn.Linear(width, h), nn.BatchNorm1d(h), nn.ReLU(inplace=True)]
            width = h
        layers.append(nn.Linear(width, out_features))
        self.net = nn.Sequential(*layers)
        self.out_features = out_features

    def forward(self, x):
        with autocast(x.device, self.precision):
            return self.net(x.flatten(1)).float()


class ConvBackbone(nn.Module):
    """A small CNN for small images (digits, MNIST, 32x32 colour).

    Each stage is one 3x3 conv-BN-ReLU layer, with stride 2 from the second stage on.
    Images of 16 pixels or more a side also downsample in the first stage, and are
    average-pooled to a 2x2 grid rather than globally, so the representation keeps where
    strokes are (``docs/tuning.md``, "ConvBackbone"). A linear layer gives the
    representation. Deliberately small: it must train in minutes on a CPU.

    The convolutions run in the channels-last memory layout, in which oneDNN's CPU
    kernels for convolution and BatchNorm are faster. With ``precision="bfloat16"``
    the convolution stack runs under bfloat16 autocast; the pooled output, the linear
    layer and everything after it (heads, losses, probabilities) stay float32.

    Parameters
    ----------
    in_channels : int
    widths : tuple of int, default=(32, 64, 128)
    out_features : int, default=128
    image_side : int, default=8
        The smaller image side; from 16 on, the first stage downsamples too and the
        output is pooled to a 2x2 grid.
    precision : {"float32", "bfloat16"}, default="float32"
    """

    def __init__(self, in_channels, widths=(32, 64, 128), out_features=128, image_side=8,
                 precision="float32"):
        super().__init__()
        self.precision = precision
        layers, width = [], in_channels
        for stage, w in enumerate(widths):
            stride = 2 if stage > 0 or image_side >= 16 else 1
            layers += [
                nn.Conv2d(width, w, 3, stride=stride, padding=1, bias=False),
                nn.BatchNorm2d(w),
                nn.ReLU(inplace=True),
            ]
            width = w
        self.features = nn.Sequential(*layers)
        self.grid = 2 if image_side >= 16 else 1
        self.fc = nn.Linear(width * self.grid**2, out_features)
        self.out_features = out_features
        self.features.to(memory_format=torch.channels_last)

    def forward(self, x):
        x = x.contiguous(memory_format=torch.channels_last)
        with autocast(x.device, self.precision):
            h = self.features(x)
        h = nn.functional.adaptive_avg_pool2d(h.float(), self.grid)
        return self.fc(torch.flatten(h, 1))


def build_backbone(spec, user_backbone=None, out_features=128, hidden=(512, 512),
                   widths=(32, 64, 128), precision="float32"):
    """The backbone for an input spec, or a fresh copy of the user's module.

    A user module must map a batch of shape (B, *spec.shape) to (B, d); its output size
    is found with one dry forward pass. ``precision`` applies to the package's backbones
    only; a user module runs as it is written.
    """
    if user_backbone is not None:
        module = copy.deepcopy(user_backbone)
        with torch.no_grad():
            was = module.training
            module.eval()
            out = module(torch.zeros((2, *spec.shape)))
            module.train(was)
        if out.ndim != 2:
            raise ValueError(
                "backbone must return a 2-D tensor (batch, features); it returned shape "
                f"{tuple(out.shape)} for input of shape {(2, *spec.shape)}."
            )
        module.out_features = int(out.shape[1])
        return module
    if spec.kind == "image":
        return ConvBackbone(spec.shape[0], widths=widths, out_features=out_features,
                            image_side=min(spec.shape[1:]), precision=precision)
    return MLPBackbone(spec.n_features, hidden=hidden, out_features=out_features,
                       precision=precision)
