"""Autoencoder training for SPC: pretraining (reconstruction only) and the pseudo-label
phase (CE on agreed samples + reconstruction on all), with noise in the latent code.

``train_autoencoder`` is a pure function of (member state, data, labels, seed) returning
the new state, so ensemble members can be trained in parallel by joblib, on any backend.
"""

import torch

from skdeepcluster.losses import latent_noise, spc_loss
from skdeepcluster.nn import forward_in_batches
from skdeepcluster.training._nets import StepNet, make_net
from skdeepcluster.training._threads import single_threaded

#: Members encode the data in batches of this many samples.
ENCODE_BATCH = 1024
#: Adam's fused kernel (CPU and CUDA since torch 2.4) updates every parameter in one
#: call, several times faster than the per-tensor loop on a member's small layers.
_FUSED_ADAM = tuple(int(p) for p in torch.__version__.split(".")[:2]) >= (2, 4)


class SPCCriterion(torch.nn.Module):
    """:func:`~skdeepcluster.losses.spc_loss` as a skorch criterion."""

    def __init__(self, reconstruction="l1"):
        super().__init__()
        self.reconstruction = reconstruction

    def forward(self, x, x_hat, logits, targets, agreed):
        return spc_loss(x, x_hat, logits, targets, agreed, self.reconstruction)


class AutoencoderNet(StepNet):
    """Trains an autoencoder with a classifier head on its latent code.

    ``fit(X, y)`` with ``y`` the pseudo-labels, ``-1`` for samples without one (all of
    them during pretraining). The decoder and the head each see the code plus their own
    draw of :func:`~skdeepcluster.losses.latent_noise`.

    Parameters
    ----------
    noise_scale : float, default=1.5
    augment : callable or None, default=None
        Batch transform of the input whose codes the head classifies (the agreed
        samples'; the reconstruction always sees the clean input); ``None``: the head
        sees the clean code, as the reference.
    """

    def __init__(self, module, *args, noise_scale=1.5, augment=None, **kwargs):
        super().__init__(module, *args, **kwargs)
        self.noise_scale = noise_scale
        self.augment = augment

    def step_loss(self, batch, **fit_params):
        self._set_training(True)
        x, y = batch[0].to(self.device), batch[1].to(self.device)
        z = self.module_.encode(x)
        x_hat = self.module_.decode(z + latent_noise(z, self.noise_scale))
        agreed = y >= 0
        if self.augment is not None and bool(agreed.any()):
            # the whole batch goes through the encoder: BatchNorm needs more than the
            # one agreed sample a batch may hold
            za = self.module_.encode(self.augment(x))[agreed]
        else:
            za = z[agreed]
        logits = self.module_.classify(za + latent_noise(za, self.noise_scale))
        return self.criterion_(x, x_hat, logits, y, agreed), x_hat


def train_autoencoder(module, X, labels, seed, *, epochs, batch_size, lr, noise_scale,
                      device, reconstruction="l1", augment=None,
                      stage="autoencoder training"):
    """Train ``module`` for ``epochs`` on ``X`` with pseudo-labels ``labels`` (-1: none).

    Adam with a fresh state per call, shuffled batches (last incomplete one dropped),
    torch seeded with ``seed`` inside a forked RNG, on one thread (the result does not
    depend on the machine's thread count; ensembles parallelise over members instead).
    Returns the trained module.
    """
    if epochs == 0:
        return module
    with single_threaded():
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            net = make_net(
                AutoencoderNet,
                module,
                criterion=SPCCriterion,
                criterion__reconstruction=reconstruction,
                n_samples=X.shape[0],
                batch_size=batch_size,
                max_epochs=epochs,
                device=device,
                optimizer=torch.optim.Adam,
                optimizer__fused=_FUSED_ADAM,
                lr=lr,
                verbose=0,
                stage=stage,
                lr_param="lr",
                noise_scale=noise_scale,
                augment=augment,
            )
            net.fit(X, labels)
    return net.module_.cpu() if torch.device(device).type != "cpu" else net.module_


@torch.no_grad()
def encode(module, X, device, batch_size=ENCODE_BATCH):
    """Latent codes of ``X`` (numpy float32) in eval mode, as a float32 numpy array,
    computed on one thread (see :func:`train_autoencoder`)."""
    module = module.to(device).eval()
    with single_threaded():
        return forward_in_batches(lambda x: module.encode(x).float().cpu(), X, batch_size,
                                  device=device).numpy()
