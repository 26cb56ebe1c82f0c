"""``n_clusters="auto"``: a coarse-to-fine search of the number of clusters by a
label-free score."""

import numpy as np

#: Candidates of the first, coarse pass (log-spaced over the range).
N_COARSE = 6


def coarse_to_fine_search(score_of, low, high, *, n_coarse=N_COARSE):
    """The integer ``k`` in ``[low, high]`` with the highest ``score_of(k)``, found with
    few calls: ``n_coarse`` log-spaced candidates first, then, while the best ``k`` has
    untried integers between it and a tried neighbour, the midpoints of those gaps.
    Ties go to the smaller ``k``. About ``n_coarse + 2 log2(gap)`` calls, where gap is
    the coarse spacing at the best ``k``; each ``k`` is scored once.

    Returns
    -------
    best : int
    scores : dict ``{k: score}`` of every tried ``k``
    """
    low, high = int(low), int(high)
    if low > high:
        raise ValueError(f"The range of n_clusters is empty: ({low}, {high}).")
    scores = {}

    def score(k):
        if k not in scores:
            value = float(score_of(k))
            scores[k] = value if np.isfinite(value) else -np.inf
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
