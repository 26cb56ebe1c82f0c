"""skorch nets for the training regimes, the datasets they read, their callbacks and the
epoch budgets."""

from skdeepcluster.training._autoencoder import AutoencoderNet, encode, train_autoencoder
from skdeepcluster.training._budget import EPOCH_BUDGETS, resolve_epochs
from skdeepcluster.training._callbacks import (
    EMAUpdate,
    HeadScoreCheckpoint,
    KMeansRefresh,
    PrototypeRefresh,
    align_kmeans_labels,
    cosine_decay_scheduler,
)
from skdeepcluster.training._clusmatch_net import ClusMatchCriterion, ClusMatchNet
from skdeepcluster.training._data_parallel import (
    ReleaseAccelerator,
    data_parallel,
    make_accelerator,
)
from skdeepcluster.training._datasets import PerHeadDataset, batch_loader
from skdeepcluster.training._mtdc_net import (
    MTDCBoostCriterion,
    MTDCBoostNet,
    MTDCCriterion,
    MTDCNet,
)
from skdeepcluster.training._nets import (
    ContrastiveNet,
    FixMatchCriterion,
    FixMatchNet,
    HeadsCrossEntropy,
    HeadsWarmStartNet,
    MultiHeadPseudoLabelNet,
    NTXentCriterion,
    StepNet,
    TrainingGuard,
    fit_or_initialize,
    make_net,
)
from skdeepcluster.training._progress import StageProgress, progress_bar
from skdeepcluster.training._threads import preserved_thread_settings, single_threaded

__all__ = [
    "AutoencoderNet",
    "ClusMatchCriterion",
    "ClusMatchNet",
    "ContrastiveNet",
    "EMAUpdate",
    "EPOCH_BUDGETS",
    "FixMatchCriterion",
    "FixMatchNet",
    "HeadScoreCheckpoint",
    "HeadsCrossEntropy",
    "HeadsWarmStartNet",
    "KMeansRefresh",
    "MTDCBoostCriterion",
    "MTDCBoostNet",
    "MTDCCriterion",
    "MTDCNet",
    "MultiHeadPseudoLabelNet",
    "NTXentCriterion",
    "PerHeadDataset",
    "PrototypeRefresh",
    "ReleaseAccelerator",
    "StageProgress",
    "StepNet",
    "TrainingGuard",
    "align_kmeans_labels",
    "batch_loader",
    "cosine_decay_scheduler",
    "data_parallel",
    "encode",
    "fit_or_initialize",
    "make_accelerator",
    "make_net",
    "preserved_thread_settings",
    "progress_bar",
    "resolve_epochs",
    "single_threaded",
    "train_autoencoder",
]
