"""One skorch ``NeuralNet`` per training regime, customised only through its
``step_loss`` (and callbacks). Inputs arrive from skorch's data loader; views are made on
the net's device.
"""

import math

import torch
from skorch import NeuralNet
from skorch.callbacks import Callback
from torch.utils.data import DataLoader

from skdeepcluster.losses import (
    fixmatch_consistency_loss,
    nt_xent_loss,
    pseudo_label_cross_entropy,
)
from skdeepcluster.training._data_parallel import ReleaseAccelerator, data_parallel
from skdeepcluster.training._datasets import batch_loader
from skdeepcluster.training._progress import StageProgress


class _Criterion(torch.nn.Module):
    """Wraps a functional loss so skorch can hold it as ``criterion`` with parameters."""

    def __init__(self, **params):
        super().__init__()
        self.params = params


class NTXentCriterion(_Criterion):
    def forward(self, z1, z2):
        return nt_xent_loss(z1, z2, **self.params)


class HeadsCrossEntropy(_Criterion):
    """Mean over heads of each head's pseudo-label cross-entropy."""

    def forward(self, logits, targets):
        losses = [
            pseudo_label_cross_entropy(lg, tg, **self.params)
            for lg, tg in zip(logits, targets, strict=True)
        ]
        return torch.stack(losses).mean()


class FixMatchCriterion(_Criterion):
    """``CE(labelled) + lambda_u * masked CE(strong, argmax weak)``."""

    def forward(self, logits_lab, targets, logits_weak, logits_strong):
        sup = pseudo_label_cross_entropy(logits_lab, targets)
        unsup, mask = fixmatch_consistency_loss(
            logits_weak, logits_strong, self.params["threshold"]
        )
        return sup + self.params["lambda_u"] * unsup, mask


class StepNet(NeuralNet):
    """A net whose training step is :meth:`step_loss` (the loss and what it predicts)
    followed by the backward pass; data-parallel training (:func:`data_parallel`) runs
    the same ``step_loss`` inside the synchronising wrapper."""

    def step_loss(self, batch, **fit_params):
        """``(loss, y_pred)`` of one training batch, before the backward pass."""
        raise NotImplementedError

    def train_step_single(self, batch, **fit_params):
        loss, y_pred = self.step_loss(batch, **fit_params)
        loss.backward()
        return {"loss": loss, "y_pred": y_pred}


class ContrastiveNet(StepNet):
    """Instance-contrastive pretraining (SimCLR-style): two strong views per sample,
    NT-Xent on the module's projections.

    ``views`` is an object with ``weak(x, index)`` / ``strong(x, index)`` methods.
    ``fit(X, sample_index)``: the "targets" are the rows' indices, for views that use
    them (neighbour views).
    """

    def __init__(self, module, *args, views=None, **kwargs):
        super().__init__(module, *args, **kwargs)
        self.views = views

    def step_loss(self, batch, **fit_params):
        self._set_training(True)
        x, idx = batch[0].to(self.device), batch[1].to(self.device)
        z = self.module_(torch.cat([self.views.strong(x, idx), self.views.strong(x, idx)]))
        z1, z2 = z.chunk(2)
        return self.criterion_(z1, z2), z


class MultiHeadPseudoLabelNet(StepNet):
    """Trains several cluster heads on a frozen backbone, each on its own pseudo-labels.

    The module has ``backbone`` (frozen; kept in eval mode) and ``heads`` (a
    :class:`~skdeepcluster.nn.MultiHead`). Batches come from a
    :class:`~skdeepcluster.training.PerHeadDataset`: sample indices (B, H) into
    ``data`` (the training rows, on the device) and labels (B, H). Inputs get the
    strong view.
    """

    def __init__(self, module, *args, views=None, data=None, **kwargs):
        super().__init__(module, *args, **kwargs)
        self.views = views
        self.data = data

    def step_loss(self, batch, **fit_params):
        self._set_training(True)
        self.module_.backbone.eval()
        idx, y = batch[0].to(self.device).flatten(), batch[1].to(self.device)
        b, h = y.shape
        with torch.no_grad():
            feats = self.module_.backbone(self.views.strong(self.data[idx], idx))
        feats = feats.view(b, h, -1).transpose(0, 1)  # (H, B, d)
        logits = self.module_.heads.forward_each(feats)
        return self.criterion_(logits, y.T), logits


class HeadsWarmStartNet(StepNet):
    """Fits several heads to given partitions of frozen features (cross-entropy).

    The module is a :class:`~skdeepcluster.nn.MultiHead`; ``features`` (n, d) and
    ``targets`` (n_heads, n) stay on the device. Batches are sample indices: fit it on
    the index stream to train on, in order.
    """

    def __init__(self, module, *args, features=None, targets=None, **kwargs):
        super().__init__(module, *args, **kwargs)
        self.features = features
        self.targets = targets

    def step_loss(self, batch, **fit_params):
        self._set_training(True)
        idx = batch[0].to(self.device)
        logits = self.module_(self.features[idx])  # (n_heads, B, K)
        return self.criterion_(logits.flatten(0, 1), self.targets[:, idx].flatten()), logits


