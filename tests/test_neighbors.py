"""Neighbour mining and the neighbour views of vectors."""

import numpy as np
import pytest
import torch

from skdeepcluster._input import InputSpec
from skdeepcluster.augment import NeighborViews, make_views, mine_neighbors
from skdeepcluster.augment._neighbors import _faiss

BACKENDS = ["torch"] + (["faiss"] if _faiss() is not None else [])


def brute_force(X, k, metric):
    """Every pairwise distance, sorted: the slow obvious reference."""
    X = np.asarray(X, dtype=np.float64)
    if metric == "cosine":
        X = X / np.linalg.norm(X, axis=1, keepdims=True)
    d = ((X[:, None, :] - X[None, :, :]) ** 2).sum(-1)
    np.fill_diagonal(d, np.inf)
    return np.argsort(d, axis=1, kind="stable")[:, :k]


def test_hand_made_line_has_its_adjacent_points_as_neighbours():
    # points 0, 1, 3, 6, 10 on a line: the gaps grow, so every answer is unambiguous
    X = np.array([[0.0], [1.0], [3.0], [6.0], [10.0]], dtype=np.float32)
    nb = mine_neighbors(X, 2, metric="euclidean", backend="torch").numpy()
    np.testing.assert_array_equal(nb, [[1, 2], [0, 2], [1, 0], [2, 4], [3, 2]])


def test_cosine_neighbours_ignore_the_norm():
    # directions 0, 10 and 90 degrees; the far but aligned point is the nearest in angle
    X = np.array([[1.0, 0.0], [50.0 * np.cos(0.17), 50.0 * np.sin(0.17)], [0.0, 2.0]],
                 dtype=np.float32)
    assert mine_neighbors(X, 1, metric="cosine", backend="torch")[:, 0].tolist() == [1, 0, 1]
    assert mine_neighbors(X, 1, metric="euclidean", backend="torch")[0, 0] == 2


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("metric", ["cosine", "euclidean"])
@pytest.mark.parametrize("chunk_size", [1, 7, None])
def test_chunked_mining_equals_the_brute_force_reference(backend, metric, chunk_size):
    X = np.random.RandomState(0).randn(103, 5).astype(np.float32)
    nb = mine_neighbors(X, 6, metric=metric, chunk_size=chunk_size, backend=backend)
    assert nb.dtype == torch.long and nb.shape == (103, 6)
    np.testing.assert_array_equal(nb.numpy(), brute_force(X, 6, metric))


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_row_is_never_its_own_neighbour_even_among_duplicates(backend):
    X = np.zeros((6, 3), dtype=np.float32)
    X[3:] = 1.0
    nb = mine_neighbors(X, 2, metric="euclidean", backend=backend).numpy()
    assert not np.any(nb == np.arange(6)[:, None])
    assert np.all((nb < 3) == (np.arange(6)[:, None] < 3))  # duplicates of its own group


def test_mining_refuses_bad_arguments():
    X = np.zeros((4, 2), dtype=np.float32)
    with pytest.raises(ValueError, match="n_neighbors"):
        mine_neighbors(X, 4)
    with pytest.raises(ValueError, match="metric"):
        mine_neighbors(X, 1, metric="manhattan")
    with pytest.raises(ValueError, match="backend"):
        mine_neighbors(X, 1, backend="annoy")


def test_strong_view_lies_between_the_row_and_one_of_its_neighbours():
    torch.manual_seed(0)
    data = torch.randn(50, 4)
    neighbors = mine_neighbors(data, 3, metric="euclidean")
    views = NeighborViews(data, neighbors, step=(0.0, 1.0), strong_mask=0.0, strong_noise=0.0)
    idx = torch.arange(50)
    out = views.strong(data[idx], idx)
    hits = 0
    for i in range(50):
        ok = False
        for j in neighbors[i]:
            step = data[j] - data[i]
            t = torch.dot(out[i] - data[i], step) / torch.dot(step, step)
            if 0 <= t <= 1 and torch.allclose(data[i] + t * step, out[i], atol=1e-5):
                ok = True
        hits += ok
    assert hits == 50


def test_strong_view_with_full_interpolation_is_a_neighbour_row():
    data = torch.randn(30, 3)
    neighbors = mine_neighbors(data, 2)
    views = NeighborViews(data, neighbors, step=(1.0, 1.0), strong_mask=0.0, strong_noise=0.0)
    idx = torch.tensor([4, 9, 4])
    out = views.strong(data[idx], idx)
    for row, i in zip(out, idx, strict=True):
        assert any(torch.equal(row, data[j]) for j in neighbors[i])


def test_views_without_indices_fall_back_to_masking_the_row():
    data = torch.randn(20, 5)
    views = NeighborViews(data, mine_neighbors(data, 2), strong_mask=0.0, strong_noise=0.0)
    x = torch.randn(3, 5)
    assert torch.equal(views.strong(x), x)  # not a training row: nothing to move toward


def test_make_views_picks_the_family_and_caps_k_on_tiny_data():
    data = torch.randn(5, 3)
    spec = InputSpec("vector", (3,))
    views = make_views(spec, data, vector_views="neighbors", n_neighbors=10)
    assert isinstance(views, NeighborViews) and views.neighbors.shape == (5, 4)
    assert type(make_views(spec, data)).__name__ == "VectorViews"
    with pytest.raises(ValueError, match="vector_views"):
        make_views(spec, data, vector_views="mixup")
