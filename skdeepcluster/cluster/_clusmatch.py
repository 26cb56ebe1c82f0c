"""ClusMatch: improve a clustering by positive and negative pseudo-label learning
(Wu et al., TPAMI 2025)."""

import copy
from numbers import Integral, Real

import torch
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions

from skdeepcluster.base import MIN_INFERENCE_BATCH, VIEW_CONSTRAINTS, BaseDeepClusterer
from skdeepcluster.nn import ClusteringModel, build_backbone
from skdeepcluster.selection import (
    ClassPairThresholds,
    select_highest_variance,
    select_nearest_to_centroid,
)
from skdeepcluster.stages import (
    ContrastivePretraining,
    SemiSupervisedTraining,
    contrastive_projector,
    default_base,
    external_base,
)
from skdeepcluster.training import ClusMatchCriterion, ClusMatchNet, KMeansRefresh


class ClusMatch(BaseDeepClusterer):
    """ClusMatch: semi-supervised fine-tuning that improves an existing clustering.

    1. **Base clustering**: ``base_estimator``, or by default the paper's feature
       learning: contrastive pretraining and k-means on its normalised representation.
    2. **Labelled samples**: a few per base cluster, labelled by it (``selection``).
    3. **Fine-tuning** of backbone -> projector -> linear head on all samples: CE on a
       labelled batch; on the unlabelled batch a soft-target CE (weak-view argmax merged
       with the k-means label) under adaptive per-class thresholds, a negative
       pseudo-label loss under adaptive class-pair thresholds and FreeMatch's fairness
       term. k-means labels come from the EMA model, which predicts.

    Parameters
    ----------
    {n_clusters_parameters}
    base_estimator : estimator or None, default=None
        The clustering to improve (KMeans, GaussianMixture, a skdeepcluster estimator): a
        clone fitted on ``X`` as passed (images flattened unless it takes 3-D input), at
        most ``n_clusters`` clusters (ids may be strings; numeric ids < 0: noise).
    base_prefit : bool, default=False
        Use ``base_estimator`` as fitted: its ``predict(X)``, else its ``labels_``.
    base_network : {"auto", "pretrain"}, default="auto"
        ``"auto"``: fine-tune a copy of the base's backbone when it is a fitted
        skdeepcluster estimator with one for this input layout, else pretrain one here.
    selection : {"auto", "centroid", "variance"}, default="auto"
        Nearest the base's ``cluster_centers_`` (else cluster means in its ``transform``
        or the input space), or the most peaked ``predict_proba``; ``"auto"``: centroid
        unless the base has only ``predict_proba``.
    labeled_per_cluster : int, float or "auto", default="auto"
        A count, a fraction of ``n_samples / n_clusters``, or 1% of it (at least 10).
    backbone : torch.nn.Module, default=None
        Replaces the default MLP (vectors) or small CNN (images).
    pretrain_epochs, finetune_epochs : int or "auto", default="auto"
        ``"auto"``: rows ``clusmatch.*`` of :data:`~skdeepcluster.training.EPOCH_BUDGETS`.
    pretrain_lr, temperature : float, default=1e-3, 0.5
        Adam learning rate and NT-Xent temperature of the pretraining.
    slow_lr, fast_lr : float, default="auto", 2e-2
        SGD rates of the backbone (``"auto"``: 2e-3 on a base's network, else 1e-2), head.
    labeled_batch_size, unlabeled_ratio : int, default=64, 7
    positive_weight, kmeans_weight : float or "auto", default="auto"
        Weights of argmax and k-means label in the target; ``"auto"``: k-means 0 for
        images, the paper's 0.5 for vectors, positive ``1 -`` that.
    negative_weight, fairness_weight : float, default=0.5, 0.001
    weight_decay, decay_biases_and_norms : float, bool, default=5e-4, False
        SGD weight decay, and whether biases and normalisation parameters get it too.
    threshold_momentum, ema_decay : float (or "auto"), default=0.999
        EMA of the thresholds ("auto": the start keeps 1% weight at the end) and model.
    kmeans_refresh_epochs, kmeans_features, kmeans_metric : default=1, "backbone", "cosine"
        Refresh period; or ``"projector"`` features; ``"euclidean"``: no L2 norm (base, refresh).
    batch_size : int, default=256
        Pretraining batch, and batch of the passes over the data.
    {view_parameters}
    {data_parallel_parameter}
    {shared_parameters}

    Attributes
    ----------
    {shared_attributes}
    base_estimator_, base_labels_ : the fitted base and its labels (noise included)
    labeled_idx_, labeled_labels_ : ndarray of int, shape (n_labeled,)
    positive_thresholds_, negative_thresholds_, kmeans_labels_ : ndarray, (K,), (K, K), (n,)
    pretrain_net_, net_, base_network_ : the nets; fine-tuned from the base's network?
    *_epochs_, labeled_per_cluster_, slow_lr_, *_weight_, threshold_momentum_ : resolved

    Notes
    -----
    Differences from the reference (``docs/tuning.md``): a base's backbone or SimCLR-style
    pretraining for the ProPos/GCC checkpoint; epochs with a cosine schedule for 65,536
    iterations; k-means (backbone features) every epoch; balanced labelled counts; rates
    10x / 50x the reference's 2e-4; a warmed-up EMA; on images the argmax alone as
    target; the package's views. On vectors: an MLP, ``vector_views``, the k-means term.

    References
    ----------
    J. Wu, Z. Li, W. Sun, J. Yin, L. Nie and Z. Lin, "ClusMatch: Improving Deep
    Clustering by Unified Positive and Negative Pseudo-label Learning", IEEE
    Transactions on Pattern Analysis and Machine Intelligence, 2025.

    Examples
    --------
    >>> from sklearn.cluster import KMeans
    >>> from sklearn.datasets import make_blobs
    >>> from skdeepcluster import ClusMatch
    >>> X, _ = make_blobs(n_samples=60, centers=3, random_state=0)
    >>> ClusMatch(3, base_estimator=KMeans(3, n_init=3), pretrain_epochs=2,
    ...           finetune_epochs=2, device="cpu").fit_predict(X).shape
    (60,)
    """

    _short_name = "ClusMatch"
    _stages = ("contrastive pretraining", "fine-tuning")

    _parameter_constraints: dict = {
        **BaseDeepClusterer._parameter_constraints,
        **VIEW_CONSTRAINTS,
        "data_parallel": ["boolean"],
        "base_estimator": [None, HasMethods(["fit"])],
        "base_prefit": ["boolean"],
        "base_network": [StrOptions({"auto", "pretrain"})],
        "selection": [StrOptions({"auto", "centroid", "variance"})],
        "labeled_per_cluster": [Interval(Integral, 1, None, closed="left"),
                                Interval(Real, 0, 1, closed="right"), StrOptions({"auto"})],
        **dict.fromkeys(("pretrain_epochs", "finetune_epochs"),
                        [Interval(Integral, 0, None, closed="left"), StrOptions({"auto"})]),
        **dict.fromkeys(("pretrain_lr", "temperature", "fast_lr"),
                        [Interval(Real, 0, None, closed="neither")]),
        **dict.fromkeys(("slow_lr", "positive_weight", "kmeans_weight"),
                        [Interval(Real, 0, None, closed="left"), StrOptions({"auto"})]),
        **dict.fromkeys(("weight_decay", "negative_weight", "fairness_weight"),
                        [Interval(Real, 0, None, closed="left")]),
        **dict.fromkeys(("labeled_batch_size", "unlabeled_ratio", "kmeans_refresh_epochs"),
                        [Interval(Integral, 1, None, closed="left")]),
        "threshold_momentum": [Interval(Real, 0, 1, closed="left"), StrOptions({"auto"})],
        "ema_decay": [Interval(Real, 0, 1, closed="left")],
        "kmeans_features": [StrOptions({"backbone", "projector"})],
        "kmeans_metric": [StrOptions({"cosine", "euclidean"})],
        "decay_biases_and_norms": ["boolean"],
    }

    def __init__(self, n_clusters=10, *, n_clusters_range=(2, 30),
                 base_estimator=None, base_prefit=False,
                 base_network="auto", selection="auto", labeled_per_cluster="auto",
                 image_shape=None, backbone=None, pretrain_epochs="auto", pretrain_lr=1e-3,
                 temperature=0.5, finetune_epochs="auto", slow_lr="auto", fast_lr=2e-2,
                 weight_decay=5e-4, decay_biases_and_norms=False, labeled_batch_size=64,
                 unlabeled_ratio=7, positive_weight="auto", kmeans_weight="auto",
                 negative_weight=0.5, fairness_weight=0.001, threshold_momentum=0.999,
                 kmeans_refresh_epochs=1, kmeans_features="backbone",
                 kmeans_metric="cosine", ema_decay=0.999,
                 batch_size=256, vector_views="corruption", view_neighbors=10,
                 neighbor_metric="cosine", data_parallel=False, vector_clip=None,
                 precision="auto", device="auto", random_state=None, verbose=0):
        self._set_params_from(locals())

    def _fit_stages(self, ctx):
        # An external base is fitted first: its network, if any, replaces pretraining.
        base = None if self.base_estimator is None else external_base(
            self.base_estimator, ctx.X_raw, self.n_clusters, prefit=self.base_prefit,
            selection=self.selection)
        backbone = None
        if base is not None and self.base_network == "auto" and hasattr(
                base.estimator, "_backbone_for"):
            backbone = base.estimator._backbone_for(ctx.spec, ctx.scaling)
        pretrain_net = None
        if backbone is None:
            pretrain_net = ContrastivePretraining(
                self.pretrain_epochs, self.pretrain_lr, self.temperature, self.batch_size,
                budget="clusmatch.pretrain",
            ).run(ctx, build_backbone(ctx.spec, self.backbone, precision=ctx.precision))
            backbone, projector = pretrain_net.module_.backbone, pretrain_net.module_.projector
        else:
            projector = contrastive_projector(backbone.out_features)
        if base is None:
            base = default_base(ctx, backbone, self.n_clusters, self.batch_size,
                                metric=self.kmeans_metric)
        n_labeled = ctx.resolve("labeled_per_cluster", self._n_labeled(ctx.n_samples))
        if base.selection == "variance":
            sel = select_highest_variance(base.values, base.compact, n_labeled)
        else:
            sel = select_nearest_to_centroid(base.values, base.compact, n_labeled,
                                             centers=base.centers)

        head = torch.nn.Linear(backbone.out_features, self.n_clusters)  # projector: d -> d
        torch.nn.init.xavier_uniform_(head.weight)
        torch.nn.init.zeros_(head.bias)
        # copies: pretrain_net_ keeps the pretrained network
        module = ClusteringModel(copy.deepcopy(backbone), head,
                                 projector=copy.deepcopy(projector))
        for p in module.parameters():
            p.requires_grad_(True)
        slow_lr = self.slow_lr
        if slow_lr == "auto":
            slow_lr = 2e-3 if pretrain_net is None else 1e-2
        net, model, refresh, thresholds = self._finetune(ctx, module, sel,
                                                         ctx.resolve("slow_lr", slow_lr))
        kmeans_labels = getattr(refresh, "labels_", None)
        return {
            "pretrain_net_": pretrain_net,
            "base_network_": pretrain_net is None,
            "net_": net,
            "module_": model,
            "base_estimator_": base.estimator,
            "base_labels_": base.labels,
            "labeled_idx_": sel.indices,
            "labeled_labels_": sel.labels,
            "positive_thresholds_": thresholds.positive_thresholds.cpu().numpy(),
            "negative_thresholds_": thresholds.negative_thresholds.cpu().numpy(),
            "kmeans_labels_": None if kmeans_labels is None else kmeans_labels.cpu().numpy(),
        }

    def _n_labeled(self, n):
        if self.labeled_per_cluster == "auto":
            return max(10, int(round(0.01 * n / self.n_clusters)))
        if isinstance(self.labeled_per_cluster, Integral):
            return int(self.labeled_per_cluster)
        return max(1, int(round(self.labeled_per_cluster * n / self.n_clusters)))

    def _target_weights(self, ctx):
        """(positive_weight, kmeans_weight) with "auto" resolved: k-means 0 for images,
        the paper's 0.5 for vectors; an "auto" positive weight is 1 - the k-means one."""
        kmeans = self.kmeans_weight
        if kmeans == "auto":
            kmeans = 0.0 if ctx.spec.kind == "image" else 0.5
        positive = self.positive_weight
        if positive == "auto":
            positive = max(0.0, 1.0 - kmeans)
        return (ctx.resolve("positive_weight", float(positive)),
                ctx.resolve("kmeans_weight", float(kmeans)))

    def _threshold_momentum(self, ctx, steps):
        """``threshold_momentum`` with "auto" resolved: the paper's 0.999, or less on a
        run too short for it, so that the starting statistics keep 1% of the weight at
        the end of the ``steps`` updates (0.999 needs 4,603 steps for that)."""
        momentum = self.threshold_momentum
        if momentum == "auto":
            momentum = min(0.999, 0.01 ** (1.0 / max(int(steps), 1)))
        return ctx.resolve("threshold_momentum", float(momentum))

    def _finetune(self, ctx, module, sel, slow_lr):
        positive, kmeans = self._target_weights(ctx)
        epochs = ctx.epochs("finetune_epochs", self.finetune_epochs, "clusmatch.finetune")
        stage = SemiSupervisedTraining(
            ClusMatchNet, ClusMatchCriterion, epochs, self.fast_lr, self.weight_decay,
            self.labeled_batch_size, self.unlabeled_ratio, self.ema_decay,
            lr_param="fast_lr or slow_lr", stage="fine-tuning",
            decay_biases_and_norms=self.decay_biases_and_norms)
        thresholds = ClassPairThresholds(
            self.n_clusters, self._threshold_momentum(ctx, stage.steps(ctx.n_samples)),
            ctx.device)
        refresh = KMeansRefresh(
            torch.from_numpy(ctx.X), sel.indices, sel.labels, self.n_clusters, stage.ema,
            every_epochs=self.kmeans_refresh_epochs, features=self.kmeans_features,
            metric=self.kmeans_metric,
            batch_size=max(self.batch_size, MIN_INFERENCE_BATCH), random_state=ctx.rng,
            stage=ctx.stage_label("fine-tuning"))
        net, model = stage.run(
            ctx, module, sel.indices, sel.labels, callbacks=[("kmeans_refresh", refresh)],
            thresholds=thresholds, kmeans=refresh,
            criterion__positive_weight=positive, criterion__kmeans_weight=kmeans,
            criterion__negative_weight=self.negative_weight,
            criterion__fairness_weight=self.fairness_weight,
            optimizer__param_groups=[("backbone.*", {"lr": slow_lr})])
        return net, model, refresh, thresholds
