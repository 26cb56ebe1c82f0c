"""Loss functions. Each takes tensors and returns a scalar; selection happens elsewhere."""

from skdeepcluster.losses._consistency import fixmatch_consistency_loss
from skdeepcluster.losses._contrastive import nt_xent_loss
from skdeepcluster.losses._pseudo_label import pseudo_label_cross_entropy

__all__ = [
    "fixmatch_consistency_loss",
    "nt_xent_loss",
    "pseudo_label_cross_entropy",
]
