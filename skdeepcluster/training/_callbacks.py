"""Callbacks shared by the training regimes."""

import math

from skorch.callbacks import Callback, LRScheduler
from torch.optim.lr_scheduler import LambdaLR

from skdeepcluster.nn import ExponentialMovingAverage


class EMAUpdate(Callback):
    """Keeps ``ema_``, an exponential moving average of the net's module, updated after
    every training batch.

    Parameters
    ----------
    decay : float, default=0.999
    warmup : bool, default=True
        Use ``min(decay, (1 + t) / (10 + t))`` at step t. The reference runs last 2^16 to
        2^20 steps; in the few hundred steps of a small data set a fixed 0.999 leaves the
        average mostly the starting network, paired with BatchNorm statistics copied from
        the trained one. The warm-up forgets the start quickly, then settles at ``decay``.
    """

    def __init__(self, decay=0.999, warmup=True):
        self.decay = decay
        self.warmup = warmup

    def on_train_begin(self, net, **kwargs):
        self.ema_ = ExponentialMovingAverage(net.module_, self.decay)
        self.step_ = 0

    def on_batch_end(self, net, training=True, **kwargs):
        if training:
            if self.warmup:
                self.ema_.decay = min(self.decay, (1 + self.step_) / (10 + self.step_))
            self.step_ += 1
            self.ema_.update(net.module_)


class _CosineFactor:
    """Picklable ``t -> cos(cycles * pi * t / T)`` (fitted nets are pickled with it)."""

    def __init__(self, total_steps, cycles):
        self.total = max(int(total_steps), 1)
        self.cycles = cycles

    def __call__(self, step):
        return math.cos(self.cycles * math.pi * min(step, self.total) / self.total)


def cosine_decay_scheduler(total_steps, cycles=7 / 16):
    """FixMatch's schedule ``lr * cos(cycles * pi * t / T)``, stepped every batch."""
    factor = _CosineFactor(total_steps, cycles)
    return LRScheduler(policy=LambdaLR, lr_lambda=factor, step_every="batch")
