"""UMAP + GaussianMixture on standardised tables, UMAP's own exact-neighbour path
against the neighbours SPC hands it (``skdeepcluster._umap.exact_neighbors``), over seeds.

Isolates the one step SPC's speed change touches: the two graphs agree to float
rounding, so the accuracies should agree in distribution (not seed for seed: UMAP's
optimisation is chaotic). Usage::

    python benchmarks/umap_exact_neighbors.py --data-home D [--seeds 8] penguins wine ...
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

import bench_datasets  # noqa: E402
from sklearn.mixture import GaussianMixture  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from skdeepcluster import clustering_accuracy  # noqa: E402
from skdeepcluster._umap import exact_neighbors, import_umap  # noqa: E402

PATHS = {"UMAP's own": lambda X: (None, None, None), "SPC's": lambda X: exact_neighbors(X, 15)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("datasets", nargs="+")
    parser.add_argument("--data-home", default=None)
    parser.add_argument("--seeds", type=int, default=8)
    args = parser.parse_args(argv)
    umap = import_umap()
    warnings.filterwarnings("ignore", category=UserWarning)
    print("| data set | neighbours | mean ACC | ACC per seed | s per fit |")
    print("|---|---|---:|---|---:|")
    for name in args.datasets:
        ds = bench_datasets.DATASETS[name]
        X, y = ds.load(args.data_home, True)
        X = StandardScaler().fit_transform(X.reshape(len(X), -1)).astype(np.float32)
        for path, neighbors in PATHS.items():
            accs, start = [], time.perf_counter()
            for seed in range(args.seeds):
                z = umap.UMAP(n_components=10, n_neighbors=15, min_dist=0.0, n_epochs=200,
                              random_state=seed, n_jobs=1,
                              precomputed_knn=neighbors(X)).fit_transform(X)
                labels = GaussianMixture(ds.n_clusters, covariance_type="full", n_init=10,
                                         random_state=seed, reg_covar=1e-5).fit_predict(z)
                accs.append(clustering_accuracy(y, labels))
            seconds = (time.perf_counter() - start) / args.seeds
            print(f"| {name} | {path} | {np.mean(accs):.3f} | "
                  f"{' '.join(f'{a:.3f}' for a in accs)} | {seconds:.2f} |", flush=True)


if __name__ == "__main__":
    main()
