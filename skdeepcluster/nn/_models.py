"""The networks the estimators hand to ``predict``, and their training-time wrappers."""

import torch
import torch.nn.functional as F

from skdeepcluster.nn._heads import MLP, l2_normalize


class ClusteringModel(torch.nn.Module):
    """What ``predict`` runs: a backbone, an optional projector and a cluster head.

    ``forward`` returns cluster logits; ``embed`` returns the backbone representation.
    """

    def __init__(self, backbone, head, projector=None):
        super().__init__()
        self.backbone = backbone
        self.head = head
        self.projector = projector

    def embed(self, x):
        return self.backbone(x)

    def forward(self, x):
        h = self.backbone(x)
        if self.projector is not None:
            h = self.projector(h)
        return self.head(h)


class ContrastiveModel(torch.nn.Module):
    """A backbone and the projection head that contrastive pretraining trains with it;
    ``forward`` gives the projections."""

    def __init__(self, backbone, projector):
        super().__init__()
        self.backbone = backbone
        self.projector = projector

    def forward(self, x):
        return self.projector(self.backbone(x))


class FrozenBackboneHeads(torch.nn.Module):
    """A frozen backbone with several heads being trained on it (SPICE's stage 2)."""

    def __init__(self, backbone, heads):
        super().__init__()
        self.backbone = backbone
        self.heads = heads
        for p in self.backbone.parameters():
            p.requires_grad_(False)

    def forward(self, x):
        return self.heads(self.backbone(x))


class RescaledInput(torch.nn.Module):
    """A backbone fed through the affine map from one input scaling to another.

    A base estimator standardised its vectors with its own (mean, std); the caller's
    scaled input ``(x - m_c) / s_c`` becomes ``(x - m_b) / s_b``, clipped as the base
    clipped its own (exact when both clip alike). Images (no scaling) pass unchanged.
    """

    def __init__(self, backbone, scaling, base_scaling):
        super().__init__()
        self.backbone = backbone
        self.out_features = backbone.out_features
        scale, shift, self.clip = torch.ones(()), torch.zeros(()), None
        if scaling is not None and base_scaling is not None:
            scale = torch.from_numpy(scaling.std / base_scaling.std)
            shift = torch.from_numpy((scaling.mean - base_scaling.mean) / base_scaling.std)
            self.clip = base_scaling.clip
        self.register_buffer("scale", scale.float())
        self.register_buffer("shift", shift.float())

    def forward(self, x):
        x = x * self.scale + self.shift
        if self.clip is not None:
            x = x.clamp(-self.clip, self.clip)
        return self.backbone(x)


class AutoencoderEnsemble(torch.nn.Module):
    """What SPC's ``predict`` runs: the members' head probabilities, averaged.

    ``forward`` returns the log of the mean softmax (log-probabilities as logits);
    ``embed`` the concatenated latent codes.
    """

    def __init__(self, members):
        super().__init__()
        self.members = torch.nn.ModuleList(members)

    def embed(self, x):
        return torch.cat([m.encode(x) for m in self.members], dim=1)

    def forward(self, x):
        proba = torch.stack([torch.softmax(m.classify(m.encode(x)), 1) for m in self.members])
        return torch.log(proba.mean(0).clamp_min(1e-12))


class MTDCModel(torch.nn.Module):
    """A backbone with CC's two projectors.

    ``instance_projector``: ``d -> 4d -> feature_dim`` with BatchNorm and ReLU, output
    L2-normalised (CC's is ``d -> d -> feature_dim`` without BatchNorm; see
    ``docs/tuning.md``);
    ``cluster_projector``: ``d -> d -> K`` (ReLU), whose softmax gives the cluster
    probabilities. ``forward`` returns the cluster logits (what ``predict`` uses),
    ``embed`` the backbone representation, ``project`` both training outputs.

    Parameters
    ----------
    backbone : nn.Module with an ``out_features`` attribute
    n_clusters : int
    feature_dim : int, default=128
    """

    def __init__(self, backbone, n_clusters, feature_dim=128):
        super().__init__()
        d = backbone.out_features
        self.backbone = backbone
        self.instance_projector = MLP(d, feature_dim, hidden=(4 * d,), batchnorm=True)
        self.cluster_projector = MLP(d, n_clusters, hidden=(d,))
        self.n_clusters = n_clusters

    def embed(self, x):
        return self.backbone(x)

    def forward(self, x):
        return self.cluster_projector(self.backbone(x))

    def project(self, x):
        """``(z, proba)``: normalised instance features and cluster probabilities."""
        h = self.backbone(x)
        z = l2_normalize(self.instance_projector(h))
        return z, F.softmax(self.cluster_projector(h), dim=1)
