"""Training budgets that scale with the data: the ``"auto"`` epoch counts."""

import numpy as np


def resolve_epochs(value, n_samples, visits, low, high):
    """``value`` as an int, or for ``"auto"`` about ``visits`` sample visits:
    ``clip(visits // n_samples, low, high)`` epochs."""
    if value == "auto":
        return int(np.clip(visits // max(int(n_samples), 1), low, high))
    return int(value)
