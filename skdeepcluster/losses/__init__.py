"""Loss functions. Each takes tensors and returns a scalar; selection happens elsewhere."""

from skdeepcluster.losses._consistency import fixmatch_consistency_loss
from skdeepcluster.losses._contrastive import nt_xent_loss
from skdeepcluster.losses._pseudo_label import pseudo_label_cross_entropy
from skdeepcluster.losses._reconstruction import latent_noise, spc_loss

__all__ = [
    "fixmatch_consistency_loss",
    "latent_noise",
    "nt_xent_loss",
    "pseudo_label_cross_entropy",
    "spc_loss",
]
