"""Display of the learned embedding: a 2-D map coloured by cluster or label."""


import numpy as np
from sklearn.decomposition import PCA

from skdeepcluster._umap import fit_transform_umap
from skdeepcluster.plotting._utils import check_labels, import_pyplot

_METHODS = ("pca", "umap")


def _palette(n_colors, cmap=None):
    """``n_colors`` distinct RGBA colours: tab10 / tab20 when they suffice, else a sampled
    continuous map (``cmap`` overrides the choice)."""
    from matplotlib import colormaps

    if cmap is None:
        cmap = "tab10" if n_colors <= 10 else "tab20" if n_colors <= 20 else "viridis"
    cmap = colormaps[cmap] if isinstance(cmap, str) else cmap
    if n_colors <= cmap.N <= 20:  # a qualitative map with enough colours
        return cmap(np.arange(n_colors))
    return cmap(np.linspace(0.0, 1.0, n_colors))


def _reduce(embedding, method, random_state):
    """``embedding`` in two columns, and the axis label prefix."""
    if embedding.shape[1] == 2:
        return embedding, "embedding"
    if embedding.shape[1] < 2:
        return np.column_stack([embedding, np.zeros(embedding.shape[0])]), "embedding"
    if method == "pca":
        return PCA(n_components=2, random_state=random_state).fit_transform(embedding), "PCA"
    n_neighbors = max(2, min(15, embedding.shape[0] - 1))
    return fit_transform_umap(embedding, n_neighbors=n_neighbors, n_components=2,
                              random_state=random_state), "UMAP"


class EmbeddingDisplay:
    """2-D map of a clusterer's learned embedding, coloured by cluster or label.

    Use :meth:`from_estimator` to create one from a fitted estimator; the constructor
    takes points already in two dimensions.

    Parameters
    ----------
    embedding_2d : ndarray of shape (n_samples, 2)
        The points to draw.
    labels : ndarray of shape (n_samples,)
        The value that colours each point (cluster id or class label).
    label_name : str, default="cluster"
        What ``labels`` holds; the legend's title.

    Attributes
    ----------
    ax_ : matplotlib Axes
        Axes with the map.
    figure_ : matplotlib Figure
        Figure containing the map.
    scatter_ : matplotlib PathCollection
        The points, one colour per distinct value of ``labels``.

    See Also
    --------
    ClusterConfusionDisplay : Contingency table of classes against clusters.

    Examples
    --------
    >>> import numpy as np
    >>> from skdeepcluster.plotting import EmbeddingDisplay
    >>> disp = EmbeddingDisplay(np.random.rand(6, 2), np.array([0, 0, 1, 1, 2, 2])).plot()
    """

    def __init__(self, embedding_2d, labels, *, label_name="cluster"):
        self.embedding_2d = embedding_2d
        self.labels = labels
        self.label_name = label_name
        self._axis_prefix = "embedding"

    def plot(self, ax=None, **scatter_kwargs):
        """Draw the map.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure when None.
        **scatter_kwargs : dict
            Passed to :meth:`matplotlib.axes.Axes.scatter` (``s``, ``alpha``, ``marker``,
            ...). ``cmap`` chooses the palette; ``c`` and ``color`` are refused (the
            colours come from ``labels``).

        Returns
        -------
        display : EmbeddingDisplay
            The object with the drawn artists.
        """
        plt = import_pyplot("EmbeddingDisplay.plot")
        from matplotlib.lines import Line2D

        points = np.asarray(self.embedding_2d, dtype=float)
        if points.ndim != 2 or points.shape[1] != 2:
            raise ValueError(
                f"embedding_2d must have shape (n_samples, 2), got {points.shape}."
            )
        labels = check_labels(self.labels, "labels", points.shape[0])
        for key in ("c", "color"):
            if key in scatter_kwargs:
                raise ValueError(
                    f"scatter_kwargs must not set {key!r}: the colours come from labels."
                )
        kwargs = {"s": 12, **scatter_kwargs}
        values, codes = np.unique(labels, return_inverse=True)
        colors = _palette(values.size, kwargs.pop("cmap", None))

        if ax is None:
            _, ax = plt.subplots()
        self.scatter_ = ax.scatter(points[:, 0], points[:, 1], c=colors[codes], **kwargs)
        handles = [
            Line2D([], [], marker="o", linestyle="", color=colors[i], label=str(value))
            for i, value in enumerate(values)
        ]
        ax.legend(handles=handles, title=self.label_name, loc="best", fontsize="small")
        ax.set_xlabel(f"{self._axis_prefix} 1")
        ax.set_ylabel(f"{self._axis_prefix} 2")
        self.ax_ = ax
        self.figure_ = ax.figure
        return self

    @classmethod
    def from_estimator(cls, estimator, X, *, y=None, method="pca", random_state=0, ax=None,
                       **scatter_kwargs):
        """Map ``estimator.transform(X)`` to 2-D and draw it.

        Parameters
        ----------
        estimator : fitted deep clusterer
            Any estimator with ``transform`` and ``predict``.
        X : array-like, same layout as in ``fit``
            The samples to map.
        y : array-like of shape (n_samples,), default=None
            Colour by these labels instead of the predicted clusters.
        method : {"pca", "umap"}, default="pca"
            The reduction to 2-D; skipped when the embedding has two columns.
        random_state : int, RandomState instance or None, default=0
            Seed of the reduction.
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure when None.
        **scatter_kwargs : dict
            Passed to :meth:`plot`.

        Returns
        -------
        display : EmbeddingDisplay
            The object with the computed map and the drawn artists.
        """
        import_pyplot("EmbeddingDisplay.from_estimator")
        if method not in _METHODS:
            raise ValueError(f"method must be one of {_METHODS}, got {method!r}.")
        embedding = np.asarray(estimator.transform(X), dtype=float)
        if y is None:
            labels, label_name = estimator.predict(X), "cluster"
        else:
            labels, label_name = check_labels(y, "y", embedding.shape[0]), "label"
        points, prefix = _reduce(embedding, method, random_state)
        display = cls(points, labels, label_name=label_name)
        display._axis_prefix = prefix
        return display.plot(ax=ax, **scatter_kwargs)
