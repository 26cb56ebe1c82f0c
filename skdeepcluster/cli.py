"""The ``skdeepcluster`` command.

``skdeepcluster demo`` clusters scikit-learn's bundled digits (8x8 images) with every
estimator of the package and with KMeans, and prints ACC, NMI, ARI and seconds.
"""

import argparse
import sys
import time

import numpy as np
from sklearn.cluster import KMeans
from sklearn.datasets import load_digits
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

import skdeepcluster
from skdeepcluster.metrics import clustering_accuracy

#: Estimators of the package, by name; the demo runs the ones this version has.
ESTIMATORS = (
    "SPICEClustering",
    "SelectivePseudoLabelClustering",
    "ClusMatch",
    "MutualTaughtClustering",
)


def _demo_rows(device, random_state, only):
    digits = load_digits()
    images = (digits.images / 16.0).astype(np.float32)
    y = digits.target
    candidates = [("KMeans", lambda: KMeans(10, n_init=10, random_state=random_state), True)]
    for name in ESTIMATORS:
        cls = getattr(skdeepcluster, name, None)
        if cls is not None:
            candidates.append(
                (name, lambda cls=cls: cls(n_clusters=10, device=device,
                                           random_state=random_state), False)
            )
    for name, make, flat in candidates:
        if only and name not in only:
            continue
        X = images.reshape(len(images), -1) if flat else images
        start = time.perf_counter()
        try:
            labels = make().fit_predict(X)
        except Exception as exc:  # a broken estimator gets a row, not a crash of the demo
            yield name, None, f"{type(exc).__name__}: {exc}"
            continue
        seconds = time.perf_counter() - start
        yield name, (
            clustering_accuracy(y, labels),
            normalized_mutual_info_score(y, labels),
            adjusted_rand_score(y, labels),
            seconds,
        ), None


def demo(args):
    print(f"skdeepcluster {skdeepcluster.__version__}: sklearn digits, 1797 images of 8x8, "
          f"10 clusters, device={args.device}")
    print(f"{'method':<32}{'ACC':>8}{'NMI':>8}{'ARI':>8}{'seconds':>10}")
    failed = False
    for name, scores, error in _demo_rows(args.device, args.random_state, args.only):
        if error is not None:
            failed = True
            print(f"{name:<32}  failed: {error}")
        else:
            acc, nmi, ari, seconds = scores
            print(f"{name:<32}{acc:8.3f}{nmi:8.3f}{ari:8.3f}{seconds:10.1f}", flush=True)
    return 1 if failed else 0


def main(argv=None):
    parser = argparse.ArgumentParser(prog="skdeepcluster", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p_demo = sub.add_parser("demo", help="cluster sklearn's digits with every estimator")
    p_demo.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N")
    p_demo.add_argument("--random-state", type=int, default=0)
    p_demo.add_argument("--only", nargs="*", help="run only these methods")
    args = parser.parse_args(argv)
    return demo(args)


if __name__ == "__main__":
    sys.exit(main())
