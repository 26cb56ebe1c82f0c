"""Label-free scores of a clustering: what model selection can use when no ``y`` exists.

Each score has an array form (an embedding and labels) and a scorer form
(``scorer(estimator, X, y=None)``, what ``GridSearchCV(scoring=...)`` calls): the scorer
embeds ``X`` with the fitted estimator's ``transform`` and labels it with its
``predict``. Higher is better for every score. Which one ``n_clusters="auto"`` uses,
and why, is measured in ``benchmarks/results/selection.md``.
"""

import numpy as np
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import adjusted_rand_score, silhouette_samples
from sklearn.model_selection import StratifiedKFold
from sklearn.utils import check_random_state

#: Rows the scores look at, at most (a seeded random subset beyond): silhouette needs
#: all pairs of them, so this bounds its time and memory on large data.
SCORE_SAMPLE_SIZE = 2000


def _subset(n, sample_size, random_state):
    if sample_size is None or n <= sample_size:
        return np.arange(n)
    return np.sort(check_random_state(random_state).choice(n, sample_size, replace=False))


def _checked(embedding, labels):
    embedding = np.asarray(embedding, dtype=np.float64)
    labels = np.asarray(labels)
    if embedding.ndim != 2 or labels.ndim != 1 or embedding.shape[0] != labels.shape[0]:
        raise ValueError(
            "embedding must be 2-D and labels 1-D with one label per row, got shapes "
            f"{embedding.shape} and {labels.shape}.")
    return embedding, labels


def embedding_silhouette(embedding, labels, *, metric="cosine", sample_size=SCORE_SAMPLE_SIZE,
                         random_state=0):
    """Mean silhouette of ``labels`` in ``embedding`` (in [-1, 1]).

    Computed on at most ``sample_size`` rows (a seeded random subset); a labeling with
    one cluster, or with as many clusters as rows, scores -1 (no structure found).

    Parameters
    ----------
    embedding : array-like of shape (n_samples, n_dims)
    labels : array-like of shape (n_samples,)
    metric : str, default="cosine"
        Any metric of :func:`sklearn.metrics.pairwise_distances`.
    sample_size : int or None, default=2000
    random_state : int, RandomState or None, default=0

    Returns
    -------
    score : float
    """
    embedding, labels = _checked(embedding, labels)
    rows = _subset(labels.size, sample_size, random_state)
    return float(sample_silhouettes(embedding[rows], labels[rows], metric=metric).mean())


def sample_silhouettes(embedding, labels, *, metric="cosine"):
    """Silhouette of each row of ``labels`` in ``embedding``, every row: -1 throughout
    for a labeling with one cluster or with as many clusters as rows."""
    embedding, labels = _checked(embedding, labels)
    n_found = np.unique(labels).size
    if n_found < 2 or n_found >= labels.size:
        return np.full(labels.size, -1.0)
    return silhouette_samples(embedding, labels, metric=metric)


def probe_agreement(embedding, labels, *, cv=5, sample_size=SCORE_SAMPLE_SIZE, random_state=0):
    """Chance-corrected held-out agreement of a linear probe with ``labels``.

    A logistic regression is trained on ``cv - 1`` folds of ``embedding`` to predict
    ``labels`` and scored on the held-out fold (TURTLE's cross-validation criterion);
    the pooled accuracy ``a`` is corrected for chance as Cohen's kappa,
    ``(a - sum_k p_k^2) / (1 - sum_k p_k^2)`` with ``p_k`` the cluster shares, so that a
    single cluster does not score 1. Clusters smaller than ``cv`` rows are counted
    as missed. At most ``sample_size`` rows are used (a seeded random subset).

    Parameters
    ----------
    embedding : array-like of shape (n_samples, n_dims)
    labels : array-like of shape (n_samples,)
    cv : int, default=5
    sample_size : int or None, default=2000
    random_state : int, RandomState or None, default=0

    Returns
    -------
    score : float
        1 for labels the probe recovers on every held-out row; 0 at chance.
    """
    embedding, labels = _checked(embedding, labels)
    rows = _subset(labels.size, sample_size, random_state)
    embedding, labels = embedding[rows], labels[rows]
    ids, counts = np.unique(labels, return_counts=True)
    if ids.size < 2:
        return 0.0
    kept = np.isin(labels, ids[counts >= cv])
    predicted = np.full(labels.size, -1, dtype=labels.dtype)
    if np.unique(labels[kept]).size >= 2:
        folds = StratifiedKFold(cv, shuffle=True, random_state=0)
        Z, t = embedding[kept], labels[kept]
        Z = (Z - Z.mean(0)) / (Z.std(0) + 1e-12)
        out = np.empty_like(t)
        for train, test in folds.split(Z, t):
            probe = LogisticRegression(max_iter=500).fit(Z[train], t[train])
            out[test] = probe.predict(Z[test])
        predicted[kept] = out
    accuracy = float(np.mean(predicted == labels))
    share = counts / counts.sum()
    chance = float(np.sum(share ** 2))
    return (accuracy - chance) / (1.0 - chance)


def label_stability(labels_a, labels_b):
    """Adjusted Rand index between two labelings of the same rows (1: identical up to
    a renaming, about 0: unrelated)."""
    return float(adjusted_rand_score(np.asarray(labels_a), np.asarray(labels_b)))


def score_rows(X):
    """The rows of ``X`` the scores look at: all of them, or a seeded subset of
    ``SCORE_SAMPLE_SIZE`` (the same for every call on the same data), so that large
    data is never embedded whole."""
    if not hasattr(X, "shape"):
        X = np.asarray(X)
    rows = _subset(X.shape[0], SCORE_SAMPLE_SIZE, 0)
    if rows.size < X.shape[0]:
        X = X.iloc[rows] if hasattr(X, "iloc") else X[rows]
    return X


def _embedded(estimator, X):
    """Embedding and labels of the :func:`score_rows` of ``X``."""
    X = score_rows(X)
    return estimator.transform(X), estimator.predict(X)


def silhouette_scorer(estimator, X, y=None):
    """Scorer: :func:`embedding_silhouette` of ``estimator.predict(X)`` in
    ``estimator.transform(X)``; ``y`` is ignored."""
    return embedding_silhouette(*_embedded(estimator, X))


def probe_scorer(estimator, X, y=None):
    """Scorer: :func:`probe_agreement` of ``estimator.predict(X)`` in
    ``estimator.transform(X)``; ``y`` is ignored."""
    return probe_agreement(*_embedded(estimator, X))


def stability_scorer(estimator, X, y=None):
    """Scorer: :func:`label_stability` between ``estimator.predict(X)`` and the
    prediction of a clone refitted on ``X`` with another seed (one more fit per call);
    ``y`` is ignored."""
    params = estimator.get_params(deep=False)
    seed = params.get("random_state")
    seed = 1 if seed is None else check_random_state(seed).randint(np.iinfo(np.int32).max)
    refit = clone(estimator).set_params(random_state=seed).fit(X)
    return label_stability(estimator.predict(X), refit.predict(X))
