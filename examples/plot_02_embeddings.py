"""
===========================================
Clustering embeddings, compared with KMeans
===========================================

Embeddings (the outputs of a pretrained network for text, images or sounds) are plain
matrices of vectors: the estimators read them like any table. Here a stand-in for such a
matrix is built from scikit-learn's digits: each 8x8 image is projected to 20 principal
components and scaled to unit length, as embeddings often are.

We compare KMeans with two deep clusterers on that matrix:
:class:`~skdeepcluster.SPICEClustering`, which trains on masked, noisy copies of the
vectors, and :class:`~skdeepcluster.SelectivePseudoLabelClustering` (SPC), an ensemble
of autoencoders that needs no augmentation.
"""

# %%
# An embedding-like matrix
# ------------------------
import numpy as np
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.preprocessing import normalize

X, y = load_digits(n_class=5, return_X_y=True)
embeddings = normalize(PCA(n_components=20, random_state=0).fit_transform(X))
print(embeddings.shape, "row norms:", np.linalg.norm(embeddings, axis=1)[:3].round(3))

# %%
# Three clusterings
# -----------------
# Tiny settings, so that each fit takes seconds. SPC projects each member's code with
# UMAP by default; ``projection="pca"`` keeps this example fast, since numba compiles
# UMAP's code on its first use in a process, which takes longer than this whole fit.
import time

from sklearn.cluster import KMeans
from sklearn.metrics import normalized_mutual_info_score

from skdeepcluster import SelectivePseudoLabelClustering, SPICEClustering, clustering_accuracy

models = {
    "KMeans": KMeans(n_clusters=5, n_init=10, random_state=0),
    "SPICEClustering": SPICEClustering(
        n_clusters=5,
        pretrain_epochs=30,
        head_epochs=5,
        semi_epochs=5,
        n_heads=2,
        device="cpu",
        random_state=0,
    ),
    "SelectivePseudoLabelClustering": SelectivePseudoLabelClustering(
        n_clusters=5,
        n_members=3,
        pretrain_epochs=10,
        epochs_per_round=3,
        max_rounds=2,
        projection="pca",
        device="cpu",
        random_state=0,
    ),
}
scores = {}
for name, model in models.items():
    start = time.perf_counter()
    labels = model.fit_predict(embeddings)
    seconds = time.perf_counter() - start
    scores[name] = (clustering_accuracy(y, labels), normalized_mutual_info_score(y, labels))
    print(f"{name:<32} ACC {scores[name][0]:.3f}  NMI {scores[name][1]:.3f}  {seconds:5.1f} s")

# %%
# The deep clusterers take seconds where KMeans takes milliseconds; whether they are
# worth it depends on the data. Fit KMeans on your own embeddings first, and keep a deep
# clusterer only where it does better on rows whose labels you know.
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(6, 3))
names = list(scores)
ax.barh(names, [scores[n][0] for n in names], color="tab:blue")
ax.set_xlim(0, 1)
ax.set_xlabel("clustering accuracy (5 digit classes)")
for i, n in enumerate(names):
    ax.text(scores[n][0] + 0.01, i, f"{scores[n][0]:.3f}", va="center")
fig.tight_layout()
plt.show()

# %%
# The learned embedding
# ---------------------
# ``transform`` returns the representation a deep clusterer learned, for instance to
# plot it or to feed another model.
print("SPICE's embedding:", models["SPICEClustering"].transform(embeddings).shape)
