"""Callbacks of the training regimes: the EMA model, the learning-rate schedule, the
periodic pseudo-label refreshes (SPICE's prototypes, ClusMatch's k-means) and SPICE's
per-epoch head scores."""

import copy
import math

import numpy as np
import torch
from sklearn.cluster import KMeans
from skorch.callbacks import Callback, LRScheduler
from torch.optim.lr_scheduler import LambdaLR

from skdeepcluster._params import store_init_params
from skdeepcluster.metrics import matching_permutation
from skdeepcluster.nn import ExponentialMovingAverage, forward_in_batches, l2_normalize
from skdeepcluster.selection import select_by_prototypes


class EMAUpdate(Callback):
    """Keeps ``ema_``, an exponential moving average of the net's module, updated after
    every training batch.

    Parameters
    ----------
    decay : float, default=0.999
    warmup : bool, default=True
        Use ``min(decay, (1 + t) / (10 + t))`` at step t. The reference runs last 2^16 to
        2^20 steps; in the few hundred steps of a small data set a fixed 0.999 leaves the
        average mostly the starting network, paired with BatchNorm statistics copied from
        the trained one. The warm-up forgets the start quickly, then settles at ``decay``.
    """

    def __init__(self, decay=0.999, warmup=True):
        self.decay = decay
        self.warmup = warmup

    def on_train_begin(self, net, **kwargs):
        self.ema_ = ExponentialMovingAverage(net.module_, self.decay)
        self.step_ = 0

    def on_batch_end(self, net, training=True, **kwargs):
        if training:
            if self.warmup:
                self.ema_.decay = min(self.decay, (1 + self.step_) / (10 + self.step_))
            self.step_ += 1
            self.ema_.update(net.module_)


class _CosineFactor:
    """Picklable ``t -> cos(cycles * pi * t / T)`` (fitted nets are pickled with it)."""

    def __init__(self, total_steps, cycles):
        self.total = max(int(total_steps), 1)
        self.cycles = cycles

    def __call__(self, step):
        return math.cos(self.cycles * math.pi * min(step, self.total) / self.total)


def cosine_decay_scheduler(total_steps, cycles=7 / 16):
    """FixMatch's schedule ``lr * cos(cycles * pi * t / T)``, stepped every batch."""
    factor = _CosineFactor(total_steps, cycles)
    return LRScheduler(policy=LambdaLR, lr_lambda=factor, step_every="batch")


class PrototypeRefresh(Callback):
    """SPICE's pseudo-labels for its heads, drawn anew at every epoch start.

    Draws ``pseudo_batch`` samples, scores them with every head on weak views (eval
    mode), selects ``per_cluster`` prototype pseudo-labels per cluster and head
    (:func:`~skdeepcluster.selection.select_by_prototypes` in ``embedding``, with
    ``own_cells``) and hands the :class:`~skdeepcluster.training.PerHeadDataset`
    ``n_repeat`` shuffled passes over each head's selection. A selection shorter than
    ``per_cluster * K`` (``own_cells``) is padded by drawing from it with replacement,
    so that every head gets as many steps.
    """

    def __init__(self, data, embedding, views, pseudo_batch, per_cluster, center_ratio,
                 n_repeat, batch_size, rng, own_cells=False):
        store_init_params(self, locals())

    @torch.no_grad()
    def on_epoch_begin(self, net, dataset_train=None, **kwargs):
        batch = self.rng.choice(self.data.shape[0], self.pseudo_batch, replace=False)
        module = net.module_.eval()

        def head_proba(idx):
            return torch.softmax(module(self.views.weak(self.data[idx], idx)), dim=2)

        proba = forward_in_batches(head_proba, torch.from_numpy(batch).to(self.data.device),
                                   self.batch_size, dim=1)
        emb = self.embedding[torch.from_numpy(batch).to(self.embedding.device)]
        indices, labels = [], []
        for head_proba in proba:
            sel = select_by_prototypes(head_proba, emb, self.per_cluster, self.center_ratio,
                                       own_cells=self.own_cells)
            picked = np.arange(len(sel.indices))
            short = self.per_cluster * head_proba.shape[1] - picked.size
            if short > 0:
                picked = np.concatenate([picked, self.rng.choice(picked.size, short)])
            order = np.concatenate([picked[self.rng.permutation(picked.size)]
                                    for _ in range(self.n_repeat)])
            indices.append(batch[sel.indices[order]])
            labels.append(sel.labels[order])
        dataset_train.set_selection(np.stack(indices), np.stack(labels))

    def on_train_end(self, net, **kwargs):
        self.data = self.embedding = None  # a fitted model keeps no training rows


