"""
==============================
Small images, and what to plot
==============================

Images go in as an array of shape ``(n, H, W)`` (grey) or ``(n, C, H, W)``, with values
in a fixed range such as [0, 1]. They are then clustered with a small CNN trained on
augmented copies (shifts, affine warps, cutout, brightness and contrast).

This example clusters 8x8 digit images with :class:`~skdeepcluster.SPICEClustering`
and draws the four displays of :mod:`skdeepcluster.plotting`:

- :class:`~skdeepcluster.plotting.EmbeddingDisplay`: the learned embedding in 2-D,
- :class:`~skdeepcluster.plotting.ClusterConfusionDisplay`: classes against clusters,
- :class:`~skdeepcluster.plotting.TrainingCurvesDisplay`: the loss of each training stage,
- :class:`~skdeepcluster.plotting.ConfidentExamplesDisplay`: each cluster's most
  confident images.
"""

# %%
# Fit on images
# -------------
from sklearn.datasets import load_digits

from skdeepcluster import SPICEClustering, clustering_accuracy

digits = load_digits(n_class=5)
images = digits.images / 16.0  # (n, 8, 8) in [0, 1]
y = digits.target
print(images.shape)

est = SPICEClustering(
    n_clusters=5,
    pretrain_epochs=20,
    head_epochs=5,
    semi_epochs=5,
    n_heads=2,
    device="cpu",
    random_state=0,
).fit(images)
print(f"accuracy {clustering_accuracy(y, est.labels_):.3f}, precision used: {est.precision_}")

# %%
# The learned embedding
# ---------------------
# ``transform`` gives the representation the network learned; the display reduces it to
# two dimensions (PCA by default) and colours the points by cluster.
import matplotlib.pyplot as plt

from skdeepcluster.plotting import (
    ClusterConfusionDisplay,
    ConfidentExamplesDisplay,
    EmbeddingDisplay,
    TrainingCurvesDisplay,
)

EmbeddingDisplay.from_estimator(est, images)
plt.show()

# %%
# Coloured by the true digit instead (``y`` is only used for the colours):
EmbeddingDisplay.from_estimator(est, images, y=y)
plt.show()

# %%
# Classes against clusters
# ------------------------
# The clusters are put in the order that matches them best to the classes, so a good
# clustering shows as a strong diagonal; its sum over the total is the clustering
# accuracy.
ClusterConfusionDisplay.from_predictions(y, est.labels_)
plt.show()

# %%
# Training curves
# ---------------
# One panel per training stage: SPICE's contrastive pretraining, its cluster heads, and
# the semi-supervised stage. They are read from the fitted nets' histories.
TrainingCurvesDisplay.from_estimator(est)
plt.show()

# %%
# The most confident images of each cluster
# -----------------------------------------
# One row per cluster, its images sorted by ``predict_proba``, highest first.
ConfidentExamplesDisplay.from_estimator(est, images, n_per_cluster=8)
plt.show()
