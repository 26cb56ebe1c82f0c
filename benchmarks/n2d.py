"""AE + UMAP + GMM ("not too deep" clustering, N2D-style) in plain torch, as a peer.

A fully connected autoencoder d-500-500-2000-10 (ReLU, linear bottleneck) is trained
on the reconstruction (MSE) loss; its codes are embedded with UMAP (10 dims,
min_dist=0) and clustered with a full-covariance GaussianMixture, following the
recipe of McConville et al., "N2D: (Not Too) Deep Clustering via Clustering the
Local Manifold of an Autoencoded Embedding" (2020), with far fewer epochs (their
MNIST runs pretrain for 1000).
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClusterMixin
from sklearn.mixture import GaussianMixture


class AEUMAPGMM(ClusterMixin, BaseEstimator):
    def __init__(self, n_clusters=10, hidden=(500, 500, 2000), latent_dim=10, epochs=50,
                 batch_size=256, lr=1e-3, umap_dim=10, n_neighbors=15, min_dist=0.0,
                 covariance_type="full", random_state=None, device="cpu"):
        self.n_clusters = n_clusters
        self.hidden = hidden
        self.latent_dim = latent_dim
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.umap_dim = umap_dim
        self.n_neighbors = n_neighbors
        self.min_dist = min_dist
        self.covariance_type = covariance_type
        self.random_state = random_state
        self.device = device

    def _mlp(self, sizes, last_linear=True):
        import torch.nn as nn

        layers = []
        for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
            layers.append(nn.Linear(a, b))
            if i < len(sizes) - 2 or not last_linear:
                layers.append(nn.ReLU())
        return nn.Sequential(*layers)

    def fit(self, X, y=None):
        import torch
        import umap

        X = np.asarray(X, dtype=np.float32).reshape(len(X), -1)
        seed = 0 if self.random_state is None else int(self.random_state)
        torch.manual_seed(seed)
        rng = np.random.default_rng(seed)
        device = torch.device(self.device)
        sizes = [X.shape[1], *self.hidden, self.latent_dim]
        self.encoder_ = self._mlp(sizes).to(device)
        self.decoder_ = self._mlp(sizes[::-1]).to(device)
        params = list(self.encoder_.parameters()) + list(self.decoder_.parameters())
        opt = torch.optim.Adam(params, lr=self.lr)
        data = torch.from_numpy(X).to(device)
        self.loss_curve_ = []
        for _ in range(self.epochs):
            perm = torch.from_numpy(rng.permutation(len(X))).to(device)
            total = 0.0
            for start in range(0, len(X), self.batch_size):
                xb = data[perm[start:start + self.batch_size]]
                loss = torch.nn.functional.mse_loss(self.decoder_(self.encoder_(xb)), xb)
                opt.zero_grad()
                loss.backward()
                opt.step()
                total += loss.item() * len(xb)
            self.loss_curve_.append(total / len(X))
        with torch.no_grad():
            codes = torch.cat([self.encoder_(data[s:s + 4096])
                               for s in range(0, len(X), 4096)]).cpu().numpy()
        self.umap_ = umap.UMAP(n_components=self.umap_dim, n_neighbors=self.n_neighbors,
                               min_dist=self.min_dist, metric="euclidean", random_state=seed)
        self.embedding_ = self.umap_.fit_transform(codes)
        self.gmm_ = GaussianMixture(n_components=self.n_clusters,
                                    covariance_type=self.covariance_type, random_state=seed)
        self.labels_ = self.gmm_.fit_predict(self.embedding_)
        return self


class UMAPGMM(ClusterMixin, BaseEstimator):
    """The simple pipeline a user tries first on vectors: UMAP to ``umap_dim`` dimensions
    (``min_dist=0``) and a full-covariance GaussianMixture on the embedding."""

    def __init__(self, n_clusters=10, umap_dim=10, n_neighbors=15, min_dist=0.0,
                 covariance_type="full", random_state=None):
        self.n_clusters = n_clusters
        self.umap_dim = umap_dim
        self.n_neighbors = n_neighbors
        self.min_dist = min_dist
        self.covariance_type = covariance_type
        self.random_state = random_state

    def fit(self, X, y=None):
        import umap

        seed = 0 if self.random_state is None else int(self.random_state)
        self.embedding_ = umap.UMAP(n_components=self.umap_dim, n_neighbors=self.n_neighbors,
                                    min_dist=self.min_dist, random_state=seed).fit_transform(
            np.asarray(X, dtype=np.float32))
        self.gmm_ = GaussianMixture(n_components=self.n_clusters,
                                    covariance_type=self.covariance_type, random_state=seed)
        self.labels_ = self.gmm_.fit_predict(self.embedding_)
        return self
