"""SPC on sklearn digits or the MNIST test set: accuracy, time, and how the agreed set
evolves over rounds (its size and its accuracy against y, computed here, outside fit,
from the fitted attributes).

    OMP_NUM_THREADS=2 python benchmarks/spc_rounds.py digits
    OMP_NUM_THREADS=2 python benchmarks/spc_rounds.py mnist [--param value ...]

Extra ``--name value`` pairs override estimator parameters (ints/floats/strings).
"""

import argparse
import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

from bench_datasets import DATASETS  # noqa: E402

SHARED_DATA = HERE.parent.parent / "shared" / "data"


def load(name):
    """The harness's loader; ../shared/data is the data home where it exists, as in
    ``run.py``."""
    data_home = str(SHARED_DATA) if SHARED_DATA.is_dir() else None
    return DATASETS["mnist-test" if name == "mnist" else name].load(data_home, download=False)


def _value(text):
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return {"True": True, "False": False, "None": None}.get(text, text)


def main():
    from skdeepcluster import SelectivePseudoLabelClustering, clustering_accuracy

    parser = argparse.ArgumentParser()
    parser.add_argument("dataset", choices=["digits", "mnist"])
    parser.add_argument("--seed", type=int, default=0)
    args, rest = parser.parse_known_args()
    params = {k.lstrip("-"): _value(v) for k, v in zip(rest[::2], rest[1::2], strict=True)}
    X, y = load(args.dataset)
    est = SelectivePseudoLabelClustering(
        n_clusters=10, random_state=args.seed, device="cpu", verbose=1, **params
    )
    start = time.perf_counter()
    labels = est.fit_predict(X)
    seconds = time.perf_counter() - start
    mask = est.agreement_mask_
    result = {
        "dataset": args.dataset,
        "n_samples": int(X.shape[0]),
        "params": params,
        "seconds": round(seconds, 1),
        "acc_predict": clustering_accuracy(y, labels),
        "acc_ensemble": clustering_accuracy(y, est.ensemble_labels_),
        "agreed_fraction": float(mask.mean()),
        "acc_agreed": clustering_accuracy(y[mask], est.ensemble_labels_[mask]),
        "agreement_history": [round(float(a), 4) for a in est.agreement_history_],
        "n_rounds": est.n_rounds_,
        "best_round": est.best_round_,
        "per_round": [
            {
                "round": r,
                "agreed_fraction": round(float(m.mean()), 4),
                "acc_agreed": round(clustering_accuracy(y[m], lab[m]), 4),
                "acc_ensemble": round(clustering_accuracy(y, lab), 4),
            }
            for r, (lab, m) in enumerate(
                zip(est.ensemble_labels_history_, est.agreement_mask_history_, strict=True)
            )
        ],
    }
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
