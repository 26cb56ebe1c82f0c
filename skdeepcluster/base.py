"""BaseDeepClusterer: the template every estimator of the package follows.

``fit`` validates the input, resolves the device and the seed, runs the method's
``_fit_stages`` hook and only then stores the fitted state, so an interrupted or failed
fit leaves the estimator as it was. Prediction, probabilities and the learned embedding
all come from the one fitted torch module ``module_`` (a :class:`ClusteringModel`).
"""

import io
import warnings
from abc import abstractmethod
from numbers import Integral

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClusterMixin, TransformerMixin
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted

from skdeepcluster._input import resolve_device, validate_input
from skdeepcluster.nn._inference import forward_in_batches

#: Columns whose standard deviation is below this are treated as constant when scaling.
_MIN_FEATURE_STD = 1e-6
#: Key of the pickled state of an estimator fitted on a GPU (see ``__getstate__``).
_TORCH_STATE = "_torch_saved_state"


class BaseDeepClusterer(ClusterMixin, TransformerMixin, BaseEstimator):
    """Shared parameters and the fit/predict template of all deep clusterers.

    Subclasses declare their own ``__init__`` (sklearn needs explicit parameters),
    extend ``_parameter_constraints`` and implement ``_fit_stages``.
    """

    _parameter_constraints: dict = {
        "n_clusters": [Interval(Integral, 1, None, closed="left")],
        "image_shape": [None, tuple, list],
        "backbone": [None, torch.nn.Module],
        "device": [str, torch.device],
        "random_state": ["random_state"],
        "batch_size": [Interval(Integral, 2, None, closed="left")],
        "verbose": ["verbose"],
    }

    # ------------------------------------------------------------------ fit template
    def fit(self, X, y=None):
        """Train the method on ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), (n_samples, H, W) or \
                (n_samples, C, H, W)
            Vectors (tabular data, embeddings) or images. 2-D input is read as images
            when ``image_shape`` is set.
        y : None
            Ignored; present for API consistency. No label reaches the training.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        self._validate_params()
        before = dict(self.__dict__)
        try:
            self._fit_transactional(X)
        except BaseException:
            # KeyboardInterrupt included: no half-written fitted state survives.
            self.__dict__.clear()
            self.__dict__.update(before)
            raise
        return self

    def _fit_transactional(self, X):
        X, spec = validate_input(self, X, reset=True, image_shape=self.image_shape)
        if X.shape[0] < self.n_clusters:
            raise ValueError(
                f"n_samples={X.shape[0]} should be >= n_clusters={self.n_clusters}."
            )
        device = resolve_device(self.device)
        scaling = _fit_scaling(X, spec.kind)
        X = _apply_scaling(X, scaling)
        # Readable during the stages (ClusMatch maps its inputs onto a base network's);
        # fit() restores the previous state if the stages fail.
        self._scaling = scaling
        seed = int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))
        forked = [device.index or 0] if device.type == "cuda" else []
        with torch.random.fork_rng(devices=forked):
            torch.manual_seed(seed)
            fitted = self._fit_stages(X, spec, device, np.random.RandomState(seed))
        module = fitted["module_"].eval()
        fitted["labels_"] = np.argmax(_batched_forward(module, X, device, self.batch_size), 1)
        fitted["device_"] = device
        fitted["_input_spec"] = spec
        fitted["_scaling"] = scaling
        self.__dict__.update(fitted)

    @abstractmethod
    def _fit_stages(self, X, spec, device, rng):
        """Run the method. ``X`` is scaled float32 of shape (n, *spec.shape).

        Returns a dict of fitted attributes; it must hold ``module_``, a
        :class:`ClusteringModel` whose forward gives cluster logits.
        """

    # ------------------------------------------------------------------ inference
    def _validated(self, X):
        check_is_fitted(self, "module_")
        X, _ = validate_input(self, X, reset=False)
        return _apply_scaling(X, self._scaling)

    def predict_proba(self, X):
        """Cluster membership probabilities of the trained network.

        Parameters
        ----------
        X : array-like, same layout as in ``fit``

        Returns
        -------
        proba : ndarray of shape (n_samples, n_clusters)
        """
        X = self._validated(X)
        return _softmax(_batched_forward(self.module_, X, self.device_, self.batch_size))

    def predict(self, X):
        """Cluster of each sample, from the trained network (inductive).

        Parameters
        ----------
        X : array-like, same layout as in ``fit``

        Returns
        -------
        labels : ndarray of shape (n_samples,)
        """
        X = self._validated(X)
        return np.argmax(_batched_forward(self.module_, X, self.device_, self.batch_size), 1)

    def fit_predict(self, X, y=None):
        """Fit and return ``labels_``, which equals ``predict(X)`` on the training data.

        Parameters
        ----------
        X : array-like, same layout as in ``fit``
        y : None
            Ignored.

        Returns
        -------
        labels : ndarray of shape (n_samples,)
        """
        return self.fit(X).labels_

    def transform(self, X):
        """The learned embedding of each sample.

        Parameters
        ----------
        X : array-like, same layout as in ``fit``

        Returns
        -------
        embedding : ndarray of shape (n_samples, n_embedding)
        """
        X = self._validated(X)
        return _batched_forward(self.module_, X, self.device_, self.batch_size, method="embed")

    # ------------------------------------------------------------------ pickling
    def __getstate__(self):
        state = super().__getstate__()
        device = state.get("device_")
        if isinstance(device, torch.device) and device.type == "cuda":
            # Plain pickle writes CUDA storages that only a CUDA machine can read back;
            # through torch.save, __setstate__ can map them to the CPU instead.
            buffer = io.BytesIO()
            torch.save(state, buffer)
            return {_TORCH_STATE: buffer.getvalue(), "device_": str(device)}
        return state

    def __setstate__(self, state):
        if _TORCH_STATE in state:
            device = torch.device(state["device_"])
            usable = torch.cuda.is_available() and (device.index or 0) < torch.cuda.device_count()
            location = None if usable else "cpu"
            state = torch.load(io.BytesIO(state[_TORCH_STATE]), map_location=location,
                               weights_only=False)
            if not usable:
                warnings.warn(
                    f"This {type(self).__name__} was fitted on {device}, which is not "
                    "available here; it was loaded on the CPU and predicts there.",
                    UserWarning,
                    stacklevel=2,
                )
                state["device_"] = torch.device("cpu")
        super().__setstate__(state)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.transformer_tags.preserves_dtype = ["float64"]
        return tags


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


# ---------------------------------------------------------------------- helpers
def _fit_scaling(X, kind):
    """Per-feature standardisation for vectors; images keep their pixel range."""
    if kind != "vector":
        return None
    mean = X.mean(axis=0)
    std = X.std(axis=0)
    if np.any(std < _MIN_FEATURE_STD):
        warnings.warn(
            f"{int(np.sum(std < _MIN_FEATURE_STD))} feature(s) of X are constant; "
            "they carry no information for clustering.",
            UserWarning,
            stacklevel=4,
        )
    return mean.astype(np.float32), np.maximum(std, _MIN_FEATURE_STD).astype(np.float32)


def _apply_scaling(X, scaling):
    if scaling is None:
        return X
    mean, std = scaling
    return (X - mean) / std


@torch.no_grad()
def _batched_forward(module, X, device, batch_size, method="forward"):
    """Run ``module`` (or one of its methods) over ``X`` in batches; returns float64 numpy."""
    was_training = module.training
    module.eval()
    fn = getattr(module, method)
    out = forward_in_batches(lambda x: fn(x).double().cpu(), X, max(int(batch_size), 512),
                             device=device)
    module.train(was_training)
    return out.numpy()


def _softmax(logits):
    z = logits - logits.max(axis=1, keepdims=True)
    np.exp(z, out=z)
    return z / z.sum(axis=1, keepdims=True)
