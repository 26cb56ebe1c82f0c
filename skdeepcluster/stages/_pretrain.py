"""Contrastive pretraining of a backbone (SPICE, ClusMatch), and the Adam run over
strong views it shares with MTDC."""

from dataclasses import dataclass

import torch

from skdeepcluster.nn import MLP, ContrastiveModel
from skdeepcluster.training import ContrastiveNet, NTXentCriterion, fit_or_initialize, make_net


def contrastive_projector(d, batchnorm=True):
    """The projection head of contrastive pretraining: ``d -> 4d -> d`` with BatchNorm
    (SimCLR v2 style, which decides the feature quality on small images), or with
    ``batchnorm=False`` the plain ``d -> d -> d`` MLP (SimCLR v1 / MoCo v2)."""
    if batchnorm:
        return MLP(d, d, hidden=(4 * d,), batchnorm=True)
    return MLP(d, d, hidden=(d,))


@dataclass
class ContrastivePretraining:
    """SimCLR-style pretraining: NT-Xent between two strong views of every sample, with
    in-batch negatives, Adam on the backbone and a fresh projection head.

    ``epochs`` may be ``"auto"``, resolved by the ``budget`` row of
    :data:`~skdeepcluster.training.EPOCH_BUDGETS` and stored as ``pretrain_epochs_``.
    """

    epochs: object
    lr: float
    temperature: float
    batch_size: int
    budget: str
    batchnorm_projector: bool = True

    def run(self, ctx, backbone):
        """Train ``backbone`` (and a new projector) on ``ctx``; returns the skorch net,
        whose ``module_`` is a :class:`~skdeepcluster.nn.ContrastiveModel`."""
        projector = contrastive_projector(backbone.out_features, self.batchnorm_projector)
        epochs = ctx.epochs("pretrain_epochs", self.epochs, self.budget)
        return train_on_views(
            ctx, ContrastiveNet, ContrastiveModel(backbone, projector), epochs=epochs,
            lr=self.lr, batch_size=self.batch_size, stage="contrastive pretraining",
            lr_param="pretrain_lr", criterion=NTXentCriterion,
            criterion__temperature=self.temperature)


def train_on_views(ctx, net_class, module, *, epochs, lr, batch_size, stage, lr_param,
                   **net_params):
    """Fit ``net_class`` on ``ctx.X`` (the rows' indices as targets) with Adam, its
    steps drawing ``ctx.views`` (contrastive pretraining, MTDC); with ``epochs=0`` the
    net is only initialised.
    ``stage`` and ``lr_param`` name the run and its learning rate in errors."""
    net = make_net(
        net_class, module, n_samples=ctx.n_samples, batch_size=batch_size,
        max_epochs=epochs, device=ctx.device, accelerator=ctx.accelerator,
        optimizer=torch.optim.Adam, lr=lr,
        verbose=ctx.verbose, stage=ctx.stage_label(stage), lr_param=lr_param,
        views=ctx.views, **net_params,
    )
    fit_or_initialize(net, ctx.X, ctx.sample_index)
    return net
