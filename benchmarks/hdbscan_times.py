"""How SPC's HDBSCAN step grows with n: one fit with SPC's settings (``min_samples=10``,
``min_cluster_size = n / (2K)``) on 10-d blobs (the shape of a UMAP projection), with
scikit-learn's HDBSCAN and, where it is installed, the ``hdbscan`` package's Boruvka tree.
An SPC fit runs 6 of these per round. Usage::

    python benchmarks/hdbscan_times.py [--sizes 5000,10000,20000,40000]
"""

from __future__ import annotations

import argparse
import time

from sklearn.cluster import HDBSCAN
from sklearn.datasets import make_blobs


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="5000,10000,20000,40000")
    parser.add_argument("--clusters", type=int, default=10)
    args = parser.parse_args(argv)
    try:
        import hdbscan
    except ImportError:
        hdbscan = None
    print("| n | scikit-learn HDBSCAN s | hdbscan package s |")
    print("|---:|---:|---:|")
    for n in map(int, args.sizes.split(",")):
        z, _ = make_blobs(n, 10, centers=args.clusters, cluster_std=2.0, random_state=0)
        size = max(2, n // (2 * args.clusters))
        start = time.perf_counter()
        HDBSCAN(min_samples=10, min_cluster_size=size, copy=True).fit(z)
        ours = time.perf_counter() - start
        other = "not installed"
        if hdbscan is not None:
            start = time.perf_counter()
            hdbscan.HDBSCAN(min_samples=10, min_cluster_size=size, core_dist_n_jobs=1).fit(z)
            other = f"{time.perf_counter() - start:.2f}"
        print(f"| {n:,} | {ours:.2f} | {other} |", flush=True)


if __name__ == "__main__":
    main()
