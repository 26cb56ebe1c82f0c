"""SPICEClustering: semantic pseudo-labelling in three stages (Niu, Shan & Wang, 2022)."""

import copy
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.utils._param_validation import Interval, StrOptions

from skdeepcluster.base import VIEW_CONSTRAINTS, BaseDeepClusterer
from skdeepcluster.nn import MLP, ClusteringModel, build_backbone, forward_in_batches, l2_normalize
from skdeepcluster.selection import select_reliable
from skdeepcluster.stages import ContrastivePretraining, SelfLabellingHeads, SemiSupervisedTraining
from skdeepcluster.training import FixMatchCriterion, FixMatchNet


class SPICEClustering(BaseDeepClusterer):
    """Semantic pseudo-labelling for image clustering (SPICE), for images and vectors.

    1. **Feature model**: a backbone and projection head trained by instance contrast
       (NT-Xent between two strong views), then frozen.
    2. **SPICE-Self**: ``n_heads`` cluster heads on it, each trained on its own
       prototype pseudo-labels; the head kept has the lowest pseudo-label loss on the
       whole data set (no ground truth), after the last epoch or over all epochs.
    3. **SPICE-Semi**: reliable samples (neighbour agreement AND confidence, balanced)
       label a FixMatch run over all samples; its EMA model predicts.

    Parameters
    ----------
    {n_clusters_parameters}
    backbone : torch.nn.Module, default=None
        Replaces the default MLP (vectors) or small CNN (images); it maps
        ``(B, *sample_shape)`` to ``(B, d)``. A copy is trained.
    pretrain_epochs, head_epochs, semi_epochs : int or "auto", default="auto"
        Epochs of stages 1-3 (``semi_epochs=0`` skips stage 3); ``"auto"``: rows
        ``spice.*`` of :data:`~skdeepcluster.training.EPOCH_BUDGETS`.
    pretrain_lr, temperature : float, default=1e-3, 0.5
        Adam learning rate and NT-Xent temperature of stage 1.
    n_heads, pseudo_batch_size : int, default=10, 5000
        Heads; samples scored per outer iteration of stage 2 (``n // pseudo_batch_size``
        an epoch).
    center_ratio, prototype_cells : float, bool, default=0.5, False
        Fraction of ``B / K`` averaged into each prototype; whether a prototype labels
        only samples it is the nearest prototype of (else ``B / K`` whatever their size).
    n_repeat, head_batch_size, head_lr : int, int, float, default=2, 128, 5e-3
        Passes over each selection per outer iteration (8 in the reference); Adam's.
    head_loss, head_selection : str, default="ce_logits", "last_epoch"
        Cross-entropy on the heads' logits, or the reference's on softmax outputs
        (``"spice_double_softmax"``); the head kept: the lowest-loss one after the last
        epoch, or the lowest-loss (epoch, head) of the run (``"all_epochs"``, the reference's).
    head_init, head_init_steps : {"auto", "kmeans", "random"}, int, default="auto", 300
        ``"kmeans"``: each head first fits its own k-means partition of the embedding in
        ``head_init_steps`` Adam steps; ``"auto"``: k-means for images, random (the
        reference) for vectors.
    n_neighbors, agreement_ratio, confidence_threshold : int, float, default=100, 0.9, 0.99
        Neighbours (the sample included) checked for local consistency; its thresholds.
    balance_reliable, min_reliable_per_cluster : bool, int, default=True, 1
        Cut every cluster's reliable set to the smallest one's size; clusters with fewer
        reliable samples first take their best-agreeing members up to the minimum.
    semi_init : {"stage2", "scratch"}, default="stage2"
        Stage 3 starts from the stage-2 network (the paper) or fresh weights (the code).
    semi_lr, fixmatch_threshold, lambda_u, ema_decay : float, default=0.01, 0.95, 1, 0.999
    labeled_batch_size, unlabeled_ratio : int, default=64, 7
        Labelled batch, and unlabelled batch as a multiple of it.
    batch_size : int, default=256
        Batch of stage 1, of the k-means warm start and of the passes over the data.
    {view_parameters}
    {data_parallel_parameter}
    {shared_parameters}

    Attributes
    ----------
    {shared_attributes}
    selected_head_, selected_epoch_, head_losses_ : the head kept, its epoch, losses then
    self_labels_, reliable_mask_ : ndarray of shape (n_samples,): stage-2 labels, reliable
    reliable_labels_ : ndarray of shape (n_reliable,), for ``X[reliable_mask_]``
    feature_net_, head_net_, semi_net_ : skorch nets of the three stages
    pretrain_epochs_, head_epochs_, semi_epochs_, head_init_ : resolved values

    Notes
    -----
    Differences from the reference code (measured in ``docs/tuning.md`` and
    ``benchmarks/results/ablations.md``): SimCLR-style NT-Xent with Adam instead of MoCo
    v2; a BatchNorm projection head for images; the frozen backbone in eval mode in
    stage 2; the defaults of ``head_loss``, ``head_init``, ``semi_init``,
    ``agreement_ratio`` (0.9, the STL10 setting) and ``head_selection``; a cluster with
    no reliable sample gets its best one (``select_reliable``); stage 3 for epochs with
    a cosine schedule instead of 2^20 iterations; affine warps, cutout, noise and
    intensity jitter for images; on vectors an MLP, ``vector_views``, a plain projector.

    References
    ----------
    C. Niu, H. Shan and G. Wang, "SPICE: Semantic Pseudo-Labeling for Image
    Clustering", IEEE Transactions on Image Processing 31:7264-7278, 2022.

    Examples
    --------
    >>> from sklearn.datasets import make_blobs
    >>> from skdeepcluster import SPICEClustering
    >>> X, _ = make_blobs(n_samples=60, centers=3, random_state=0)
    >>> SPICEClustering(3, pretrain_epochs=2, head_epochs=1, semi_epochs=1, n_heads=2,
    ...                 device="cpu").fit_predict(X).shape
    (60,)
    """

    _short_name = "SPICE"
    _stages = ("contrastive pretraining", "self-labelling heads", "semi-supervised training")

    _parameter_constraints: dict = {
        **BaseDeepClusterer._parameter_constraints,
        **VIEW_CONSTRAINTS,
        "data_parallel": ["boolean"],
        **dict.fromkeys(("pretrain_epochs", "semi_epochs"),
                        [Interval(Integral, 0, None, closed="left"), StrOptions({"auto"})]),
        "head_epochs": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        **dict.fromkeys(("pretrain_lr", "temperature", "head_lr", "semi_lr"),
                        [Interval(Real, 0, None, closed="neither")]),
        **dict.fromkeys(("n_heads", "n_neighbors", "n_repeat", "min_reliable_per_cluster",
                         "labeled_batch_size", "unlabeled_ratio"),
                        [Interval(Integral, 1, None, closed="left")]),
        **dict.fromkeys(("pseudo_batch_size", "head_batch_size"),
                        [Interval(Integral, 2, None, closed="left")]),
        "center_ratio": [Interval(Real, 0, 1, closed="right")],
        "head_loss": [StrOptions({"spice_double_softmax", "ce_logits"})],
        "head_init": [StrOptions({"auto", "kmeans", "random"})],
        "head_init_steps": [Interval(Integral, 1, None, closed="left")],
        "head_selection": [StrOptions({"last_epoch", "all_epochs"})],
        **dict.fromkeys(("agreement_ratio", "fixmatch_threshold"),
                        [Interval(Real, 0, 1, closed="both")]),
        **dict.fromkeys(("confidence_threshold", "ema_decay"),
                        [Interval(Real, 0, 1, closed="left")]),
        **dict.fromkeys(("balance_reliable", "prototype_cells"), ["boolean"]),
        "semi_init": [StrOptions({"stage2", "scratch"})],
        "lambda_u": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(self, n_clusters=10, *, n_clusters_range=(2, 30),
                 image_shape=None, backbone=None,
                 pretrain_epochs="auto", pretrain_lr=1e-3, temperature=0.5, n_heads=10,
                 head_epochs="auto", pseudo_batch_size=5000, center_ratio=0.5,
                 prototype_cells=False, n_repeat=2,
                 head_batch_size=128, head_lr=5e-3, head_loss="ce_logits", head_init="auto",
                 head_init_steps=300, head_selection="last_epoch",
                 n_neighbors=100, agreement_ratio=0.9, confidence_threshold=0.99,
                 balance_reliable=True, min_reliable_per_cluster=1, semi_init="stage2",
                 semi_epochs="auto", semi_lr=0.01, fixmatch_threshold=0.95, lambda_u=1.0,
                 labeled_batch_size=64, unlabeled_ratio=7, ema_decay=0.999, batch_size=256,
                 vector_views="corruption", view_neighbors=10, neighbor_metric="cosine",
                 data_parallel=False, vector_clip=None, precision="auto", device="auto",
                 random_state=None, verbose=0):
        self._set_params_from(locals())

    def _fit_stages(self, ctx):
        features_stage = ContrastivePretraining(
            self.pretrain_epochs, self.pretrain_lr, self.temperature, self.batch_size,
            budget="spice.pretrain", batchnorm_projector=ctx.spec.kind == "image")
        feature_net = features_stage.run(ctx, self._new_backbone(ctx))
        backbone = feature_net.module_.backbone.eval()
        features = forward_in_batches(backbone, ctx.data, self.batch_size)
        embedding = l2_normalize(features)

        head_init = self.head_init
        if head_init == "auto":
            head_init = "kmeans" if ctx.spec.kind == "image" else "random"
        heads = SelfLabellingHeads(
            self.n_heads, self.head_epochs, self.pseudo_batch_size, self.center_ratio,
            self.n_repeat, self.head_batch_size, self.head_lr,
            double_softmax=self.head_loss == "spice_double_softmax",
            init=ctx.resolve("head_init", head_init), inference_batch_size=self.batch_size,
            own_cells=self.prototype_cells, selection=self.head_selection,
            init_steps=self.head_init_steps)
        head_net, choice = heads.run(ctx, backbone, features, embedding, self.n_clusters)
        self_model = ClusteringModel(backbone, choice.module)
        proba = torch.softmax(forward_in_batches(self_model.eval(), ctx.data,
                                                 self.batch_size), dim=1)

        reliable = select_reliable(
            proba, embedding, n_neighbors=self.n_neighbors, agreement=self.agreement_ratio,
            confidence=self.confidence_threshold, balance=self.balance_reliable,
            min_per_cluster=self.min_reliable_per_cluster, random_state=ctx.rng,
        )
        fitted = {
            "feature_net_": feature_net,
            "head_net_": head_net,
            "selected_head_": choice.head,
            "selected_epoch_": choice.epoch,
            "head_losses_": choice.losses,
            "self_labels_": proba.argmax(1).cpu().numpy(),
            "reliable_mask_": np.isin(np.arange(ctx.n_samples), reliable.indices),
            # in index order, so that reliable_labels_ lines up with X[reliable_mask_]
            "reliable_labels_": reliable.labels[np.argsort(reliable.indices)],
        }
        semi_epochs = ctx.epochs("semi_epochs", self.semi_epochs, "spice.semi")
        if semi_epochs == 0:
            return {**fitted, "semi_net_": None, "module_": copy.deepcopy(self_model)}
        semi = SemiSupervisedTraining(
            FixMatchNet, FixMatchCriterion, semi_epochs, self.semi_lr, weight_decay=5e-4,
            labeled_batch_size=self.labeled_batch_size, unlabeled_ratio=self.unlabeled_ratio,
            ema_decay=self.ema_decay, lr_param="semi_lr")
        semi_net, module = semi.run(
            ctx, self._semi_start(ctx, self_model), reliable.indices, reliable.labels,
            criterion__threshold=self.fixmatch_threshold, criterion__lambda_u=self.lambda_u)
        return {**fitted, "semi_net_": semi_net, "module_": module}

    def _new_backbone(self, ctx):
        return build_backbone(ctx.spec, self.backbone, precision=ctx.precision)

    def _semi_start(self, ctx, self_model):
        """Stage 3's starting network: the stage-2 one, or fresh weights."""
        if self.semi_init == "stage2":
            module = copy.deepcopy(self_model)
        else:
            backbone = self._new_backbone(ctx)
            d = backbone.out_features
            module = ClusteringModel(backbone, MLP(d, self.n_clusters, hidden=(d,)))
        for p in module.parameters():
            p.requires_grad_(True)
        return module
