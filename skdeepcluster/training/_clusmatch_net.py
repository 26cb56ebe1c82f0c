"""ClusMatch's semi-supervised fine-tuning: the skorch net, its criterion and the
periodic k-means refresh."""

import numpy as np
import torch
from sklearn.cluster import KMeans
from skorch.callbacks import Callback

from skdeepcluster.losses import (
    merged_pseudo_label_loss,
    negative_pseudo_label_loss,
    pseudo_label_cross_entropy,
    self_adaptive_fairness_loss,
)
from skdeepcluster.metrics import matching_permutation
from skdeepcluster.nn import forward_in_batches, l2_normalize
from skdeepcluster.training._nets import FixMatchNet


class ClusMatchCriterion(torch.nn.Module):
    """``L_sup + L_pos + fairness_weight * L_fair + negative_weight * L_neg``.

    ``L_pos`` is the merged positive + k-means soft-target CE (weights
    ``positive_weight`` / ``kmeans_weight``) under the positive mask.
    """

    def __init__(self, positive_weight=0.5, kmeans_weight=0.5, negative_weight=0.5,
                 fairness_weight=0.001):
        super().__init__()
        self.positive_weight = positive_weight
        self.kmeans_weight = kmeans_weight
        self.negative_weight = negative_weight
        self.fairness_weight = fairness_weight

    def forward(self, logits_lab, targets, logits_strong, pseudo, kmeans, pos_mask,
                neg_mask, p_model, label_hist):
        parts = {
            "sup": pseudo_label_cross_entropy(logits_lab, targets),
            "pos": merged_pseudo_label_loss(logits_strong, pseudo, kmeans, pos_mask,
                                            self.positive_weight, self.kmeans_weight),
            "neg": negative_pseudo_label_loss(logits_strong, neg_mask),
            "fair": self_adaptive_fairness_loss(logits_strong, pos_mask, p_model,
                                                label_hist),
        }
        loss = (parts["sup"] + parts["pos"] + self.negative_weight * parts["neg"]
                + self.fairness_weight * parts["fair"])
        return loss, parts


class ClusMatchNet(FixMatchNet):
    """One ClusMatch step per batch.

    ``fit(X, sample_index, labeled_X=..., labeled_y=...)``: the unlabelled batch comes
    from ``X`` (all samples), its "targets" are the samples' indices (to look up their
    k-means labels in ``kmeans_labels_``, kept by :class:`KMeansRefresh`). Each step
    draws ``labeled_batch_size`` labelled samples with replacement; the labelled weak
    view, unlabelled weak view and unlabelled strong view share one forward pass.
    Pseudo-labels and thresholds come from the live model's weak view (no gradient);
    ``thresholds`` (a :class:`~skdeepcluster.selection.ClassPairThresholds`) is updated
    at every step.
    """

    def __init__(self, module, *args, thresholds=None, **kwargs):
        super().__init__(module, *args, **kwargs)
        self.thresholds = thresholds

    def train_step_single(self, batch, labeled_X=None, labeled_y=None, **fit_params):
        self._set_training(True)
        xu = batch[0].to(self.device)
        idx = batch[1].to(self.device).long()
        logits_lab, yl, logits_weak, logits_strong = self.semi_supervised_forward(
            xu, labeled_X, labeled_y
        )
        probs = torch.softmax(logits_weak.detach().float(), dim=1)
        pseudo = probs.argmax(dim=1)
        kmeans = self.kmeans_labels_[idx]
        pos_mask, neg_mask = self.thresholds.step(probs, kmeans)
        loss, parts = self.criterion_(
            logits_lab, yl, logits_strong, pseudo, kmeans, pos_mask, neg_mask,
            self.thresholds.p_model_, self.thresholds.label_hist_,
        )
        loss.backward()
        for name, value in parts.items():
            self.history.record_batch(f"loss_{name}", float(value.detach()))
        self.history.record_batch("mask_rate", float(pos_mask.float().mean()))
        self.history.record_batch("negatives_per_sample", float(neg_mask.sum(1).float().mean()))
        return {"loss": loss, "y_pred": logits_weak}


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
    """k-means pseudo-labels from the EMA model's features.

    At the start of training and every ``every_epochs`` epochs: the EMA model (taken
    from the callback named ``ema_name``) in eval mode maps all samples through its
    backbone (and projector, with ``features="projector"``); k-means runs on the
    L2-normalised features (cosine k-means); its labels are aligned to the labelled
    samples' pseudo-labels and stored as ``net.kmeans_labels_`` (a LongTensor on the
    net's device).

    Parameters
    ----------
    X : Tensor of shape (n, ...)
        All training samples.
    labeled_idx, labeled_labels : ndarray of int
    n_clusters : int
    every_epochs : int, default=1
    features : {"backbone", "projector"}, default="backbone"
    batch_size : int, default=512
    n_init : int, default=3
    random_state : RandomState
    ema_name : str, default="ema"
    """

    def __init__(self, X, labeled_idx, labeled_labels, n_clusters, every_epochs=1,
                 features="backbone", batch_size=512, n_init=3, random_state=None, ema_name="ema"):
        self.X = X
        self.labeled_idx = labeled_idx
        self.labeled_labels = labeled_labels
        self.n_clusters = n_clusters
        self.every_epochs = every_epochs
        self.features = features
        self.batch_size = batch_size
        self.n_init = n_init
        self.random_state = random_state
        self.ema_name = ema_name

    @torch.no_grad()
    def refresh(self, net):
        model = dict(net.callbacks_)[self.ema_name].ema_.shadow.eval()

        def features(x):
            h = model.backbone(x)
            if self.features == "projector":
                h = model.projector(h)
            return l2_normalize(h).cpu()

        feats = forward_in_batches(features, self.X, self.batch_size, device=net.device)
        feats = feats.double().numpy()
        seed = self.random_state.randint(np.iinfo(np.int32).max)
        km = KMeans(self.n_clusters, n_init=self.n_init, random_state=seed).fit(feats)
        aligned = align_kmeans_labels(km.labels_, self.labeled_idx, self.labeled_labels,
                                      self.n_clusters)
        net.kmeans_labels_ = torch.as_tensor(aligned, dtype=torch.long, device=net.device)
        self.n_refreshes_ = getattr(self, "n_refreshes_", 0) + 1

    def on_train_begin(self, net, **kwargs):
        self.n_refreshes_ = 0
        self.refresh(net)

    def on_epoch_end(self, net, **kwargs):
        if len(net.history) % self.every_epochs == 0:
            self.refresh(net)

    def on_train_end(self, net, **kwargs):
        self.X = None  # do not keep (and pickle) a second copy of the training data


