"""Restarts kept by a label-free score: what ``LabelFreeGridSearch`` over ``random_state``
keeps, against the seeds' mean ACC, per estimator and table.

    python benchmarks/restarts.py fit --datasets wine,penguins --estimators spice,mtdc \
        --seeds 0,1,2,3,4 --data-home DIR --runs-dir RUNS   # one .npz per fit
    python benchmarks/restarts.py table --runs-dir RUNS     # markdown, to stdout
    python benchmarks/restarts.py fit ... --params "batch_size=64" --runs-dir RUNS64

``--params`` sets estimator parameters other than the defaults (``name=value``,
comma-separated, values as Python literals), so two runs folders compare two settings
seed by seed; ``--mlp-hidden 128,128`` gives each fit an ``MLPBackbone`` with those
hidden widths (the default backbone's are 512, 512) sized to the table's columns and
initialised from the seed (compare with ``--mlp-hidden 512,512``, the same path).

``fit`` runs ``make_pipeline(StandardScaler(), estimator(k, random_state=seed))`` at the
defaults, one process and one torch thread, and keeps each fit's labels, its embedding
and labels of the scored rows (``score_rows``, as the search scores them) and the true
classes. ``table`` then applies each rule to the seeds of a (dataset, estimator):
``own``, ``mix`` and ``cross`` are :class:`CrossSilhouettes` with ``own_weight`` 1, 0.5
(``LabelFreeGridSearch``'s default) and 0; ``consensus`` keeps the seed whose labels
have the highest mean adjusted Rand index with the other seeds'. The true classes are
read only for ACC.
"""

import argparse
import ast
import collections
import sys
import time
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

RULES = ("own", "mix", "cross", "consensus")
OWN_WEIGHTS = {"own": 1.0, "mix": 0.5, "cross": 0.0}


def fit(args):
    import torch
    from bench_datasets import DATASETS
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    import skdeepcluster as sk
    from skdeepcluster.metrics import clustering_accuracy
    from skdeepcluster.metrics._unsupervised import score_rows

    torch.set_num_threads(1)
    classes = {"spice": sk.SPICEClustering, "spc": sk.SelectivePseudoLabelClustering,
               "clusmatch": sk.ClusMatch, "mtdc": sk.MutualTaughtClustering}
    params = {key: ast.literal_eval(value) for key, value in
              (item.split("=", 1) for item in args.params.split(",") if item)}
    runs = Path(args.runs_dir)
    runs.mkdir(parents=True, exist_ok=True)
    for name in args.datasets.split(","):
        X, y = DATASETS[name].load(args.data_home, True)
        X = X.reshape(len(X), -1)
        k = np.unique(y).size
        for est in args.estimators.split(","):
            for seed in map(int, args.seeds.split(",")):
                path = runs / f"{name}__{est}__{seed}.npz"
                if path.exists():
                    continue
                if args.mlp_hidden:
                    widths = tuple(int(w) for w in args.mlp_hidden.split(","))
                    torch.manual_seed(seed)  # its initial weights follow the seed too
                    params["backbone"] = sk.nn.MLPBackbone(X.shape[1], hidden=widths)
                model = make_pipeline(StandardScaler(), classes[est](
                    k, random_state=seed, device="cpu", **params))
                start = time.perf_counter()
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    labels = model.fit_predict(X)
                seconds = time.perf_counter() - start
                scored = score_rows(X)
                np.savez(path, labels=labels, embedding=model.transform(scored),
                         scored_labels=model.predict(scored), y=y, fit_s=seconds)
                print(name, est, seed, f"{clustering_accuracy(y, labels):.4f}",
                      f"{seconds:.1f}", flush=True)


def kept(fits):
    """{rule: the seed it keeps} among ``fits`` ({seed: run})."""
    from sklearn.metrics import adjusted_rand_score

    from skdeepcluster._n_clusters import CrossSilhouettes

    picks = {}
    for rule, weight in OWN_WEIGHTS.items():
        judged = CrossSilhouettes(weight)
        for seed, run in fits.items():
            judged.add(seed, run["embedding"], run["scored_labels"])
        scores = judged.scores()
        picks[rule] = max(scores, key=scores.get)
    agreement = {s: np.mean([adjusted_rand_score(fits[s]["labels"], fits[t]["labels"])
                             for t in fits if t != s]) for s in fits}
    picks["consensus"] = max(agreement, key=agreement.get)
    return picks


def table(args):
    from skdeepcluster.metrics import clustering_accuracy

    groups = collections.defaultdict(dict)
    for path in sorted(Path(args.runs_dir).glob("*.npz")):
        dataset, est, seed = path.stem.split("__")
        groups[dataset, est][int(seed)] = np.load(path)
    lines = ["| dataset | estimator | ACC of seeds " + ", ".join(map(str, sorted(
        next(iter(groups.values()))))) + " | mean | " + " | ".join(RULES) + " | best |",
        "|---|---|---|---:|" + "---:|" * (len(RULES) + 1)]
    totals = collections.defaultdict(list)
    for (dataset, est), fits in sorted(groups.items(), key=lambda g: (g[0][1], g[0][0])):
        acc = {s: clustering_accuracy(run["y"], run["labels"]) for s, run in fits.items()}
        picks = kept(fits)
        cells = {"mean": np.mean(list(acc.values())), "best": max(acc.values()),
                 **{rule: acc[seed] for rule, seed in picks.items()}}
        for column, value in cells.items():
            totals[est, column].append(value)
        lines.append(f"| {dataset} | {est} | " + " / ".join(f"{acc[s]:.3f}" for s in sorted(acc))
                     + f" | {cells['mean']:.3f} | "
                     + " | ".join(f"{cells[r]:.3f}" for r in RULES) + f" | {cells['best']:.3f} |")
    lines += ["", "| estimator | data sets | mean | " + " | ".join(RULES) + " | best |",
              "|---|---:|---:|" + "---:|" * (len(RULES) + 1)]
    for est in sorted({e for e, _ in totals}):
        n = len(totals[est, "mean"])
        lines.append(f"| {est} | {n} | " + " | ".join(
            f"{np.mean(totals[est, c]):.3f}" for c in ("mean", *RULES, "best")) + " |")
    print("\n".join(lines))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    f = sub.add_parser("fit")
    f.add_argument("--datasets", required=True)
    f.add_argument("--estimators", default="spice,clusmatch,mtdc")
    f.add_argument("--seeds", default="0,1,2,3,4")
    f.add_argument("--params", default="", help="e.g. 'bce_weight=1.0,batch_size=64'")
    f.add_argument("--mlp-hidden", default="", help="e.g. '128,128'")
    f.add_argument("--data-home")
    f.add_argument("--runs-dir", required=True)
    t = sub.add_parser("table")
    t.add_argument("--runs-dir", required=True)
    args = p.parse_args(argv)
    {"fit": fit, "table": table}[args.command](args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
