"""Labels of every estimator on digits (images and vectors), for checking that a refactor
changes no result.

Each fit runs in its own process on one torch thread, on the CPU in float32, seed 0, so
two checkouts give comparable labels. ``save`` writes one ``.npz`` per checkout;
``compare`` prints, per fit, whether the labels are identical.

    python benchmarks/refactor_labels.py save before.npz [--set quick|defaults]
    python benchmarks/refactor_labels.py compare before.npz after.npz

Older checkouts without the ``precision`` parameter are run with
``SKDEEPCLUSTER_CPU_BF16=0``, which their ConvBackbone read for the same effect.
"""

import argparse
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

QUICK = {
    "SPICE": dict(pretrain_epochs=4, head_epochs=2, semi_epochs=2, n_heads=3),
    "SPC": dict(n_members=2, pretrain_epochs=3, epochs_per_round=1, max_rounds=2),
    "ClusMatch": dict(pretrain_epochs=4, finetune_epochs=3),
    "ClusMatch-kmeans": dict(pretrain_epochs=4, finetune_epochs=3),
    "ClusMatch-spice": dict(finetune_epochs=3),
    "MTDC": dict(epochs=4),
    "MTDC-contrastive": dict(epochs=3, init="contrastive", pretrain_epochs=2),
}
DEFAULTS = {name: {} for name in ("SPICE", "SPC", "ClusMatch", "MTDC")}


def _estimator(name, params):
    from sklearn.cluster import KMeans

    import skdeepcluster as sk

    if "precision" in sk.SPICEClustering().get_params():
        params = {**params, "precision": "float32"}
    common = dict(n_clusters=10, random_state=0, device="cpu")
    if name == "SPICE":
        return sk.SPICEClustering(**common, **params)
    if name == "SPC":
        return sk.SelectivePseudoLabelClustering(**common, **params)
    if name.startswith("MTDC"):
        return sk.MutualTaughtClustering(**common, **params)
    if name == "ClusMatch-kmeans":
        params = {**params, "base_estimator": KMeans(10, n_init=3, random_state=0)}
    elif name == "ClusMatch-spice":
        base = _estimator("SPICE", QUICK["SPICE"])
        params = {**params, "base_estimator": base}
    return sk.ClusMatch(**common, **params)


def _fit_one(name, kind, params, out):
    import torch
    from sklearn.datasets import load_digits

    torch.set_num_threads(1)
    digits = load_digits()
    X = digits.images / 16.0 if kind == "images" else digits.data
    start = time.perf_counter()
    labels = _estimator(name, params).fit_predict(X)
    np.save(out, labels)
    print(f"{name} {kind}: {time.perf_counter() - start:.1f} s", flush=True)


def save(path, which, jobs):
    configs = QUICK if which == "quick" else DEFAULTS
    tasks = [(name, kind) for name in configs for kind in ("images", "vectors")]
    tmp = f"{path}.parts"
    os.makedirs(tmp, exist_ok=True)
    env = {**os.environ, "SKDEEPCLUSTER_CPU_BF16": "0", "OMP_NUM_THREADS": "1"}

    def run(task):
        name, kind = task
        code = (f"import sys; sys.path.insert(0, {os.path.dirname(__file__)!r}); "
                f"import refactor_labels as r; r._fit_one({name!r}, {kind!r}, "
                f"{configs[name]!r}, {os.path.join(tmp, f'{name}-{kind}.npy')!r})")
        subprocess.run([sys.executable, "-c", code], env=env, check=True)

    with ThreadPoolExecutor(jobs) as pool:
        list(pool.map(run, tasks))
    np.savez(path, **{f"{n}-{k}": np.load(os.path.join(tmp, f"{n}-{k}.npy"))
                      for n, k in tasks})


def compare(a, b):
    before, after = np.load(a), np.load(b)
    same = True
    for key in before.files:
        if key not in after.files:
            print(f"{key}: missing in {b}")
            same = False
            continue
        n_diff = int(np.sum(before[key] != after[key]))
        same &= n_diff == 0
        print(f"{key}: {'identical' if n_diff == 0 else f'{n_diff} labels differ'}")
    return same


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("save")
    s.add_argument("path")
    s.add_argument("--set", choices=("quick", "defaults"), default="quick")
    s.add_argument("--jobs", type=int, default=2)
    c = sub.add_parser("compare")
    c.add_argument("before")
    c.add_argument("after")
    args = parser.parse_args()
    if args.command == "save":
        save(args.path, args.set, args.jobs)
    else:
        sys.exit(0 if compare(args.before, args.after) else 1)


if __name__ == "__main__":
    main()
