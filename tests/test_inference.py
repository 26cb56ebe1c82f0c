import numpy as np
import pytest
import torch

from skdeepcluster.nn import forward_in_batches


@pytest.mark.parametrize("batch_size", [1, 3, 7, 100])
def test_forward_in_batches_matches_one_pass(batch_size):
    x = torch.randn(10, 4, generator=torch.Generator().manual_seed(0))
    layer = torch.nn.Linear(4, 3)
    expected = layer(x).detach()
    out = forward_in_batches(layer, x, batch_size)
    torch.testing.assert_close(out, expected)
    assert not out.requires_grad


def test_forward_in_batches_numpy_input_device_and_dim():
    x = np.arange(24, dtype=np.float32).reshape(6, 4)
    stacked = forward_in_batches(lambda b: torch.stack([b.sum(1), -b.sum(1)]), x, 4,
                                 device=torch.device("cpu"), dim=1)
    assert stacked.shape == (2, 6)
    np.testing.assert_allclose(stacked[0].numpy(), x.sum(1))
    np.testing.assert_allclose(stacked[1].numpy(), -x.sum(1))


def test_forward_in_batches_read_only_array_no_warning(recwarn):
    x = np.ones((5, 2), dtype=np.float32)
    x.setflags(write=False)
    out = forward_in_batches(lambda b: b * 2, x, 2)
    np.testing.assert_array_equal(out.numpy(), 2 * x)
    assert not [w for w in recwarn if "not writable" in str(w.message)]


@pytest.mark.parametrize("side", [8, 28])
def test_conv_backbone_channels_last_gives_the_plain_layout_result(side):
    from skdeepcluster.nn import ConvBackbone

    torch.manual_seed(0)
    net = ConvBackbone(1, image_side=side).train()
    assert net.features[0].weight.is_contiguous(memory_format=torch.channels_last)
    x = torch.rand(16, 1, side, side)
    out = net(x)
    out.sum().backward()
    grad = net.features[0].weight.grad.clone()

    # the same computation with every tensor in the plain (NCHW) layout
    plain = ConvBackbone(1, image_side=side).train()
    plain.load_state_dict(net.state_dict())
    for p in plain.features.parameters():
        p.data = p.data.clone(memory_format=torch.contiguous_format)
    h = x.clone(memory_format=torch.contiguous_format)
    for layer in plain.features:
        h = layer(h)
        assert not h.is_contiguous(memory_format=torch.channels_last)
    ref = plain.fc(torch.flatten(torch.nn.functional.adaptive_avg_pool2d(h, plain.grid), 1))
    ref.sum().backward()
    torch.testing.assert_close(out, ref, rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(grad, plain.features[0].weight.grad, rtol=1e-3, atol=1e-4)


@pytest.mark.parametrize("kind", ["image", "vector"])
def test_auto_precision_is_bfloat16_only_for_images_on_a_native_bf16_cpu(kind, monkeypatch):
    from skdeepcluster.nn import _precision, resolve_precision

    for native in (True, False):
        monkeypatch.setattr(_precision, "native_cpu_bf16", lambda native=native: native)
        expected = "bfloat16" if native and kind == "image" else "float32"
        assert resolve_precision("auto", "cpu", kind) == expected
    assert resolve_precision("float32", "cpu", kind) == "float32"
    assert resolve_precision("bfloat16", "cpu", kind) == "bfloat16"


@pytest.mark.parametrize("make", [
    lambda: __import__("skdeepcluster.nn", fromlist=["x"]).ConvBackbone(1, image_side=28),
    lambda: __import__("skdeepcluster.nn", fromlist=["x"]).MLPBackbone(784),
])
def test_bf16_backbones_stay_close_to_float32(make):
    # bfloat16 keeps 8 bits of mantissa: outputs agree to about 1e-2, in float32, and
    # gradients reach the first layer.
    torch.manual_seed(0)
    net = make().train()
    x = torch.rand(32, 1, 28, 28)
    ref = net(x)
    net.precision = "bfloat16"
    out = net(x)
    assert out.dtype == torch.float32
    assert not torch.equal(out, ref)  # the setting is honoured
    torch.testing.assert_close(out, ref, rtol=0.05, atol=0.05 * float(ref.abs().mean()))
    out.square().mean().backward()
    grad = next(net.parameters()).grad
    assert grad.dtype == torch.float32 and float(grad.abs().sum()) > 0
