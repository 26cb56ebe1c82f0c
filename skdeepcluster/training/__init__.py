"""skorch nets for the training regimes, the datasets they read and their callbacks."""

from skdeepcluster.training._autoencoder import AutoencoderNet, train_autoencoder
from skdeepcluster.training._callbacks import EMAUpdate, cosine_decay_scheduler
from skdeepcluster.training._datasets import PerHeadDataset
from skdeepcluster.training._nets import (
    ContrastiveNet,
    FixMatchNet,
    MultiHeadPseudoLabelNet,
    make_net,
)

__all__ = [
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
