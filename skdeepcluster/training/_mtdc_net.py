"""Mutual-Taught Deep Clustering: its criterion and skorch net (the model is
:class:`~skdeepcluster.nn.MTDCModel`)."""

import torch
import torch.nn.functional as F

from skdeepcluster.losses import balanced_pseudo_label_cross_entropy, nt_xent_loss
from skdeepcluster.losses._cluster_contrastive import cluster_contrastive_loss
from skdeepcluster.losses._mutual import pairwise_similarity_bce_loss, pseudo_label_supcon_loss
from skdeepcluster.selection import update_confident_labels
from skdeepcluster.training._nets import StepNet, _Criterion


class MTDCCriterion(_Criterion):
    """``L_ins + L_clu + bce_weight * L_bce + pcl_weight * L_pcl``.

    Terms whose weight is 0 are not computed. ``forward`` returns the total and a dict
    of the separate (unweighted) terms.
    """

    def forward(self, z1, z2, c1, c2, teacher_proba=None):
        p = self.params
        parts = {
            "loss_ins": nt_xent_loss(z1, z2, temperature=p["instance_temperature"]),
            "loss_clu": cluster_contrastive_loss(c1, c2, temperature=p["cluster_temperature"]),
        }
        total = parts["loss_ins"] + parts["loss_clu"]
        return _with_mutual_terms(p, total, parts, z1, z2, c1, c2, teacher_proba)


def _with_mutual_terms(p, total, parts, z1, z2, c1, c2, teacher_proba):
    """``total + bce_weight * L_bce + pcl_weight * L_pcl`` (a term of weight 0 is not
    computed), each term also recorded in ``parts``."""
    if p["bce_weight"] > 0:
        parts["loss_bce"] = pairwise_similarity_bce_loss(
            torch.cat([c1, c2]), torch.cat([z1, z2]), direction=p["bce_direction"]
        )
        total = total + p["bce_weight"] * parts["loss_bce"]
    if p["pcl_weight"] > 0:
        parts["loss_pcl"] = pseudo_label_supcon_loss(
            z1, z2, teacher_proba, top_r=p["top_r"], temperature=p["pcl_temperature"]
        )
        total = total + p["pcl_weight"] * parts["loss_pcl"]
    return total, parts


class MTDCNet(StepNet):
    """One MTDC step per batch.

    1. Teacher: the module in eval mode (BatchNorm running statistics), no gradient,
       predicts cluster probabilities on the clean batch (only when the pseudo-label
       term is on).
    2. Train mode: two strong views, each through the module separately (as CC does),
       giving ``(z, proba)`` per view; the criterion combines the four terms.

    The module is an :class:`MTDCModel`; ``views`` has a ``strong(x, index)`` method;
    ``fit(X, sample_index)`` hands the rows' indices to it.
    """

    def __init__(self, module, *args, views=None, **kwargs):
        super().__init__(module, *args, **kwargs)
        self.views = views

    def step_loss(self, batch, **fit_params):
        x, idx = batch[0].to(self.device), batch[1].to(self.device)
        teacher = None
        if self.criterion_.params["pcl_weight"] > 0:
            self._set_training(False)
            with torch.no_grad():
                teacher = F.softmax(self.module_(x), dim=1)
        self._set_training(True)
        z1, c1 = self.module_.project(self.views.strong(x, idx))
        z2, c2 = self.module_.project(self.views.strong(x, idx))
        loss, parts = self.criterion_(z1, z2, c1, c2, teacher)
        for name, value in parts.items():
            self.history.record_batch(name, float(value.detach()))
        return loss, c1


class MTDCBoostCriterion(_Criterion):
    """The first MTDC code's boosting loss: class-balanced cross-entropy on the
    pseudo-labels (second view) ``+ bce_weight * L_bce + pcl_weight * L_pcl``."""

    def forward(self, z1, z2, c1, c2, teacher_proba, labels):
        parts = {"loss_boost_ce": balanced_pseudo_label_cross_entropy(c2, labels)}
        return _with_mutual_terms(self.params, parts["loss_boost_ce"], parts, z1, z2, c1, c2,
                                  teacher_proba)


class MTDCBoostNet(MTDCNet):
    """One boosting step per batch: the teacher (eval mode, clean batch) updates the
    rows' pseudo-labels in ``labels`` (one per training row, -1 for none, kept across
    steps; :func:`~skdeepcluster.selection.update_confident_labels`), then two strong
    views train on :class:`MTDCBoostCriterion`. ``labels`` is filled by
    :meth:`fill_labels` before training, as the reference's first boosting epoch does
    without a gradient step."""

    def __init__(self, module, *args, labels=None, confidence=0.99, share=0.5, **kwargs):
        super().__init__(module, *args, **kwargs)
        self.labels = labels
        self.confidence = confidence
        self.share = share

    def _teacher_update(self, x, idx):
        self._set_training(False)
        with torch.no_grad():
            teacher = F.softmax(self.module_(x), dim=1)
        self.labels[idx] = update_confident_labels(
            self.labels[idx], teacher, confidence=self.confidence, share=self.share)
        return teacher

    def fill_labels(self, data, order, batch_size):
        """One pass of the teacher over ``data`` in the batches of ``order`` (no
        training)."""
        for start in range(0, len(order) - batch_size + 1, batch_size):
            idx = order[start:start + batch_size].to(self.labels.device)
            self._teacher_update(data[idx].to(self.device), idx)

    def step_loss(self, batch, **fit_params):
        x, idx = batch[0].to(self.device), batch[1].to(self.device)
        teacher = self._teacher_update(x, idx)
        self._set_training(True)
        z1, c1 = self.module_.project(self.views.strong(x, idx))
        z2, c2 = self.module_.project(self.views.strong(x, idx))
        loss, parts = self.criterion_(z1, z2, c1, c2, teacher, self.labels[idx])
        for name, value in parts.items():
            self.history.record_batch(name, float(value.detach()))
        self.history.record_batch("labelled_share", float((self.labels[idx] >= 0).float()
                                                          .mean()))
        return loss, c1
