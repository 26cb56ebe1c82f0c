"""Hungarian matching of two labelings, and the clustering accuracy built on it."""

import numpy as np
from scipy.optimize import linear_sum_assignment
from sklearn.metrics import make_scorer


def _as_label_vector(labels, name):
    labels = np.asarray(labels)
    if labels.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got an array of shape {labels.shape}.")
    return labels


def hungarian_match(labels_a, labels_b, ids_a=None, ids_b=None):
    """The one Hungarian matching of the package, on the contingency table of two labelings.

    Parameters
    ----------
    labels_a, labels_b : ndarray of shape (n_samples,)
    ids_a, ids_b : sorted ndarray, optional
        The ids that get a row / column (default: the ids present); an id absent from
        the labels gets an all-zero row or column and still takes part in the matching.

    Returns
    -------
    table : ndarray of int64, shape (len(ids_a), len(ids_b))
        ``table[i, j]`` counts the samples with ``ids_a[i]`` and ``ids_b[j]``.
    rows, cols : ndarray of int
        Matched pairs ``(ids_a[rows[k]], ids_b[cols[k]])`` maximising the matched count.
    """
    ids_a = np.unique(labels_a) if ids_a is None else ids_a
    ids_b = np.unique(labels_b) if ids_b is None else ids_b
    table = np.zeros((ids_a.size, ids_b.size), dtype=np.int64)
    np.add.at(table, (np.searchsorted(ids_a, labels_a), np.searchsorted(ids_b, labels_b)), 1)
    rows, cols = linear_sum_assignment(-table)
    return table, rows, cols


def matching_permutation(labels_from, labels_to):
    """Best one-to-one map from the ids of ``labels_from`` to the ids of ``labels_to``.

    The map maximises the number of samples whose mapped id equals their id in
    ``labels_to`` (Hungarian matching on the contingency table). When ``labels_from``
    has more ids than ``labels_to`` the unmatched ones keep fresh ids that collide
    with nothing in ``labels_to``.

    Parameters
    ----------
    labels_from : array-like of shape (n_samples,)
        The labeling to rename.
    labels_to : array-like of shape (n_samples,)
        The reference labeling.

    Returns
    -------
    mapping : dict
        ``{id_in_labels_from: id_in_labels_to_or_fresh_id}``.
    """
    labels_from = _as_label_vector(labels_from, "labels_from")
    labels_to = _as_label_vector(labels_to, "labels_to")
    if labels_from.shape != labels_to.shape:
        raise ValueError(
            "labels_from and labels_to must have the same length, got "
            f"{labels_from.shape[0]} and {labels_to.shape[0]}."
        )
    ids_from, ids_to = np.unique(labels_from), np.unique(labels_to)
    _, rows, cols = hungarian_match(labels_from, labels_to, ids_from, ids_to)
    mapping = {ids_from[r]: ids_to[c] for r, c in zip(rows, cols, strict=True)}
    unmatched = [i for i in ids_from if i not in mapping]
    if unmatched:
        numeric = np.issubdtype(ids_to.dtype, np.number)
        start = int(ids_to.max()) + 1 if numeric and ids_to.size else 0
        for offset, i in enumerate(unmatched):
            mapping[i] = start + offset
    return mapping


def align_labels(labels, reference):
    """Rename the cluster ids of ``labels`` to agree best with ``reference``.

    Parameters
    ----------
    labels : array-like of shape (n_samples,)
    reference : array-like of shape (n_samples,)

    Returns
    -------
    aligned : ndarray of shape (n_samples,)
        ``labels`` with ids permuted (Hungarian matching); ids without a partner get
        fresh ids.

    Examples
    --------
    >>> from skdeepcluster.metrics import align_labels
    >>> align_labels([1, 1, 0, 0], [0, 0, 1, 1])
    array([0, 0, 1, 1])
    """
    labels = _as_label_vector(labels, "labels")
    mapping = matching_permutation(labels, reference)
    return np.array([mapping[v] for v in labels])


def clustering_accuracy(labels_true, labels_pred):
    """Accuracy of ``labels_pred`` after the best one-to-one renaming of its clusters.

    Works when the numbers of true classes and predicted clusters differ: unmatched
    clusters count as wrong.

    Parameters
    ----------
    labels_true : array-like of shape (n_samples,)
    labels_pred : array-like of shape (n_samples,)

    Returns
    -------
    accuracy : float in [0, 1]

    Examples
    --------
    >>> from skdeepcluster.metrics import clustering_accuracy
    >>> clustering_accuracy([0, 0, 1, 1], [1, 1, 0, 0])
    1.0
    """
    labels_true = _as_label_vector(labels_true, "labels_true")
    labels_pred = _as_label_vector(labels_pred, "labels_pred")
    if labels_true.shape != labels_pred.shape:
        raise ValueError(
            "labels_true and labels_pred must have the same length, got "
            f"{labels_true.shape[0]} and {labels_pred.shape[0]}."
        )
    if labels_true.size == 0:
        raise ValueError("clustering_accuracy needs at least one sample.")
    table, rows, cols = hungarian_match(labels_true, labels_pred)
    return float(table[rows, cols].sum() / labels_true.size)


#: Scorer for ``GridSearchCV(..., scoring=clustering_accuracy_scorer)``: it calls the
#: estimator's ``predict`` and compares to ``y`` up to a permutation.
clustering_accuracy_scorer = make_scorer(clustering_accuracy)
