"""SPC's labelling of one member's latent space: a projection (UMAP or PCA), then HDBSCAN
cut to exactly K clusters or a Gaussian mixture."""

from dataclasses import dataclass

import numpy as np

from skdeepcluster._umap import fit_transform_umap
from skdeepcluster._warnings import warn_user
from skdeepcluster.training import single_threaded

#: Below this many samples UMAP is replaced by PCA (its graph is too small to be useful).
MIN_UMAP_SAMPLES = 100
#: HDBSCAN's ``min_samples`` (the reference's) and the size of its grid of flat cuts.
HDBSCAN_MIN_SAMPLES = 10
HDBSCAN_N_CUTS = 64
#: Bisection steps where the cluster count steps over K between two cuts.
HDBSCAN_BISECTIONS = 30
#: UMAP neighbours: the reference's ``30 * n / 70000``, at least this many.
MIN_UMAP_NEIGHBORS = 15
#: Subsample neighbours whose majority labels a sample left out of the clustered subsample.
SUBSAMPLE_VOTERS = 10


@dataclass(frozen=True)  # hashable: joblib's Dask backend hashes the tasks' callables
class LatentClustering:
    """How one latent space becomes exactly ``n_clusters`` labels (see
    :func:`cluster_latent`; above ``latent_subsample`` rows, on a subsample of that size, the
    rest by :func:`extend_by_neighbors`); :meth:`for_data` settles UMAP's neighbours."""

    n_clusters: int
    projection: str = "umap"
    projection_dim: int = 10
    umap_n_neighbors: object = None
    umap_epochs: object = 200
    clusterer: str = "hdbscan"
    n_init: int = 10
    latent_subsample: object = None

    def for_data(self, ctx):
        """A copy with UMAP's neighbour count resolved for ``ctx`` (stored as
        ``umap_n_neighbors_``; from the subsample's size where ``latent_subsample`` applies);
        tiny data sets fall back to PCA with a warning."""
        n = ctx.n_samples
        if self.latent_subsample is not None:
            n = min(n, self.latent_subsample)
        projection, neighbors = self.projection, None
        if projection == "umap" and n < MIN_UMAP_SAMPLES:
            warn_user(f"projection='umap' needs at least {MIN_UMAP_SAMPLES} samples, got "
                      f"{n}; using projection='pca' instead.")
            projection = "pca"
        elif projection == "umap":
            k = self.umap_n_neighbors
            if k is None:
                k = max(MIN_UMAP_NEIGHBORS, 30 * n // 70000)
            neighbors = int(min(k, n - 1))
        ctx.resolve("umap_n_neighbors", neighbors)
        return LatentClustering(self.n_clusters, projection, self.projection_dim, neighbors,
                                self.umap_epochs, self.clusterer, self.n_init,
                                self.latent_subsample)

    def draw_subsample(self, rng, n_samples):
        """Sorted indices of the samples to cluster (the same for every latent space of a
        vote), or ``None`` for all of them; draws from ``rng`` only above ``latent_subsample``."""
        if self.latent_subsample is None or n_samples <= self.latent_subsample:
            return None
        return np.sort(rng.choice(n_samples, self.latent_subsample, replace=False))

    def __call__(self, z, seed, subsample=None):
        """Labels of every row of ``z``; with ``subsample``, only those rows are projected
        and clustered, and each other row takes the majority label (noise included) of
        its :data:`SUBSAMPLE_VOTERS` nearest subsample rows in ``z``."""
        with single_threaded():  # labels must not depend on the machine's thread count
            fitted = z if subsample is None else z[subsample]
            labels = cluster_latent(
                fitted, self.n_clusters, projection=self.projection,
                clusterer=self.clusterer, n_neighbors=self.umap_n_neighbors,
                n_components=self.projection_dim, n_epochs=self.umap_epochs,
                n_init=self.n_init, seed=seed,
            )
            if subsample is None:
                return labels
            return extend_by_neighbors(z, subsample, labels)


def extend_by_neighbors(z, subsample, labels, n_voters=SUBSAMPLE_VOTERS):
    """Labels of all rows of ``z`` from ``labels`` of its rows ``subsample``: those keep
    theirs, every other row gets the most common label among its ``n_voters`` nearest
    subsample rows (Euclidean; ties to the smaller label, so noise, -1, wins them)."""
    from sklearn.neighbors import NearestNeighbors

    z = np.asarray(z, dtype=np.float32)
    out = np.empty(z.shape[0], dtype=np.int64)
    out[subsample] = labels
    rest = np.setdiff1d(np.arange(z.shape[0]), subsample, assume_unique=True)
    if rest.size:
        n_voters = min(n_voters, len(subsample))
        # scikit-learn chunks the queries by its working_memory: memory linear in n
        _, idx = NearestNeighbors(n_neighbors=n_voters).fit(z[subsample]).kneighbors(z[rest])
        voted = np.asarray(labels, dtype=np.int64)[idx] + 1  # noise (-1) -> 0
        width = int(voted.max()) + 1
        rows = np.arange(rest.size)[:, None] * width
        counts = np.bincount((rows + voted).ravel(), minlength=rest.size * width)
        out[rest] = counts.reshape(rest.size, width).argmax(1) - 1
    return out


def cluster_latent(z, n_clusters, *, projection="umap", clusterer="gmm", n_neighbors=15,
                   n_components=2, n_epochs=None, n_init=2, seed=0):
    """Cluster one latent space into ``n_clusters`` clusters (``-1``: HDBSCAN noise).

    ``projection``: UMAP (``min_dist=0``, ``n_epochs`` optimisation epochs; None: UMAP's
    own rule) or PCA to ``n_components`` dimensions, or none;
    ``clusterer``: a Gaussian mixture (best of ``n_init`` restarts), or HDBSCAN cut to K
    (:func:`hdbscan_exactly_k`) that falls back to the mixture when no cut gives exactly
    ``n_clusters`` clusters.
    """
    from sklearn.decomposition import PCA
    from sklearn.mixture import GaussianMixture

    z = np.asarray(z, dtype=np.float32)
    if projection == "umap":
        z = fit_transform_umap(
            z, n_neighbors=n_neighbors, n_components=min(n_components, z.shape[0] - 2),
            min_dist=0.0, n_epochs=n_epochs, random_state=seed, n_jobs=1,
        )
    elif projection == "pca":
        z = PCA(n_components=min(n_components, *z.shape), random_state=seed).fit_transform(z)
    z = z.astype(np.float64)
    if clusterer == "hdbscan":
        labels = hdbscan_exactly_k(z, n_clusters)
        if labels is not None:
            return labels
    gmm = GaussianMixture(n_clusters, covariance_type="full", n_init=n_init,
                          random_state=seed, reg_covar=1e-5)
    return gmm.fit(z).predict(z)


def hdbscan_exactly_k(z, n_clusters, *, min_samples=HDBSCAN_MIN_SAMPLES,
                      n_cuts=HDBSCAN_N_CUTS):
    """HDBSCAN labels of ``z`` with exactly ``n_clusters`` clusters (``-1``: noise), or
    ``None`` when no cut gives that many.

    As the reference: HDBSCAN with ``min_cluster_size = n / (2K)``; if it finds another
    number of clusters, flat cuts of its single-linkage tree at a distance epsilon
    (DBSCAN*: clusters below ``min_cluster_size`` become noise) are searched for one
    with exactly K clusters, and when none has K the minimum cluster size shrinks (by 25,
    as the reference, or by half below 50) and the search repeats. The cuts are a
    log-spaced grid of ``n_cuts`` distances, then bisection where the count steps over K
    between two of them; of several cuts with K clusters the one leaving the fewest
    noise points is kept (the reference stops at the first it meets).
    """
    from sklearn.cluster import HDBSCAN

    n = z.shape[0]
    if n < 3 or n <= n_clusters:  # no density clusters to find; the mixture copes
        return None
    min_size = max(2, n // (2 * n_clusters))
    model = HDBSCAN(min_samples=min(min_samples, n - 1), min_cluster_size=min_size,
                    copy=True).fit(z)
    if _n_found(model.labels_) == n_clusters:
        return model.labels_
    diameter = float(np.linalg.norm(z.max(0) - z.min(0))) or 1.0
    cuts = np.geomspace(diameter * 1e-4, diameter, n_cuts)[::-1]  # coarse to fine
    while True:
        labels = _cut_to_k(model, n_clusters, min_size, cuts)
        if labels is not None or min_size <= 2:
            return labels
        min_size = max(2, min_size - 25 if min_size > 50 else min_size // 2)


def _cut_to_k(model, n_clusters, min_size, cuts):
    """The flat cut of a fitted HDBSCAN with ``n_clusters`` clusters and the least noise
    among ``cuts`` (descending distances), else one bisected where the count steps over
    K between two cuts, else ``None``."""
    best, counts = None, []
    for c in cuts:
        labels = model.dbscan_clustering(c, min_size)
        counts.append(_n_found(labels))
        if counts[-1] == n_clusters and (best is None or (labels < 0).sum() < (best < 0).sum()):
            best = labels
    if best is not None:
        return best
    counts = np.asarray(counts)
    for i in np.flatnonzero((counts[:-1] < n_clusters) & (counts[1:] > n_clusters)):
        hi, lo = cuts[i], cuts[i + 1]
        for _ in range(HDBSCAN_BISECTIONS):
            mid = 0.5 * (hi + lo)
            labels = model.dbscan_clustering(mid, min_size)
            count = _n_found(labels)
            if count == n_clusters:
                return labels
            hi, lo = (mid, lo) if count < n_clusters else (hi, mid)
    return None


def _n_found(labels):
    return len(np.unique(labels[labels >= 0]))
