"""Helpers shared by the displays: the lazy matplotlib import and the axes checks."""

import numpy as np

#: What to install for the plotting module.
_INSTALL_HINT = 'pip install "skdeepcluster[plot]"'


def import_pyplot(caller):
    """``matplotlib.pyplot``, imported on demand; a clear ImportError without it."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError(
            f"{caller} requires matplotlib, which is not installed. Install it with "
            f"`{_INSTALL_HINT}`."
        ) from exc
    return plt


def panel_grid(plt, axes, shape, name, figsize):
    """The figure and an object array of ``shape`` Axes: new ones when ``axes`` is None,
    else ``axes`` (one Axes or an array-like of them) reshaped, which must hold exactly
    ``prod(shape)`` Axes."""
    if axes is None:
        fig, axes = plt.subplots(*shape, figsize=figsize, squeeze=False)
        return fig, np.asarray(axes, dtype=object).reshape(shape)
    flat = np.asarray(axes, dtype=object).ravel()
    if flat.size != int(np.prod(shape)):
        raise ValueError(
            f"{name} must hold {int(np.prod(shape))} Axes (shape {shape}), got {flat.size}."
        )
    return flat[0].figure, flat.reshape(shape)


def check_labels(labels, name, n_samples=None):
    """``labels`` as a 1-D ndarray, of length ``n_samples`` when given."""
    labels = np.asarray(labels)
    if labels.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got an array of shape {labels.shape}.")
    if n_samples is not None and labels.shape[0] != n_samples:
        raise ValueError(
            f"{name} must have one entry per sample ({n_samples}), got {labels.shape[0]}."
        )
    return labels