class FixMatchNet(StepNet):
    """FixMatch: supervised CE on a labelled batch (weak view) plus the masked weak-to-strong
    consistency on the unlabelled batch; all three go through one forward pass.

    ``fit(X, sample_index, labeled_X=..., labeled_y=..., labeled_index=...)``: the
    unlabelled batch comes from ``X`` with its rows' indices; each step draws
    ``labeled_batch_size`` labelled samples (with replacement) from the labelled pool,
    whose indices in ``X`` are ``labeled_index``. Views get the indices.
    """

    def __init__(self, module, *args, views=None, labeled_batch_size=64, **kwargs):
        super().__init__(module, *args, **kwargs)
        self.views = views
        self.labeled_batch_size = labeled_batch_size

    def semi_supervised_forward(self, xu, iu, labeled_X, labeled_y, labeled_index):
        """Draw a labelled batch, then one forward pass over its weak view and the
        unlabelled batch's (rows ``xu``, indices ``iu``) weak and strong views (BatchNorm
        sees the joint batch).

        Returns ``(logits_labelled, labels, logits_weak, logits_strong)``.
        """
        pick = torch.randint(len(labeled_y), (self.labeled_batch_size,))
        xl = labeled_X[pick].to(self.device)
        yl = labeled_y[pick].to(self.device)
        il = labeled_index[pick].to(self.device)
        n_l, n_u = xl.shape[0], xu.shape[0]
        logits = self.module_(torch.cat([
            self.views.weak(xl, il), self.views.weak(xu, iu), self.views.strong(xu, iu)]))
        logits_lab, logits_weak, logits_strong = logits.split([n_l, n_u, n_u])
        return logits_lab, yl, logits_weak, logits_strong

    def step_loss(self, batch, labeled_X=None, labeled_y=None, labeled_index=None,
                  **fit_params):
        self._set_training(True)
        xu, iu = batch[0].to(self.device), batch[1].to(self.device)
        logits_lab, yl, logits_weak, logits_strong = self.semi_supervised_forward(
            xu, iu, labeled_X, labeled_y, labeled_index
        )
        loss, mask = self.criterion_(logits_lab, yl, logits_weak, logits_strong)
        self.history.record_batch("mask_rate", float(mask.mean()))
        return loss, logits_weak


class TrainingGuard(Callback):
    """Makes an interrupted or diverging training run fail instead of ending quietly.

    skorch ends ``fit`` without a word on ``KeyboardInterrupt``; a run that ends before
    its last epoch re-raises it here, so an under-trained network never passes as
    fitted. A batch loss that is not finite stops the run with a ``FloatingPointError``
    naming ``stage`` and the learning-rate parameter ``lr_param`` to lower.
    """

    def __init__(self, stage, lr_param=None):
        self.stage = stage
        self.lr_param = lr_param

    def on_train_begin(self, net, **kwargs):
        self.epochs_done_ = 0

    def diverged(self, what, net):
        hint = f" Try a lower {self.lr_param}." if self.lr_param else ""
        return FloatingPointError(f"{self.stage}: {what} in epoch {len(net.history)}; the "
                                  f"network diverged.{hint}")

    def on_batch_end(self, net, training=True, **kwargs):
        if training:
            loss = net.history[-1, "batches", -1, "train_loss"]  # recorded by skorch
            if not math.isfinite(loss):
                raise self.diverged(f"the training loss became {loss}", net)

    def on_epoch_end(self, net, **kwargs):
        self.epochs_done_ += 1

    def on_train_end(self, net, **kwargs):
        if self.epochs_done_ < net.max_epochs:
            raise KeyboardInterrupt(f"{self.stage} was interrupted in epoch "
                                    f"{self.epochs_done_ + 1} of {net.max_epochs}.")
        # the last step can break the weights after the last loss was checked
        if not all(bool(torch.isfinite(p).all()) for p in net.module_.parameters()):
            raise self.diverged("the weights became non-finite", net)


def make_net(net_class, module, *, criterion, n_samples, batch_size, max_epochs, device,
             optimizer, verbose, stage, lr_param=None, callbacks=(), shuffle=True,
             accelerator=None, **kwargs):
    """A net with the package's common settings: no validation split, shuffled batches
    (unless ``shuffle=False``) gathered a batch at a time (:func:`batch_loader`), last
    incomplete batch dropped (BatchNorm needs > 1 sample), a progress bar named
    ``stage`` when ``verbose`` (skorch itself prints nothing), and a
    :class:`TrainingGuard`. With an ``accelerator`` (``device`` is then its device) the
    net trains data-parallel (:func:`data_parallel`), its batches drawn by skorch's
    default loader, which accelerate splits among the processes. Every net of the
    package is built here."""
    callbacks = list(callbacks)
    if verbose:
        callbacks.append(("progress", StageProgress(stage)))
    callbacks.append(("guard", TrainingGuard(stage, lr_param)))
    iterator = batch_loader
    if accelerator is not None:
        net_class, iterator = data_parallel(net_class), DataLoader
        callbacks.append(("release_accelerator", ReleaseAccelerator()))
        kwargs.update(accelerator=accelerator, callbacks__print_log__sink=print)
    return net_class(
        module,
        criterion=criterion,
        optimizer=optimizer,
        max_epochs=max_epochs,
        batch_size=max(2, min(int(batch_size), int(n_samples))),
        train_split=None,
        iterator_train=iterator,
        iterator_train__shuffle=shuffle,
        iterator_train__drop_last=True,
        device=device,
        callbacks=callbacks,
        verbose=0,
        **kwargs,
    )


def fit_or_initialize(net, X, y=None, **fit_params):
    """``net.fit`` when it has epochs to run, else only ``net.initialize()`` (a stage
    asked for 0 epochs keeps its starting network)."""
    if net.max_epochs > 0:
        return net.fit(X, y, **fit_params)
    return net.initialize()
