"""Display of the contingency table of true classes against predicted clusters."""

from itertools import product

import numpy as np
from sklearn.metrics.cluster import contingency_matrix

from skdeepcluster.metrics import matching_permutation
from skdeepcluster.plotting._utils import check_labels, import_pyplot

_NORMALIZE = (None, "true", "pred", "all")


def _matched_order(y_true, labels_pred, class_ids, cluster_ids):
    """Row (class) and column (cluster) orders that put the Hungarian pairs on the
    diagonal: matched classes first (in sorted order, the same as all classes when every
    class is matched), then the unmatched ones; unmatched clusters after the matched."""
    mapping = matching_permutation(labels_pred, y_true)
    row_of = {c: i for i, c in enumerate(class_ids.tolist())}
    partner = {}  # row -> column of its matched cluster
    for j, cluster in enumerate(cluster_ids):
        matched = mapping[cluster]
        if matched in row_of:  # else a fresh id: the cluster has no class
            partner[row_of[matched]] = j
    rows = sorted(partner) + [i for i in range(class_ids.size) if i not in partner]
    cols = [partner[i] for i in sorted(partner)]
    cols += [j for j in range(cluster_ids.size) if j not in cols]
    return np.array(rows, dtype=int), np.array(cols, dtype=int)


class ClusterConfusionDisplay:
    """Contingency table of true classes (rows) against predicted clusters (columns).

    The columns are ordered by the Hungarian matching of clusters to classes (the one
    :func:`~skdeepcluster.metrics.clustering_accuracy` uses), so that matched pairs lie on
    the diagonal; unmatched clusters come after them. When there are more classes than
    clusters the unmatched classes are moved to the last rows.

    Use :meth:`from_predictions` or :meth:`from_estimator` to create one.

    Parameters
    ----------
    confusion_matrix : ndarray of shape (n_classes, n_clusters)
        Counts (or fractions), already in display order.
    cluster_ids : ndarray of shape (n_clusters,)
        Cluster id of each column.
    class_ids : ndarray of shape (n_classes,)
        Class of each row.

    Attributes
    ----------
    im_ : matplotlib AxesImage
        Image of the table.
    text_ : ndarray of shape (n_classes, n_clusters), dtype=object
        The matplotlib Text of each cell.
    ax_ : matplotlib Axes
        Axes with the table.
    figure_ : matplotlib Figure
        Figure containing the table.

    See Also
    --------
    sklearn.metrics.ConfusionMatrixDisplay : The supervised counterpart.

    Examples
    --------
    >>> from skdeepcluster.plotting import ClusterConfusionDisplay
    >>> disp = ClusterConfusionDisplay.from_predictions([0, 0, 1, 1], [1, 1, 0, 0])
    >>> disp.cluster_ids
    array([1, 0])
    """

    def __init__(self, confusion_matrix, cluster_ids, class_ids):
        self.confusion_matrix = confusion_matrix
        self.cluster_ids = cluster_ids
        self.class_ids = class_ids

    def plot(self, ax=None, *, cmap="viridis", values_format=None, colorbar=True):
        """Draw the table.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure when None.
        cmap : str or matplotlib Colormap, default="viridis"
            Colormap of the cells.
        values_format : str, default=None
            Format of the cell values; ``"d"`` for counts, ``".2g"`` for fractions.
        colorbar : bool, default=True
            Whether to add a colorbar.

        Returns
        -------
        display : ClusterConfusionDisplay
            The object with the drawn artists.
        """
        plt = import_pyplot("ClusterConfusionDisplay.plot")
        cm = np.asarray(self.confusion_matrix)
        n_rows, n_cols = cm.shape
        if values_format is None:
            values_format = ".2g" if cm.dtype.kind == "f" else "d"
        if ax is None:
            _, ax = plt.subplots()
        self.im_ = ax.imshow(cm, interpolation="nearest", cmap=cmap)
        dark, light = self.im_.cmap(0.0), self.im_.cmap(1.0)
        middle = (cm.max() + cm.min()) / 2.0 if cm.size else 0
        self.text_ = np.empty(cm.shape, dtype=object)
        for i, j in product(range(n_rows), range(n_cols)):
            self.text_[i, j] = ax.text(j, i, format(cm[i, j], values_format), ha="center",
                                       va="center", color=light if cm[i, j] < middle else dark)
        if colorbar:
            ax.figure.colorbar(self.im_, ax=ax)
        ax.set(xticks=np.arange(n_cols), yticks=np.arange(n_rows),
               xticklabels=[str(c) for c in self.cluster_ids],
               yticklabels=[str(c) for c in self.class_ids],
               xlabel="Predicted cluster", ylabel="True class")
        ax.set_ylim((n_rows - 0.5, -0.5))
        self.ax_ = ax
        self.figure_ = ax.figure
        return self

    @classmethod
    def from_predictions(cls, y_true, labels_pred, *, ax=None, normalize=None):
        """Tabulate classes against clusters and draw the table.

        Parameters
        ----------
        y_true : array-like of shape (n_samples,)
            True classes.
        labels_pred : array-like of shape (n_samples,)
            Predicted cluster ids.
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure when None.
        normalize : {"true", "pred", "all"}, default=None
            Divide the counts by the row sums (``"true"``), the column sums (``"pred"``)
            or the total (``"all"``); None keeps the counts.

        Returns
        -------
        display : ClusterConfusionDisplay
            The object with the table and the drawn artists.
        """
        import_pyplot("ClusterConfusionDisplay.from_predictions")
        y_true = check_labels(y_true, "y_true")
        labels_pred = check_labels(labels_pred, "labels_pred", y_true.shape[0])
        if y_true.size == 0:
            raise ValueError("y_true and labels_pred must hold at least one sample.")
        if normalize not in _NORMALIZE:
            raise ValueError(f"normalize must be one of {_NORMALIZE}, got {normalize!r}.")
        class_ids, inv_true = np.unique(y_true, return_inverse=True)
        cluster_ids, inv_pred = np.unique(labels_pred, return_inverse=True)
        table = contingency_matrix(inv_true, inv_pred, sparse=False)
        rows, cols = _matched_order(y_true, labels_pred, class_ids, cluster_ids)
        cm = table[np.ix_(rows, cols)]
        if normalize is not None:
            axis = {"true": 1, "pred": 0, "all": None}[normalize]
            with np.errstate(divide="ignore", invalid="ignore"):
                cm = np.nan_to_num(cm / cm.sum(axis=axis, keepdims=axis is not None))
        return cls(cm, cluster_ids[cols], class_ids[rows]).plot(ax=ax)

    @classmethod
    def from_estimator(cls, estimator, X, y, *, ax=None, normalize=None):
        """Tabulate classes against ``estimator.predict(X)`` and draw the table.

        Parameters
        ----------
        estimator : fitted deep clusterer
            Any estimator with ``predict``.
        X : array-like, same layout as in ``fit``
            The samples.
        y : array-like of shape (n_samples,)
            Their true classes.
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure when None.
        normalize : {"true", "pred", "all"}, default=None
            See :meth:`from_predictions`.

        Returns
        -------
        display : ClusterConfusionDisplay
            The object with the table and the drawn artists.
        """
        import_pyplot("ClusterConfusionDisplay.from_estimator")
        if normalize not in _NORMALIZE:
            raise ValueError(f"normalize must be one of {_NORMALIZE}, got {normalize!r}.")
        return cls.from_predictions(y, estimator.predict(X), ax=ax, normalize=normalize)
