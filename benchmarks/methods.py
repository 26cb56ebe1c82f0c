"""Registry of the methods the benchmark harness runs.

Each entry is a :class:`Method`: a factory ``(n_clusters, seed, device) -> estimator``
plus the input kind it expects ("images": float32 (n, H, W) in [0, 1]; "vectors": the
same pixels flattened to (n, H*W)). Register a new one with :func:`register`; see
docs/benchmarks.md.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import skdeepcluster

__all__ = ["Method", "REGISTRY", "register", "get_methods", "PUBLISHED"]


@dataclass
class Method:
    name: str
    factory: Callable[[int, int, str], Any]
    input: str = "vectors"  # "images" | "vectors"
    family: str = "peer"  # "skdeepcluster" | "tabular" | "composite" | "ablation" | "peer"
    uses_device: bool = False  # False: the estimator runs on CPU whatever --device says
    note: str = ""
    published_key: str | None = None  # key into PUBLISHED
    # Which interpreter runs it: None = run.py's own; "clustpy" = --clustpy-python
    # (an environment whose torch has a matching torchvision, see docs/benchmarks.md).
    python: str | None = None
    # Keep the fitted estimator for later rows (see prefit_base).
    cache_fitted: bool = False
    # Name of an earlier row whose fitted estimator this row starts from; with it the
    # factory is called as factory(n_clusters, seed, device, base=fitted_or_None).
    prefit_base: str | None = None
    extra: dict = field(default_factory=dict)


REGISTRY: dict[str, Method] = {}


def register(method: Method) -> Method:
    if method.input not in ("images", "vectors"):
        raise ValueError(f"{method.name}: input must be 'images' or 'vectors'")
    REGISTRY[method.name] = method
    return method


def get_methods(names=None) -> list[Method]:
    if not names:
        return list(REGISTRY.values())
    unknown = [n for n in names if n not in REGISTRY]
    if unknown:
        raise KeyError(f"unknown method(s) {unknown}; known: {sorted(REGISTRY)}")
    return [REGISTRY[n] for n in names]


# Figures published in the papers (not measured here), per method key and dataset.
# SPC = SelectivePseudoLabelClustering. MNIST is MNIST-full (70,000 images), so it is
# reported beside the "mnist" dataset and, flagged, beside "mnist-test".
PUBLISHED = {
    "SPC": {
        "mnist": {"acc": 0.992, "nmi": 0.975, "note": "published, MNIST-full (70k)"},
        "mnist-test": {"acc": 0.992, "nmi": 0.975,
                       "note": "published on MNIST-full (70k), not the 10k test set"},
        "usps": {"acc": 0.984, "nmi": 0.954, "note": "published"},
        "fashion-mnist": {"acc": 0.679, "nmi": 0.735, "note": "published"},
    },
    # SPICE, ClusMatch and MTDC report no MNIST / Fashion-MNIST / USPS / digits figures.
}

# ----------------------------------------------------------------- skdeepcluster
SKDEEPCLUSTER_ESTIMATORS = {
    # class name -> published key
    "SPICEClustering": None,
    "SelectivePseudoLabelClustering": "SPC",
    "ClusMatch": None,
    "MutualTaughtClustering": None,
}


def _skd_factory(cls, **extra):
    def factory(n_clusters, seed, device):
        return cls(n_clusters=n_clusters, random_state=seed, device=device, **extra)

    return factory


def _peer_kmeans(n_clusters, seed, device):
    from sklearn.cluster import KMeans

    return KMeans(n_clusters=n_clusters, n_init=10, random_state=seed)


def _peer_gmm(n_clusters, seed, device):
    from sklearn.mixture import GaussianMixture

    return GaussianMixture(n_components=n_clusters, covariance_type="diag", random_state=seed)


def _clusmatch_on(clusmatch, base_factory):
    """ClusMatch refining the base row's fitted estimator when the run kept it
    (``base_prefit=True``: the base's fit time is in its own row), else fitting the base
    itself (then included in the time)."""

    def factory(n_clusters, seed, device, base=None):
        if base is not None:
            return clusmatch(n_clusters=n_clusters, base_estimator=base, base_prefit=True,
                             random_state=seed, device=device)
        return clusmatch(n_clusters=n_clusters, base_estimator=base_factory(n_clusters, seed,
                                                                             device),
                         random_state=seed, device=device)

    return factory


def _register_skdeepcluster():
    present = {name: getattr(skdeepcluster, name, None) for name in SKDEEPCLUSTER_ESTIMATORS}
    present = {k: v for k, v in present.items() if v is not None}
    for name, cls in present.items():
        register(Method(name, _skd_factory(cls), input="images", family="skdeepcluster",
                        uses_device=True, published_key=SKDEEPCLUSTER_ESTIMATORS[name],
                        cache_fitted=name != "ClusMatch"))
    # The tabular path: the same pixels flattened into plain feature vectors (MLP
    # backbone, vector views), as a user's embedding matrix would be.
    for name, cls in present.items():
        register(Method(f"{name} on vectors", _skd_factory(cls), input="vectors",
                        family="tabular", uses_device=True,
                        note="flattened pixels as feature vectors (MLP backbone, vector views)"))
    if "MutualTaughtClustering" in present:
        # ablations.md: the first MTDC code's boosting stage after today's training
        for name, input_kind in [("MutualTaughtClustering", "images"),
                                 ("MutualTaughtClustering on vectors", "vectors")]:
            register(Method(f"{name} (boosting)",
                            _skd_factory(present["MutualTaughtClustering"],
                                         boost_epochs="auto"),
                            input=input_kind, family="ablation", uses_device=True,
                            note="ablation: boost_epochs='auto' (the first code's boosting "
                            "stage after training)"))
        register(Method("MutualTaughtClustering (no mutual terms)",
                        _skd_factory(present["MutualTaughtClustering"], bce_weight=0.0,
                                     pcl_weight=0.0),
                        input="images", family="ablation", uses_device=True,
                        note="ablation: bce_weight=0, pcl_weight=0"))
    if "SPICEClustering" in present:
        # ablations.md: rules against the paper's (cells) or the paper's against the
        # former default (the reliable floor)
        for name, input_kind in [("SPICEClustering", "images"),
                                 ("SPICEClustering on vectors", "vectors")]:
            register(Method(f"{name} (prototype cells)",
                            _skd_factory(present["SPICEClustering"], prototype_cells=True),
                            input=input_kind, family="ablation", uses_device=True,
                            note="ablation: prototype_cells=True"))
            register(Method(f"{name} (reliable floor 100)",
                            _skd_factory(present["SPICEClustering"],
                                         min_reliable_per_cluster=100),
                            input=input_kind, family="ablation", uses_device=True,
                            note="ablation: the reliable-set floor until session 20"))
            register(Method(f"{name} (head over all epochs)",
                            _skd_factory(present["SPICEClustering"],
                                         head_selection="all_epochs"),
                            input=input_kind, family="ablation", uses_device=True,
                            note="ablation: the reference's (epoch, head) choice"))
            register(Method(f"{name} (reference head schedule)",
                            _skd_factory(present["SPICEClustering"], head_epochs=100,
                                         n_repeat=8, head_selection="all_epochs"),
                            input=input_kind, family="ablation", uses_device=True,
                            note="ablation: stage 2 as the reference's CIFAR-10 run: 100 "
                                 "epochs, 8 passes a selection, (epoch, head) over all"))
    if "ClusMatch" in present:
        # ablations.md: the paper's rule against the current one, item by item
        for suffix, params, note in [
            ("threshold momentum auto", dict(threshold_momentum="auto"),
             "ablation: threshold_momentum='auto' (1% weight on the start at the end)"),
            ("no decay on biases and norms", dict(decay_biases_and_norms=False),
             "ablation: the reference's weight decay, none on parameters with ndim <= 1 "
             "(the default since session 20)"),
            ("decay on biases and norms", dict(decay_biases_and_norms=True),
             "ablation: weight decay on every parameter (the default until session 20)"),
            ("euclidean k-means", dict(kmeans_metric="euclidean"),
             "ablation: k-means of the base and the refreshes on unnormalised features"),
        ]:
            for name, input_kind in [("ClusMatch", "images"),
                                     ("ClusMatch on vectors", "vectors")]:
                register(Method(f"{name} ({suffix})",
                                _skd_factory(present["ClusMatch"], **params),
                                input=input_kind, family="ablation", uses_device=True,
                                note=note))
        bases = {k: _skd_factory(v) for k, v in present.items() if k != "ClusMatch"}
        bases["KMeans"] = _peer_kmeans
        bases["GaussianMixture"] = _peer_gmm
        with_kmeans_term = functools.partial(present["ClusMatch"], kmeans_weight=0.5)
        for base_name, base_factory in bases.items():
            register(Method(f"ClusMatch on top of {base_name}",
                            _clusmatch_on(present["ClusMatch"], base_factory),
                            input="images", family="composite", uses_device=True,
                            prefit_base=base_name))
            register(Method(f"ClusMatch (k-means term) on top of {base_name}",
                            _clusmatch_on(with_kmeans_term, base_factory),
                            input="images", family="composite", uses_device=True,
                            prefit_base=base_name,
                            note="ablation: kmeans_weight=0.5 (the paper's) on images"))


# --------------------------------------------------------------------------- peers
def _n2d(n_clusters, seed, device):
    from n2d import AEUMAPGMM

    return AEUMAPGMM(n_clusters=n_clusters, epochs=50, n_neighbors=15, min_dist=0.0,
                     random_state=seed, device=device)


def _umap_gmm(n_clusters, seed, device):
    from n2d import UMAPGMM

    return UMAPGMM(n_clusters=n_clusters, random_state=seed)


def _clustpy_factory(class_name):
    def factory(n_clusters, seed, device):
        try:
            import clustpy.deep as cdeep
        except Exception as exc:  # ImportError, or torchvision failing to load
            raise ImportError(
                f"clustpy not importable in {sys.executable} ({type(exc).__name__}: {exc}); "
                "pass --clustpy-python (or set SKDEEPCLUSTER_CLUSTPY_PYTHON) to an "
                "interpreter with clustpy and a matching torchvision, see docs/benchmarks.md"
            ) from exc
        import torch

        cls = getattr(cdeep, class_name)
        return cls(n_clusters=n_clusters, random_state=seed, device=torch.device(device))

    return factory


def _register_peers():
    register(Method("KMeans", _peer_kmeans, note="raw pixels, n_init=10", cache_fitted=True))
    register(Method("GaussianMixture", _peer_gmm, note="raw pixels, diagonal covariance",
                    cache_fitted=True))
    register(Method("AE+UMAP+GMM", _n2d, uses_device=True,
                    note="N2D-style: MLP AE d-500-500-2000-10 (50 epochs, Adam 1e-3), "
                    "UMAP 10-d (n_neighbors=15, min_dist=0), full-covariance GMM"))
    register(Method("UMAP+GMM", _umap_gmm,
                    note="UMAP 10-d (n_neighbors=15, min_dist=0) of the input, "
                    "full-covariance GMM"))
    for name in ("DEC", "IDEC", "DCN"):
        register(Method(f"clustpy.{name}", _clustpy_factory(name), uses_device=True,
                        python="clustpy", note="clustpy defaults"))


_register_skdeepcluster()
_register_peers()
