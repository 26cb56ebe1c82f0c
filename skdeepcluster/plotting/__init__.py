"""Plots of what a deep clusterer learned, in scikit-learn's Display style.

Each display holds the computed data, draws with ``plot`` and is created from a fitted
estimator with ``from_estimator``. matplotlib is imported only when a display is built:
install it with ``pip install "skdeepcluster[plot]"``.

>>> from skdeepcluster.plotting import EmbeddingDisplay  # doctest: +SKIP
>>> EmbeddingDisplay.from_estimator(estimator, X)  # doctest: +SKIP
"""

from skdeepcluster.plotting._confusion import ClusterConfusionDisplay
from skdeepcluster.plotting._displays import EmbeddingDisplay
from skdeepcluster.plotting._examples import ConfidentExamplesDisplay
from skdeepcluster.plotting._training import TrainingCurvesDisplay

__all__ = [
    "ClusterConfusionDisplay",
    "ConfidentExamplesDisplay",
    "EmbeddingDisplay",
    "TrainingCurvesDisplay",
]
