"""MTDC's losses against slow, loop-based references, and the BCE term's gradient sign."""

import math

import numpy as np
import pytest
import torch

from skdeepcluster.losses import (
    cluster_contrastive_loss,
    cluster_entropy_regularizer,
    pairwise_similarity_bce_loss,
    pseudo_label_supcon_loss,
    top_r_agreement_mask,
)
from skdeepcluster.training import MTDCCriterion


def _unit(v):
    return v / np.linalg.norm(v)


def _softmax_rows(rng, b, k, scale=2.0):
    logits = rng.normal(scale=scale, size=(b, k))
    e = np.exp(logits - logits.max(1, keepdims=True))
    return e / e.sum(1, keepdims=True)


# ----------------------------------------------------------------- slow references
def slow_cluster_contrastive(p1, p2, t=1.0):
    k = p1.shape[1]
    cols = [_unit(p1[:, j]) for j in range(k)] + [_unit(p2[:, j]) for j in range(k)]
    total = 0.0
    for a in range(2 * k):
        pos = (a + k) % (2 * k)
        denom = sum(math.exp(cols[a] @ cols[b] / t) for b in range(2 * k) if b != a)
        total += -math.log(math.exp(cols[a] @ cols[pos] / t) / denom)
    contrast = total / (2 * k)
    entropy = 0.0
    for p in (p1, p2):
        sizes = p.sum(0) / p.sum()
        entropy += math.log(k) + sum(s * math.log(s) for s in sizes)
    return contrast + entropy


def slow_pairwise_bce(proba, feats, direction, eps=1e-12):
    a = [_unit(r) for r in proba]
    g = [_unit(r) for r in feats]
    m = len(a)
    total = 0.0
    for i in range(m):
        for j in range(m):
            qa = math.exp(-max(float(np.sum((a[i] - a[j]) ** 2)), eps))
            qg = math.exp(-max(float(np.sum((g[i] - g[j]) ** 2)), eps))
            target, pred = (qa, qg) if direction == "reference" else (qg, qa)
            total += target * math.log(pred + eps) + (1 - target) * math.log(1 - pred + eps)
    return -total / (m * m)


def slow_supcon(z1, z2, teacher, r, t=0.5, base_t=0.07):
    b = z1.shape[0]
    z = [_unit(v) for v in np.concatenate([z1, z2])]
    ranks = [tuple(np.argsort(-row, kind="stable")[:r]) for row in teacher]
    total = 0.0
    for a in range(2 * b):
        denom = sum(math.exp(z[a] @ z[c] / t) for c in range(2 * b) if c != a)
        pos = [p for p in range(2 * b) if p != a and ranks[p % b] == ranks[a % b]]
        total += sum(math.log(math.exp(z[a] @ z[p] / t) / denom) for p in pos) / len(pos)
    return -(t / base_t) * total / (2 * b)


# ----------------------------------------------------------------- tests
@pytest.mark.parametrize("k", [1, 3, 7])
@pytest.mark.parametrize("t", [1.0, 0.5])
def test_cluster_contrastive_matches_slow_reference(k, t):
    rng = np.random.RandomState(k)
    p1, p2 = _softmax_rows(rng, 12, k), _softmax_rows(rng, 12, k)
    got = cluster_contrastive_loss(torch.tensor(p1), torch.tensor(p2), temperature=t)
    assert float(got) == pytest.approx(slow_cluster_contrastive(p1, p2, t), rel=1e-9, abs=1e-9)


def test_entropy_regularizer_extremes():
    balanced = torch.full((6, 3), 1 / 3, dtype=torch.float64)
    collapsed = torch.zeros((6, 3), dtype=torch.float64)
    collapsed[:, 1] = 1.0
    assert float(cluster_entropy_regularizer(balanced)) == pytest.approx(0.0, abs=1e-12)
    assert float(cluster_entropy_regularizer(collapsed)) == pytest.approx(math.log(3))


def test_cluster_contrastive_rejects_mismatched_views():
    with pytest.raises(ValueError, match="proba1 and proba2"):
        cluster_contrastive_loss(torch.ones(4, 3), torch.ones(5, 3))


@pytest.mark.parametrize("direction", ["reference", "textbook"])
def test_pairwise_bce_matches_slow_reference(direction):
    rng = np.random.RandomState(0)
    proba = _softmax_rows(rng, 10, 4)
    proba[3] = proba[1]  # an exact duplicate pair: distance clamped at eps
    feats = rng.normal(size=(10, 5))
    got = pairwise_similarity_bce_loss(torch.tensor(proba), torch.tensor(feats), direction)
    assert float(got) == pytest.approx(slow_pairwise_bce(proba, feats, direction), rel=1e-7)


def test_pairwise_bce_gradients_reach_only_cluster_side():
    rng = np.random.RandomState(1)
    proba = torch.tensor(_softmax_rows(rng, 6, 3), requires_grad=True)
    feats = torch.tensor(rng.normal(size=(6, 4)), requires_grad=True)
    pairwise_similarity_bce_loss(proba, feats).backward()
    assert proba.grad is not None and proba.grad.abs().sum() > 0
    assert feats.grad is None


def _two_sample_bce_grad(q_g, q_a, direction):
    """dL/dtheta for two samples whose feature similarity is q_g and whose cluster
    vectors are at angle theta with similarity q_a (both in (0, 1))."""
    phi = math.acos(1 + math.log(q_g) / 2)  # ||g1 - g2||^2 = 2 - 2 cos(phi) = -log q_g
    feats = torch.tensor([[1.0, 0.0], [math.cos(phi), math.sin(phi)]], dtype=torch.float64)
    theta = torch.tensor(math.acos(1 + math.log(q_a) / 2), dtype=torch.float64,
                         requires_grad=True)
    proba = torch.stack([torch.stack([torch.ones_like(theta), torch.zeros_like(theta)]),
                         torch.stack([torch.cos(theta), torch.sin(theta)])])
    pairwise_similarity_bce_loss(proba, feats, direction=direction).backward()
    return float(theta.grad)


