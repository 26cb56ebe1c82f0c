"""ClusMatch's pieces: thresholds and selectors on hand-computed cases, losses against
slow loop references."""

import math

import numpy as np
import pytest
import torch

from skdeepcluster.losses import (
    merged_pseudo_label_loss,
    negative_pseudo_label_loss,
    self_adaptive_fairness_loss,
)
from skdeepcluster.selection import (
    ClassPairThresholds,
    select_highest_variance,
    select_nearest_to_centroid,
)
from skdeepcluster.training import align_kmeans_labels

PROBS = torch.tensor(
    [[0.7, 0.2, 0.1], [0.6, 0.1, 0.3], [0.2, 0.5, 0.3]], dtype=torch.float64
)


# ------------------------------------------------------------------ thresholds
@pytest.mark.parametrize("k", [2, 3, 10])
def test_initial_thresholds_are_one_over_k(k):
    th = ClassPairThresholds(k)
    expected_neg = np.full((k, k), 1 / k)
    np.fill_diagonal(expected_neg, 0.0)
    np.testing.assert_allclose(th.negative_thresholds.numpy(), expected_neg)
    np.testing.assert_allclose(th.positive_thresholds.numpy(), np.full(k, 1 / k))


def test_update_hand_computed_with_absent_class():
    th = ClassPairThresholds(3, momentum=0.5).update(PROBS)
    # class 0: samples 0, 1 -> non-max rows [0, .2, .1], [0, .1, .3] -> mean [0, .15, .2]
    # class 1: sample 2 -> [.2, 0, .3]; class 2: absent -> zero row (cnt clamped 1e-8)
    third = 1 / 3
    expected_t = np.array(
        [
            [0.0, third / 2 + 0.075, third / 2 + 0.1],
            [third / 2 + 0.1, 0.0, third / 2 + 0.15],
            [third / 2, third / 2, 0.0],
        ]
    )
    np.testing.assert_allclose(th.local_.numpy(), expected_t)
    np.testing.assert_allclose(th.global_.numpy(), [third + 0.175, third + 0.25, third])
    # row 2: T = [1/6, 1/6, 0], sum 1/3, g = 1/3 -> tau_neg = [1/6, 1/6, 0]
    np.testing.assert_allclose(th.negative_thresholds.numpy()[2], [1 / 6, 1 / 6, 0.0])
    # the absent class's positive threshold rose from 1/3 to 2/3 (stricter)
    np.testing.assert_allclose(th.positive_thresholds.numpy()[2], 2 / 3)
    # tau_pos = 1 - sum tau_neg, and sum_j T[c, j] == g[c] as the updates are consistent
    np.testing.assert_allclose(th.positive_thresholds.numpy(), 1 - th.global_.numpy())
    np.testing.assert_allclose(th.p_model_.numpy(), 0.5 / 3 + 0.5 * PROBS.mean(0).numpy())
    np.testing.assert_allclose(th.label_hist_.numpy(), [1 / 6 + 1 / 3, 1 / 6 + 1 / 6, 1 / 6])


def test_absent_class_threshold_drifts_to_one():
    th = ClassPairThresholds(3, momentum=0.9)
    for _ in range(200):
        th.update(PROBS)
    assert th.positive_thresholds[2] > 0.99
    assert th.global_[2] < 1e-6


def test_masks_hand_computed():
    th = ClassPairThresholds(3)  # tau_pos = 1/3, tau_neg = 1/3 off the diagonal
    probs = torch.tensor([[0.3, 0.35, 0.35 - 1e-9], [0.8, 0.15, 0.05], [0.1, 0.1, 0.8]],
                         dtype=torch.float64)
    pos, neg = th.masks(probs, kmeans_labels=torch.tensor([0, 2, 1]))
    np.testing.assert_array_equal(pos.numpy(), [True, True, True])
    # sample 0: argmax 1, k-means 0 -> only class 2 could be negative; 0.35 >= 1/3: none
    # sample 1: argmax 0, k-means 2 -> class 1 (0.15 < 1/3) negative
    # sample 2: argmax 2, k-means 1 -> class 0 (0.1 < 1/3) negative; class 1 excluded
    np.testing.assert_array_equal(
        neg.numpy(), [[False, False, False], [False, True, False], [True, False, False]]
    )
    th.global_[:] = 0.1  # tau_pos = 0.9 now
    pos, _ = th.masks(probs)
    np.testing.assert_array_equal(pos.numpy(), [False, False, False])


