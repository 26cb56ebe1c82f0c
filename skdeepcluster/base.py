"""BaseDeepClusterer: the template every estimator of the package follows.

``fit`` validates the input, resolves the device, the precision and the seed, hands the
method's ``_fit_stages`` hook a :class:`FitContext` and only then stores the fitted
state, so an interrupted or failed fit leaves the estimator as it was. Prediction,
probabilities and the learned embedding all come from the one fitted torch module
``module_``.
"""

import copy
import functools
import io
import warnings
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    ClusterMixin,
    TransformerMixin,
    _fit_context,
    clone,
)
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from skdeepcluster._input import (
    InputSpec,
    apply_scaling,
    fit_scaling,
    resolve_device,
    validate_input,
)
from skdeepcluster._n_clusters import CrossSilhouettes, coarse_to_fine_search
from skdeepcluster._params import store_init_params
from skdeepcluster._warnings import warn_user
from skdeepcluster.augment import VECTOR_VIEWS, make_views
from skdeepcluster.metrics._unsupervised import score_rows
from skdeepcluster.nn import PRECISIONS, RescaledInput, forward_in_batches, resolve_precision
from skdeepcluster.training import make_accelerator, preserved_thread_settings, resolve_epochs

#: Passes over whole data sets (predict, the final label pass) use at least this batch.
MIN_INFERENCE_BATCH = 512
#: predict/transform validate, scale and run the input this many rows at a time.
INFERENCE_BLOCK = 4096
#: Key of the pickled state of an estimator fitted on a GPU (see ``__getstate__``).
_TORCH_STATE = "_torch_saved_state"

#: The parameters every estimator shares, documented once; ``{shared_parameters}`` in a
#: subclass docstring is replaced by this text.
SHARED_PARAMETERS = """\
image_shape, vector_clip : tuple of int, float, default=None, None
    ``(H, W)`` or ``(C, H, W)``: read 2-D input as flattened images. Vectors are
    standardised inside, then clipped to ``[-vector_clip, vector_clip]`` (None: not).
precision : {"auto", "float32", "bfloat16"}, default="auto"
    ``"bfloat16"`` runs the networks' layers under bfloat16 autocast (outputs, heads and
    losses stay float32); ``"auto"``: bfloat16 for the image CNN on a CPU with native
    bfloat16, else float32. Stored as ``precision_``; ``predict`` computes the same way.
device : str or torch.device, default="auto"
    ``"auto"`` (CUDA when available), ``"cpu"``, ``"cuda"`` or ``"cuda:N"``.
random_state, verbose : int, RandomState instance or None, int, default=None, 0"""

#: The number of clusters, shared by every estimator (``{n_clusters_parameters}``).
N_CLUSTERS_PARAMETERS = """\
n_clusters, n_clusters_range : int or "auto", tuple of int, default=10, (2, 30)
    ``"auto"``: the best-scoring number in the range, no labels needed (user guide)."""

#: The view parameters of the estimators that train on views (``{view_parameters}``).
VIEW_PARAMETERS = """\
vector_views : {"corruption", "neighbors"}, default="corruption"
    Views of vectors: noise and masking of the row, or also a step toward one of its
    ``view_neighbors`` nearest rows under ``neighbor_metric`` (``docs/tuning.md``).
view_neighbors, neighbor_metric : int, {"cosine", "euclidean"}, default=10, "cosine"
"""

#: The data-parallel switch of the estimators whose training stages support it
#: (``{data_parallel_parameter}``).
DATA_PARALLEL_PARAMETER = """\
data_parallel : bool, default=False
    Train data-parallel over the processes of an ``accelerate launch`` or ``torchrun``
    run, through skorch's accelerate integration (``docs/user_guide/scaling.rst``)."""

#: The parameter constraints of those view parameters.
VIEW_CONSTRAINTS = {
    "vector_views": [StrOptions(set(VECTOR_VIEWS))],
    "view_neighbors": [Interval(Integral, 1, None, closed="left")],
    "neighbor_metric": [StrOptions({"cosine", "euclidean"})],
}

