"""Standardised vectors clipped to [-c, c] before the networks see them: ACC of the four
estimators at their defaults but for ``vector_clip`` (``results/vector-clip.md``). Each
dataset goes through ``make_pipeline(StandardScaler(), estimator)``, as a user would.

    python benchmarks/vector_clip.py --clip 3 --datasets wine,penguins --out R.jsonl
    python benchmarks/vector_clip.py --clip none --datasets wine,penguins --out R.jsonl
    python benchmarks/vector_clip.py --summary --out R.jsonl

One process, one torch thread; a JSON line per fit is appended to ``--out``.
"""

import argparse
import json
import sys
import time
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

ESTIMATORS = ("SPICEClustering", "SelectivePseudoLabelClustering", "ClusMatch",
              "MutualTaughtClustering")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--clip", default="3", help="a positive number, or 'none'")
    p.add_argument("--datasets", default="wine,penguins,musk,breast-cancer,olive,glass,"
                   "sonar,digits-vectors,spam")
    p.add_argument("--estimators", default=",".join(ESTIMATORS))
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--data-home")
    p.add_argument("--out", default=str(HERE / "results" / "vector-clip.jsonl"))
    p.add_argument("--summary", action="store_true",
                   help="print the ACC table of --out as markdown, then exit")
    args = p.parse_args(argv)
    if args.summary:
        print(summary(args.out))
        return 0

    import numpy as np
    import torch
    from bench_datasets import DATASETS
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    import skdeepcluster
    from skdeepcluster.metrics import clustering_accuracy

    torch.set_num_threads(1)
    clip = None if args.clip == "none" else float(args.clip)
    for name in args.datasets.split(","):
        dataset = DATASETS[name]
        X, y = dataset.load(args.data_home, True)
        X = np.asarray(X, dtype=np.float64).reshape(len(X), -1)
        for method in args.estimators.split(","):
            est = getattr(skdeepcluster, method)(n_clusters=dataset.n_clusters,
                                                 vector_clip=clip, random_state=args.seed,
                                                 device="cpu")
            t0 = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                labels = make_pipeline(StandardScaler(), est).fit_predict(X)
            record = dict(dataset=name, method=method, clip=clip, seed=args.seed,
                          acc=round(clustering_accuracy(y, labels), 4),
                          fit_s=round(time.perf_counter() - t0, 1))
            with open(args.out, "a") as f:
                f.write(json.dumps(record) + "\n")
            print(json.dumps(record), flush=True)
    return 0


def summary(path):
    """ACC without / with the clip, per dataset (and seed, where not 0) and estimator."""
    rows = [json.loads(line) for line in Path(path).read_text().splitlines()]
    acc = {(r["dataset"], r.get("seed", 0), r["method"], r["clip"]): r["acc"] for r in rows}
    clips = sorted({r["clip"] for r in rows if r["clip"] is not None})
    lines = ["| dataset | " + " | ".join(ESTIMATORS) + " |",
             "|---|" + "---|" * len(ESTIMATORS)]
    for name, seed in dict.fromkeys((r["dataset"], r.get("seed", 0)) for r in rows):
        cells = []
        for method in ESTIMATORS:
            values = [acc.get((name, seed, method, c)) for c in [None, *clips]]
            cells.append("" if all(v is None for v in values) else
                         " / ".join("not run" if v is None else f"{v:.3f}" for v in values))
        label = name if seed == 0 else f"{name}, seed {seed}"
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
