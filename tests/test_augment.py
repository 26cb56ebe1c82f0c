import numpy as np
import torch

from skdeepcluster.augment import (
    ImageViews,
    VectorViews,
    cutout,
    feature_mask,
    random_affine,
    scarf_resample,
)


def test_random_affine_identity_when_ranges_are_zero():
    x = torch.rand(4, 1, 8, 8)
    torch.testing.assert_close(random_affine(x), x, atol=1e-5, rtol=0)


def test_random_affine_shift_moves_content():
    torch.manual_seed(0)
    x = torch.zeros(64, 1, 9, 9)
    x[:, :, 4, 4] = 1.0
    out = random_affine(x, translate=0.3)
    centers = [np.unravel_index(int(o.argmax()), (9, 9)) for o in out[:, 0]]
    assert len(set(centers)) > 3  # different samples moved differently
    assert torch.all(out.sum(dim=(1, 2, 3)) > 0.5)  # content kept


def test_cutout_zeros_a_square_per_sample():
    torch.manual_seed(0)
    x = torch.ones(16, 1, 10, 10)
    out = cutout(x, 0.5)
    zeros = (out == 0).sum(dim=(1, 2, 3))
    assert torch.all(zeros >= 1) and torch.all(zeros <= 36)


def test_feature_mask_rate():
    torch.manual_seed(0)
    out = feature_mask(torch.ones(200, 50), 0.3)
    assert abs((out == 0).float().mean().item() - 0.3) < 0.03


def test_scarf_draws_from_each_columns_marginal():
    torch.manual_seed(0)
    pool = torch.stack([torch.full((100,), 1.0), torch.full((100,), 2.0)], dim=1)
    pool[:, 1] = torch.arange(100.0)
    x = torch.full((500, 2), -1.0)
    out = scarf_resample(x, 0.5, pool)
    replaced0 = out[:, 0] != -1
    assert torch.all(out[replaced0, 0] == 1.0)  # column 0 only ever takes column 0's values
    replaced1 = out[:, 1] != -1
    assert torch.all((out[replaced1, 1] >= 0) & (out[replaced1, 1] < 100))
    assert 0.4 < replaced0.float().mean() < 0.6


def test_views_keep_shape_and_device():
    x = torch.rand(5, 1, 8, 8)
    views = ImageViews()
    assert views.weak(x).shape == x.shape and views.strong(x).shape == x.shape
    v = torch.randn(5, 7)
    vv = VectorViews(v)
    assert vv.weak(v).shape == v.shape and vv.strong(v).shape == v.shape
    assert not torch.equal(vv.strong(v), v)