class HeadScoreCheckpoint(Callback):
    """Scores every head with ``score(heads)`` (lower is better) after each
    ``epoch_len``-th training epoch, records the scores in the history as
    ``head_losses`` and keeps a copy of the best (epoch, head) so far: ``best_head_``
    (a module), ``best_index_``, ``best_epoch_`` (counted in ``epoch_len`` units, from 1)
    and ``best_losses_`` (every head's scores at that epoch). ``last_losses_`` are the
    scores after the last epoch.
    """

    def __init__(self, score, epoch_len=1):
        self.score = score
        self.epoch_len = epoch_len

    def on_train_begin(self, net, **kwargs):
        self.best_head_ = self.best_index_ = self.best_epoch_ = None
        self.best_losses_ = self.last_losses_ = None

    def on_epoch_end(self, net, **kwargs):
        if len(net.history) % self.epoch_len:
            return
        losses = np.asarray(self.score(net.module_.heads))
        net.history.record("head_losses", losses.tolist())
        h = int(np.argmin(losses))
        if self.best_losses_ is None or losses[h] < self.best_losses_.min():
            self.best_head_ = copy.deepcopy(net.module_.heads.select(h))
            self.best_index_, self.best_losses_ = h, losses
            self.best_epoch_ = len(net.history) // self.epoch_len
        self.last_losses_ = losses

    def on_train_end(self, net, **kwargs):
        self.score = None  # it holds the training rows' features


def align_kmeans_labels(kmeans_labels, labeled_idx, labeled_labels, n_clusters):
    """Rename k-means ids to agree best with the labelled samples' pseudo-labels
    (Hungarian matching on the labelled samples only), keeping every id in
    ``range(n_clusters)``: ids the matching leaves without a partner take the free ids.
    """
    kmeans_labels = np.asarray(kmeans_labels)
    mapping = matching_permutation(kmeans_labels[labeled_idx], labeled_labels)
    mapping = {a: int(b) for a, b in mapping.items() if 0 <= int(b) < n_clusters}
    free = iter(sorted(set(range(n_clusters)) - set(mapping.values())))
    for a in range(n_clusters):
        if a not in mapping:
            mapping[a] = next(free)
    lookup = np.array([mapping[a] for a in range(n_clusters)])
    return lookup[kmeans_labels]


class KMeansRefresh(Callback):
    """k-means pseudo-labels from the EMA model's features, kept in ``labels_``.

    At the start of training and every ``every_epochs`` epochs: the EMA model of
    ``ema`` (an :class:`EMAUpdate` of the same net) in eval mode maps all samples through
    its backbone (and projector, with ``features="projector"``); k-means runs on the
    L2-normalised features (``metric="cosine"``, the paper's) or on the features as
    they are (``"euclidean"``); its labels, aligned to the labelled samples'
    pseudo-labels, become ``labels_`` (a LongTensor on the net's device).

    Parameters
    ----------
    X : Tensor of shape (n, ...)
        All training samples (dropped when training ends).
    labeled_idx, labeled_labels : ndarray of int
    n_clusters : int
    ema : EMAUpdate
    every_epochs : int, default=1
    features : {"backbone", "projector"}, default="backbone"
    metric : {"cosine", "euclidean"}, default="cosine"
    batch_size : int, default=512
    n_init : int, default=3
    random_state : RandomState
    stage : str, default="k-means refresh"
        Names the training run in the error raised when the features stop being finite.
    """

    def __init__(self, X, labeled_idx, labeled_labels, n_clusters, ema, every_epochs=1,
                 features="backbone", metric="cosine", batch_size=512, n_init=3,
                 random_state=None, stage="k-means refresh"):
        store_init_params(self, locals())

    @torch.no_grad()
    def refresh(self, net):
        model = self.ema.ema_.shadow.eval()

        def features(x):
            h = model.backbone(x)
            if self.features == "projector":
                h = model.projector(h)
            return (l2_normalize(h) if self.metric == "cosine" else h).cpu()

        feats = forward_in_batches(features, self.X, self.batch_size, device=net.device)
        if not bool(torch.isfinite(feats).all()):
            raise FloatingPointError(
                f"{self.stage}: the EMA model's features are not finite in epoch "
                f"{len(net.history)}; the network diverged. Try lower learning rates.")
        feats = feats.double().numpy()
        seed = self.random_state.randint(np.iinfo(np.int32).max)
        km = KMeans(self.n_clusters, n_init=self.n_init, random_state=seed).fit(feats)
        aligned = align_kmeans_labels(km.labels_, self.labeled_idx, self.labeled_labels,
                                      self.n_clusters)
        self.labels_ = torch.as_tensor(aligned, dtype=torch.long, device=net.device)
        self.n_refreshes_ += 1

    def on_train_begin(self, net, **kwargs):
        self.n_refreshes_ = 0
        self.refresh(net)

    def on_epoch_end(self, net, **kwargs):
        if len(net.history) % self.every_epochs == 0:
            self.refresh(net)

    def on_train_end(self, net, **kwargs):
        self.X = None  # do not keep (and pickle) a second copy of the training data
