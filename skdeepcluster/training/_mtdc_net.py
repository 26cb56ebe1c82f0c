"""Mutual-Taught Deep Clustering: its criterion and skorch net (the model is
:class:`~skdeepcluster.nn.MTDCModel`)."""

import torch
import torch.nn.functional as F

from skdeepcluster.losses import nt_xent_loss
from skdeepcluster.losses._cluster_contrastive import cluster_contrastive_loss
from skdeepcluster.losses._mutual import pairwise_similarity_bce_loss, pseudo_label_supcon_loss
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
