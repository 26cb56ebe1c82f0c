"""Display of the images a clusterer is surest about, per cluster."""

from numbers import Integral

import numpy as np
from sklearn.utils.validation import check_is_fitted

from skdeepcluster.plotting._utils import import_pyplot, panel_grid


def _display_layout(images):
    """``(n, C, H, W)`` images as imshow takes them: ``(n, H, W)`` for one channel (and,
    as their mean, for counts other than 3 or 4), ``(n, H, W, C)`` for RGB(A)."""
    if images.shape[1] in (3, 4):
        return np.moveaxis(images, 1, -1)
    if images.shape[1] == 1:
        return images[:, 0]
    return images.mean(axis=1)


class ConfidentExamplesDisplay:
    """Grid of each cluster's most confident images: one row per cluster.

    Row ``k`` shows, from left to right, the samples predicted in cluster ``k`` in
    decreasing order of their probability for it, each titled with that probability.
    One-channel images are drawn in grey, on one grey scale for the whole grid; RGB(A)
    images in colour, rescaled to [0, 1] when their values lie outside it.

    Use :meth:`from_estimator` to create one; it needs an estimator fitted on images.

    Parameters
    ----------
    images : ndarray of shape (n_clusters, n_per_cluster, H, W) or \
            (n_clusters, n_per_cluster, H, W, 3 or 4)
        The images of each cell; the cells of missing samples are ignored (NaN from
        :meth:`from_estimator`).
    clusters : ndarray of shape (n_clusters,)
        Cluster id of each row.
    confidences : ndarray of shape (n_clusters, n_per_cluster)
        Probability of each shown sample for its row's cluster; NaN where a cluster has
        fewer samples than columns (that cell's Axes is turned off).

    Attributes
    ----------
    axes_ : ndarray of matplotlib Axes, shape (n_clusters, n_per_cluster)
        One panel per cell.
    figure_ : matplotlib Figure
        Figure containing the grid.

    See Also
    --------
    EmbeddingDisplay : 2-D map of the learned embedding.

    Examples
    --------
    >>> import numpy as np
    >>> from skdeepcluster.plotting import ConfidentExamplesDisplay
    >>> disp = ConfidentExamplesDisplay(np.random.rand(2, 3, 8, 8), np.array([0, 1]),
    ...                                 np.full((2, 3), 0.9)).plot()
    >>> disp.axes_.shape
    (2, 3)
    """

    def __init__(self, images, clusters, confidences):
        self.images = images
        self.clusters = clusters
        self.confidences = confidences

    def _checked(self):
        images = np.asarray(self.images, dtype=float)
        confidences = np.asarray(self.confidences, dtype=float)
        clusters = np.asarray(self.clusters)
        if confidences.ndim != 2:
            raise ValueError(
                "confidences must have shape (n_clusters, n_per_cluster), got "
                f"{confidences.shape}."
            )
        rgb = images.ndim == 5 and images.shape[-1] in (3, 4)
        if images.shape[:2] != confidences.shape or images.ndim != (5 if rgb else 4):
            raise ValueError(
                f"images must have shape {confidences.shape} + (H, W) or + (H, W, 3 or 4), "
                f"got {images.shape}."
            )
        if clusters.shape != confidences.shape[:1]:
            raise ValueError(
                f"clusters must have shape ({confidences.shape[0]},), got {clusters.shape}."
            )
        return images, clusters, confidences, rgb

    def plot(self, axes=None):
        """Draw the grid.

        Parameters
        ----------
        axes : array-like of matplotlib Axes, default=None
            ``n_clusters * n_per_cluster`` Axes (read row by row); a new figure when
            None.

        Returns
        -------
        display : ConfidentExamplesDisplay
            The object with the drawn artists.
        """
        plt = import_pyplot("ConfidentExamplesDisplay.plot")
        images, clusters, confidences, rgb = self._checked()
        shown = ~np.isnan(confidences)
        n_rows, n_cols = confidences.shape
        scale = {}
        if shown.any():
            low, high = np.nanmin(images[shown]), np.nanmax(images[shown])
            if not rgb:
                scale = {"cmap": "gray", "vmin": low, "vmax": high}
            elif low < 0 or high > 1:
                images = (images - low) / (high - low if high > low else 1.0)
        fig, grid = panel_grid(plt, axes, (n_rows, n_cols), "axes",
                               (1.1 * n_cols + 0.6, 1.25 * n_rows))
        for k, j in np.ndindex(n_rows, n_cols):
            ax = grid[k, j]
            if not shown[k, j]:
                ax.set_axis_off()
                if j == 0:
                    ax.text(0.5, 0.5, f"cluster {clusters[k]}\n(empty)", ha="center",
                            va="center", fontsize="small", transform=ax.transAxes)
                continue
            ax.imshow(images[k, j], interpolation="nearest", **scale)
            ax.set(xticks=[], yticks=[])
            ax.set_title(f"{confidences[k, j]:.2f}", fontsize="x-small")
            if j == 0:
                ax.set_ylabel(f"cluster {clusters[k]}")
        self.axes_ = grid
        self.figure_ = fig
        return self

    @classmethod
    def from_estimator(cls, estimator, X, *, n_per_cluster=8, axes=None):
        """Pick each cluster's most confident samples of ``X`` and draw them.

        Parameters
        ----------
        estimator : fitted deep clusterer
            An estimator of the package fitted on images.
        X : array-like, same layout as in ``fit``
            The images to choose from.
        n_per_cluster : int, default=8
            Samples shown per cluster (the columns of the grid).
        axes : array-like of matplotlib Axes, default=None
            ``n_clusters * n_per_cluster`` Axes; a new figure when None.

        Returns
        -------
        display : ConfidentExamplesDisplay
            The object with the chosen images and the drawn artists.
        """
        import_pyplot("ConfidentExamplesDisplay.from_estimator")
        if not isinstance(n_per_cluster, Integral) or isinstance(n_per_cluster, bool) \
                or n_per_cluster < 1:
            raise ValueError(f"n_per_cluster must be a positive int, got {n_per_cluster!r}.")
        check_is_fitted(estimator)
        spec = getattr(estimator, "_input_spec", None)
        if spec is None or spec.kind != "image":
            kind = "vectors" if spec is not None else "an unknown input layout"
            raise ValueError(
                f"estimator must be fitted on images; this {type(estimator).__name__} was "
                f"fitted on {kind}. ConfidentExamplesDisplay shows images only."
            )
        proba = np.asarray(estimator.predict_proba(X), dtype=float)
        labels = proba.argmax(axis=1)
        pixels = _display_layout(np.asarray(X, dtype=float).reshape(len(proba), *spec.shape))
        n_clusters = proba.shape[1]
        images = np.full((n_clusters, n_per_cluster, *pixels.shape[1:]), np.nan)
        confidences = np.full((n_clusters, n_per_cluster), np.nan)
        for k in range(n_clusters):
            members = np.flatnonzero(labels == k)
            best = members[np.argsort(-proba[members, k], kind="stable")][:n_per_cluster]
            images[k, : best.size] = pixels[best]
            confidences[k, : best.size] = proba[best, k]
        return cls(images, np.arange(n_clusters), confidences).plot(axes=axes)
