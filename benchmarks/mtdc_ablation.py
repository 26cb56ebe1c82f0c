"""MutualTaughtClustering: default settings vs. the ablation without the mutual terms.

    OMP_NUM_THREADS=1 python benchmarks/mtdc_ablation.py --dataset digits
    OMP_NUM_THREADS=2 python benchmarks/mtdc_ablation.py --dataset mnist-test --threads 2

Rows: "MTDC" (defaults: bce_weight=10, pcl_weight=0.1) and "MTDC w/o mutual terms"
(bce_weight=0, pcl_weight=0, i.e. Contrastive Clustering with the same network, views
and schedule). Images are passed as (n, H, W) float32 in [0, 1]. Prints a Markdown
table (ACC, NMI, ARI, fit time); ``--out`` also writes it as JSON lines.
"""

import argparse
import gzip
import json
import time

import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

from skdeepcluster import MutualTaughtClustering, clustering_accuracy

VARIANTS = {
    "MTDC": {},
    "MTDC w/o mutual terms": {"bce_weight": 0.0, "pcl_weight": 0.0},
}


def _read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = np.frombuffer(data, dtype=">u4", count=ndim, offset=4).astype(int)
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load(dataset, mnist_dir):
    if dataset == "digits":
        X, y = load_digits(return_X_y=True)
        return (X / 16.0).reshape(-1, 8, 8).astype(np.float32), y
    X = _read_idx(f"{mnist_dir}/t10k-images-idx3-ubyte.gz").astype(np.float32) / 255.0
    y = _read_idx(f"{mnist_dir}/t10k-labels-idx1-ubyte.gz").astype(int)
    return X, y


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", choices=["digits", "mnist-test"], default="digits")
    parser.add_argument("--mnist-dir", default="/work/shared/data/mnist")
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--set", nargs="*", default=[], metavar="PARAM=VALUE",
                        help="override estimator parameters (Python literals)")
    parser.add_argument("--out", help="append results as JSON lines to this file")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    X, y = load(args.dataset, args.mnist_dir)
    overrides = {}
    for item in args.set:
        key, value = item.split("=", 1)
        overrides[key] = eval(value, {})  # noqa: S307 - command-line literals
    rows = []
    print(f"| dataset | method | seed | ACC | NMI | ARI | fit s |  ({X.shape[0]} samples, "
          f"{args.threads} thread(s), overrides {overrides})")
    print("|---|---|---|---|---|---|---|")
    for name in args.variants:
        for seed in args.seeds:
            params = {**VARIANTS[name], **overrides}
            est = MutualTaughtClustering(n_clusters=len(np.unique(y)), device=args.device,
                                         random_state=seed, **params)
            start = time.perf_counter()
            labels = est.fit_predict(X)
            seconds = time.perf_counter() - start
            row = {
                "dataset": args.dataset, "method": name, "seed": seed, "params": params,
                "acc": clustering_accuracy(y, labels),
                "nmi": normalized_mutual_info_score(y, labels),
                "ari": adjusted_rand_score(y, labels),
                "fit_seconds": seconds, "threads": args.threads,
            }
            rows.append(row)
            print(f"| {args.dataset} | {name} | {seed} | {row['acc']:.4f} | {row['nmi']:.4f} "
                  f"| {row['ari']:.4f} | {seconds:.0f} |", flush=True)
            if args.out:
                with open(args.out, "a") as f:
                    f.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()
