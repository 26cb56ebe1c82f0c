"""Progress of a fit: one named bar per training stage, shown when ``verbose`` is set."""

from skorch.callbacks import Callback
from tqdm.auto import tqdm


def progress_bar(label, total, verbose):
    """A tqdm bar named ``label`` over ``total`` steps; silent unless ``verbose``."""
    return tqdm(total=total, desc=label, disable=not verbose, leave=True,
                dynamic_ncols=True)


class StageProgress(Callback):
    """A net's epochs as one bar named ``label``, with the last epoch's mean loss."""

    def __init__(self, label):
        self.label = label

    def on_train_begin(self, net, **kwargs):
        self.bar_ = progress_bar(self.label, net.max_epochs, verbose=True)

    def on_epoch_end(self, net, **kwargs):
        self.bar_.set_postfix(loss=f"{net.history[-1, 'train_loss']:.4g}", refresh=False)
        self.bar_.update(1)

    def on_train_end(self, net, **kwargs):
        self.bar_.close()
        del self.bar_  # a fitted net is pickled without it
