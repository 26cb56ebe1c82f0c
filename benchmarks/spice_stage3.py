"""SPICE's stage 3 on the MNIST test set, rerun from one saved stage-2 result.

Stages 1-2 take most of a fit (544 s of 753 s on one CPU thread); this script runs them
once with the defaults, saves what stage 3 starts from (the scaled images, the stage-2
model, the reliable set, the torch RNG state), then reruns stage 3 alone with other
settings or other labelled sets. Ground truth is used here, outside any fit, to score
and (for the ``--labels`` diagnostics) to replace the pseudo-labels.

    OMP_NUM_THREADS=1 python benchmarks/spice_stage3.py save [--seed 0]
    OMP_NUM_THREADS=1 python benchmarks/spice_stage3.py rerun [--semi_epochs 100 ...]
    OMP_NUM_THREADS=1 python benchmarks/spice_stage3.py rerun --labels true-reliable

``--labels``: ``pseudo`` (the reliable set as selected; default), ``true-reliable`` (the
same samples with their true labels), ``true-random`` (100 random samples per true class
with their true labels). ``--fresh-head``: start from the stage-1 backbone with a new
head instead of the stage-2 model. ``--per-cluster N``: keep N random samples of each
cluster of that labelled set. Other ``--name value`` pairs set estimator parameters.
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import torch
from sklearn.metrics import confusion_matrix

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

from spc_rounds import _value, load  # noqa: E402

from skdeepcluster import SPICEClustering, clustering_accuracy  # noqa: E402
from skdeepcluster.augment import make_views  # noqa: E402
from skdeepcluster.nn import ClusteringModel  # noqa: E402
from skdeepcluster.metrics import align_labels, matching_permutation  # noqa: E402
from skdeepcluster.nn import MLP, forward_in_batches  # noqa: E402
from skdeepcluster.selection import Selection  # noqa: E402


def top_confusions(y, labels, n=5):
    """The largest off-diagonal cells (count, true class, predicted class) after alignment."""
    cm = confusion_matrix(y, align_labels(labels, y), labels=range(10))
    cells = [(int(cm[i, j]), i, j) for i in range(10) for j in range(10) if i != j]
    return sorted(cells, reverse=True)[:n]


def save(args, path):
    captured = {}
    train_semi = SPICEClustering._train_semi

    def capture(self, X, spec, self_model, reliable, views, device):
        captured.update(X=torch.from_numpy(X), spec=spec, self_model=self_model,
                        reliable=reliable, rng=torch.get_rng_state(),
                        stages_1_2_s=time.perf_counter() - start)
        return train_semi(self, X, spec, self_model, reliable, views, device)

    SPICEClustering._train_semi = capture
    X, y = load("mnist")
    est = SPICEClustering(n_clusters=10, random_state=args.seed, device="cpu")
    start = time.perf_counter()
    labels = est.fit_predict(X)
    seconds = time.perf_counter() - start
    torch.save(captured, path)
    rel = captured["reliable"]
    return {"acc": clustering_accuracy(y, labels), "fit_s": seconds,
            "stages_1_2_s": captured["stages_1_2_s"],
            "self_acc": clustering_accuracy(y, est.self_labels_),
            "reliable": len(rel.indices),
            "reliable_acc": clustering_accuracy(y[rel.indices], rel.labels),
            "top_confusions": top_confusions(y, labels)}


def labelled_set(kind, reliable, y):
    if kind == "pseudo":
        return reliable
    # name true classes by the cluster ids the stage-2 model uses
    to_cluster = matching_permutation(y[reliable.indices], reliable.labels)
    idx = reliable.indices if kind == "true-reliable" else draw_per_class(y, 100)
    return Selection.hard(idx, [to_cluster[c] for c in y[idx]])


def draw_per_class(labels, n):
    """Positions of ``n`` random members of each class of ``labels`` (all when fewer),
    class by class; the same draws on every call."""
    rs = np.random.RandomState(0)
    classes, counts = np.unique(labels, return_counts=True)
    return np.concatenate([rs.choice(np.flatnonzero(labels == k), min(n, c), replace=False)
                           for k, c in zip(classes, counts, strict=True)])


def per_cluster_subset(selection, n):
    """``n`` random members of each cluster of a hard selection (all when fewer)."""
    labels = np.asarray(selection.labels)
    keep = np.sort(draw_per_class(labels, n))
    return Selection.hard(np.asarray(selection.indices)[keep], labels[keep])


def rerun(args, params, path):
    _, y = load("mnist")
    saved = torch.load(path, weights_only=False)
    X = saved["X"]
    model = saved["self_model"]
    if args.fresh_head:
        torch.manual_seed(123)
        d = model.backbone.out_features
        model = ClusteringModel(model.backbone, MLP(d, 10, hidden=(d,)))
    reliable = labelled_set(args.labels, saved["reliable"], y)
    if args.per_cluster:
        reliable = per_cluster_subset(reliable, args.per_cluster)
    est = SPICEClustering(n_clusters=10, random_state=0, device="cpu", **params)
    torch.set_rng_state(saved["rng"])
    start = time.perf_counter()
    net, ema_model = est._train_semi(X.numpy(), saved["spec"], model, reliable,
                                     make_views(saved["spec"], X), torch.device("cpu"))
    seconds = time.perf_counter() - start
    labels = forward_in_batches(ema_model.eval(), X, 512).argmax(1).numpy()
    live = forward_in_batches(net.module_.eval(), X, 512).argmax(1).numpy()
    return {"acc": clustering_accuracy(y, labels), "live_model_acc": clustering_accuracy(y, live),
            "stage3_s": seconds, "labelled": len(reliable.indices),
            "labelled_acc": clustering_accuracy(y[reliable.indices], reliable.labels),
            "top_confusions": top_confusions(y, labels)}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["save", "rerun"])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--labels", choices=["pseudo", "true-reliable", "true-random"],
                        default="pseudo")
    parser.add_argument("--fresh-head", action="store_true")
    parser.add_argument("--per-cluster", type=int, default=0)
    parser.add_argument("--state", default=os.environ.get(
        "SPICE_STAGE3_STATE", str(Path.home() / ".cache" / "skdc-spice-stage3.pt")))
    args, rest = parser.parse_known_args()
    params = {k.lstrip("-"): _value(v) for k, v in zip(rest[::2], rest[1::2], strict=True)}
    Path(args.state).parent.mkdir(parents=True, exist_ok=True)
    if args.mode == "save":
        result = save(args, args.state)
    else:
        result = rerun(args, params, args.state)
    result.update(mode=args.mode, labels=args.labels, fresh_head=args.fresh_head,
                  per_cluster=args.per_cluster, **params)
    print(json.dumps({k: round(v, 4) if isinstance(v, float) else v
                      for k, v in result.items()}))


if __name__ == "__main__":
    main()
