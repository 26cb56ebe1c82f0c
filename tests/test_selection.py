"""Selectors on hand-computed cases."""

import numpy as np
import pytest
import torch

from skdeepcluster.selection import chunked_knn, select_by_prototypes, select_reliable


def test_prototypes_hand_computed():
    # 6 samples, 2 clusters: M = 3 per cluster, prototypes from the top m = 1 by column.
    proba = torch.tensor(
        [[0.9, 0.1], [0.8, 0.2], [0.6, 0.4], [0.3, 0.7], [0.2, 0.8], [0.45, 0.55]]
    )
    emb = torch.tensor(
        [[1.0, 0.0], [0.8, 0.6], [0.6, 0.8], [0.0, 1.0], [-0.6, 0.8], [0.707, 0.707]]
    )
    sel = select_by_prototypes(proba, emb, center_ratio=0.5)
    # Cluster 0 prototype = sample 0 (top p0); cluster 1 prototype = sample 4 (top p1).
    # Similarities to [1,0]: 1, .8, .6, 0, -.6, .707 -> top 3: 0, 1, 5.
    # Similarities to [-.6,.8]: -.6, 0, .28, .8, 1, .141 -> top 3: 4, 3, 2.
    assert sel.labels.tolist() == [0, 0, 0, 1, 1, 1]
    assert sorted(sel.indices[:3].tolist()) == [0, 1, 5]
    assert sorted(sel.indices[3:].tolist()) == [2, 3, 4]
    assert np.all(sel.weights == 1)


def test_prototypes_in_own_cells_hand_computed():
    # The case above: sample 2 is nearer prototype 0 (.6) than prototype 1 (.28), so
    # prototype 1's cell is {3, 4}: it labels 2 samples, not M = 3; cell 0 = {0, 1, 2, 5}.
    proba = torch.tensor(
        [[0.9, 0.1], [0.8, 0.2], [0.6, 0.4], [0.3, 0.7], [0.2, 0.8], [0.45, 0.55]]
    )
    emb = torch.tensor(
        [[1.0, 0.0], [0.8, 0.6], [0.6, 0.8], [0.0, 1.0], [-0.6, 0.8], [0.707, 0.707]]
    )
    sel = select_by_prototypes(proba, emb, center_ratio=0.5, own_cells=True)
    assert sel.labels.tolist() == [0, 0, 0, 1, 1]
    assert sorted(sel.indices[:3].tolist()) == [0, 1, 5]
    assert sorted(sel.indices[3:].tolist()) == [3, 4]
    assert len(set(sel.indices.tolist())) == len(sel.indices)  # no sample labelled twice


def test_prototypes_rank_by_column_not_argmax():
    # No sample has argmax 1, yet cluster 1 still gets its column-wise top samples.
    proba = torch.tensor([[0.9, 0.1], [0.6, 0.4], [0.7, 0.3], [0.99, 0.01]])
    gen = torch.Generator().manual_seed(0)
    emb = torch.nn.functional.normalize(torch.randn(4, 3, generator=gen))
    sel = select_by_prototypes(proba, emb, n_per_cluster=2, center_ratio=0.5)
    assert (sel.labels == 1).sum() == 2


def test_chunked_knn_matches_dense_and_puts_self_first():
    rng = np.random.RandomState(0)
    e = torch.tensor(rng.randn(50, 5))
    nn_chunked = chunked_knn(e, 7, chunk_size=8)
    en = torch.nn.functional.normalize(e, dim=1)
    dense = (en @ en.T).topk(7, dim=1).indices
    assert torch.equal(nn_chunked[:, 0], torch.arange(50))
    assert torch.equal(torch.sort(nn_chunked, 1).values, torch.sort(dense, 1).values)


def _two_groups():
    # Two tight groups of 5 points; predictions agree with the groups except sample 4.
    emb = torch.tensor([[1.0, 0.01 * i] for i in range(5)] + [[0.01 * i, 1.0] for i in range(5)])
    proba = torch.tensor([[0.995, 0.005]] * 4 + [[0.4, 0.6]] + [[0.002, 0.998]] * 5)
    return proba, emb


def test_reliable_requires_agreement_and_confidence():
    proba, emb = _two_groups()
    sel = select_reliable(proba, emb, n_neighbors=5, agreement=0.8, confidence=0.99,
                          balance=False, min_per_cluster=1)
    # Sample 4 is predicted 1 among four 0-neighbours: not reliable. Samples 0-3 have 4/5
    # agreeing neighbours (sample 4 disagrees) and confidence .995: reliable.
    got = dict(zip(sel.indices.tolist(), sel.labels.tolist(), strict=True))
    assert got == {0: 0, 1: 0, 2: 0, 3: 0, 5: 1, 6: 1, 7: 1, 8: 1, 9: 1}


