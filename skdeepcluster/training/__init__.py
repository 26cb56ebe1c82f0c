"""skorch nets for the training regimes, the datasets they read and their callbacks."""

from skdeepcluster.training._callbacks import EMAUpdate, cosine_decay_scheduler
from skdeepcluster.training._datasets import PerHeadDataset
from skdeepcluster.training._nets import (
    ContrastiveNet,
    FixMatchNet,
    MultiHeadPseudoLabelNet,
    make_net,
)

__all__ = [
    "ContrastiveNet",
    "EMAUpdate",
    "FixMatchNet",
    "MultiHeadPseudoLabelNet",
    "PerHeadDataset",
    "cosine_decay_scheduler",
    "make_net",
]
