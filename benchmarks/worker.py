"""Run one (dataset, method, seed) and write its metrics as JSON.

Started by run.py in a fresh process so that the peak RSS the parent reads for it
(os.wait4) is this run's alone. Usage: python worker.py SPEC.json RESULT.json
"""

from __future__ import annotations

import json
import random
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]  # prefer this checkout's skdeepcluster


def resolve_device(device):
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("--device cuda requested but torch.cuda.is_available() is False")
    return device


def fit_labels(est, X):
    if hasattr(est, "fit_predict"):
        return est.fit_predict(X)
    est.fit(X)
    return est.labels_ if hasattr(est, "labels_") else est.predict(X)


def _fitted_path(cache, dataset, method, seed):
    safe = "".join(c if c.isalnum() else "_" for c in method)
    return cache / f"{dataset}-{safe}-{seed}.pkl"


def _save_fitted(cache, dataset, method, seed, est):
    import pickle

    with open(_fitted_path(cache, dataset, method, seed), "wb") as f:
        pickle.dump(est, f)


def _load_fitted(cache, dataset, method, seed):
    """The estimator an earlier row of this run fitted, or None."""
    import pickle

    path = _fitted_path(cache, dataset, method, seed) if cache else None
    if path is None or not path.exists():
        return None
    with open(path, "rb") as f:
        return pickle.load(f)


def main(spec_path, result_path):
    spec = json.loads(Path(spec_path).read_text())
    result = {"status": "running", "stage": "setup"}

    def dump():
        Path(result_path).write_text(json.dumps(result))

    def stage(name):  # written at each stage so that a killed run still says where it was
        result["stage"] = name
        dump()

    try:
        import numpy as np

        seed = int(spec["seed"])
        random.seed(seed)
        np.random.seed(seed)
        from bench_datasets import DATASETS
        from methods import REGISTRY
        from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

        from skdeepcluster.metrics import clustering_accuracy

        method = REGISTRY[spec["method"]]
        dataset = DATASETS[spec["dataset"]]
        stage("load data")
        X, y = dataset.load(spec.get("data_home"), spec.get("download", True))
        if method.input == "vectors":
            X = X.reshape(len(X), -1)
        elif X.ndim == 2:
            result.update(status=f"not run: {method.name} takes images; "
                          f"{spec['dataset']} holds vectors")
            dump()
            return 0
        result["n_samples"] = int(len(X))
        device = "cpu"
        if method.uses_device:  # torch only where used, so sklearn peers' RSS excludes it
            import torch

            if spec.get("threads"):
                torch.set_num_threads(int(spec["threads"]))
            torch.manual_seed(seed)
            device = resolve_device(spec["device"])
        result["device"] = device
        stage("construct")
        cache = Path(spec["cache_dir"]) if spec.get("cache_dir") else None
        try:
            if method.prefit_base:
                base = _load_fitted(cache, spec["dataset"], method.prefit_base, seed)
                result["base_prefit"] = base is not None
                est = method.factory(dataset.n_clusters, seed, device, base=base)
            else:
                est = method.factory(dataset.n_clusters, seed, device)
        except ImportError as exc:
            result.update(status=f"unavailable: {exc}")
            dump()
            return 0
        if dataset.standardize:  # as a user would: make_pipeline(StandardScaler(), est)
            from sklearn.pipeline import make_pipeline
            from sklearn.preprocessing import StandardScaler

            est = make_pipeline(StandardScaler(), est)
        import resource

        result["rss_before_fit_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        stage("fit")
        t0 = time.perf_counter()
        labels = fit_labels(est, X)
        result["fit_s"] = time.perf_counter() - t0
        labels = np.asarray(labels)
        stage("score")
        result["acc"] = float(clustering_accuracy(y, labels))
        result["nmi"] = float(normalized_mutual_info_score(y, labels))
        result["ari"] = float(adjusted_rand_score(y, labels))
        result["n_clusters_found"] = int(len(np.unique(labels)))
        if method.cache_fitted and cache is not None:
            stage("keep fitted estimator")
            _save_fitted(cache, spec["dataset"], method.name, seed, est)
        result["status"] = "ok"
        result.pop("stage")
    except BaseException as exc:  # noqa: BLE001 - every failure must become a row
        result["status"] = f"error in {result.get('stage')}: {type(exc).__name__}: {exc}"
        result["traceback"] = traceback.format_exc()[-4000:]
    dump()
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
