"""Settings of a clustering estimator chosen without labels."""

import time
from numbers import Integral, Real

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator, ClusterMixin, _fit_context, clone
from sklearn.model_selection import ParameterGrid
from sklearn.utils._param_validation import HasMethods, Interval
from sklearn.utils.validation import check_is_fitted

from skdeepcluster._n_clusters import CrossSilhouettes
from skdeepcluster.metrics._unsupervised import score_rows

__all__ = ["LabelFreeGridSearch"]


class LabelFreeGridSearch(ClusterMixin, BaseEstimator):
    """Every setting of a grid fitted on all the data; the best one kept, judged
    without labels against the others.

    ``GridSearchCV`` scores each candidate alone (with
    :func:`~skdeepcluster.metrics.silhouette_scorer`, in its own embedding). Here each
    candidate's labels are also judged in the embeddings (``transform``) that the other
    candidates learned: the score is ``own_weight`` times the cosine silhouette in its
    own embedding plus ``1 - own_weight`` times the mean silhouette over every
    candidate's embedding, its own included, on one fixed subset of at most 2,000 rows.
    A short or failed training tends to gather its embedding tightly around its own
    labels, which flatters them in its own space and not in the others'. There are no
    folds: no labels are held out, so each candidate is fitted once, on all of ``X``.

    Parameters
    ----------
    estimator : estimator
        Cloned per candidate. Needs ``fit``, ``predict`` and ``transform``: any of the
        package's estimators, or a ``Pipeline`` ending in one.
    param_grid : dict or list of dicts
        As for ``GridSearchCV``: parameter names to lists of values.
    own_weight : float in [0, 1], default=0.5
        Weight of the own-embedding silhouette; 0 judges by the mean over all the
        candidates' embeddings alone, 1 as ``GridSearchCV`` with ``silhouette_scorer``.
        0.5 is the rule of ``n_clusters="auto"``. Over 40 committed grids (digits as
        images and vectors, the MNIST test set, seven tables) the fits kept by 0.5 and
        by 0 had the same mean ACC (0.767), those kept by 1 less (0.731); 0.5 did
        better than 0 on the two tables no other benchmark uses
        (``benchmarks/results/selection.md``).
    n_jobs : int or None, default=None
        Candidates fitted at once, through joblib (``joblib.parallel_config`` chooses
        the backend, Dask included); None is one at a time.

    Attributes
    ----------
    best_estimator_ : estimator
        The kept candidate, fitted on all of ``X``.
    best_params_ : dict
    best_score_ : float
    best_index_ : int
        Position of the kept candidate in ``results_["params"]``; ties go to the first.
    results_ : dict of lists, one entry per candidate in grid order
        ``params``, ``score``, ``own_silhouette`` and ``fit_time`` (seconds).
    labels_ : ndarray of shape (n_samples,)
        The kept candidate's labels of ``X``.
    n_features_in_ : int

    Notes
    -----
    Every fitted candidate is held in memory until the last one is scored (a later
    candidate changes every earlier score); the others are released after ``fit``.
    Scoring computes one silhouette per pair of candidates.

    Examples
    --------
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skdeepcluster import ClusMatch
    >>> search = LabelFreeGridSearch(  # doctest: +SKIP
    ...     make_pipeline(StandardScaler(), ClusMatch()),
    ...     {"clusmatch__n_clusters": [5, 10, 15], "clusmatch__pretrain_epochs": [20, 50]})
    >>> search.fit(X).best_params_  # doctest: +SKIP
    """

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit", "predict", "transform"])],
        "param_grid": [dict, list],
        "own_weight": [Interval(Real, 0, 1, closed="both")],
        "n_jobs": [Integral, None],
    }

    def __init__(self, estimator, param_grid, *, own_weight=0.5, n_jobs=None):
        self.estimator = estimator
        self.param_grid = param_grid
        self.own_weight = own_weight
        self.n_jobs = n_jobs

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y=None):
        """Fit every candidate on ``X`` and keep the best; ``y`` is ignored."""
        candidates = list(ParameterGrid(self.param_grid))
        if not candidates:
            raise ValueError("param_grid holds no candidate.")
        scored = score_rows(X)
        fits = Parallel(n_jobs=self.n_jobs)(
            delayed(_fit_candidate)(clone(self.estimator).set_params(**params), X, scored)
            for params in candidates)
        judged = CrossSilhouettes(self.own_weight)
        for i, (_, _, embedding, labels) in enumerate(fits):
            judged.add(i, embedding, labels)
        fitted = [est for est, *_ in fits]
        fit_time = [seconds for _, seconds, *_ in fits]
        scores = list(judged.scores().values())  # keyed 0, 1, ... in grid order
        best = int(np.argmax(scores))
        self.results_ = {
            "params": candidates,
            "score": scores,
            "own_silhouette": list(judged.own_scores().values()),
            "fit_time": fit_time,
        }
        self.best_index_ = best
        self.best_params_ = candidates[best]
        self.best_score_ = scores[best]
        self.best_estimator_ = fitted[best]
        labels = getattr(self.best_estimator_, "labels_", None)
        self.labels_ = (np.asarray(labels) if labels is not None
                        else self.best_estimator_.predict(X))
        self.n_features_in_ = getattr(self.best_estimator_, "n_features_in_",
                                      int(np.prod(np.shape(scored)[1:])))
        return self

    def predict(self, X):
        """Cluster of each row of ``X``, by the kept candidate."""
        check_is_fitted(self, "best_estimator_")
        return self.best_estimator_.predict(X)

    def transform(self, X):
        """Embedding of ``X`` by the kept candidate."""
        check_is_fitted(self, "best_estimator_")
        return self.best_estimator_.transform(X)


def _fit_candidate(est, X, scored):
    """``est`` fitted on ``X``, its fit time, and its embedding and labels of ``scored``."""
    start = time.perf_counter()
    est.fit(X)
    seconds = time.perf_counter() - start
    return est, seconds, est.transform(scored), est.predict(scored)
