"""ClusMatch's adaptive class-pair thresholds for positive and negative pseudo-labels."""

import torch


class ClassPairThresholds:
    """Adaptive positive and negative pseudo-label thresholds (ClusMatch).

    State, for ``K`` classes (all EMA with momentum ``m``):

    * ``local_`` T (K, K): for each predicted class c, the EMA of the mean "non-max mass"
      vector of the samples predicted as c (their probability vector with the argmax
      entry set to 0). Starts at 1/K off the diagonal, 0 on it.
    * ``global_`` g (K,): the EMA of the mean ``1 - max p`` of the samples predicted as
      c. Starts at (K - 1) / K.
    * ``p_model_`` (K,): EMA of the batch-mean probability vector; starts uniform.
    * ``label_hist_`` (K,): EMA of the normalised histogram of the argmax; starts uniform.

    Each :meth:`update` uses every class's update row, also for classes absent from the
    batch: their count is clamped to 1e-8, so their row is 0 and T and g decay toward 0
    there (the positive threshold of an unseen class drifts toward 1), as in the
    reference code.

    Thresholds: ``tau_neg[c, j] = T[c, j] / sum_j' T[c, j'] * g[c]`` and
    ``tau_pos[c] = 1 - sum_j tau_neg[c, j]``. Sample i (argmax c) is a positive if
    ``max p_i >= tau_pos[c]``; class j is one of its negatives if
    ``p_ij < tau_neg[c, j]`` and j is neither c nor the sample's k-means label.

    Parameters
    ----------
    n_classes : int
    momentum : float, default=0.999
    device : torch.device or str, default="cpu"

    References
    ----------
    J. Wu et al., "ClusMatch: Improving Deep Clustering by Unified Positive and
    Negative Pseudo-label Learning", IEEE TPAMI, 2025.
    """

    def __init__(self, n_classes, momentum=0.999, device="cpu"):
        k = int(n_classes)
        if k < 1:
            raise ValueError(f"n_classes must be >= 1, got {n_classes}.")
        self.n_classes = k
        self.momentum = float(momentum)
        self.local_ = torch.full((k, k), 1.0 / k, dtype=torch.float64, device=device)
        self.local_.fill_diagonal_(0.0)
        self.global_ = torch.full((k,), (k - 1) / k, dtype=torch.float64, device=device)
        self.p_model_ = torch.full((k,), 1.0 / k, dtype=torch.float64, device=device)
        self.label_hist_ = torch.full((k,), 1.0 / k, dtype=torch.float64, device=device)

    def to(self, device):
        for name in ("local_", "global_", "p_model_", "label_hist_"):
            setattr(self, name, getattr(self, name).to(device))
        return self

    @torch.no_grad()
    def update(self, probs):
        """One EMA step from a batch of probability vectors ``probs`` (B, K)."""
        probs = probs.detach().to(self.local_)
        k, m = self.n_classes, self.momentum
        pred = probs.argmax(dim=1)
        onehot = torch.nn.functional.one_hot(pred, k).to(probs)  # (B, K)
        nonmax = probs * (1.0 - onehot)  # argmax entry set to 0
        counts = onehot.sum(dim=0).clamp_min(1e-8)  # absent class -> zero update row
        rows = onehot.T @ nonmax / counts[:, None]  # (K, K)
        self.local_.mul_(m).add_(rows, alpha=1 - m)
        self.global_.mul_(m).add_(rows.sum(dim=1), alpha=1 - m)
        self.p_model_.mul_(m).add_(probs.mean(dim=0), alpha=1 - m)
        hist = onehot.sum(dim=0) / probs.shape[0]
        self.label_hist_.mul_(m).add_(hist, alpha=1 - m)
        return self

    @property
    def negative_thresholds(self):
        """Tensor (K, K): ``tau_neg[c, j]``; row c applies to samples predicted as c."""
        total = self.local_.sum(dim=1, keepdim=True)
        local = torch.where(total > 0, self.local_ / total.clamp_min(1e-300),
                            torch.zeros_like(self.local_))
        return local * self.global_[:, None]

    @property
    def positive_thresholds(self):
        """Tensor (K,): ``tau_pos[c] = 1 - sum_j tau_neg[c, j]``."""
        return 1.0 - self.negative_thresholds.sum(dim=1)

    @torch.no_grad()
    def masks(self, probs, kmeans_labels=None):
        """Positive mask (B,) and negative-class mask (B, K) for a batch, under the
        current thresholds.

        ``kmeans_labels`` (B,) are removed from each sample's negatives, as is its argmax.
        """
        probs = probs.detach().to(self.local_)
        conf, pred = probs.max(dim=1)
        positive = conf >= self.positive_thresholds[pred]
        negative = probs < self.negative_thresholds[pred]
        rows = torch.arange(probs.shape[0], device=probs.device)
        negative[rows, pred] = False
        if kmeans_labels is not None:
            negative[rows, kmeans_labels.to(probs.device)] = False
        return positive, negative

    def step(self, probs, kmeans_labels=None):
        """:meth:`update` with the batch, then :meth:`masks` under the new thresholds
        (the reference updates the statistics before masking)."""
        self.update(probs)
        return self.masks(probs, kmeans_labels)
