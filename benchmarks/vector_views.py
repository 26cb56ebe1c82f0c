"""Corruption against neighbour views of vectors: ACC of SPICE, ClusMatch and MTDC at
their defaults, ``vector_views`` set either way, each dataset through a StandardScaler.

    python benchmarks/vector_views.py --datasets wine,penguins,musk,breast-cancer,olive \
        --seeds 0,1,2 --estimators spice,clusmatch,mtdc --out results/vector-views.csv

One process, one torch thread; rows are appended to ``--out`` as they finish, so a
stopped run keeps what it measured. See docs/tuning.md, "Vector views".
"""

import argparse
import csv
import sys
import time
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--datasets", default="wine,penguins,musk,breast-cancer,olive")
    p.add_argument("--seeds", default="0,1,2")
    p.add_argument("--estimators", default="spice,clusmatch,mtdc")
    p.add_argument("--views", default="corruption,neighbors")
    p.add_argument("--data-home")
    p.add_argument("--out", default=str(HERE / "results" / "vector-views.csv"))
    p.add_argument("--summary", action="store_true",
                   help="print the mean (min-max) ACC table of --out as markdown, then exit")
    args = p.parse_args(argv)
    if args.summary:
        print(summary(args.out))
        return 0

    import torch
    from bench_datasets import DATASETS
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    import skdeepcluster as sk
    from skdeepcluster.metrics import clustering_accuracy

    torch.set_num_threads(1)
    classes = {"spice": sk.SPICEClustering, "clusmatch": sk.ClusMatch,
               "mtdc": sk.MutualTaughtClustering}
    out = Path(args.out)
    new = not out.exists()
    with open(out, "a", newline="") as f:
        writer = csv.writer(f)
        if new:
            writer.writerow(["dataset", "estimator", "vector_views", "seed", "acc", "fit_s"])
        for name in args.datasets.split(","):
            X, y = DATASETS[name].load(args.data_home, True)
            X = X.reshape(len(X), -1)
            k = len(set(y.tolist()))
            for est in args.estimators.split(","):
                for views in args.views.split(","):
                    for seed in map(int, args.seeds.split(",")):
                        model = classes[est](k, vector_views=views, random_state=seed,
                                             device="cpu")
                        t0 = time.perf_counter()
                        with warnings.catch_warnings():
                            warnings.simplefilter("ignore")
                            labels = make_pipeline(StandardScaler(), model).fit_predict(X)
                        row = [name, est, views, seed,
                               f"{clustering_accuracy(y, labels):.4f}",
                               f"{time.perf_counter() - t0:.1f}"]
                        writer.writerow(row)
                        f.flush()
                        print(*row, flush=True)
    return 0


def summary(path):
    """Mean (min-max) ACC over seeds per estimator, view family and dataset."""
    import pandas as pd

    df = pd.read_csv(path)
    datasets = list(dict.fromkeys(df["dataset"]))
    lines = ["| estimator | vector_views | " + " | ".join(datasets) + " | mean |",
             "|---|---|" + "---|" * (len(datasets) + 1)]
    for (est, views), g in df.groupby(["estimator", "vector_views"], sort=False):
        cells, means = [], []
        for d in datasets:
            acc = g.loc[g["dataset"] == d, "acc"]
            means.append(acc.mean())
            cells.append(f"{acc.mean():.3f} ({acc.min():.3f}-{acc.max():.3f})" if len(acc)
                         else "")
        lines.append(f"| {est} | {views} | " + " | ".join(cells)
                     + f" | {sum(means) / len(means):.3f} |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