#: The fitted attributes every estimator shares (``{shared_attributes}``).
SHARED_ATTRIBUTES = """\
labels_ : ndarray of shape (n_samples,)
n_clusters_, n_clusters_scores_ : int, dict
    The number fitted; with ``"auto"``, the score of each number tried, ``{k: score}``.
module_ : torch.nn.Module
    The network that ``predict``, ``predict_proba`` and ``transform`` run.
precision_ : str
n_features_in_ : int
feature_names_in_ : ndarray of str
device_ : torch.device"""


def _indent_into(doc, marker, text):
    """Replace the line holding ``marker`` with ``text`` at that line's indentation."""
    for line in doc.splitlines():
        if line.strip() == marker:
            pad = line[: len(line) - len(line.lstrip())]
            return doc.replace(line, "\n".join(pad + t if t else t for t in text.splitlines()))
    return doc


@dataclass
class FitContext:
    """What the stages of one ``fit`` share: the data in both forms, its layout, the
    device, the precision and the seeded RNG; ``resolved`` collects the ``"auto"``
    values the stages settle (stored as ``<name>_`` attributes)."""

    X: np.ndarray  # scaled float32, shape (n, *spec.shape)
    X_raw: object  # as the user passed it (external bases see this)
    spec: InputSpec
    scaling: tuple | None
    device: torch.device
    rng: np.random.RandomState
    precision: str
    verbose: int
    name: str = "estimator"  # the estimator's short name, for messages and progress
    stages: tuple = ()  # the estimator's stage names, in order
    view_options: dict = field(default_factory=dict)  # make_views' vector options
    accelerator: object = None  # data-parallel training (an accelerate.Accelerator)
    resolved: dict = field(default_factory=dict)

    @property
    def n_samples(self):
        return self.X.shape[0]

    @property
    def sample_index(self):
        """``0 .. n - 1``: what the training nets take as targets, so that each batch
        knows its rows' indices (neighbour views, per-sample labels)."""
        return np.arange(self.n_samples, dtype=np.int64)

    @functools.cached_property
    def data(self):
        """The scaled training data as a tensor on the device."""
        return torch.from_numpy(self.X).to(self.device)

    @functools.cached_property
    def views(self):
        """The weak/strong views for this input (``view_options`` choose the vector
        views)."""
        return make_views(self.spec, self.data, **self.view_options)

    def stage_label(self, stage):
        """``"SPICE 1/3 contrastive pretraining"``: ``stage`` numbered among ``stages``."""
        if stage in self.stages:
            return f"{self.name} {self.stages.index(stage) + 1}/{len(self.stages)} {stage}"
        return f"{self.name} {stage}"

    def resolve(self, name, value):
        self.resolved[name] = value
        return value

    def epochs(self, name, value, budget):
        """``value`` of the parameter ``name`` with "auto" resolved by ``budget``."""
        return self.resolve(name, resolve_epochs(value, budget, self.n_samples, self.spec.kind))


