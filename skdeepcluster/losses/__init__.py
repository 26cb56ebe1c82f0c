"""Loss functions. Each takes tensors and returns a scalar; selection happens elsewhere."""

from skdeepcluster.losses._cluster_contrastive import (
    cluster_contrastive_loss,
    cluster_entropy_regularizer,
)
from skdeepcluster.losses._consistency import fixmatch_consistency_loss
from skdeepcluster.losses._contrastive import nt_xent_loss
from skdeepcluster.losses._fairness import self_adaptive_fairness_loss
from skdeepcluster.losses._mutual import (
    pairwise_similarity_bce_loss,
    pseudo_label_supcon_loss,
    top_r_agreement_mask,
)
from skdeepcluster.losses._negative import negative_pseudo_label_loss
from skdeepcluster.losses._pseudo_label import (
    balanced_pseudo_label_cross_entropy,
    pseudo_label_cross_entropy,
)
from skdeepcluster.losses._reconstruction import latent_noise, spc_loss
from skdeepcluster.losses._soft_target import merged_pseudo_label_loss

__all__ = [
    "balanced_pseudo_label_cross_entropy",
    "cluster_contrastive_loss",
    "cluster_entropy_regularizer",
    "pairwise_similarity_bce_loss",
    "pseudo_label_supcon_loss",
    "top_r_agreement_mask",
    "fixmatch_consistency_loss",
    "merged_pseudo_label_loss",
    "negative_pseudo_label_loss",
    "latent_noise",
    "nt_xent_loss",
    "pseudo_label_cross_entropy",
    "self_adaptive_fairness_loss",
    "spc_loss",
]
