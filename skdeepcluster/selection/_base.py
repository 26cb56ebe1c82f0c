"""The one output contract every selector returns."""

from typing import NamedTuple

import numpy as np


class Selection(NamedTuple):
    """Which samples get which pseudo-label, with what weight.

    Attributes
    ----------
    indices : ndarray of int, shape (m,)
        Sample indices; one index may appear more than once when a rule allows it.
    labels : ndarray of int, shape (m,)
    weights : ndarray of float, shape (m,)
    """

    indices: np.ndarray
    labels: np.ndarray
    weights: np.ndarray

    @classmethod
    def hard(cls, indices, labels):
        indices = np.asarray(indices, dtype=np.int64)
        return cls(indices, np.asarray(labels, dtype=np.int64), np.ones(len(indices)))
