"""An exponential-moving-average copy of a model, as FixMatch-style methods evaluate with."""

import copy

import torch


class ExponentialMovingAverage:
    """Keeps ``shadow``, a copy of ``model`` whose parameters are an EMA of the model's.

    Buffers (BatchNorm statistics) are copied from the live model, not averaged, as in
    the SPICE and ClusMatch reference trainers.

    Parameters
    ----------
    model : torch.nn.Module
    decay : float, default=0.999
    """

    def __init__(self, model, decay=0.999):
        self.decay = decay
        self.shadow = copy.deepcopy(model).eval()
        for p in self.shadow.parameters():
            p.requires_grad_(False)

    @torch.no_grad()
    def update(self, model):
        for s, p in zip(self.shadow.parameters(), model.parameters(), strict=True):
            s.mul_(self.decay).add_(p.detach(), alpha=1.0 - self.decay)
        for s, b in zip(self.shadow.buffers(), model.buffers(), strict=True):
            s.copy_(b)