class BaseDeepClusterer(ClassNamePrefixFeaturesOutMixin, ClusterMixin, TransformerMixin,
                        BaseEstimator, ABC):
    """Shared parameters and the fit/predict template of all deep clusterers.

    Subclasses declare their own ``__init__`` (sklearn needs explicit parameters),
    extend ``_parameter_constraints`` and implement ``_fit_stages``.
    """

    #: The method's name in messages and progress bars, and its stages in order.
    _short_name = "estimator"
    _stages = ()

    _parameter_constraints: dict = {
        "n_clusters": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "n_clusters_range": [tuple, list],
        "image_shape": [None, tuple, list],
        "vector_clip": [None, Interval(Real, 0, None, closed="neither")],
        "backbone": [None, torch.nn.Module],
        "precision": [StrOptions(set(PRECISIONS))],
        "device": [str, torch.device],
        "random_state": ["random_state"],
        "batch_size": [Interval(Integral, 2, None, closed="left")],
        "verbose": ["verbose"],
    }

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.__doc__:
            cls.__doc__ = _indent_into(cls.__doc__, "{n_clusters_parameters}",
                                       N_CLUSTERS_PARAMETERS)
            cls.__doc__ = _indent_into(cls.__doc__, "{shared_parameters}", SHARED_PARAMETERS)
            cls.__doc__ = _indent_into(cls.__doc__, "{view_parameters}", VIEW_PARAMETERS)
            cls.__doc__ = _indent_into(cls.__doc__, "{data_parallel_parameter}",
                                       DATA_PARALLEL_PARAMETER)
            cls.__doc__ = _indent_into(cls.__doc__, "{shared_attributes}", SHARED_ATTRIBUTES)

    def _set_params_from(self, params):
        """Store the constructor's arguments (``locals()`` of ``__init__``) unchanged."""
        store_init_params(self, params)

    # ------------------------------------------------------------------ fit template
    @_fit_context(prefer_skip_nested_validation=False)
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
        before = dict(self.__dict__)
        try:
            if self.n_clusters == "auto":
                self._fit_searching_n_clusters(X)
            else:
                self._fit_transactional(X)
        except BaseException:
            # KeyboardInterrupt included: no half-written fitted state survives.
            self.__dict__.clear()
            self.__dict__.update(before)
            raise
        return self

    def _fit_transactional(self, X_raw, warn_unused_clusters=True):
        X, spec = validate_input(self, X_raw, reset=True, image_shape=self.image_shape,
                                 dtype=None)
        if X.shape[0] < self.n_clusters:
            raise ValueError(
                f"n_samples={X.shape[0]} should be >= n_clusters={self.n_clusters}."
            )
        device = resolve_device(self.device)
        accelerator = make_accelerator(device) if getattr(self, "data_parallel", False) else None
        if accelerator is not None:  # this process's own device ("cpu:N" is the CPU)
            device = accelerator.device
            device = torch.device("cpu") if device.type == "cpu" else device
        scaling = fit_scaling(X, spec.kind, self.vector_clip)
        X = apply_scaling(X, scaling)
        seed = int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))
        ctx = FitContext(X, X_raw, spec, scaling, device, np.random.RandomState(seed),
                         self._resolve_precision(device, spec), self.verbose,
                         self._short_name, self._stages, self._view_options(),
                         accelerator)
        forked = [device.index or 0] if device.type == "cuda" else []
        with preserved_thread_settings(), torch.random.fork_rng(devices=forked):
            torch.manual_seed(seed)
            fitted = self._fit_stages(ctx)
        if "views" in vars(ctx):  # the fitted nets keep the views: not the training rows
            ctx.views.release_data()
        module = fitted["module_"].eval()
        logits = _batched_forward(module, X, device, self.batch_size)
        if not np.all(np.isfinite(logits)):
            raise FloatingPointError(
                f"{type(self).__name__}: the trained network gives non-finite outputs on the "
                "training data; the training diverged. Try lower learning rates.")
        fitted["labels_"] = np.argmax(logits, 1)
        n_found = np.unique(fitted["labels_"]).size
        if n_found < self.n_clusters and warn_unused_clusters:
            warn_user(f"{type(self).__name__} found {n_found} distinct cluster(s) for n_clusters="
                      f"{self.n_clusters}: the data may hold fewer distinct groups (are "
                      "many rows identical?), or the training collapsed.")
        fitted["_n_features_out"] = _batched_forward(module, X[:2], device, 2, "embed").shape[1]
        fitted.update({f"{name}_": value for name, value in ctx.resolved.items()})
        fitted.update(device_=device, precision_=ctx.precision, _input_spec=spec,
                      _scaling=scaling, n_clusters_=self.n_clusters)
        self.__dict__.pop("n_clusters_scores_", None)  # from an earlier "auto" fit
        self.__dict__.update(fitted)

    def _fit_searching_n_clusters(self, X_raw):
        """``n_clusters="auto"``: fit a copy for each number the coarse-to-fine search
        tries and keep the state of the best-scoring fit: the mean of its labels'
        silhouette in its own embedding and of their mean silhouette over the
        embeddings of all the fits (:class:`CrossSilhouettes`, on one fixed subset of
        rows). A fit that leaves clusters empty scores -inf, its embedding judges no
        other fit, and the number of clusters it did use is tried too. Every fit is
        held until the search ends."""
        low, high = _checked_range(self.n_clusters_range, _n_rows(X_raw))
        X_scored = score_rows(X_raw)
        states, judged = {}, CrossSilhouettes()  # every fit's state; the usable ones
        used = {}  # k -> the number of clusters its fit used

        def fit_candidate(k):
            candidate = clone(self).set_params(n_clusters=k, **_base_params_for(self, k))
            candidate._fit_transactional(X_raw, warn_unused_clusters=False)
            states[k] = candidate.__dict__
            used[k] = np.unique(candidate.labels_).size
            # a fit that leaves clusters empty is not a k-cluster solution
            if used[k] < k:
                return -np.inf
            judged.add(k, candidate.transform(X_scored), candidate.predict(X_scored))
            return 0.0  # scored with the others by cross_scores

        def cross_scores(scores):
            scores.update(judged.scores())
            if self.verbose:
                print(f"{self._short_name} n_clusters: scores "
                      + ", ".join(f"{k}: {v:.4f}" for k, v in sorted(scores.items())),
                      flush=True)
            return scores

        chosen, scores = coarse_to_fine_search(fit_candidate, low, high, rescore=cross_scores,
                                               used=used.get)
        if not np.isfinite(scores[chosen]):
            warn_user(f"{type(self).__name__}: every number of clusters tried left some "
                      f"clusters empty; keeping n_clusters={chosen}. The data may hold "
                      "fewer groups than n_clusters_range starts at, or training collapsed.")
        params = self.get_params(deep=False)
        fitted = {name: value for name, value in states[chosen].items() if name not in params}
        self.__dict__.update(fitted, n_clusters_=chosen, n_clusters_scores_=scores)

    def _view_options(self):
        """The view parameters this estimator has, as :func:`make_views` takes them."""
        names = {"vector_views": "vector_views", "view_neighbors": "n_neighbors",
                 "neighbor_metric": "metric"}
        params = self.get_params(deep=False)
        return {arg: params[name] for name, arg in names.items() if name in params}

    def _resolve_precision(self, device, spec):
        """``precision`` with "auto" settled for this device and input."""
        return resolve_precision(self.precision, device, spec.kind)

    @abstractmethod
    def _fit_stages(self, ctx):
        """Run the method's stages on ``ctx`` (a :class:`FitContext`).

        Returns a dict of fitted attributes; it must hold ``module_``, a torch module
        whose ``forward`` gives cluster logits and whose ``embed`` gives the embedding.
        """

    def _backbone_for(self, spec, scaling):
        """A trainable copy of this fitted estimator's backbone that takes input scaled
        by ``scaling`` (another estimator's), or None when its network has no backbone
        or was fitted on another input layout."""
        backbone = getattr(getattr(self, "module_", None), "backbone", None)
        own = getattr(self, "_input_spec", None)
        if backbone is None or own is None or own != spec:
            return None
        backbone = _trainable_copy(backbone).cpu()
        return RescaledInput(backbone, scaling, self._scaling)

    # ------------------------------------------------------------------ inference
    def _validated(self, X):
        check_is_fitted(self, "module_")
        X, _ = validate_input(self, X, reset=False, dtype=None)
        return apply_scaling(X, self._scaling)

    def _row_blocks(self, X):
        """``X`` validated and scaled, block by block of ``INFERENCE_BLOCK`` rows, so
        that a memory-mapped array is never held in memory at once. Input without row
        slicing (lists) is converted first."""
        check_is_fitted(self, "module_")
        if not hasattr(X, "shape") or not hasattr(X, "__getitem__"):
            X = np.asarray(X)
        rows = X.iloc if hasattr(X, "iloc") else X
        n = X.shape[0]
        for start in range(0, max(n, 1), INFERENCE_BLOCK):
            yield self._validated(rows[start:start + INFERENCE_BLOCK])

    def predict_proba(self, X):
        """Cluster membership probabilities of the trained network.

        Parameters
        ----------
        X : array-like, same layout as in ``fit``

        Returns
        -------
        proba : ndarray of shape (n_samples, n_clusters)
        """
        return self._forward(X, then=_softmax)

    def predict(self, X):
        """Cluster of each sample, from the trained network (inductive).

        Parameters
        ----------
        X : array-like, same layout as in ``fit``

        Returns
        -------
        labels : ndarray of shape (n_samples,)
        """
        return self._forward(X, then=_argmax)

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
        return self._forward(X, method="embed")

    def _forward(self, X, method="forward", then=None):
        """``module_.<method>`` over ``X`` block by block; ``then`` maps each block's
        output to what is kept (labels, probabilities), so no (n, K) logits pile up."""
        outs = []
        for block in self._row_blocks(X):
            out = _batched_forward(self.module_, block, self.device_, self.batch_size, method)
            outs.append(out if then is None else then(out))
        return np.concatenate(outs)

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


