"""Datasets the harness knows: name -> loader returning (X, labels).

Image sets return float32 images (n, H, W) in [0, 1]; methods that take vectors get
them flattened. The `vectors` profile's sets (``standardize=True``) are vectors only:
the pixels flattened, a PCA of them, or a public table (``vector_tables.py``), and
every method sees them through ``make_pipeline(StandardScaler(), method)``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import vector_tables as tables

from skdeepcluster.datasets import (
    load_digits_images,
    load_fashion_mnist,
    load_mnist,
    load_usps,
)


@dataclass
class BenchDataset:
    name: str
    load: Callable  # (data_home, download) -> (X, y)
    n_clusters: int = 10
    description: str = ""
    standardize: bool = False  # vectors only, through a StandardScaler in a Pipeline


def _flat(load):
    def flat(data_home=None, download=True):
        X, y = load(data_home, download)
        return X.reshape(len(X), -1), y

    return flat


def _pca50(load):
    """The flattened images projected on their first 50 principal components (fitted
    on the set itself, without labels): an embedding-like input."""

    def pca(data_home=None, download=True):
        from sklearn.decomposition import PCA

        X, y = _flat(load)(data_home, download)
        return PCA(50, random_state=0).fit_transform(X).astype(np.float32), y

    return pca


def _first(load, n):
    """The first ``n`` rows of a set (its files' own order, no labels used)."""

    def first(data_home=None, download=True):
        X, y = load(data_home, download)
        return X[:n], y[:n]

    return first


def _table(load):
    def table(data_home=None, download=True):
        X, y = load(data_home, download)
        return np.asarray(X, dtype=np.float64), np.asarray(y)

    return table


def _gaussian_mixture(n_samples, n_features=64, n_clusters=10):
    """``n_samples`` rows of a fixed 64-d mixture of 10 unit Gaussians with equal weights,
    centres drawn once (seed 0) at scale 0.5 per dimension (about 5.7 apart, so the
    classes barely overlap); labels are the components. The same centres at every n."""

    def load(data_home=None, download=True):
        centers = np.random.RandomState(0).normal(scale=0.5, size=(n_clusters, n_features))
        rng = np.random.default_rng(n_samples)
        y = rng.integers(n_clusters, size=n_samples)
        X = centers[y].astype(np.float32)
        X += rng.standard_normal((n_samples, n_features), dtype=np.float32)
        return X, y

    return load


def _wrap(loader, **kw):
    def load(data_home=None, download=True):
        return loader(data_home=data_home, download_if_missing=download, return_X_y=True, **kw)

    return load


DATASETS = {
    d.name: d
    for d in [
        BenchDataset("digits", _wrap(load_digits_images),
                     description="sklearn digits, 1,797 images 8x8"),
        BenchDataset("mnist-test", _wrap(load_mnist, subset="test"),
                     description="MNIST test set, 10,000 images 28x28"),
        BenchDataset("mnist", _wrap(load_mnist, subset="all"),
                     description="MNIST-full, 70,000 images 28x28"),
        BenchDataset("fashion-mnist", _wrap(load_fashion_mnist, subset="all"),
                     description="Fashion-MNIST train+test, 70,000 images 28x28"),
        BenchDataset("fashion-mnist-test", _wrap(load_fashion_mnist, subset="test"),
                     description="Fashion-MNIST test set, 10,000 images 28x28"),
        BenchDataset("usps", _wrap(load_usps, subset="all"),
                     description="USPS train+test, 9,298 images 16x16"),
        # the `vectors` profile
        BenchDataset("digits-vectors", _flat(_wrap(load_digits_images)), standardize=True,
                     description="sklearn digits as 64-d vectors"),
        BenchDataset("mnist-test-vectors", _flat(_wrap(load_mnist, subset="test")),
                     standardize=True, description="MNIST test set as 784-d vectors"),
        BenchDataset("fashion-mnist-test-vectors",
                     _flat(_wrap(load_fashion_mnist, subset="test")), standardize=True,
                     description="Fashion-MNIST test set as 784-d vectors"),
        BenchDataset("mnist-test-pca50", _pca50(_wrap(load_mnist, subset="test")),
                     standardize=True, description="MNIST test set, PCA to 50 dims"),
        BenchDataset("fashion-mnist-test-pca50",
                     _pca50(_wrap(load_fashion_mnist, subset="test")), standardize=True,
                     description="Fashion-MNIST test set, PCA to 50 dims"),
        BenchDataset("wine", _table(tables.load_wine), 3, "sklearn wine, 178 x 13",
                     standardize=True),
        BenchDataset("breast-cancer", _table(tables.load_breast_cancer), 2,
                     "sklearn breast cancer, 569 x 30", standardize=True),
        BenchDataset("penguins", _table(tables.load_penguins), 3,
                     "palmerpenguins, 342 x 4 (r-cran-palmerpenguins)", standardize=True),
        BenchDataset("olive", _table(tables.load_olive), 3,
                     "olive oils, 572 x 8, 3 regions (r-cran-dslabs)", standardize=True),
        BenchDataset("musk", _table(tables.load_musk), 2, "musk, 476 x 166 (r-cran-kernlab)",
                     standardize=True),
        BenchDataset("spam", _table(tables.load_spam), 2, "spam, 4,601 x 57 (r-cran-kernlab)",
                     standardize=True),
        # the `vectors-check` tables: no default was chosen on them
        BenchDataset("glass", _table(tables.load_glass), 6,
                     "glass, 214 x 9, 6 types (r-cran-mlbench)", standardize=True),
        BenchDataset("sonar", _table(tables.load_sonar), 2, "sonar, 208 x 60 (r-cran-mlbench)",
                     standardize=True),
        BenchDataset("vehicle", _table(tables.load_vehicle), 4,
                     "vehicle silhouettes, 846 x 18 (r-cran-mlbench)", standardize=True),
        # large data no default was chosen on (SPC's subsampled votes, docs/tuning.md)
        BenchDataset("fashion-mnist-train30k-pca50",
                     _pca50(_first(_wrap(load_fashion_mnist, subset="train"), 30_000)),
                     standardize=True,
                     description="first 30,000 Fashion-MNIST training images, PCA to 50 dims"),
        # the `scaling` profile: one mixture at growing n
        *(BenchDataset(f"gmm64-{label}", _gaussian_mixture(n), 10,
                       f"64-d mixture of 10 Gaussians, {n:,} rows")
          for label, n in [("1k", 1_000), ("10k", 10_000), ("30k", 30_000),
                           ("100k", 100_000), ("1m", 1_000_000)]),
    ]
}