def test_step_updates_before_masking():
    a, b = ClassPairThresholds(3, momentum=0.5), ClassPairThresholds(3, momentum=0.5)
    pos_a, neg_a = a.step(PROBS)
    b.update(PROBS)
    pos_b, neg_b = b.masks(PROBS)
    assert torch.equal(pos_a, pos_b) and torch.equal(neg_a, neg_b)


# ------------------------------------------------------------------ selectors
def test_nearest_to_centroid_hand_computed():
    x = np.array([[0.0], [1.0], [2.0], [10.0], [11.0], [30.0], [5.0]])
    labels = np.array([0, 0, 0, 1, 1, 1, -1])  # -1 = noise, never selected
    sel = select_nearest_to_centroid(x, labels, 2)
    # cluster 0 mean 1 -> [1, 0 or 2] (ties keep order: 0); cluster 1 mean 17 -> 11, 10
    np.testing.assert_array_equal(sel.indices, [1, 0, 4, 3])
    np.testing.assert_array_equal(sel.labels, [0, 0, 1, 1])
    sel = select_nearest_to_centroid(x, labels, 1, centers=np.array([[2.0], [30.0]]))
    np.testing.assert_array_equal(sel.indices, [2, 5])


def test_highest_variance_hand_computed():
    proba = np.array([[0.5, 0.5, 0.0], [1.0, 0.0, 0.0], [0.4, 0.3, 0.3],
                      [0.1, 0.9, 0.0], [0.0, 1.0, 0.0]])
    labels = np.array([0, 0, 0, 1, 1])
    sel = select_highest_variance(proba, labels, 2)
    np.testing.assert_array_equal(sel.indices, [1, 0, 4, 3])
    np.testing.assert_array_equal(sel.labels, [0, 0, 1, 1])
    small = select_highest_variance(proba, np.array([0, 0, 0, 2, -1]), 5)
    np.testing.assert_array_equal(small.indices, [1, 0, 2, 3])  # all of a small cluster


def test_align_kmeans_labels():
    km = np.array([2, 2, 0, 0, 1, 1])
    aligned = align_kmeans_labels(km, np.array([0, 2, 4]), np.array([1, 0, 2]), 3)
    np.testing.assert_array_equal(aligned, [1, 1, 0, 0, 2, 2])
    # labelled set covers only clusters {0, 1}: the unmatched k-means id gets the free id 2
    aligned = align_kmeans_labels(km, np.array([0, 2]), np.array([0, 1]), 3)
    np.testing.assert_array_equal(aligned, [0, 0, 1, 1, 2, 2])


@pytest.mark.parametrize("features", ["backbone", "projector"])
def test_kmeans_refresh_clusters_the_chosen_features(features):
    """Two groups split along x (what the backbone, the identity, sees) and along y
    (all the projector keeps): the refresh must follow the chosen features."""
    from types import SimpleNamespace

    import torch

    from skdeepcluster.nn import ClusteringModel
    from skdeepcluster.training import KMeansRefresh

    class KeepY(torch.nn.Module):
        def forward(self, h):
            return torch.stack([torch.zeros_like(h[:, 1]), h[:, 1]], 1) + torch.tensor([1.0, 0])

    # x splits samples 0-3 | 4-7, y splits the even | odd ones
    X = torch.tensor([[-5.0 + 0.1 * i, 1.0 if i % 2 else -1.0] for i in range(4)]
                     + [[5.0 + 0.1 * i, 1.0 if i % 2 else -1.0] for i in range(4)])
    model = ClusteringModel(torch.nn.Identity(), torch.nn.Identity(), projector=KeepY())
    ema = SimpleNamespace(ema_=SimpleNamespace(shadow=model))
    refresh = KMeansRefresh(X, np.array([0, 4]), np.array([0, 1]), 2, ema, features=features,
                            random_state=np.random.RandomState(0))
    refresh.on_train_begin(SimpleNamespace(device="cpu"))
    got = refresh.labels_.numpy()
    if features == "backbone":
        np.testing.assert_array_equal(got, [0, 0, 0, 0, 1, 1, 1, 1])
    else:  # the labelled pair (0, 4) is all even: their cluster takes id 0 or 1
        assert len(set(got[::2])) == 1 and len(set(got[1::2])) == 1
        assert got[0] != got[1]


