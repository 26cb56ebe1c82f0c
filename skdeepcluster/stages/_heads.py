"""SPICE's stage 2 (SPICE-Self): cluster heads on a frozen backbone, each trained on
its own prototype pseudo-labels, and the unsupervised choice of one of them."""

import functools
from dataclasses import dataclass

import numpy as np
import torch
from sklearn.cluster import KMeans

from skdeepcluster.losses import pseudo_label_cross_entropy
from skdeepcluster.nn import MLP, FrozenBackboneHeads, MultiHead, forward_in_batches
from skdeepcluster.selection import select_by_prototypes
from skdeepcluster.training import (
    HeadScoreCheckpoint,
    HeadsCrossEntropy,
    HeadsWarmStartNet,
    MultiHeadPseudoLabelNet,
    PerHeadDataset,
    PrototypeRefresh,
    make_net,
)


@dataclass
class SelfLabellingHeads:
    """``n_heads`` heads ``d -> d -> K`` on the frozen backbone.

    Each epoch has ``max(1, n // pseudo_batch_size)`` outer iterations; each draws
    ``pseudo_batch_size`` samples, labels ``B / K`` of them per cluster and head by
    prototypes (:class:`~skdeepcluster.training.PrototypeRefresh`) and trains every head
    on its own labels for ``n_repeat`` passes over strong views (Adam, ``lr``).
    ``init="kmeans"`` first fits each head to its own k-means partition of the
    embedding (``init_steps`` Adam steps); ``own_cells`` limits each prototype to its
    own nearest samples. ``inference_batch_size`` batches the passes over the data and
    the warm start's steps.

    Every head is scored after each epoch (:func:`full_data_head_losses`); the head
    kept is the lowest-loss one after the last epoch (``selection="last_epoch"``) or the
    lowest-loss (epoch, head) pair of the whole run (``"all_epochs"``, the reference's).
    """

    n_heads: int
    epochs: object
    pseudo_batch_size: int
    center_ratio: float
    n_repeat: int
    batch_size: int
    lr: float
    double_softmax: bool
    init: str
    inference_batch_size: int
    own_cells: bool = False
    selection: str = "last_epoch"
    init_steps: int = 300

    def run(self, ctx, backbone, features, embedding, n_clusters):
        """Train the heads; returns ``(net, choice)``: the skorch net and the
        :class:`HeadChoice` made by ``selection``."""
        n, k = ctx.n_samples, n_clusters
        d = backbone.out_features
        heads = MultiHead([MLP(d, k, hidden=(d,)) for _ in range(self.n_heads)]).to(ctx.device)
        if self.init == "kmeans":
            self._warm_start(ctx, heads, features, embedding, k)
        pseudo_batch = min(self.pseudo_batch_size, n)
        per_cluster = max(1, pseudo_batch // k)
        dataset = PerHeadDataset(self.n_heads, self.n_repeat * per_cluster * k)
        refresh = PrototypeRefresh(
            ctx.data, embedding, ctx.views, pseudo_batch, per_cluster, self.center_ratio,
            self.n_repeat, self.inference_batch_size, ctx.rng, own_cells=self.own_cells,
        )
        epochs = ctx.epochs("head_epochs", self.epochs, "spice.heads")
        epoch_len = max(1, n // pseudo_batch)  # outer iterations (skorch epochs) an epoch
        checkpoint = HeadScoreCheckpoint(functools.partial(
            full_data_head_losses, features=features, embedding=embedding,
            per_cluster=max(1, n // k), center_ratio=self.center_ratio,
            double_softmax=self.double_softmax, batch_size=self.inference_batch_size,
            own_cells=self.own_cells), epoch_len)
        net = make_net(
            MultiHeadPseudoLabelNet,
            FrozenBackboneHeads(backbone, heads),
            criterion=HeadsCrossEntropy,
            criterion__double_softmax=self.double_softmax,
            n_samples=len(dataset),
            batch_size=self.batch_size,
            max_epochs=epochs * epoch_len,
            device=ctx.device, accelerator=ctx.accelerator,
            optimizer=torch.optim.Adam,
            lr=self.lr,
            verbose=ctx.verbose,
            stage=ctx.stage_label("self-labelling heads"),
            lr_param="head_lr",
            callbacks=[("prototype_refresh", refresh), ("head_scores", checkpoint)],
            views=ctx.views,
            data=ctx.data,
        )
        net.fit(dataset, None)
        net.data = None  # the fitted net keeps no training rows
        if self.selection == "all_epochs":
            choice = HeadChoice(checkpoint.best_index_, checkpoint.best_epoch_,
                                checkpoint.best_losses_, checkpoint.best_head_)
        else:
            h = int(np.argmin(checkpoint.last_losses_))
            choice = HeadChoice(h, epochs, checkpoint.last_losses_, net.module_.heads.select(h))
        checkpoint.best_head_ = None  # the choice holds the kept head
        return net, choice

    def _warm_start(self, ctx, heads, features, embedding, n_clusters):
        """Fit every head to its own k-means partition of the embedding (one k-means++
        start each, so the heads differ) by cross-entropy on the frozen features."""
        emb = embedding.cpu().numpy()
        targets = torch.stack([
            torch.from_numpy(KMeans(n_clusters, n_init=1,
                                    random_state=ctx.rng.randint(2**31 - 1)).fit_predict(emb))
            .long() for _ in heads.heads
        ]).to(features.device)  # (n_heads, n)
        n = features.shape[0]
        batch = min(self.inference_batch_size, n)
        steps = np.concatenate([ctx.rng.randint(0, n, batch) for _ in range(self.init_steps)])
        net = make_net(
            HeadsWarmStartNet, heads, criterion=torch.nn.CrossEntropyLoss,
            n_samples=steps.size, batch_size=batch, max_epochs=1, device=ctx.device,
            accelerator=ctx.accelerator,
            optimizer=torch.optim.Adam, lr=self.lr, verbose=ctx.verbose, shuffle=False,
            stage=f"{ctx.stage_label('self-labelling heads')} (k-means warm start)",
            lr_param="head_lr",
            features=features, targets=targets,
        )
        # The data loader draws a seed from torch's generator; the warm start has no
        # randomness of its own, so it leaves torch's stream as it found it.
        with torch.random.fork_rng(devices=[]):
            net.fit(steps)


@dataclass
class HeadChoice:
    """The head SPICE-Self keeps: its index, the epoch it is from (1-based), every
    head's loss at that epoch and the head module itself."""

    head: int
    epoch: int
    losses: np.ndarray
    module: torch.nn.Module


@torch.no_grad()
def full_data_head_losses(heads, features, embedding, per_cluster, center_ratio,
                          double_softmax, batch_size, own_cells=False):
    """Each head's pseudo-label loss on the prototype selection over the whole data set:
    SPICE's unsupervised head-selection score (lower is better). ``features`` are the
    frozen backbone's outputs on the clean samples."""
    heads.eval()
    logits = forward_in_batches(heads, features, batch_size, dim=1)  # (H, n, K)
    device = embedding.device
    losses = []
    for head_logits in logits:
        sel = select_by_prototypes(torch.softmax(head_logits, 1), embedding, per_cluster,
                                   center_ratio, own_cells=own_cells)
        idx = torch.from_numpy(sel.indices).to(device)
        target = torch.from_numpy(sel.labels).to(device)
        losses.append(float(pseudo_label_cross_entropy(
            head_logits[idx], target, double_softmax=double_softmax)))
    return np.asarray(losses)
