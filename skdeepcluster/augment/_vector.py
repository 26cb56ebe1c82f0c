"""Corruptions for vectors (tabular rows, embeddings), assumed standardised per feature."""

import torch


def gaussian_noise(x, std):
    """``x`` plus isotropic Gaussian noise of standard deviation ``std``."""
    if std <= 0:
        return x
    return x + std * torch.randn_like(x)


def feature_mask(x, p):
    """Set each entry to 0 (the feature mean after standardisation) with probability ``p``."""
    if p <= 0:
        return x
    keep = torch.rand_like(x) >= p
    return x * keep


def scarf_resample(x, p, pool):
    """SCARF corruption: replace each entry with probability ``p`` by the same feature's
    value in a random row of ``pool``, i.e. a draw from that column's empirical marginal.

    Parameters
    ----------
    x : Tensor of shape (B, d)
    p : float
    pool : Tensor of shape (n, d), on x's device

    References
    ----------
    Bahri et al., "SCARF: Self-Supervised Contrastive Learning using Random Feature
    Corruption", ICLR 2022.
    """
    if p <= 0:
        return x
    rows = torch.randint(pool.shape[0], x.shape, device=x.device)
    cols = torch.arange(x.shape[1], device=x.device).expand_as(rows)
    replace = torch.rand_like(x) < p
    return torch.where(replace, pool[rows, cols], x)


class VectorViews:
    """Weak and strong views of standardised vectors by corruption (noise, masking).

    The default strong view masks half of the features and adds noise. SCARF resampling
    is available (``strong_resample``) but off by default: it did worse on the digits
    rows (``docs/tuning.md``, "Vector views").

    Parameters
    ----------
    pool : Tensor of shape (n, d)
        Rows whose column marginals SCARF draws from (the training data).
    weak_noise : float, default=0.05
    strong_noise : float, default=0.1
    strong_mask : float, default=0.5
    strong_resample : float, default=0.0
    """

    def __init__(self, pool, weak_noise=0.05, strong_noise=0.1, strong_mask=0.5,
                 strong_resample=0.0):
        self.pool = pool
        self.weak_noise = weak_noise
        self.strong_noise = strong_noise
        self.strong_mask = strong_mask
        self.strong_resample = strong_resample

    def release_data(self):
        """Drop the training rows (``pool``) once training is over."""
        self.pool = None

    def weak(self, x, index=None):
        return gaussian_noise(x, self.weak_noise)

    def strong(self, x, index=None):
        x = scarf_resample(x, self.strong_resample, self.pool)
        x = feature_mask(x, self.strong_mask)
        return gaussian_noise(x, self.strong_noise)
