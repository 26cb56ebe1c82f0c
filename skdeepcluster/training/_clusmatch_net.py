"""ClusMatch's semi-supervised fine-tuning: the skorch net and its criterion (the
k-means refresh it reads is :class:`~skdeepcluster.training.KMeansRefresh`)."""

import torch

from skdeepcluster.losses import (
    merged_pseudo_label_loss,
    negative_pseudo_label_loss,
    pseudo_label_cross_entropy,
    self_adaptive_fairness_loss,
)
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

    ``fit(X, sample_index, labeled_X=..., labeled_y=..., labeled_index=...)`` as
    :class:`FixMatchNet`; the indices also look up the samples' k-means labels in
    ``kmeans.labels_`` (a :class:`KMeansRefresh`). Each step
    draws ``labeled_batch_size`` labelled samples with replacement; the labelled weak
    view, unlabelled weak view and unlabelled strong view share one forward pass.
    Pseudo-labels and thresholds come from the live model's weak view (no gradient);
    ``thresholds`` (a :class:`~skdeepcluster.selection.ClassPairThresholds`) is updated
    at every step.
    """

    def __init__(self, module, *args, thresholds=None, kmeans=None, **kwargs):
        super().__init__(module, *args, **kwargs)
        self.thresholds = thresholds
        self.kmeans = kmeans

    def step_loss(self, batch, labeled_X=None, labeled_y=None, labeled_index=None,
                  **fit_params):
        self._set_training(True)
        xu = batch[0].to(self.device)
        idx = batch[1].to(self.device).long()
        logits_lab, yl, logits_weak, logits_strong = self.semi_supervised_forward(
            xu, idx, labeled_X, labeled_y, labeled_index
        )
        probs = torch.softmax(logits_weak.detach().float(), dim=1)
        pseudo = probs.argmax(dim=1)
        kmeans = self.kmeans.labels_[idx]
        pos_mask, neg_mask = self.thresholds.step(probs, kmeans)
        loss, parts = self.criterion_(
            logits_lab, yl, logits_strong, pseudo, kmeans, pos_mask, neg_mask,
            self.thresholds.p_model_, self.thresholds.label_hist_,
        )
        for name, value in parts.items():
            self.history.record_batch(f"loss_{name}", float(value.detach()))
        self.history.record_batch("mask_rate", float(pos_mask.float().mean()))
        self.history.record_batch("negatives_per_sample", float(neg_mask.sum(1).float().mean()))
        return loss, logits_weak
