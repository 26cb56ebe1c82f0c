"""MutualTaughtClustering: Contrastive Clustering plus two mutual-teaching terms (MTDC)."""

import copy
from numbers import Integral, Real

import torch
from sklearn.utils._param_validation import Interval, StrOptions

from skdeepcluster.base import VIEW_CONSTRAINTS, BaseDeepClusterer
from skdeepcluster.nn import MTDCModel, build_backbone
from skdeepcluster.stages import train_on_views
from skdeepcluster.training import (
    MTDCBoostCriterion,
    MTDCBoostNet,
    MTDCCriterion,
    MTDCNet,
    fit_or_initialize,
    make_net,
)


class MutualTaughtClustering(BaseDeepClusterer):
    """Mutual-Taught Deep Clustering (MTDC), for images and vectors.

    A backbone with an instance projector (to ``feature_dim``, L2-normalised) and a
    cluster projector (to ``n_clusters``, softmax). Each step takes two strong views of
    the batch and minimises ``L_ins + L_clu + bce_weight * L_bce + pcl_weight * L_pcl``:
    instance NT-Xent; Contrastive Clustering's cluster-level NT-Xent plus its entropy
    term; ``L_bce``, where feature similarities teach the cluster head (Gaussian
    similarities of all ``(2B)^2`` pairs); ``L_pcl``, where pseudo-labels teach the
    features (supervised contrast whose positives share the same *ordered* top-``top_r``
    clusters under the teacher: the model in eval mode on the clean batch).

    Parameters
    ----------
    {n_clusters_parameters}
    backbone : torch.nn.Module, default=None
        Replaces the default backbone (MLP for vectors, small CNN for images); it maps
        ``(B, *sample_shape)`` to ``(B, d)``. A copy is trained.
    epochs : int or "auto", default="auto"
        Epochs with all four terms (after the warm-up of ``init="contrastive"``).
        ``"auto"`` follows the data size (:data:`~skdeepcluster.training.EPOCH_BUDGETS`,
        row ``mtdc.train``); stored as ``epochs_``.
    lr, batch_size : float, int, default=3e-4, 128
        Adam (no weight decay, no schedule, as in the reference); batches of at most
        n_samples, the last incomplete one dropped.
    feature_dim, instance_temperature, cluster_temperature : int, float, default=128, 0.5, 1.0
    bce_weight : float, default=10.0
        Weight of the pairwise-similarity term; 0 skips it.
    bce_direction : {"reference", "textbook"}, default="reference"
        ``"reference"``: the trainable cluster similarity is the BCE target and the
        detached feature similarity the prediction, as in the MTDC code; ``"textbook"``:
        the usual BCE of cluster similarity against feature similarity.
    pcl_weight, pcl_temperature : float, default=0.1, 0.5
        Weight of the pseudo-label contrastive term (0 skips it and the teacher pass);
        SupCon temperature (base temperature 0.07, as in the reference).
    top_r : int, default=3
        Ranking depth two teacher predictions must share; clamped to
        ``max(1, n_clusters - 1)`` (as is ``boost_top_r``) and stored as ``top_r_``.
    init : {"scratch", "contrastive"} or MTDCModel, default="scratch"
        ``"scratch"``: the single-stage run of the reference code. ``"contrastive"``:
        first ``pretrain_epochs`` epochs of the CC terms alone, then ``epochs`` with all
        four. An ``MTDCModel`` (e.g. a fitted ``module_``) is copied and trained on; it
        must fit the input shape and ``n_clusters``.
    pretrain_epochs : int, default=50
        Epochs of the CC-only warm-up of ``init="contrastive"``.
    boost_epochs, boost_confidence, boost_share : int or "auto", float, default=0, 0.99, 0.5
    boost_supcon_weight, boost_top_r : float, int, default=0.2, 5
        The first MTDC code's boosting stage after training (0: none, as today's code;
        "auto": row ``mtdc.boost``): balanced cross-entropy on the ``boost_share * B / K``
        most confident rows of each cluster per batch (kept while ``>= boost_confidence``)
        ``+ bce_weight * L_bce + boost_supcon_weight * L_pcl`` (top-``boost_top_r``).
    {view_parameters}
    {data_parallel_parameter}
    {shared_parameters}

    Attributes
    ----------
    {shared_attributes}
    net_, pretrain_net_, boost_net_ : MTDCNet
        The nets of training, warm-up and boosting (None if not run); loss terms per batch.
    epochs_, boost_epochs_, top_r_ : int

    Notes
    -----
    Differences from the reference (measurements in ``docs/tuning.md``): a small CNN /
    MLP for the ResNet-34 or ViT; an instance projector ``d -> 4d -> feature_dim`` with
    BatchNorm; the package's views, the input as the clean view; batch size 128 and at
    most 400 epochs (reference: 256, 1000); ``top_r`` clamped for small ``n_clusters``;
    ``init="contrastive"``, ``epochs=0``, ``boost_epochs``: the first code's recipe (labels
    kept per sample, not per loader position). On vectors: an MLP and ``vector_views``.

    References
    ----------
    Z. Hu, Y. Wang, H. Ning, D. Wu and F. Nie, "Mutual-Taught Deep Clustering",
    Elsevier, 2023 (code: github.com/yichenwang231/MTDC).

    Y. Li, P. Hu, Z. Liu, D. Peng, J. T. Zhou and X. Peng, "Contrastive Clustering", AAAI 2021.

    Examples
    --------
    >>> from sklearn.datasets import make_blobs
    >>> from skdeepcluster import MutualTaughtClustering
    >>> X, _ = make_blobs(n_samples=60, centers=3, random_state=0)
    >>> est = MutualTaughtClustering(n_clusters=3, epochs=2, batch_size=32,
    ...                              random_state=0, device="cpu")
    >>> est.fit_predict(X).shape
    (60,)
    """

    _short_name = "MTDC"
    _stages = ("warm-up", "training", "boosting")

    _parameter_constraints: dict = {
        **BaseDeepClusterer._parameter_constraints,
        **VIEW_CONSTRAINTS,
        "data_parallel": ["boolean"],
        "epochs": [Interval(Integral, 0, None, closed="left"), StrOptions({"auto"})],
        **dict.fromkeys(("lr", "instance_temperature", "cluster_temperature",
                         "pcl_temperature"), [Interval(Real, 0, None, closed="neither")]),
        **dict.fromkeys(("feature_dim", "top_r"), [Interval(Integral, 1, None, closed="left")]),
        **dict.fromkeys(("bce_weight", "pcl_weight"), [Interval(Real, 0, None, closed="left")]),
        "bce_direction": [StrOptions({"reference", "textbook"})],
        "init": [StrOptions({"scratch", "contrastive"}), MTDCModel],
        "pretrain_epochs": [Interval(Integral, 0, None, closed="left")],
        "boost_epochs": [Interval(Integral, 0, None, closed="left"), StrOptions({"auto"})],
        "boost_confidence": [Interval(Real, 0, 1, closed="both")],
        "boost_share": [Interval(Real, 0, None, closed="neither")],
        "boost_supcon_weight": [Interval(Real, 0, None, closed="left")],
        "boost_top_r": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(self, n_clusters=10, *, n_clusters_range=(2, 30),
                 image_shape=None, backbone=None, epochs="auto",
                 lr=3e-4, batch_size=128, feature_dim=128, instance_temperature=0.5,
                 cluster_temperature=1.0, bce_weight=10.0, bce_direction="reference",
                 pcl_weight=0.1, top_r=3, pcl_temperature=0.5, init="scratch",
                 pretrain_epochs=50, boost_epochs=0, boost_confidence=0.99, boost_share=0.5,
                 boost_supcon_weight=0.2, boost_top_r=5, vector_views="corruption",
                 view_neighbors=10, neighbor_metric="cosine", data_parallel=False, vector_clip=None,
                 precision="auto", device="auto", random_state=None, verbose=0):
        self._set_params_from(locals())

    def _fit_stages(self, ctx):
        module = self._initial_module(ctx)
        top_r = ctx.resolve("top_r", max(1, min(self.top_r, self.n_clusters - 1)))
        pretrain_net = None
        if isinstance(self.init, str) and self.init == "contrastive" and self.pretrain_epochs:
            pretrain_net = self._train(ctx, module, self.pretrain_epochs, bce_weight=0.0,
                                       pcl_weight=0.0, top_r=top_r, stage="warm-up")
            module = pretrain_net.module_
        epochs = ctx.epochs("epochs", self.epochs, "mtdc.train")
        net = self._train(ctx, module, epochs, bce_weight=self.bce_weight,
                          pcl_weight=self.pcl_weight, top_r=top_r, stage="training")
        module, boost_net = net.module_, None
        boost_epochs = ctx.epochs("boost_epochs", self.boost_epochs, "mtdc.boost")
        if boost_epochs:
            boost_net = self._boost(ctx, module, boost_epochs)
            module = boost_net.module_
        return {"module_": module, "net_": net, "pretrain_net_": pretrain_net,
                "boost_net_": boost_net}

    def _initial_module(self, ctx):
        if not isinstance(self.init, str):
            return _checked_copy(self.init, ctx.spec, self.n_clusters)
        backbone = build_backbone(ctx.spec, self.backbone, precision=ctx.precision)
        return MTDCModel(backbone, self.n_clusters, feature_dim=self.feature_dim)

    def _train(self, ctx, module, epochs, *, bce_weight, pcl_weight, top_r, stage):
        return train_on_views(
            ctx, MTDCNet, module, epochs=epochs, lr=self.lr, batch_size=self.batch_size,
            stage=stage, lr_param="lr", criterion=MTDCCriterion,
            criterion__instance_temperature=self.instance_temperature,
            criterion__cluster_temperature=self.cluster_temperature,
            criterion__bce_weight=bce_weight, criterion__bce_direction=self.bce_direction,
            criterion__pcl_weight=pcl_weight, criterion__top_r=top_r,
            criterion__pcl_temperature=self.pcl_temperature)

    def _boost(self, ctx, module, epochs):
        """The boosting stage: its labels start empty and get one teacher pass over the
        data (the reference's first boosting epoch) before the training epochs."""
        labels = torch.full((ctx.n_samples,), -1, dtype=torch.long, device=ctx.device)
        net = make_net(
            MTDCBoostNet, module, criterion=MTDCBoostCriterion, n_samples=ctx.n_samples,
            batch_size=self.batch_size, max_epochs=epochs, device=ctx.device,
            accelerator=ctx.accelerator, optimizer=torch.optim.Adam, lr=self.lr,
            verbose=ctx.verbose, stage=ctx.stage_label("boosting"), lr_param="lr",
            views=ctx.views, labels=labels, confidence=self.boost_confidence,
            share=self.boost_share, criterion__bce_weight=self.bce_weight,
            criterion__bce_direction=self.bce_direction,
            criterion__pcl_weight=self.boost_supcon_weight,
            criterion__top_r=max(1, min(self.boost_top_r, self.n_clusters - 1)),
            criterion__pcl_temperature=self.pcl_temperature)
        net.initialize()
        net.fill_labels(ctx.data, torch.from_numpy(ctx.rng.permutation(ctx.n_samples)),
                        net.batch_size)
        fit_or_initialize(net, ctx.X, ctx.sample_index)
        return net


def _checked_copy(model, spec, n_clusters):
    """A trainable copy of a user-given MTDCModel, checked against the data and K."""
    if model.n_clusters != n_clusters:
        raise ValueError(
            f"init is an MTDCModel with {model.n_clusters} clusters, but "
            f"n_clusters={n_clusters}."
        )
    model = copy.deepcopy(model)
    try:
        with torch.no_grad():
            model.eval()
            dev = next(model.parameters()).device
            model(torch.zeros((2, *spec.shape), device=dev))
    except RuntimeError as exc:
        raise ValueError(
            f"init is an MTDCModel that does not accept samples of shape {spec.shape}: {exc}"
        ) from exc
    for p in model.parameters():
        p.requires_grad_(True)
    return model.train()
