"""Semi-supervised training on a small labelled set and every sample as the unlabelled
stream: SPICE's stage 3 (FixMatch) and ClusMatch's fine-tuning."""

import fnmatch
from dataclasses import dataclass, field

import torch

from skdeepcluster.training import (
    EMAUpdate,
    cosine_decay_scheduler,
    fit_or_initialize,
    make_net,
)


@dataclass
class SemiSupervisedTraining:
    """FixMatch's training set-up, whatever the loss.

    Each step: ``labeled_batch_size`` labelled samples (drawn with replacement) and an
    unlabelled batch of ``unlabeled_ratio`` times as many (at most all samples), SGD
    with Nesterov momentum 0.9 and ``weight_decay``, FixMatch's cosine schedule stepped
    every batch, and an EMA copy of the model (``ema``), which is what predicts.
    ``net_class`` and ``criterion`` say what a step computes.
    ``decay_biases_and_norms=False`` exempts parameters with ``ndim <= 1`` (biases,
    normalisation scales and shifts) from the weight decay.
    """

    net_class: type
    criterion: type
    epochs: int
    lr: float
    weight_decay: float
    labeled_batch_size: int
    unlabeled_ratio: int
    ema_decay: float
    lr_param: str = "lr"
    stage: str = "semi-supervised training"
    decay_biases_and_norms: bool = True
    ema: EMAUpdate = field(init=False)

    def __post_init__(self):
        self.ema = EMAUpdate(self.ema_decay)

    def unlabeled_batch(self, n_samples):
        return max(2, min(self.unlabeled_ratio * self.labeled_batch_size, n_samples))

    def steps(self, n_samples):
        """Optimisation steps of a run on ``n_samples`` samples."""
        return self.epochs * max(1, n_samples // self.unlabeled_batch(n_samples))

    def run(self, ctx, module, labeled_idx, labeled_labels, *, callbacks=(), **net_params):
        """Train ``module`` on ``ctx.X``; ``labeled_idx`` / ``labeled_labels`` form the
        labelled pool, the unlabelled batch comes with its rows' indices, and
        ``callbacks`` run between the EMA update and the schedule. Returns
        ``(net, model)``: the skorch net and the EMA model (``module`` when ``epochs`` is
        0)."""
        n = ctx.n_samples
        unlabeled_batch, steps = self.unlabeled_batch(n), self.steps(n)
        groups = net_params.pop("optimizer__param_groups", [])
        if not self.decay_biases_and_norms:
            groups = biases_and_norms_without_decay(module, groups)
        net = make_net(
            self.net_class,
            module,
            criterion=self.criterion,
            n_samples=n,
            batch_size=unlabeled_batch,
            max_epochs=self.epochs,
            device=ctx.device, accelerator=ctx.accelerator,
            optimizer=torch.optim.SGD,
            optimizer__momentum=0.9,
            optimizer__nesterov=True,
            optimizer__weight_decay=self.weight_decay,
            lr=self.lr,
            verbose=ctx.verbose,
            stage=ctx.stage_label(self.stage),
            lr_param=self.lr_param,
            callbacks=[("ema", self.ema), *callbacks,
                       ("lr_schedule", cosine_decay_scheduler(steps))],
            views=ctx.views,
            labeled_batch_size=self.labeled_batch_size,
            optimizer__param_groups=groups,
            **net_params,
        )
        fit_or_initialize(net, ctx.X, ctx.sample_index,
                          labeled_X=torch.from_numpy(ctx.X[labeled_idx]),
                          labeled_y=torch.from_numpy(labeled_labels),
                          labeled_index=torch.from_numpy(labeled_idx))
        return net, (self.ema.ema_.shadow if self.epochs > 0 else module)


def biases_and_norms_without_decay(module, param_groups):
    """skorch ``param_groups`` with every parameter of ``ndim <= 1`` first, by its exact
    name, in a group of its own without weight decay (and with the options of the
    first ``param_groups`` pattern it matches)."""
    exempt = []
    for name, param in module.named_parameters():
        if param.ndim <= 1:
            options = next((dict(group) for pattern, group in param_groups
                            if fnmatch.fnmatch(name, pattern)), {})
            exempt.append((_literal(name),
                           {**options, "weight_decay": 0.0}))
    return [*exempt, *param_groups]


def _literal(name):
    """``name`` as an fnmatch pattern that matches only itself."""
    return "".join(f"[{c}]" if c in "*?[]" else c for c in name)
