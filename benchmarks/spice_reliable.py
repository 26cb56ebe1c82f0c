"""SPICE's reliable set: the paper's rule against the former default, from one fit
(issue #25).

The paper: a sample is reliable iff its neighbours agree with its label AND it is
confident; every cluster's set is then cut to the smallest one's size. The former
default (``min_reliable_per_cluster=100``, until session 20): a cluster with fewer
reliable samples is first filled up to 100 with its best-agreeing members, so one such
cluster makes every cluster 100.

This script fits SPICE with the former rule and, at the start of stage 3, also selects
the paper's set (``min_per_cluster=1``, today's default: only a cluster with no reliable
sample gets its single best-agreeing member, where the reference's set would be empty)
from the same state, then runs stage 3 a second time on it from the same network and
random state. Stages 1-2 run once. Both models are scored here, outside the fit.

    python benchmarks/spice_reliable.py digits --seed 0 --json-lines out.jsonl
    python benchmarks/spice_reliable.py mnist-test-vectors --data-home DIR --seed 1
"""

import argparse
import copy
import dataclasses
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

from spc_rounds import dataset_of, load  # noqa: E402

import skdeepcluster.cluster._spice as spice_module  # noqa: E402
from skdeepcluster import SPICEClustering, clustering_accuracy  # noqa: E402
from skdeepcluster.nn import forward_in_batches  # noqa: E402

FORMER_FLOOR, PAPER_FLOOR = 100, 1


class TwoRuleCapture:
    """Wraps the reliable selection and stage 3 of one SPICE fit: the former rule's set
    goes on into the fit; the paper's set gets its own stage-3 run from the same start."""

    def __init__(self):
        self.sets = {}
        self.labels = {}
        self.seconds = {}
        self._select = spice_module.select_reliable
        self._stage = spice_module.SemiSupervisedTraining

    def install(self):
        capture = self

        def select(proba, embedding, **kwargs):
            rng = kwargs["random_state"]
            state = rng.get_state()
            paper = capture._select(proba, embedding,
                                    **{**kwargs, "min_per_cluster": PAPER_FLOOR})
            rng.set_state(state)  # the former rule's set draws from the same state
            former = capture._select(proba, embedding, **kwargs)
            capture.sets = {"former": former, "paper": paper}
            return former

        class Stage(self._stage):
            def run(stage, ctx, module, labeled_idx, labeled_labels, **kwargs):
                start = copy.deepcopy(module)
                torch_state, np_state = torch.get_rng_state(), ctx.rng.get_state()
                t = time.perf_counter()
                result = super().run(ctx, module, labeled_idx, labeled_labels, **kwargs)
                capture.seconds["former"] = time.perf_counter() - t
                capture.labels["former"] = capture.predict(result[1], ctx)
                after = torch.get_rng_state(), ctx.rng.get_state()
                torch.set_rng_state(torch_state)
                ctx.rng.set_state(np_state)
                paper = capture.sets["paper"]
                t = time.perf_counter()
                # a fresh stage (its own EMA), run without this capture
                _, model = capture._stage.run(dataclasses.replace(stage), ctx, start,
                                              paper.indices, paper.labels, **kwargs)
                capture.seconds["paper"] = time.perf_counter() - t
                capture.labels["paper"] = capture.predict(model, ctx)
                torch.set_rng_state(after[0])
                ctx.rng.set_state(after[1])
                return result

        spice_module.select_reliable = select
        spice_module.SemiSupervisedTraining = Stage

    @staticmethod
    @torch.no_grad()
    def predict(model, ctx):
        return forward_in_batches(model.eval(), ctx.data, 512).argmax(1).cpu().numpy()


def main():
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    parser = argparse.ArgumentParser()
    parser.add_argument("dataset")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data-home", default=None)
    parser.add_argument("--json-lines", default=None)
    args = parser.parse_args()
    torch.set_num_threads(1)
    X, y = load(args.dataset, args.data_home)
    dataset = dataset_of(args.dataset)
    capture = TwoRuleCapture()
    capture.install()
    est = SPICEClustering(n_clusters=dataset.n_clusters, random_state=args.seed,
                          device="cpu", min_reliable_per_cluster=FORMER_FLOOR)
    model = make_pipeline(StandardScaler(), est) if dataset.standardize else est
    start = time.perf_counter()
    labels = model.fit_predict(X)
    seconds = time.perf_counter() - start
    y = np.asarray(y)
    result = {"dataset": args.dataset, "seed": args.seed, "fit_s": round(seconds, 1),
              "acc_labels_": clustering_accuracy(y, labels),
              "acc_stage2": clustering_accuracy(y, est.self_labels_)}
    for rule, sel in capture.sets.items():
        counts = np.bincount(sel.labels, minlength=dataset.n_clusters)
        result.update({
            f"acc_{rule}": clustering_accuracy(y, capture.labels[rule]),
            f"labelled_{rule}": int(len(sel.indices)),
            f"labelled_per_cluster_{rule}": [int(c) for c in counts],
            f"labelled_acc_{rule}": clustering_accuracy(y[sel.indices], sel.labels),
            f"stage3_s_{rule}": round(capture.seconds[rule], 1),
        })
    print(json.dumps(result))
    if args.json_lines:
        with open(args.json_lines, "a") as out:
            out.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