@pytest.mark.parametrize(
    "q_g, q_a, ref_sign, textbook_sign",
    [
        # Feature similarity 0.7 > 0.5: the reference pushes the cluster vectors together
        # (loss grows with the angle) even though Q^a = 0.9 already exceeds Q^g; the
        # textbook form pulls Q^a down towards 0.7 (loss falls as the angle grows).
        (0.7, 0.9, +1, -1),
        # Feature similarity 0.3 < 0.5: the reference pushes apart; the textbook form,
        # with Q^a = 0.2 below 0.3, pulls together.
        (0.3, 0.2, -1, +1),
    ],
)
def test_pairwise_bce_gradient_direction(q_g, q_a, ref_sign, textbook_sign):
    assert np.sign(_two_sample_bce_grad(q_g, q_a, "reference")) == ref_sign
    assert np.sign(_two_sample_bce_grad(q_g, q_a, "textbook")) == textbook_sign


def test_pairwise_bce_rejects_bad_direction():
    with pytest.raises(ValueError, match="direction"):
        pairwise_similarity_bce_loss(torch.ones(2, 2), torch.ones(2, 2), direction="other")


def test_top_r_mask_needs_the_same_ordered_ranking():
    teacher = torch.tensor(
        [
            [0.5, 0.3, 0.2, 0.0],  # ranking 0, 1, 2
            [0.6, 0.3, 0.1, 0.0],  # 0, 1, 2 (same)
            [0.5, 0.2, 0.3, 0.0],  # 0, 2, 1 (same set, other order)
            [0.4, 0.3, 0.0, 0.3 - 1e-3],  # 0, 1, 3
        ]
    )
    expected3 = np.array(
        [[1, 1, 0, 0], [1, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]], dtype=bool
    )
    np.testing.assert_array_equal(top_r_agreement_mask(teacher, 3).numpy(), expected3)
    expected2 = np.array(
        [[1, 1, 0, 1], [1, 1, 0, 1], [0, 0, 1, 0], [1, 1, 0, 1]], dtype=bool
    )
    np.testing.assert_array_equal(top_r_agreement_mask(teacher, 2).numpy(), expected2)
    assert top_r_agreement_mask(teacher, 1).all()
    # r larger than K is clipped to K
    np.testing.assert_array_equal(top_r_agreement_mask(teacher, 9).numpy(),
                                  top_r_agreement_mask(teacher, 4).numpy())


@pytest.mark.parametrize("r", [1, 2, 3])
def test_pseudo_label_supcon_matches_slow_reference(r):
    rng = np.random.RandomState(r)
    b, k = 9, 3
    z1, z2 = rng.normal(size=(b, 5)), rng.normal(size=(b, 5))
    # few distinct rankings so positives beyond the other view exist
    teacher = _softmax_rows(rng, 3, k, scale=3.0)[rng.randint(3, size=b)]
    got = pseudo_label_supcon_loss(torch.tensor(z1), torch.tensor(z2), torch.tensor(teacher),
                                   top_r=r)
    assert float(got) == pytest.approx(slow_supcon(z1, z2, teacher, r), rel=1e-9)


def test_pseudo_label_supcon_with_unique_rankings_is_scaled_nt_xent():
    """With no shared rankings the only positive is the other view: SupCon equals the
    instance NT-Xent times t / base_t."""
    from skdeepcluster.losses import nt_xent_loss

    rng = np.random.RandomState(0)
    z1, z2 = torch.tensor(rng.normal(size=(4, 3))), torch.tensor(rng.normal(size=(4, 3)))
    teacher = torch.eye(4, dtype=torch.float64)
    got = pseudo_label_supcon_loss(z1, z2, teacher, top_r=1)
    assert float(got) == pytest.approx(float(nt_xent_loss(z1, z2, 0.5)) * 0.5 / 0.07)


def _criterion(**params):
    base = dict(instance_temperature=0.5, cluster_temperature=1.0, bce_weight=10.0,
                bce_direction="reference", pcl_weight=0.1, top_r=2, pcl_temperature=0.5)
    base.update(params)
    return MTDCCriterion(**base)


def test_criterion_total_is_the_weighted_sum_and_zero_weights_skip_terms():
    rng = np.random.RandomState(0)
    z1, z2 = torch.tensor(rng.normal(size=(8, 4))), torch.tensor(rng.normal(size=(8, 4)))
    c1, c2 = torch.tensor(_softmax_rows(rng, 8, 3)), torch.tensor(_softmax_rows(rng, 8, 3))
    teacher = torch.tensor(_softmax_rows(rng, 8, 3))
    total, parts = _criterion()(z1, z2, c1, c2, teacher)
    expected = (parts["loss_ins"] + parts["loss_clu"] + 10 * parts["loss_bce"]
                + 0.1 * parts["loss_pcl"])
    assert float(total) == pytest.approx(float(expected))
    total0, parts0 = _criterion(bce_weight=0.0, pcl_weight=0.0)(z1, z2, c1, c2, None)
    assert set(parts0) == {"loss_ins", "loss_clu"}
    assert float(total0) == pytest.approx(float(parts["loss_ins"] + parts["loss_clu"]))
