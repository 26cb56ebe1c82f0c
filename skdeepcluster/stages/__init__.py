"""The stages the estimators are made of, each a small object run on a
:class:`~skdeepcluster.base.FitContext`: contrastive pretraining (SPICE, ClusMatch),
multi-head self-labelling (SPICE), semi-supervised training (SPICE, ClusMatch), SPC's
autoencoder ensemble and its latent clustering, and ClusMatch's base clustering."""

from skdeepcluster.stages._base_clustering import BaseClustering, default_base, external_base
from skdeepcluster.stages._ensemble import EnsembleRounds, MemberTraining, head_augmentation
from skdeepcluster.stages._heads import SelfLabellingHeads, full_data_head_losses
from skdeepcluster.stages._latent import (
    MIN_UMAP_SAMPLES,
    LatentClustering,
    cluster_latent,
    extend_by_neighbors,
    hdbscan_exactly_k,
)
from skdeepcluster.stages._pretrain import (
    ContrastivePretraining,
    contrastive_projector,
    train_on_views,
)
from skdeepcluster.stages._semi import SemiSupervisedTraining

__all__ = [
    "MIN_UMAP_SAMPLES",
    "BaseClustering",
    "ContrastivePretraining",
    "EnsembleRounds",
    "LatentClustering",
    "MemberTraining",
    "SelfLabellingHeads",
    "SemiSupervisedTraining",
    "cluster_latent",
    "contrastive_projector",
    "default_base",
    "extend_by_neighbors",
    "external_base",
    "full_data_head_losses",
    "hdbscan_exactly_k",
    "head_augmentation",
    "train_on_views",
]
