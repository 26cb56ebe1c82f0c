"""Deep clustering estimators for scikit-learn users.

>>> from skdeepcluster import SPICEClustering
"""

from skdeepcluster.cluster import (
    ClusMatch,
    MutualTaughtClustering,
    SelectivePseudoLabelClustering,
    SPICEClustering,
)
from skdeepcluster.metrics import align_labels, clustering_accuracy, clustering_accuracy_scorer

__version__ = "0.1.0"

__all__ = [
    "ClusMatch",
    "MutualTaughtClustering",
    "SPICEClustering",
    "SelectivePseudoLabelClustering",
    "__version__",
    "align_labels",
    "clustering_accuracy",
    "clustering_accuracy_scorer",
]
