"""The estimators, one module per method."""

from skdeepcluster.cluster._spice import SPICEClustering

__all__ = ["SPICEClustering"]
