"""Data-parallel training through skorch's accelerate integration.

Under ``accelerate launch`` (or ``torchrun``) every process runs the whole fit on the
whole data; inside each training stage the batches are split among the processes and
the gradients averaged, so the networks stay identical on every process. The package's
training steps call submodules (``backbone``, ``project``, ``heads``), which a
``DistributedDataParallel`` wrapper around the module would not see: the wrapper goes
around :class:`_StepModule`, whose forward is the net's whole ``step_loss``.
"""

import torch
from skorch import NeuralNet
from skorch.callbacks import Callback

STEP_MODULE = "step_module_"
#: What the data-parallel net holds beyond the plain one (dropped after training).
_ACCELERATE_STATE = ("accelerator", "unwrap_after_train", "_wrapped_with_accelerator",
                     STEP_MODULE)


def make_accelerator(device):
    """An ``accelerate.Accelerator`` for the current launch: one process per device
    (each CUDA process its own GPU; ``device`` of type "cpu": CPU processes, gloo between
    them). Parameters that a step leaves without a gradient are allowed."""
    try:
        from accelerate import Accelerator
        from accelerate.utils import DistributedDataParallelKwargs
    except ImportError as exc:
        raise ImportError("data_parallel=True needs the accelerate package: pip install "
                          "'skdeepcluster[distributed]'.") from exc
    return Accelerator(cpu=torch.device(device).type == "cpu", kwargs_handlers=[
        DistributedDataParallelKwargs(find_unused_parameters=True)])


class _StepModule(torch.nn.Module):
    """The net's module as a child, and its training step as ``forward``."""

    def __init__(self, net):
        super().__init__()
        self.module = net.module_
        object.__setattr__(self, "net", net)  # not a submodule

    def forward(self, batch, fit_params):
        return self.net.step_loss(batch, **fit_params)


def data_parallel(net_class):
    """``net_class`` (a :class:`~skdeepcluster.training.StepNet`) trained data-parallel
    with skorch's ``AccelerateMixin``; the net takes an ``accelerator`` and a ``device``
    (the accelerator's)."""
    from skorch.hf import AccelerateMixin

    class DataParallelNet(AccelerateMixin, net_class):
        def _validate_params(self):
            # the device is the accelerator's own: nothing is placed twice
            NeuralNet._validate_params(self)

        def _initialize_accelerator(self):
            if self._wrapped_with_accelerator:
                return self
            # outside skorch's registry of modules: it wraps module_, already registered
            self.__dict__[STEP_MODULE] = self.accelerator.prepare(_StepModule(self))
            for name in self._optimizers:
                setattr(self, f"{name}_", self.accelerator.prepare(getattr(self, f"{name}_")))
            self._wrapped_with_accelerator = True
            return self

        def _unwrap_accelerator(self):
            if self._wrapped_with_accelerator:
                self.__dict__.pop(STEP_MODULE, None)  # module_ itself was never wrapped
                self._wrapped_with_accelerator = False

        def train_step_single(self, batch, **fit_params):
            loss, y_pred = self.__dict__[STEP_MODULE](batch, fit_params)
            self.accelerator.backward(loss)
            return {"loss": loss, "y_pred": y_pred}

    DataParallelNet.__name__ = DataParallelNet.__qualname__ = f"DataParallel{net_class.__name__}"
    DataParallelNet.plain_class = net_class
    return DataParallelNet


class ReleaseAccelerator(Callback):
    """Once training ends (after the net has unwrapped its module and waited for every
    process), the net becomes its plain class again and holds no accelerator, so that
    the fitted estimator pickles and predicts like any other."""

    def on_train_end(self, net, **kwargs):
        plain = getattr(type(net), "plain_class", None)
        if plain is not None:
            for name in net._optimizers:  # accelerate's wrapper holds the optimizer
                wrapped = getattr(net, f"{name}_")
                optimizer = getattr(wrapped, "optimizer", wrapped)
                setattr(net, f"{name}_", optimizer)
                for _, callback in net.callbacks_:  # learning-rate schedules point to it
                    scheduler = getattr(callback, "lr_scheduler_", None)
                    if getattr(scheduler, "optimizer", None) is wrapped:
                        scheduler.optimizer = optimizer
            for name in _ACCELERATE_STATE:
                net.__dict__.pop(name, None)
            net.__class__ = plain
