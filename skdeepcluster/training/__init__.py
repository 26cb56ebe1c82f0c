"""skorch nets for the training regimes, the datasets they read and their callbacks."""

from skdeepcluster.training._autoencoder import AutoencoderNet, train_autoencoder
from skdeepcluster.training._callbacks import EMAUpdate, cosine_decay_scheduler
from skdeepcluster.training._clusmatch_net import (
    ClusMatchCriterion,
    ClusMatchNet,
    KMeansRefresh,
    align_kmeans_labels,
)
from skdeepcluster.training._datasets import PerHeadDataset
from skdeepcluster.training._mtdc_net import MTDCCriterion, MTDCModel, MTDCNet
from skdeepcluster.training._nets import (
    ContrastiveNet,
    FixMatchNet,
    MultiHeadPseudoLabelNet,
    make_net,
)

__all__ = [
    "ClusMatchCriterion",
    "ClusMatchNet",
    "KMeansRefresh",
    "align_kmeans_labels",
    "MTDCCriterion",
    "MTDCModel",
    "MTDCNet",
    "AutoencoderNet",
    "ContrastiveNet",
    "EMAUpdate",
    "FixMatchNet",
    "MultiHeadPseudoLabelNet",
    "PerHeadDataset",
    "cosine_decay_scheduler",
    "make_net",
    "train_autoencoder",
]
