"""Image datasets used in deep clustering papers, as sklearn-style loaders.

All loaders return float32 images of shape (n, H, W) with values in [0, 1].
"""

from skdeepcluster.datasets._base import get_data_home
from skdeepcluster.datasets._formats import (
    DatasetFileError,
    read_idx,
    read_libsvm_images,
    read_usps_h5,
)
from skdeepcluster.datasets._loaders import (
    load_digits_images,
    load_fashion_mnist,
    load_mnist,
    load_usps,
)

__all__ = [
    "DatasetFileError",
    "get_data_home",
    "load_digits_images",
    "load_fashion_mnist",
    "load_mnist",
    "load_usps",
    "read_idx",
    "read_libsvm_images",
    "read_usps_h5",
]
