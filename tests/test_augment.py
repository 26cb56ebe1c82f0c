import numpy as np
import torch

from skdeepcluster.augment import (
    ImageViews,
    VectorViews,
    cutout,
    feature_mask,
    intensity_jitter,
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


def _jitter_one_by_one(x, brightness_factors, contrast_factors, value_range):
    """Slow reference: ColorJitter's brightness then contrast on each grey image."""
    out = []
    for img, b, c in zip(x, brightness_factors, contrast_factors, strict=True):
        img = img * b
        mean = float(img.mean())
        out.append((c * img + (1 - c) * mean).clamp(*value_range))
    return torch.stack(out)


def test_intensity_jitter_matches_per_image_reference():
    x = torch.rand(6, 1, 5, 5)
    torch.manual_seed(3)
    out = intensity_jitter(x, 0.8, 0.5, p=1.0, value_range=(0.0, 1.0))
    # replay the same random stream: the p-mask, then the two factors
    torch.manual_seed(3)
    torch.rand(6, 1, 1, 1)
    b = 1 + torch.empty(6, 1, 1, 1).uniform_(-0.8, 0.8)
    c = 1 + torch.empty(6, 1, 1, 1).uniform_(-0.5, 0.5)
    ref = _jitter_one_by_one(x, b.flatten(), c.flatten(), (0.0, 1.0))
    torch.testing.assert_close(out, ref)
    assert not torch.allclose(out, x)


def test_intensity_jitter_leaves_the_unselected_samples_alone():
    x = torch.rand(400, 1, 4, 4)
    torch.manual_seed(0)
    assert torch.equal(intensity_jitter(x, 0.8, 0.8, p=0.0), x)
    changed = (intensity_jitter(x, 0.8, 0.8, p=0.8) != x).flatten(1).any(1)
    assert 0.7 < changed.float().mean() < 0.9


def test_intensity_jitter_clips_to_the_value_range_only_when_given():
    x = torch.full((50, 1, 3, 3), 0.9)
    x[:, :, 0, 0] = 0.1
    torch.manual_seed(0)
    assert intensity_jitter(x, 0.8, 0.8, value_range=(0.0, 1.0)).max() <= 1.0
    assert intensity_jitter(x, 0.8, 0.8).max() > 1.0


def test_strong_image_view_varies_intensity_weak_view_does_not():
    # a centred blob keeps its total intensity under a small shift, not under jitter
    x = torch.zeros(200, 1, 12, 12)
    x[:, :, 4:8, 4:8] = 0.5
    torch.manual_seed(0)
    views = ImageViews(value_range=(0.0, 1.0), strong_rotate=0, strong_translate=0,
                       strong_scale=(1, 1), strong_shear=0, strong_cutout=0, strong_noise=0)
    weak_sums = views.weak(x).sum(dim=(1, 2, 3))
    strong_sums = views.strong(x).sum(dim=(1, 2, 3))
    assert weak_sums.std() < 0.05 * weak_sums.mean()
    assert strong_sums.std() > 0.2 * strong_sums.mean()


def test_make_views_clips_image_jitter_to_the_training_data_range():
    from skdeepcluster._input import InputSpec
    from skdeepcluster.augment import make_views

    pool = torch.rand(30, 1, 6, 6) * 255  # images on a 0-255 scale keep that scale
    views = make_views(InputSpec("image", (1, 6, 6)), pool)
    assert views.value_range == (float(pool.min()), float(pool.max()))
