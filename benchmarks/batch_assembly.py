"""Seconds to assemble one epoch of training batches: skorch's default data loader
(one ``__getitem__`` per sample, then collation) against ``batch_loader`` (one gather
per batch), on the same data, batch size and shuffling. Usage::

    python benchmarks/batch_assembly.py [--data-home D] [--dataset mnist-test] [--repeats 5]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]


def epoch_seconds(loader_factory, dataset, batch_size, repeats):
    import torch

    best = float("inf")
    for _ in range(repeats):
        torch.manual_seed(0)
        start = time.perf_counter()
        for batch in loader_factory(dataset, batch_size=batch_size, shuffle=True,
                                    drop_last=True):
            batch[0].to("cpu")
        best = min(best, time.perf_counter() - start)
    return best


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-home", default=None)
    parser.add_argument("--dataset", default="mnist-test")
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)

    import numpy as np
    import torch
    from bench_datasets import DATASETS
    from skorch.dataset import Dataset
    from torch.utils.data import DataLoader

    from skdeepcluster.training import batch_loader

    torch.set_num_threads(1)
    X, _ = DATASETS[args.dataset].load(args.data_home, True)
    X = np.asarray(X, dtype=np.float32)
    X = X[:, None] if X.ndim == 3 else X  # images as (n, 1, H, W), as the nets get them
    dataset = Dataset(X, np.arange(len(X)))
    per_sample = epoch_seconds(DataLoader, dataset, args.batch_size, args.repeats)
    per_batch = epoch_seconds(batch_loader, dataset, args.batch_size, args.repeats)
    print(f"{args.dataset}: {len(X)} rows of {X.shape[1:]}, batch {args.batch_size}, best of "
          f"{args.repeats}: DataLoader {per_sample:.3f} s/epoch, batch_loader "
          f"{per_batch:.3f} s/epoch ({per_sample / per_batch:.1f}x)")


if __name__ == "__main__":
    main()
