"""Where a fit's time goes: one estimator's fit under cProfile, reported per stage.

Each row is the cumulative time of one function (a stage's ``run``, a clustering step
inside training, the data loader's batch assembly); rows overlap where one calls the
other (the loader and the k-means refreshes run inside a training stage). Usage::

    python benchmarks/stage_times.py SPICEClustering mnist-test --data-home D --out F.json

``--set KEY=VALUE`` overrides an estimator parameter (ints and floats are parsed).
Run one at a time: the figures are wall-clock seconds on whatever else the machine runs.
``python benchmarks/stage_times.py table OUT.md LABEL=DIR ...`` puts the JSON files of
several directories (e.g. before and after a change) side by side in one table.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

#: label -> "module:qualified.name" of the functions reported
STAGES = {
    "contrastive pretraining": "skdeepcluster.stages._pretrain:ContrastivePretraining.run",
    "training on views (pretraining or MTDC)": "skdeepcluster.stages._pretrain:train_on_views",
    "SPICE self-labelling heads": "skdeepcluster.stages._heads:SelfLabellingHeads.run",
    "SPICE heads k-means warm start": "skdeepcluster.stages._heads:SelfLabellingHeads._warm_start",
    "SPICE head losses (choice)": "skdeepcluster.stages._heads:full_data_head_losses",
    "SPICE prototype refresh": "skdeepcluster.training._callbacks:PrototypeRefresh.on_epoch_begin",
    "SPICE reliable selection": "skdeepcluster.selection._reliable:select_reliable",
    "semi-supervised training": "skdeepcluster.stages._semi:SemiSupervisedTraining.run",
    "ClusMatch base clustering": "skdeepcluster.stages._base_clustering:default_base",
    "ClusMatch k-means refresh": "skdeepcluster.training._callbacks:KMeansRefresh.refresh",
    "SPC member training (every call)": "skdeepcluster.stages._ensemble:MemberTraining.run",
    "SPC rounds": "skdeepcluster.stages._ensemble:EnsembleRounds.run",
    "SPC latent clustering": "skdeepcluster.stages._latent:LatentClustering.__call__",
    "batch assembly (data loader)":
        "torch.utils.data.dataloader:_BaseDataLoaderIter.__next__",
    "sklearn KMeans.fit": "sklearn.cluster._kmeans:KMeans.fit",
    "UMAP fit": "umap.umap_:UMAP.fit",
    "final label pass": "skdeepcluster.base:_batched_forward",
}


def code_key(target):
    """(file, first line, name) of ``"module:qualified.name"``, as cProfile keys it."""
    import importlib
    import inspect

    module, qualname = target.split(":")
    obj = importlib.import_module(module)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    code = inspect.unwrap(obj).__code__  # past no_grad / _fit_context wrappers
    return code.co_filename, code.co_firstlineno, code.co_name


def parse_value(text):
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return text


def stage_times(profile):
    stats = pstats.Stats(profile).stats
    out = {}
    for label, target in STAGES.items():
        try:
            key = code_key(target)
        except (ImportError, AttributeError):
            continue
        if key in stats:
            out[label] = round(stats[key][3], 2)  # cumulative time
    return out


def write_table(out, labelled_dirs):
    """One row per (estimator, stage), one column of seconds per labelled directory."""
    runs = {}
    for item in labelled_dirs:
        label, folder = item.split("=", 1)
        for path in sorted(Path(folder).glob("*.json")):
            row = json.loads(path.read_text())
            runs.setdefault(row["estimator"], {})[label] = row
    labels = [item.split("=", 1)[0] for item in labelled_dirs]
    lines = ["| estimator | stage | " + " | ".join(f"{lb}, s" for lb in labels) + " |",
             "|---|---|" + "---:|" * len(labels)]
    for estimator, by_label in runs.items():
        def cell(label, key, by_label=by_label):
            row = by_label.get(label)
            value = None if row is None else (row["fit_s"] if key is None
                                              else row["stages_s"].get(key))
            return "" if value is None else f"{value:.1f}"

        acc = " / ".join(f"{by_label[lb]['acc']:.4f}" for lb in labels if lb in by_label)
        lines.append(f"| {estimator} | **whole fit** (ACC {acc}) | "
                     + " | ".join(cell(lb, None) for lb in labels) + " |")
        for key in STAGES:
            if any(key in r["stages_s"] for r in by_label.values()):
                lines.append(f"| | {key} | " + " | ".join(cell(lb, key) for lb in labels)
                             + " |")
    Path(out).write_text("\n".join(lines) + "\n")


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "table":
        return write_table(argv[1], argv[2:])
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("estimator")
    parser.add_argument("dataset")
    parser.add_argument("--data-home", default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)

    import numpy as np
    import torch
    from bench_datasets import DATASETS

    import skdeepcluster
    from skdeepcluster.metrics import clustering_accuracy

    torch.set_num_threads(args.threads)
    dataset = DATASETS[args.dataset]
    X, y = dataset.load(args.data_home, True)
    params = dict(kv.split("=", 1) for kv in args.set)
    est = getattr(skdeepcluster, args.estimator)(
        dataset.n_clusters, random_state=args.seed, device="cpu",
        **{k: parse_value(v) for k, v in params.items()})
    if dataset.standardize:
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        est = make_pipeline(StandardScaler(), est)
    profile = cProfile.Profile()
    t0 = time.perf_counter()
    labels = profile.runcall(est.fit_predict, X)
    wall = time.perf_counter() - t0
    row = {"estimator": args.estimator, "dataset": args.dataset, "seed": args.seed,
           "threads": args.threads, "params": params, "fit_s": round(wall, 1),
           "acc": round(float(clustering_accuracy(y, np.asarray(labels))), 4),
           "stages_s": stage_times(profile)}
    print(json.dumps(row, indent=1))
    if args.out:
        args.out.write_text(json.dumps(row, indent=1) + "\n")


if __name__ == "__main__":
    main()
