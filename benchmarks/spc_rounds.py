"""SPC on one of the harness's data sets: accuracy, time, and how the agreed set
evolves over rounds (its size and its accuracy against y, computed here, outside fit,
from the fitted attributes).

    OMP_NUM_THREADS=2 python benchmarks/spc_rounds.py digits
    OMP_NUM_THREADS=2 python benchmarks/spc_rounds.py mnist [--param value ...]
    python benchmarks/spc_rounds.py mnist-test-vectors --seed 1 --json-lines out.jsonl

``mnist`` is the MNIST test set; a ``standardize`` set goes through a StandardScaler in
a Pipeline, as in ``run.py``. One fit gives three outputs (issue #25's SPC items):
``acc_predict`` (``labels_``, the members' averaged heads), ``acc_ensemble`` (the kept
round's vote) and ``acc_last_round`` (the last round's vote). Extra ``--name value``
pairs override estimator parameters (ints/floats/strings).
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


def dataset_of(name):
    """The harness's data set of that name (``mnist``: the MNIST test set)."""
    return DATASETS["mnist-test" if name == "mnist" else name]


def load(name, data_home=None):
    """The harness's loader; ../shared/data is the default data home where it exists, as
    in ``run.py``."""
    if data_home is None and SHARED_DATA.is_dir():
        data_home = str(SHARED_DATA)
    return dataset_of(name).load(data_home, download=False)


def _value(text):
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return {"True": True, "False": False, "None": None}.get(text, text)


def main():
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from skdeepcluster import SelectivePseudoLabelClustering, clustering_accuracy

    parser = argparse.ArgumentParser()
    parser.add_argument("dataset", choices=sorted({"mnist", *DATASETS}))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data-home", default=None)
    parser.add_argument("--json-lines", default=None,
                        help="append the result as one line to this file")
    args, rest = parser.parse_known_args()
    params = {k.lstrip("-"): _value(v) for k, v in zip(rest[::2], rest[1::2], strict=True)}
    X, y = load(args.dataset, args.data_home)
    dataset = dataset_of(args.dataset)
    est = SelectivePseudoLabelClustering(
        n_clusters=dataset.n_clusters, random_state=args.seed, device="cpu", verbose=1,
        **params
    )
    model = make_pipeline(StandardScaler(), est) if dataset.standardize else est
    start = time.perf_counter()
    labels = model.fit_predict(X)
    seconds = time.perf_counter() - start
    mask = est.agreement_mask_
    result = {
        "dataset": args.dataset,
        "seed": args.seed,
        "n_samples": int(X.shape[0]),
        "params": params,
        "seconds": round(seconds, 1),
        "acc_predict": clustering_accuracy(y, labels),
        "acc_ensemble": clustering_accuracy(y, est.ensemble_labels_),
        "acc_last_round": clustering_accuracy(y, est.ensemble_labels_history_[-1]),
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
    if args.json_lines:
        with open(args.json_lines, "a") as out:
            out.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
