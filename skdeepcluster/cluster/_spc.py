"""SelectivePseudoLabelClustering: SPC (Mahon & Lukasiewicz, 2021)."""

from numbers import Integral, Real

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions

from skdeepcluster.base import BaseDeepClusterer
from skdeepcluster.nn import build_autoencoder
from skdeepcluster.stages import (
    MIN_UMAP_SAMPLES,
    EnsembleRounds,
    LatentClustering,
    MemberTraining,
)


class SelectivePseudoLabelClustering(BaseDeepClusterer):
    """Selective pseudo-label clustering (SPC): an autoencoder ensemble that trains on
    the samples its members agree on.

    The members (``n_members`` autoencoders) first learn to reconstruct ``X``. Each
    round, every member's latent space (and their concatenation) is projected by UMAP
    and cut into exactly ``n_clusters`` clusters (HDBSCAN, else a mixture); the
    labelings are aligned and vote, and every member trains its head on the samples
    with at least ``min_agreement`` of the votes, plus reconstruction. The round with
    the largest agreed fraction (the first vote, before any round, included) is kept;
    ``predict`` averages the members' heads.

    Parameters
    ----------
    {n_clusters_parameters}
    n_members, latent_dim : int, default=5, 10
        Autoencoders and their code size (the reference: 15 and 50).
    autoencoder : {"mlp", "conv", "auto"}, default="mlp"
        An MLP ``d-512-256-latent_dim``, a small CNN (images), or CNN for images only.
    pretrain_epochs : int or "auto", default="auto"
        Reconstruction-only epochs; ``"auto"``: row ``spc.pretrain`` of
        :data:`~skdeepcluster.training.EPOCH_BUDGETS`.
    epochs_per_round, max_rounds : int or "auto", int, default="auto", 5
        ``"auto"``: row ``spc.round`` (8 epochs up to 20,000 samples, then fewer).
    patience, tol : int, float, default=2, 0.01
        Stop after ``patience`` rounds without a larger agreed fraction, or once a round
        changes fewer than ``tol`` of the labels (0: never).
    lr, reconstruction : float, {"mse", "l1"}, default=1e-3, "mse"
        Adam learning rate (a fresh optimiser each round) and reconstruction error.
    noise_scale : float, default=0.0
        Latent noise ``noise_scale * n / max|n|`` (the reference: 1.5).
    projection, projection_dim : {"umap", "pca", "none"}, int, default="umap", 10
        Projection of each latent space (PCA below 100 samples; the reference: 2-d UMAP).
    umap_n_neighbors : int, default=None
        ``None``: the reference's ``30 * n / 70000``, at least 15, at most n - 1.
    umap_epochs : int or None, default=200
        UMAP's optimisation epochs (None: UMAP's own rule).
    clusterer : {"hdbscan", "gmm"}, default="hdbscan"
        HDBSCAN cut to K clusters (noise does not vote), else a mixture; or the mixture.
    latent_subsample : int or None, default=20000
        Above this many samples a vote projects and clusters a random subsample of this
        size; the others take their 10 nearest subsample codes' majority (None: all).
    n_init : int, default=10
        Restarts of the Gaussian mixture.
    min_agreement, min_cluster_share : float, default=1/1.2, 0.5
        Share of the voting members that must agree (the reference's ``n / 1.2``), and
        floor of each cluster's agreed set as a share of the mean per cluster (0: off).
    concat_member : bool, default=True
        The concatenation of all codes votes too (the reference's ``--conc``).
    augment : {"auto", "none"}, default="auto"
        ``"auto"``: on images the heads classify warped copies of the agreed samples.
    batch_size : int, default=64
    n_jobs : int, default=None
        Members (each on one thread, so labels do not depend on the thread count)
        trained and clustered in parallel by joblib (``None``: 1, or a parallel_config's).
    {shared_parameters}

    Attributes
    ----------
    {shared_attributes}
    ensemble_labels_, agreement_mask_ : ndarray of shape (n_samples,)
        The kept round's ensemble vote (SPC's own output, in ``labels_``'s ids), agreed.
    member_labels_, usable_members_ : every member's labels in the ensemble's ids, voted
    agreement_history_, ensemble_labels_history_, agreement_mask_history_ : per round
    n_rounds_, best_round_, autoencoders_ : rounds run, kept round, the members
    pretrain_epochs_, epochs_per_round_, umap_n_neighbors_ : resolved values

    Notes
    -----
    Differences from the reference (measurements in ``docs/tuning.md``): no ground
    truth (alignment, stopping and the kept round are unsupervised); a per-cluster floor;
    MLP members, MSE, no noise, a 10-d UMAP (a seed per member, 200 epochs); warped heads
    on images; HDBSCAN's least-noise K-cut, else a mixture; 5 members of code size 10;
    linear decoder outputs; a last round on the kept vote; an inductive ``predict``;
    above 20,000 samples, votes on a subsample and fewer epochs per round.
    ``precision="auto"`` keeps the small members in float32.
    On vectors: MLP members, their heads on unaugmented rows (SPC takes no views).

    References
    ----------
    L. Mahon and T. Lukasiewicz, "Selective Pseudo-label Clustering", KI 2021: Advances
    in Artificial Intelligence, LNAI 12873, pp. 158-178 (arXiv:2107.10692).

    Examples
    --------
    >>> from sklearn.datasets import make_blobs
    >>> from skdeepcluster import SelectivePseudoLabelClustering
    >>> X, _ = make_blobs(n_samples=60, centers=3, random_state=0)
    >>> SelectivePseudoLabelClustering(3, n_members=2, pretrain_epochs=2, max_rounds=1,
    ...     projection="pca", device="cpu").fit_predict(X).shape
    (60,)
    """

    _short_name = "SPC"
    _stages = ("member pretraining", "rounds")

    _parameter_constraints: dict = {
        **BaseDeepClusterer._parameter_constraints,
        **dict.fromkeys(("n_members", "latent_dim", "max_rounds", "patience",
                         "projection_dim", "n_init"),
                        [Interval(Integral, 1, None, closed="left")]),
        "autoencoder": [StrOptions({"auto", "mlp", "conv"})],
        "pretrain_epochs": [Interval(Integral, 0, None, closed="left"), StrOptions({"auto"})],
        "epochs_per_round": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "latent_subsample": [None, Interval(Integral, MIN_UMAP_SAMPLES, None, closed="left")],
        "tol": [Interval(Real, 0, 1, closed="both")],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "reconstruction": [StrOptions({"mse", "l1"})],
        **dict.fromkeys(("noise_scale", "min_cluster_share"),
                        [Interval(Real, 0, None, closed="left")]),
        "projection": [StrOptions({"umap", "pca", "none"})],
        "umap_n_neighbors": [None, Interval(Integral, 2, None, closed="left")],
        "umap_epochs": [None, Interval(Integral, 1, None, closed="left")],
        "clusterer": [StrOptions({"gmm", "hdbscan"})],
        "min_agreement": [Interval(Real, 0, 1, closed="right")],
        "concat_member": ["boolean"],
        "augment": [StrOptions({"auto", "none"})],
        "n_jobs": [None, Interval(Integral, 1, None, closed="left"),
                   Interval(Integral, None, -1, closed="right")],
    }
    _parameter_constraints.pop("backbone")

    def __init__(self, n_clusters=10, *, n_clusters_range=(2, 30),
                 image_shape=None, n_members=5, latent_dim=10,
                 autoencoder="mlp", pretrain_epochs="auto", epochs_per_round="auto",
                 max_rounds=5, patience=2, tol=0.01, lr=1e-3, reconstruction="mse",
                 noise_scale=0.0, projection="umap", projection_dim=10,
                 umap_n_neighbors=None, umap_epochs=200, clusterer="hdbscan",
                 latent_subsample=20000, n_init=10,
                 min_agreement=1 / 1.2, min_cluster_share=0.5, concat_member=True,
                 augment="auto", batch_size=64, n_jobs=None, vector_clip=None,
                 precision="auto", device="auto", random_state=None, verbose=0):
        self._set_params_from(locals())

    def _resolve_precision(self, device, spec):
        # the members are small: "auto" keeps them in float32
        return "float32" if self.precision == "auto" else self.precision

    def _fit_stages(self, ctx):
        members = [
            build_autoencoder(ctx.spec, self.latent_dim, self.n_clusters, self.autoencoder,
                              precision=ctx.precision)
            for _ in range(self.n_members)
        ]
        labelling = LatentClustering(
            self.n_clusters, self.projection, self.projection_dim, self.umap_n_neighbors,
            self.umap_epochs, self.clusterer, self.n_init,
            self.latent_subsample).for_data(ctx)
        training = MemberTraining(self.batch_size, self.lr, self.noise_scale,
                                  self.reconstruction, self.n_jobs)
        unlabeled = np.full(ctx.n_samples, -1, dtype=np.int64)
        pretrain_epochs = ctx.epochs("pretrain_epochs", self.pretrain_epochs, "spc.pretrain")
        members = training.run(ctx, members, unlabeled, pretrain_epochs,
                               stage="member pretraining")
        epochs_per_round = ctx.epochs("epochs_per_round", self.epochs_per_round, "spc.round")
        rounds = EnsembleRounds(
            epochs_per_round, self.max_rounds, self.patience, self.tol,
            self.min_agreement, self.min_cluster_share, self.concat_member, self.augment)
        return rounds.run(ctx, members, training, labelling, self.n_clusters)
