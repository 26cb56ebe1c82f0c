"""
============================================
A table in a Pipeline, tuned by GridSearchCV
============================================

The estimators are ordinary scikit-learn estimators, so they fit in a
:class:`~sklearn.pipeline.Pipeline` and can be tuned with
:class:`~sklearn.model_selection.GridSearchCV`. A clustering has no ``score`` of its own
that compares it with classes, so the search is scored by
:data:`~skdeepcluster.clustering_accuracy_scorer`: it calls ``predict`` on the held-out
rows and compares the result with their labels ``y`` up to a renaming of the cluster ids.
The labels are only used for scoring: ``fit`` never sees them.

The data is scikit-learn's wine table: 178 wines, 13 chemical measurements, 3 cultivars.
"""

# %%
# The data
# --------
import numpy as np
from sklearn.datasets import load_wine

X, y = load_wine(return_X_y=True)
print(X.shape, "classes:", np.unique(y))

# %%
# A pipeline and a small grid
# ---------------------------
# The settings are tiny (few epochs, two heads) so that the example runs in seconds; the
# defaults train much longer. The estimators standardise their input themselves; the
# :class:`~sklearn.preprocessing.StandardScaler` is here to show the pipeline.
#
# The wine rows are sorted by class, and plain ``cv=2`` would split them in order, so
# each half would miss a class. ``KFold(2, shuffle=True)`` is still two folds, on
# shuffled rows.
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skdeepcluster import SPICEClustering, clustering_accuracy, clustering_accuracy_scorer

pipe = make_pipeline(
    StandardScaler(),
    SPICEClustering(
        n_clusters=3,
        pretrain_epochs=20,
        head_epochs=5,
        semi_epochs=5,
        n_heads=2,
        device="cpu",
        random_state=0,
    ),
)
search = GridSearchCV(
    pipe,
    {"spiceclustering__temperature": [0.2, 0.5]},
    scoring=clustering_accuracy_scorer,
    cv=KFold(n_splits=2, shuffle=True, random_state=0),
)
search.fit(X, y)

for params, score in zip(search.cv_results_["params"], search.cv_results_["mean_test_score"],
                         strict=True):
    print(params, f"mean held-out accuracy {score:.3f}")
print("best:", search.best_params_)

# %%
# The refitted best pipeline labels all rows. ``predict`` works on new rows too: the
# network is inductive.
labels = search.predict(X)
print(f"SPICE, best temperature, all rows: accuracy {clustering_accuracy(y, labels):.3f}")

# %%
# Compare with KMeans
# -------------------
# Always fit a simple baseline next to a deep clusterer. On a small, well-separated table
# like this one, KMeans on the standardised columns is hard to beat: it is better here,
# and it takes milliseconds.
from sklearn.cluster import KMeans

kmeans = make_pipeline(StandardScaler(), KMeans(n_clusters=3, n_init=10, random_state=0))
print(f"KMeans: accuracy {clustering_accuracy(y, kmeans.fit_predict(X)):.3f}")

# %%
# A picture of the two partitions, on the first two principal components.
import matplotlib.pyplot as plt
from sklearn.decomposition import PCA

xy = PCA(n_components=2).fit_transform(StandardScaler().fit_transform(X))
fig, axes = plt.subplots(1, 3, figsize=(11, 3.5), sharex=True, sharey=True)
for ax, (title, colours) in zip(
    axes,
    [("cultivar (y)", y), ("SPICEClustering", labels), ("KMeans", kmeans.predict(X))],
    strict=True,
):
    ax.scatter(xy[:, 0], xy[:, 1], c=colours, s=12, cmap="viridis")
    ax.set_title(title)
    ax.set_xlabel("PC 1")
axes[0].set_ylabel("PC 2")
fig.tight_layout()
plt.show()
