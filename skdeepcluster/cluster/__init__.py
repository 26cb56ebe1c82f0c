"""The estimators, one module per method."""

from skdeepcluster.cluster._spc import SelectivePseudoLabelClustering
from skdeepcluster.cluster._spice import SPICEClustering

__all__ = ["SPICEClustering", "SelectivePseudoLabelClustering"]
