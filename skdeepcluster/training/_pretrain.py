"""Contrastive pretraining of a backbone, shared by the methods that start from it."""

import torch

from skdeepcluster.base import ClusteringModel
from skdeepcluster.nn import MLP
from skdeepcluster.training._nets import ContrastiveNet, NTXentCriterion, make_net


def contrastive_projector(d, batchnorm=True):
    """The projection head of contrastive pretraining: ``d -> 4d -> d`` with BatchNorm,
    or with ``batchnorm=False`` the plain ``d -> d -> d`` MLP (SimCLR v1 / MoCo v2).

    BatchNorm in the head (SimCLR v2 style) matters on small images: on the MNIST test
    set, 30 epochs gave backbone features with k-means ACC 0.85 with it against 0.51 with
    the plain head. On digits as 64-d rows (MLP backbone) SPICE scored 0.858 with it and
    0.900 with the plain head (seed 0).
    """
    if batchnorm:
        return MLP(d, d, hidden=(4 * d,), batchnorm=True)
    return MLP(d, d, hidden=(d,))


def train_contrastive(X, backbone, projector, views, *, epochs, temperature, lr, batch_size,
                      device, verbose):
    """Train ``backbone`` + ``projector`` with NT-Xent between two strong views (Adam).

    Returns the fitted :class:`~skdeepcluster.training.ContrastiveNet`; its
    ``module_.backbone`` is the trained backbone and ``module_.head`` the projector.
    With ``epochs=0`` the net is only initialised.
    """
    net = make_net(
        ContrastiveNet,
        ClusteringModel(backbone, projector),  # the head slot holds the projector
        criterion=NTXentCriterion,
        criterion__temperature=temperature,
        n_samples=X.shape[0],
        batch_size=batch_size,
        max_epochs=epochs,
        device=device,
        optimizer=torch.optim.Adam,
        lr=lr,
        verbose=verbose,
        views=views,
    )
    if epochs > 0:
        net.fit(X)
    else:
        net.initialize()
    return net