def test_reliable_balances_clusters():
    proba, emb = _two_groups()
    sel = select_reliable(proba, emb, n_neighbors=5, agreement=0.8, confidence=0.99,
                          balance=True, min_per_cluster=1, random_state=0)
    assert np.bincount(sel.labels).tolist() == [4, 4]


def test_reliable_falls_back_when_a_cluster_is_empty():
    proba, emb = _two_groups()
    proba = proba.clone()
    proba[5:] = torch.tensor([0.3, 0.7])  # cluster 1 never confident: strict rule is empty
    sel = select_reliable(proba, emb, n_neighbors=5, agreement=0.8, confidence=0.99,
                          balance=True, min_per_cluster=2, random_state=0)
    counts = np.bincount(sel.labels, minlength=2)
    assert counts[1] == 2 and counts[0] == 2
    assert set(sel.indices[sel.labels == 1]).issubset({4, 5, 6, 7, 8, 9})


def test_reliable_warns_about_clusters_nobody_is_in():
    proba, emb = _two_groups()
    proba = torch.cat([proba, torch.zeros(10, 1)], dim=1)
    with pytest.warns(UserWarning, match=r"cluster\(s\) \[2\]"):
        sel = select_reliable(proba, emb, n_neighbors=5, agreement=0.8, min_per_cluster=1)
    assert 2 not in sel.labels


def test_reliable_on_large_data_chooses_among_a_subset_of_candidates():
    # 4 copies of the two groups; a cap of 20 candidates: the subset's own reliable
    # samples, under their indices in the whole data, with correct labels
    proba, emb = _two_groups()
    proba, emb = proba.repeat(4, 1), emb.repeat(4, 1)
    sel = select_reliable(proba, emb, n_neighbors=3, agreement=0.6, confidence=0.99,
                          balance=False, min_per_cluster=1, random_state=0,
                          max_candidates=20)
    assert 0 < len(sel.indices) <= 20
    assert len(set(sel.indices.tolist())) == len(sel.indices)
    np.testing.assert_array_equal(sel.labels, proba.argmax(1).numpy()[sel.indices])
    assert not np.isin(sel.indices % 10, [4]).any()  # sample 4's copies never
    full = select_reliable(proba, emb, n_neighbors=3, agreement=0.6, confidence=0.99,
                           balance=False, min_per_cluster=1, random_state=0)
    assert len(full.indices) > len(sel.indices)  # the cap did apply


def test_prototype_refresh_pads_short_own_cell_selections():
    from types import SimpleNamespace

    from skdeepcluster.training import PerHeadDataset, PrototypeRefresh

    # the hand-computed case: own cells give 3 labels for cluster 0 and 2 for cluster 1
    proba = torch.tensor(
        [[0.9, 0.1], [0.8, 0.2], [0.6, 0.4], [0.3, 0.7], [0.2, 0.8], [0.45, 0.55]]
    )
    emb = torch.tensor(
        [[1.0, 0.0], [0.8, 0.6], [0.6, 0.8], [0.0, 1.0], [-0.6, 0.8], [0.707, 0.707]]
    )

    class TwoHeads(torch.nn.Module):
        def forward(self, idx):  # the "data" are the row numbers
            return torch.log(proba[idx.long()]).expand(2, -1, -1)

    views = SimpleNamespace(weak=lambda x, idx: x)
    refresh = PrototypeRefresh(torch.arange(6), emb, views, pseudo_batch=6, per_cluster=3,
                               center_ratio=0.5, n_repeat=2, batch_size=4,
                               rng=np.random.RandomState(0), own_cells=True)
    dataset = PerHeadDataset(2, 12)
    refresh.on_epoch_begin(SimpleNamespace(module_=TwoHeads()), dataset_train=dataset)
    assert dataset.indices.shape == dataset.labels.shape == (2, 12)  # 2 passes of 3 * 2
    allowed = {(0, 0), (1, 0), (5, 0), (3, 1), (4, 1)}
    for h in range(2):
        pairs = set(zip(dataset.indices[h].tolist(), dataset.labels[h].tolist(), strict=True))
        assert pairs == allowed  # every selected pair, and only those, padded by repeats
