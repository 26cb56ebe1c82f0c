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
def test_conv_backbone_channels_last_gives_the_plain_layout_result(side, monkeypatch):
    from skdeepcluster.nn import ConvBackbone

    monkeypatch.setenv("SKDEEPCLUSTER_CPU_BF16", "0")

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


def test_cpu_bf16_setting(monkeypatch):
    from skdeepcluster.nn import cpu_bf16_enabled
    from skdeepcluster.nn._backbones import _native_cpu_bf16

    monkeypatch.setenv("SKDEEPCLUSTER_CPU_BF16", "0")
    assert cpu_bf16_enabled() is False
    monkeypatch.setenv("SKDEEPCLUSTER_CPU_BF16", "1")
    assert cpu_bf16_enabled() is True
    monkeypatch.delenv("SKDEEPCLUSTER_CPU_BF16")
    assert cpu_bf16_enabled() is _native_cpu_bf16()


def test_conv_backbone_bf16_convolutions_stay_close_to_float32(monkeypatch):
    # bfloat16 keeps 8 bits of mantissa: outputs agree to about 1e-2, in float32, and
    # gradients reach the first convolution.
    from skdeepcluster.nn import ConvBackbone

    torch.manual_seed(0)
    net = ConvBackbone(1, image_side=28).train()
    x = torch.rand(32, 1, 28, 28)
    monkeypatch.setenv("SKDEEPCLUSTER_CPU_BF16", "0")
    ref = net(x)
    monkeypatch.setenv("SKDEEPCLUSTER_CPU_BF16", "1")
    out = net(x)
    assert out.dtype == torch.float32
    assert not torch.equal(out, ref)  # the setting is honoured
    torch.testing.assert_close(out, ref, rtol=0.05, atol=0.05 * float(ref.abs().mean()))
    out.square().mean().backward()
    grad = net.features[0].weight.grad
    assert grad.dtype == torch.float32 and float(grad.abs().sum()) > 0
