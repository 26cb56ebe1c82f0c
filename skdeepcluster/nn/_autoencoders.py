"""Autoencoders with a classifier head on the latent code (the members of SPC's ensemble).

Every autoencoder exposes ``encode(x) -> z``, ``decode(z) -> x_hat`` and ``classify(z) ->
logits``; ``forward`` is ``decode(encode(x))``.
"""

import torch
from torch import nn

from skdeepcluster.nn._heads import MLP
from skdeepcluster.nn._precision import autocast

#: LeakyReLU slope of the SPC reference autoencoders.
_SLOPE = 0.3


class _HeadedAutoencoder(nn.Module):
    """Shared ``encode`` / ``decode`` / ``classify`` / ``forward`` of the autoencoders;
    with ``precision="bfloat16"`` the encoder and decoder run under bfloat16 autocast
    (codes and reconstructions come out float32)."""

    precision = "float32"

    def encode(self, x):
        with autocast(x.device, self.precision):
            return self._encode(x).float()

    def decode(self, z):
        with autocast(z.device, self.precision):
            return self._decode(z).float()

    def classify(self, z):
        return self.head(z)

    def forward(self, x):
        return self.decode(self.encode(x))


class MLPAutoencoder(_HeadedAutoencoder):
    """Fully connected autoencoder for vectors, with a cluster head on the latent code.

    Encoder ``d -> hidden... -> latent_dim`` and the mirrored decoder, with BatchNorm and
    LeakyReLU between layers and linear code and output layers.

    Parameters
    ----------
    in_features : int
    latent_dim : int
    n_clusters : int
    hidden : tuple of int, default=(512, 256)
    head_hidden : int, default=25
        Width of the head ``latent_dim -> head_hidden -> n_clusters`` (SPC uses 25).
    """

    def __init__(self, in_features, latent_dim, n_clusters, hidden=(512, 256), head_hidden=25):
        super().__init__()
        self.in_features = int(in_features)
        self.encoder = _dense_stack((in_features, *hidden, latent_dim))
        self.decoder = _dense_stack((latent_dim, *reversed(hidden), in_features))
        self.head = MLP(latent_dim, n_clusters, hidden=(head_hidden,))
        self.latent_dim = latent_dim

    def _encode(self, x):
        return self.encoder(x.flatten(1))

    def _decode(self, z):
        return self.decoder(z)


class ConvAutoencoder(_HeadedAutoencoder):
    """Convolutional autoencoder for small images, with a cluster head on the latent code.

    The encoder halves the resolution at each of its 3x3 stride-2 conv layers
    (BatchNorm, LeakyReLU), then a linear layer gives the code. The decoder maps the code
    back to the last feature map and doubles the resolution with 3x3 stride-2 transposed
    convolutions, as the reference's generator does; each one's output padding is set
    from the encoder's recorded sizes, so any input size (8x8 digits, 28x28 MNIST,
    32x32) comes back exactly. The output layer is linear. (Convolving at the lower
    resolution, which a transposed convolution does, costs about a third of resizing
    first and convolving after: the decoder dominates the member's training time.)

    Parameters
    ----------
    in_shape : tuple of int
        ``(C, H, W)``.
    latent_dim : int
    n_clusters : int
    widths : tuple of int, default=(32, 64, 128)
    head_hidden : int, default=25
    """

    def __init__(self, in_shape, latent_dim, n_clusters, widths=(32, 64, 128), head_hidden=25):
        super().__init__()
        c, h, w = (int(s) for s in in_shape)
        self.in_shape = (c, h, w)
        sizes, layers, width = [(h, w)], [], c
        for out in widths:
            layers += [
                nn.Conv2d(width, out, 3, stride=2, padding=1, bias=False),
                nn.BatchNorm2d(out),
                nn.LeakyReLU(_SLOPE, inplace=True),
            ]
            width = out
            h, w = (h + 1) // 2, (w + 1) // 2
            sizes.append((h, w))
        self.conv = nn.Sequential(*layers)
        self._sizes = sizes
        flat = width * h * w
        self.to_code = nn.Linear(flat, latent_dim)
        self.from_code = nn.Sequential(nn.Linear(latent_dim, flat), nn.LeakyReLU(_SLOPE))
        ups, chans = [], list(reversed((c, *widths)))
        for i, (cin, cout) in enumerate(zip(chans[:-1], chans[1:], strict=True)):
            last = i == len(chans) - 2
            th, tw = sizes[-2 - i]
            # stride-2 transposed conv gives 2 * size - 1; one extra row/column for even targets
            block = [nn.ConvTranspose2d(cin, cout, 3, stride=2, padding=1,
                                        output_padding=(1 - th % 2, 1 - tw % 2), bias=last)]
            if not last:
                block += [nn.BatchNorm2d(cout), nn.LeakyReLU(_SLOPE, inplace=True)]
            ups += block
        self.deconv = nn.Sequential(*ups)
        self.head = MLP(latent_dim, n_clusters, hidden=(head_hidden,))
        self.latent_dim = latent_dim

    def _encode(self, x):
        return self.to_code(torch.flatten(self.conv(x), 1))

    def _decode(self, z):
        h, w = self._sizes[-1]
        return self.deconv(self.from_code(z).view(z.shape[0], -1, h, w))


def _dense_stack(widths):
    layers = []
    for i, (a, b) in enumerate(zip(widths[:-1], widths[1:], strict=True)):
        layers.append(nn.Linear(a, b))
        if i < len(widths) - 2:
            layers += [nn.BatchNorm1d(b), nn.LeakyReLU(_SLOPE, inplace=True)]
    return nn.Sequential(*layers)


def build_autoencoder(spec, latent_dim, n_clusters, architecture="auto", hidden=(512, 256),
                      widths=(32, 64, 128), precision="float32"):
    """The autoencoder for an input spec.

    ``architecture="auto"`` gives a :class:`ConvAutoencoder` for images and an
    :class:`MLPAutoencoder` for vectors; ``"mlp"`` flattens images into vectors.
    """
    if architecture == "conv" and spec.kind != "image":
        raise ValueError(
            "autoencoder='conv' needs image input ((n, H, W), (n, C, H, W) or image_shape); "
            f"got vectors of {spec.n_features} features."
        )
    if architecture == "conv" or (architecture == "auto" and spec.kind == "image"):
        model = ConvAutoencoder(spec.shape, latent_dim, n_clusters, widths=widths)
    else:
        model = MLPAutoencoder(spec.n_features, latent_dim, n_clusters, hidden=hidden)
    model.precision = precision
    return model