# ------------------------------------------------------------------ losses
def _softmax(row):
    e = [math.exp(v) for v in row]
    return [v / sum(e) for v in e]


def test_negative_loss_matches_loop_reference():
    g = torch.Generator().manual_seed(0)
    logits = torch.randn(6, 4, generator=g, dtype=torch.float64)
    mask = torch.rand(6, 4, generator=g) < 0.4
    mask[0] = False  # a sample without negatives contributes 0
    total = 0.0
    for row, m in zip(logits.tolist(), mask.tolist(), strict=True):
        q = _softmax(row)
        if any(m):
            neg_mass = sum(qj for qj, mj in zip(q, m, strict=True) if mj)
            total += -math.log(min(max(1 - neg_mass, 1e-8), 1))
    loss = negative_pseudo_label_loss(logits, mask)
    assert math.isclose(float(loss), total / 6, rel_tol=1e-9)


def test_negative_loss_clamps_and_has_gradient():
    logits = torch.tensor([[0.0, 30.0, -30.0]], requires_grad=True)
    mask = torch.tensor([[False, True, False]])
    loss = negative_pseudo_label_loss(logits, mask)
    assert math.isclose(float(loss.detach()), -math.log(1e-8), rel_tol=1e-5)
    logits2 = torch.zeros(2, 3, requires_grad=True)
    negative_pseudo_label_loss(logits2, torch.tensor([[False, True, False]] * 2)).backward()
    assert logits2.grad[0, 1] > 0  # gradient descent lowers the negative class's logit


def test_merged_loss_matches_loop_reference():
    g = torch.Generator().manual_seed(1)
    logits = torch.randn(5, 3, generator=g, dtype=torch.float64)
    pos = torch.tensor([0, 1, 2, 0, 1])
    km = torch.tensor([0, 2, 2, 1, 1])
    mask = torch.tensor([1.0, 1.0, 0.0, 1.0, 1.0], dtype=torch.float64)
    total = 0.0
    for row, p, k, m in zip(logits.tolist(), pos.tolist(), km.tolist(), mask.tolist(),
                            strict=True):
        q = _softmax(row)
        total += m * -(0.5 * math.log(q[p]) + 0.5 * math.log(q[k]))
    loss = merged_pseudo_label_loss(logits, pos, km, mask)
    assert math.isclose(float(loss), total / 5, rel_tol=1e-9)
    # agreement -> plain CE with weight 1
    agree = merged_pseudo_label_loss(logits[:1], pos[:1], pos[:1], mask[:1])
    assert math.isclose(float(agree), -math.log(_softmax(logits[0].tolist())[0]), rel_tol=1e-9)


def test_fairness_matches_numpy_reference():
    g = torch.Generator().manual_seed(2)
    logits = torch.randn(8, 4, generator=g, dtype=torch.float64)
    logits[:, 3] -= 10  # class 3 never the argmax: its batch histogram entry is 0
    mask = torch.tensor([1, 1, 0, 1, 1, 1, 0, 1]).bool()
    p_model = torch.tensor([0.3, 0.3, 0.2, 0.2], dtype=torch.float64)
    hist = torch.tensor([0.4, 0.3, 0.3, 0.0], dtype=torch.float64)
    q = torch.softmax(logits, 1).numpy()[mask.numpy()]
    hist_s = np.bincount(q.argmax(1), minlength=4) / len(q)
    inv = lambda v: np.array([1 / x if x > 0 else 0.0 for x in v])  # noqa: E731
    prior = p_model.numpy() * inv(hist.numpy())
    prior /= prior.sum()
    mean_s = q.mean(0) * inv(hist_s)
    mean_s /= mean_s.sum()
    expected = sum(prior[k] * math.log(mean_s[k] + 1e-12) for k in range(4))
    loss = self_adaptive_fairness_loss(logits, mask, p_model, hist)
    assert math.isclose(float(loss), expected, rel_tol=1e-9)
    assert float(loss) <= 0
    empty = self_adaptive_fairness_loss(logits, torch.zeros(8, dtype=torch.bool), p_model, hist)
    assert float(empty) == 0.0
