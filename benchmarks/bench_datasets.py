"""Datasets the harness knows: name -> loader returning (images (n,H,W) float32, labels)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

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
    ]
}
