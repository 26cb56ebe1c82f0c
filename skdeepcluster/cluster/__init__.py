"""The estimators, one module per method."""

from skdeepcluster.cluster._clusmatch import ClusMatch
from skdeepcluster.cluster._mtdc import MutualTaughtClustering
from skdeepcluster.cluster._spc import SelectivePseudoLabelClustering
from skdeepcluster.cluster._spice import SPICEClustering

__all__ = [
    "ClusMatch",
    "MutualTaughtClustering",
    "SPICEClustering",
    "SelectivePseudoLabelClustering",
]
