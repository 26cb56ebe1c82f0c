"""Losses against slow, obvious reference implementations."""

import math

import numpy as np
import pytest
import torch

from skdeepcluster.losses import (
    fixmatch_consistency_loss,
    nt_xent_loss,
    pseudo_label_cross_entropy,
)


def _nt_xent_reference(z1, z2, t):
    z = np.concatenate([z1, z2])
    z = z / np.linalg.norm(z, axis=1, keepdims=True)
    n, b = len(z), len(z1)
    total = 0.0
    for a in range(n):
        pos = (a + b) % n
        denom = sum(math.exp(z[a] @ z[o] / t) for o in range(n) if o != a)
        total += -math.log(math.exp(z[a] @ z[pos] / t) / denom)
    return total / n


@pytest.mark.parametrize("t", [0.1, 0.5, 1.0])
def test_nt_xent_matches_reference(t):
    rng = np.random.RandomState(0)
    z1, z2 = rng.randn(6, 4), rng.randn(6, 4)
    got = nt_xent_loss(torch.tensor(z1), torch.tensor(z2), t).item()
    assert got == pytest.approx(_nt_xent_reference(z1, z2, t), rel=1e-9)


def test_nt_xent_is_low_for_matching_views():
    z = torch.eye(4, dtype=torch.float64)
    aligned = nt_xent_loss(z, z, 0.1).item()
    shuffled = nt_xent_loss(z, z[[1, 2, 3, 0]], 0.1).item()
    assert aligned < 0.01 < shuffled


def test_nt_xent_rejects_mismatched_views():
    with pytest.raises(ValueError, match="z1 and z2"):
        nt_xent_loss(torch.zeros(3, 2), torch.zeros(4, 2))


def _ce_reference(logits, targets, weights, double):
    out = 0.0
    for row, t, w in zip(logits, targets, weights, strict=True):
        if double:
            row = np.exp(row) / np.exp(row).sum()
        logp = row - math.log(np.exp(row).sum())
        out += -w * logp[t]
    return out / len(targets)


@pytest.mark.parametrize("double", [False, True])
def test_pseudo_label_cross_entropy_matches_reference(double):
    rng = np.random.RandomState(1)
    logits, targets, weights = rng.randn(5, 3), rng.randint(3, size=5), rng.rand(5)
    got = pseudo_label_cross_entropy(
        torch.tensor(logits), torch.tensor(targets), torch.tensor(weights), double
    ).item()
    assert got == pytest.approx(_ce_reference(logits, targets, weights, double), rel=1e-9)


def test_double_softmax_has_the_documented_floor():
    # A perfectly confident head: the double-softmax loss cannot go below log(1 + (K-1)/e).
    k = 10
    logits = torch.full((1, k), -1e4, dtype=torch.float64)
    logits[0, 3] = 1e4
    loss = pseudo_label_cross_entropy(logits, torch.tensor([3]), double_softmax=True).item()
    assert loss == pytest.approx(math.log(1 + (k - 1) / math.e), rel=1e-9)


def test_fixmatch_masks_unconfident_rows():
    weak = torch.tensor([[10.0, 0.0], [0.1, 0.0]], dtype=torch.float64)
    strong = torch.tensor([[0.0, 1.0], [0.0, 1.0]], dtype=torch.float64, requires_grad=True)
    loss, mask = fixmatch_consistency_loss(weak, strong, threshold=0.95)
    assert mask.tolist() == [1.0, 0.0]
    # Row 0 is confident with pseudo-label 0; the mean runs over both rows.
    expected = -math.log(math.exp(0) / (math.exp(0) + math.exp(1))) / 2
    assert loss.item() == pytest.approx(expected, rel=1e-9)
    loss.backward()
    assert torch.all(strong.grad[1] == 0)


def test_fixmatch_weak_branch_is_detached():
    weak = torch.tensor([[5.0, 0.0]], requires_grad=True)
    strong = torch.tensor([[0.0, 0.0]], requires_grad=True)
    loss, _ = fixmatch_consistency_loss(weak, strong, threshold=0.5)
    loss.backward()
    assert weak.grad is None
