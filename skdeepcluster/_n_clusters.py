"""``n_clusters="auto"``: a coarse-to-fine search of the number of clusters by a
label-free score."""

import numpy as np

from skdeepcluster.metrics._unsupervised import sample_silhouettes

#: Candidates of the first, coarse pass (log-spaced over the range).
N_COARSE = 6


def coarse_to_fine_search(score_of, low, high, *, n_coarse=N_COARSE, rescore=None,
                          used=None):
    """The integer ``k`` in ``[low, high]`` with the highest ``score_of(k)``, found with
    few calls: ``n_coarse`` log-spaced candidates first, then, while the best ``k`` has
    untried integers between it and a tried neighbour, the midpoints of those gaps.
    Ties go to the smaller ``k``. About ``n_coarse + 2 log2(gap)`` calls, where gap is
    the coarse spacing at the best ``k``; each ``k`` is scored once.

    ``rescore``, for scores that judge the candidates against each other: called with
    ``{k: score}`` of every ``k`` tried after each new one, it returns them all anew
    (so an earlier ``k``'s score may change as more are tried).

    ``used``, for fits that may leave clusters empty: called with each ``k`` whose score
    is not finite, it returns the number of clusters that fit did use (or None); that
    number is tried next when it lies in the range and is untried, and not followed in
    turn if its own fit is unusable (at most one extra call per unusable candidate). A
    fit at 8 that finds 7 groups points at 7, which the refinement would otherwise
    never reach when 6 and 8 both leave a cluster empty.

    Returns
    -------
    best : int
    scores : dict ``{k: score}`` of every tried ``k``
    """
    low, high = int(low), int(high)
    if low > high:
        raise ValueError(f"The range of n_clusters is empty: ({low}, {high}).")
    scores = {}

    def finite_or_worst(value):
        value = float(value)
        return value if np.isfinite(value) else -np.inf

    def score(k, follow=True):
        if k not in scores:
            scores[k] = finite_or_worst(score_of(k))
            if rescore is not None:
                scores.update({j: finite_or_worst(v) for j, v in rescore(dict(scores)).items()})
            if follow and used is not None and scores[k] == -np.inf:
                found = used(k)
                if found is not None and low <= found <= high:
                    score(int(found), follow=False)  # one step: no chain of such fits
        return scores[k]

    coarse = np.geomspace(low, high, min(n_coarse, high - low + 1))
    for k in sorted({int(round(v)) for v in coarse}):
        score(k)
    while True:
        tried = sorted(scores)
        best = max(tried, key=lambda k: (scores[k], -k))
        i = tried.index(best)
        gaps = []
        if i > 0 and best - tried[i - 1] > 1:
            gaps.append((tried[i - 1] + best) // 2)
        if i + 1 < len(tried) and tried[i + 1] - best > 1:
            gaps.append((best + tried[i + 1] + 1) // 2)
        if not gaps:
            return best, dict(sorted(scores.items()))
        for k in gaps:
            score(k)


class CrossSilhouettes:
    """The candidates' labels judged in their own embedding and in every candidate's.

    The score of candidate ``k`` is ``own_weight`` times the cosine silhouette of its
    labels in its own embedding plus ``1 - own_weight`` times their mean silhouette over
    the embeddings of every candidate added (its own included). An embedding trained
    for ``k`` clusters tends to gather into ``k`` groups, which flatters its own labels;
    the other candidates' spaces do not share that bias, but they also hold the finer
    groups that candidates with more clusters learned. Each pair is computed once, row
    by row (every candidate is judged on the same rows), so that two candidates can be
    compared row against row (:meth:`row_scores`).
    """

    def __init__(self, own_weight=0.5):
        self.own_weight = own_weight
        self._embeddings, self._labels, self._pairs = {}, {}, {}

    def add(self, k, embedding, labels):
        self._embeddings[k], self._labels[k] = np.asarray(embedding), np.asarray(labels)

    def scores(self):
        """``{k: score}`` of every candidate added."""
        return {k: float(rows.mean()) for k, rows in self.row_scores().items()}

    def own_scores(self):
        """``{k: silhouette of its labels in its own embedding}`` of every candidate."""
        self._judge_all()
        return {i: float(self._pairs[i, i].mean()) for i in sorted(self._labels)}

    def row_scores(self):
        """``{k: the score of each row}`` of every candidate; a score is their mean."""
        self._judge_all()
        w = self.own_weight
        return {i: w * self._pairs[i, i] + (1 - w) * np.mean(
                    [self._pairs[i, j] for j in self._embeddings], axis=0)
                for i in sorted(self._labels)}

    def _judge_all(self):
        for i in self._labels:
            for j in self._embeddings:
                if (i, j) not in self._pairs:
                    self._pairs[i, j] = sample_silhouettes(self._embeddings[j], self._labels[i])
