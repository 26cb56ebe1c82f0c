"""How good are the contrastive features alone? SPICE's stage 1 (its backbone and
projector, NT-Xent, batch 256, Adam 1e-3) on a harness dataset, then k-means (5 inits)
and a 20-nearest-neighbour vote of the true labels on the L2-normalised backbone
features (labels used only to score, here, outside the training).

    OMP_NUM_THREADS=1 python benchmarks/contrastive_features.py fashion-mnist-test \\
        --epochs 20 --jitter 0.8

``--jitter S``: the strong view's brightness and contrast strength (0 turns the
jitter off, as before the tenth session). Prints one JSON line.
"""

import argparse
import json
import sys
import time

import numpy as np
import torch
from sklearn.cluster import KMeans
from spc_rounds import load  # also puts the repository on sys.path

from skdeepcluster import SPICEClustering, clustering_accuracy
from skdeepcluster._input import validate_input
from skdeepcluster.augment import ImageViews
from skdeepcluster.base import FitContext
from skdeepcluster.nn import build_backbone, forward_in_batches, l2_normalize
from skdeepcluster.selection import chunked_knn
from skdeepcluster.stages import ContrastivePretraining


def neighbour_vote_accuracy(emb, y, k=20):
    """Share of samples whose k nearest neighbours (itself excluded) mostly carry its
    label; neighbours by the package's chunked cosine kNN."""
    neighbours = chunked_knn(torch.from_numpy(emb), k + 1)[:, 1:].numpy()
    counts = np.zeros((len(y), y.max() + 1), dtype=np.int64)
    np.add.at(counts, (np.arange(len(y))[:, None], y[neighbours]), 1)
    return float((counts.argmax(1) == y).mean())


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dataset")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--jitter", type=float, default=0.8)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    X, y = load(args.dataset)
    X, spec = validate_input(SPICEClustering(), np.asarray(X, np.float32), reset=True)
    torch.manual_seed(args.seed)
    views = ImageViews(strong_brightness=args.jitter, strong_contrast=args.jitter,
                       strong_jitter_p=0.8 if args.jitter > 0 else 0.0,
                       value_range=(float(X.min()), float(X.max())))
    backbone = build_backbone(spec)
    t = time.perf_counter()
    ctx = FitContext(X, X, spec, None, torch.device("cpu"), np.random.RandomState(args.seed),
                     "float32", 0)
    ctx.views = views
    net = ContrastivePretraining(args.epochs, 1e-3, 0.5, 256, budget="spice.pretrain").run(
        ctx, backbone)
    fit_s = time.perf_counter() - t
    emb = l2_normalize(forward_in_batches(net.module_.backbone.eval(), torch.from_numpy(X),
                                          256)).numpy()
    km = KMeans(len(np.unique(y)), n_init=5, random_state=0).fit_predict(emb)
    print(json.dumps({"dataset": args.dataset, "epochs": args.epochs, "jitter": args.jitter,
                      "seed": args.seed, "fit_s": round(fit_s, 1),
                      "kmeans_acc": round(clustering_accuracy(y, km), 4),
                      "knn20_vote": round(neighbour_vote_accuracy(emb, y), 4)}))


if __name__ == "__main__":
    sys.exit(main())