# ---------------------------------------------------------------------- helpers
def _n_rows(X):
    return X.shape[0] if hasattr(X, "shape") else len(X)


def _checked_range(n_clusters_range, n_samples):
    """``n_clusters_range`` as ``(low, high)``, checked, ``high`` cut to ``n_samples``."""
    if (len(n_clusters_range) != 2
            or not all(isinstance(k, Integral) for k in n_clusters_range)
            or not 2 <= n_clusters_range[0] <= n_clusters_range[1]):
        raise ValueError("n_clusters_range must be two integers (low, high) with "
                         f"2 <= low <= high, got {n_clusters_range!r}.")
    low, high = int(n_clusters_range[0]), min(int(n_clusters_range[1]), n_samples - 1)
    if high < low:
        raise ValueError(f"n_samples={n_samples} is too few for n_clusters_range="
                         f"{tuple(n_clusters_range)}: n_clusters='auto' needs more "
                         "samples than clusters.")
    return low, high


def _base_params_for(estimator, k):
    """Parameters that give an estimator's (unfitted) base estimator ``k`` clusters,
    for ``n_clusters="auto"``; a prefit base cannot follow and is refused."""
    params = estimator.get_params(deep=False)
    base = params.get("base_estimator")
    if base is None:
        return {}
    if params.get("base_prefit"):
        raise ValueError("n_clusters='auto' cannot be used with base_prefit=True: a "
                         "prefit base has its own number of clusters.")
    for name in ("n_clusters", "n_components"):
        if name in base.get_params(deep=False):
            return {"base_estimator": clone(base).set_params(**{name: k})}
    raise ValueError(f"n_clusters='auto' needs a base_estimator with an n_clusters or "
                     f"n_components parameter; {type(base).__name__} has neither.")


def _trainable_copy(module):
    module = copy.deepcopy(module)
    for p in module.parameters():
        p.requires_grad_(True)
    return module


@torch.no_grad()
def _batched_forward(module, X, device, batch_size, method="forward"):
    """Run ``module`` (or one of its methods) over ``X`` in batches; returns float64 numpy."""
    was_training = module.training
    module.eval()
    fn = getattr(module, method)
    out = forward_in_batches(lambda x: fn(x).double().cpu(), X,
                             max(int(batch_size), MIN_INFERENCE_BATCH), device=device)
    module.train(was_training)
    return out.numpy()


def _argmax(logits):
    return np.argmax(logits, 1)


def _softmax(logits):
    z = logits - logits.max(axis=1, keepdims=True)
    np.exp(z, out=z)
    return z / z.sum(axis=1, keepdims=True)
