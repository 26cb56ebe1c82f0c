"""Corruptions for image batches of shape (B, C, H, W), applied per sample in one call."""

import math

import torch
import torch.nn.functional as F


def random_affine(x, rotate=0.0, translate=0.0, scale=(1.0, 1.0), shear=0.0, hflip=False):
    """Per-sample random affine warp (rotation and shear in degrees, translation as a
    fraction of the side), zero padding, bilinear sampling; ``hflip`` flips half the batch.
    """
    b = x.shape[0]
    dev = x.device

    def uniform(lo, hi):
        return torch.empty(b, device=dev).uniform_(lo, hi)

    angle = uniform(-rotate, rotate) * (math.pi / 180)
    sh = uniform(-shear, shear) * (math.pi / 180)
    s = uniform(*scale)
    tx, ty = uniform(-translate, translate) * 2, uniform(-translate, translate) * 2
    cos, sin = torch.cos(angle), torch.sin(angle)
    # Inverse map from output to input coordinates, as affine_grid expects.
    theta = torch.stack(
        [
            torch.stack([cos / s, (-sin + torch.tan(sh) * cos) / s, tx], 1),
            torch.stack([sin / s, (cos + torch.tan(sh) * sin) / s, ty], 1),
        ],
        1,
    )
    if hflip:
        flip = torch.where(torch.rand(b, device=dev) < 0.5, -1.0, 1.0)
        theta[:, :, 0] = theta[:, :, 0] * flip[:, None]
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


def cutout(x, max_size):
    """Zero one square of random side in [1, max_size * side] at a random place per sample."""
    if max_size <= 0:
        return x
    b, _, h, w = x.shape
    dev = x.device
    side = (torch.rand(b, device=dev) * max_size * min(h, w)).clamp_min(1)
    cy = torch.rand(b, device=dev) * h
    cx = torch.rand(b, device=dev) * w
    ys = torch.arange(h, device=dev).view(1, h, 1)
    xs = torch.arange(w, device=dev).view(1, 1, w)
    half = (side / 2).view(b, 1, 1)
    inside = ((ys - cy.view(b, 1, 1)).abs() < half) & ((xs - cx.view(b, 1, 1)).abs() < half)
    return x * (~inside).unsqueeze(1)


def intensity_jitter(x, brightness, contrast, p=1.0, value_range=None):
    """Per-sample random brightness and contrast, as torchvision's ``ColorJitter`` does on
    grey images: ``x * b``, then ``(x - mean) * c + mean`` with the sample's mean, the
    factors uniform in ``[1 - brightness, 1 + brightness]`` and ``[1 - contrast, 1 +
    contrast]`` (at least 0), for a random fraction ``p`` of the batch (the others pass
    unchanged); clipped to ``value_range`` when it is given.
    """
    b = x.shape[0]
    dev = x.device
    shape = (b,) + (1,) * (x.ndim - 1)
    on = torch.rand(shape, device=dev) < p

    def factor(s):
        return (1 + torch.empty(shape, device=dev).uniform_(-s, s)).clamp_min(0)

    out = x * factor(brightness)
    mean = out.mean(dim=tuple(range(1, x.ndim)), keepdim=True)
    out = (out - mean) * factor(contrast) + mean
    if value_range is not None:
        out = out.clamp(*value_range)
    return torch.where(on, out, x)


class ImageViews:
    """Weak and strong views of small images (no flips by default: digits are not
    flip-invariant).

    Parameters
    ----------
    weak_translate : float, default=0.1
        Weak view: a random shift of up to this fraction of the side (the images'
        "pad-and-crop").
    strong_rotate, strong_translate, strong_scale, strong_shear : affine ranges of the
        strong view.
    strong_cutout : float, default=0.4
        Largest cutout side as a fraction of the image side.
    strong_brightness, strong_contrast : float, default=0.8
        Strong view: random brightness and contrast factors in ``[1 - s, 1 + s]``
        (:func:`intensity_jitter`, SimCLR's strength), applied to a fraction
        ``strong_jitter_p`` of the samples. Without them two views of one image share
        its overall intensity, and instance contrast learns that instead of shape
        (measurements in ``docs/tuning.md``).
    strong_jitter_p : float, default=0.8
    strong_noise : float, default=0.05
    hflip : bool, default=False
    value_range : tuple of float, default=None
        ``(low, high)`` the jittered pixels are clipped to (the data's range; ``None``
        leaves them unclipped).
    """

    def __init__(self, weak_translate=0.1, strong_rotate=20.0, strong_translate=0.15,
                 strong_scale=(0.8, 1.2), strong_shear=15.0, strong_cutout=0.4,
                 strong_brightness=0.8, strong_contrast=0.8, strong_jitter_p=0.8,
                 strong_noise=0.05, hflip=False, value_range=None):
        self.weak_translate = weak_translate
        self.strong_rotate = strong_rotate
        self.strong_translate = strong_translate
        self.strong_scale = strong_scale
        self.strong_shear = strong_shear
        self.strong_cutout = strong_cutout
        self.strong_brightness = strong_brightness
        self.strong_contrast = strong_contrast
        self.strong_jitter_p = strong_jitter_p
        self.strong_noise = strong_noise
        self.hflip = hflip
        self.value_range = value_range

    def release_data(self):
        """Nothing to drop: image views keep no training data."""

    def weak(self, x, index=None):
        return random_affine(x, translate=self.weak_translate, hflip=self.hflip)

    def strong(self, x, index=None):
        x = intensity_jitter(x, self.strong_brightness, self.strong_contrast,
                             self.strong_jitter_p, self.value_range)
        x = random_affine(
            x,
            rotate=self.strong_rotate,
            translate=self.strong_translate,
            scale=self.strong_scale,
            shear=self.strong_shear,
            hflip=self.hflip,
        )
        x = cutout(x, self.strong_cutout)
        if self.strong_noise > 0:
            x = x + self.strong_noise * torch.randn_like(x)
        return x
