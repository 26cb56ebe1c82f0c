import itertools

import numpy as np
import pytest

from skdeepcluster import align_labels, clustering_accuracy
from skdeepcluster.metrics import matching_permutation


def _brute_force_accuracy(y, p):
    classes, clusters = np.unique(y), np.unique(p)
    best = 0
    # every injective map of clusters into classes (plus "unmatched")
    slots = list(classes) + [None] * len(clusters)
    for perm in itertools.permutations(slots, len(clusters)):
        m = dict(zip(clusters, perm, strict=True))
        if len([v for v in perm if v is not None]) != len({v for v in perm if v is not None}):
            continue
        best = max(best, sum(m[pi] == yi for yi, pi in zip(y, p, strict=True)))
    return best / len(y)


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("k_true, k_pred", [(3, 3), (3, 4), (4, 2)])
def test_accuracy_matches_brute_force(seed, k_true, k_pred):
    rng = np.random.RandomState(seed)
    y, p = rng.randint(k_true, size=12), rng.randint(k_pred, size=12)
    assert clustering_accuracy(y, p) == pytest.approx(_brute_force_accuracy(y, p))


def test_accuracy_is_permutation_invariant():
    y = np.array([0, 0, 1, 1, 2, 2])
    assert clustering_accuracy(y, np.array([2, 2, 0, 0, 1, 1])) == 1.0
    assert clustering_accuracy(y, np.array([2, 2, 0, 0, 1, 0])) == pytest.approx(5 / 6)


def test_accuracy_input_errors():
    with pytest.raises(ValueError, match="same length"):
        clustering_accuracy([0, 1], [0, 1, 1])
    with pytest.raises(ValueError, match="1-D"):
        clustering_accuracy([[0, 1]], [[0, 1]])


def test_align_labels_renames_to_reference():
    aligned = align_labels([5, 5, 7, 7, 9], [0, 0, 1, 1, 1])
    assert aligned[:4].tolist() == [0, 0, 1, 1]
    assert aligned[4] not in (0, 1)  # the extra cluster gets a fresh id


def test_matching_permutation_is_a_bijection_on_matched_ids():
    m = matching_permutation([0, 0, 1, 1, 2, 2], [2, 2, 0, 0, 1, 1])
    assert m == {0: 2, 1: 0, 2: 1}
