"""Label-free scores against ACC: which score can choose settings and n_clusters.

    python benchmarks/selection.py fit --dataset digits --methods ClusMatch,SPICE \
        --ks 4,7,10,13,16 --runs-dir DIR            # one fit per (method, k), kept as .npz
    python benchmarks/selection.py fit --dataset digits --methods ClusMatch --ks 10 \
        --params "pretrain_epochs=1,finetune_epochs=1" --runs-dir DIR   # a bad setting
    python benchmarks/selection.py table --runs-dir DIR --out results/selection.md
    python benchmarks/selection.py kept results/selection-grid*.md   # a grid search's pick
    python benchmarks/selection.py auto --dataset wine --methods ClusMatch,MTDC \
        --range 2,12 --out results/selection-auto.csv   # n_clusters="auto" itself
    python benchmarks/selection.py search --dataset wine --methods SPC --range 2,12 \
        --runs-dir DIR --out results/selection-search.csv   # its search, rule by rule

``fit`` keeps each fit's labels, embedding (``transform``) and the true classes, so every
score is computed afterwards from the same fits (``table``): the silhouette in the fit's
own embedding (``own``), the mean silhouette of its labels over the embeddings of all
the runs of that method and data set (``cross``), the mean of the two (``mix``, the rule
of ``n_clusters="auto"``), the silhouette in the scaled input (``input``), the linear
probe agreement (``probe``) and, where runs with seeds 0 and 1 of the same setting
exist, the adjusted Rand index between them (``stability``, on seed 0's row). The true
classes are read only by ``table``, for ACC. One process, one torch thread.
"""

import argparse
import collections
import contextlib
import csv
import sys
import time
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

SCORES = ("own", "cross", "mix", "input", "probe", "stability")


def _estimators():
    from skdeepcluster import (
        ClusMatch,
        MutualTaughtClustering,
        SelectivePseudoLabelClustering,
        SPICEClustering,
    )
    return {"SPICE": SPICEClustering, "SPC": SelectivePseudoLabelClustering,
            "ClusMatch": ClusMatch, "MTDC": MutualTaughtClustering}


def _load(name, data_home):
    from bench_datasets import DATASETS

    X, y = DATASETS[name].load(data_home=data_home, download=False)
    X = np.asarray(X, dtype=np.float32)
    if DATASETS[name].standardize:
        from sklearn.preprocessing import StandardScaler
        X = StandardScaler().fit_transform(X).astype(np.float32)
    return X, np.asarray(y)


def fit(args):
    import torch

    torch.set_num_threads(1)
    X, y = _load(args.dataset, args.data_home)
    params = eval(f"dict({args.params})") if args.params else {}  # a trusted command line
    runs = Path(args.runs_dir)
    runs.mkdir(parents=True, exist_ok=True)
    setting = "default" if not params else ",".join(f"{k}={v}" for k, v in params.items())
    for method in args.methods.split(","):
        for k in (int(k) for k in args.ks.split(",")):
            _fitted(runs, args.dataset, method, k, setting, args.seed, X, y, params)


def _fitted(runs, dataset, method, k, setting, seed, X, y, params):
    """The kept run of ``method`` at ``k`` (labels, embedding, true classes, fit time),
    fitted and saved first if ``runs`` does not hold it."""
    path = runs / f"{dataset}__{method}__k{k}__{setting}__s{seed}.npz"
    if not path.exists():
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            est = _estimators()[method](n_clusters=k, random_state=seed, **params)
            est.fit(X)
        seconds = time.perf_counter() - start
        np.savez(path, labels=est.labels_, embedding=est.transform(X), y=y, fit_s=seconds)
        print(f"{path.name}: {seconds:.1f} s", flush=True)
    return np.load(path)


def search(args):
    """The coarse-to-fine search of ``n_clusters="auto"`` under each rule, on fits
    shared between the rules (a fit at k is the one the search itself would make: same
    seed, same settings), kept in ``--runs-dir``; what each rule picks goes to ``--out``."""
    import torch

    from skdeepcluster.metrics import clustering_accuracy
    from skdeepcluster.metrics._unsupervised import SCORE_SAMPLE_SIZE, _subset

    torch.set_num_threads(1)
    X, y = _load(args.dataset, args.data_home)
    low, high = (int(v) for v in args.range.split(","))
    runs = Path(args.runs_dir)
    runs.mkdir(parents=True, exist_ok=True)
    rows = _subset(len(X), SCORE_SAMPLE_SIZE, 0)  # the rows the estimators score
    header = ["dataset", "method", "seed", "range", "rule", "true_k", "picked_k", "acc",
              "fit_s", "n_fits", "scores"]
    with _appending_csv(args.out, header) as (f, writer):
        for method in args.methods.split(","):
            for rule in args.rules.split(","):
                def fitted(k, method=method):
                    return _fitted(runs, args.dataset, method, k, "default", args.seed, X, y, {})

                picked, scores, fit_s = _search_once(fitted, rule, low, high, rows,
                                                     fallback=not args.no_fallback)
                name = f"{rule} (no fallback)" if args.no_fallback else rule
                writer.writerow([args.dataset, method, args.seed, f"{low}-{high}", name,
                                 np.unique(y).size, picked,
                                 f"{clustering_accuracy(y, fitted(picked)['labels']):.4f}",
                                 f"{fit_s:.1f}", len(scores),
                                 {k: round(v, 4) for k, v in scores.items()}])
                f.flush()
                print(args.dataset, method, rule, "picked", picked, flush=True)


def _search_once(fitted, rule, low, high, rows, fallback=True):
    """The search under ``rule`` ("own": each fit's silhouette in its own embedding;
    "cross": its mean silhouette over every fit's embedding; "mix": the mean of the two,
    the package's rule; "mix-1se": the fewest clusters within one standard error of the
    best by "mix", tried in session 32 and not adopted), on ``fitted(k)`` runs, scored
    on ``rows``, exactly as the estimators score; the pick, the scores, the fit time.
    ``fallback=False``: the search before session 31, which did not try the number of
    clusters an unusable fit (clusters left empty) used."""
    from skdeepcluster._n_clusters import CrossSilhouettes, coarse_to_fine_search
    from skdeepcluster.metrics import embedding_silhouette

    judged = CrossSilhouettes(own_weight=0.5 if rule in ("mix", "mix-1se") else 0.0)
    fit_s = []
    used = {}  # k -> the number of clusters its fit used

    def score_of(k):
        run = fitted(k)
        fit_s.append(float(run["fit_s"]))
        used[k] = np.unique(run["labels"]).size
        if used[k] < k:  # clusters left empty
            return -np.inf
        embedding, labels = run["embedding"][rows], run["labels"][rows]
        judged.add(k, embedding, labels)
        return embedding_silhouette(embedding, labels)

    def rescore(scores):
        return {**scores, **judged.scores()}

    picked, scores = coarse_to_fine_search(score_of, low, high,
                                           rescore=None if rule == "own" else rescore,
                                           used=used.get if fallback else None)
    if rule == "mix-1se" and np.isfinite(scores[picked]):
        rows_of = judged.row_scores()
        for k in (k for k in rows_of if k < picked):
            mean, error = _mean_difference(rows_of[picked], rows_of[k])
            print(f"  {k} vs {picked}: mean difference {mean:.4f}, standard error {error:.4f}",
                  flush=True)
        picked = fewest_within_one_se(rows_of, picked)
    return picked, scores, sum(fit_s)


def fewest_within_one_se(row_scores, best):
    """The smallest ``k`` whose score is within one standard error of ``best``'s (the
    one-standard-error rule), else ``best``.

    ``row_scores`` maps each candidate to its score row by row, on the same rows (a
    candidate's score is their mean); the error is that of the mean of the row-by-row
    differences to ``best``.
    """
    for k in sorted(k for k in row_scores if k < best):
        mean, error = _mean_difference(row_scores[best], row_scores[k])
        if mean <= error:
            return k
    return best


def _mean_difference(top, other):
    """The mean of the row-by-row differences ``top - other`` and its standard error
    (nan for a single row, which then never counts as within)."""
    diff = np.asarray(top, dtype=float) - np.asarray(other, dtype=float)
    error = diff.std(ddof=1) / np.sqrt(diff.size) if diff.size > 1 else np.nan
    return diff.mean(), error


def table(args):
    from scipy.stats import spearmanr

    from skdeepcluster.metrics import (
        clustering_accuracy,
        embedding_silhouette,
        label_stability,
        probe_agreement,
    )

    groups = collections.defaultdict(list)
    for path in sorted(Path(args.runs_dir).glob("*.npz")):
        dataset, method, k, setting, seed = path.stem.split("__")
        groups[(dataset, method)].append((int(k[1:]), setting, int(seed[1:]), np.load(path)))
    inputs = {}
    lines = ["| dataset | method | k | setting | seed | ACC | " + " | ".join(SCORES) + " |",
             "|---|---|---:|---|---:|---:|" + "---:|" * len(SCORES)]
    summary = ["| dataset | method | runs | true k | " + " | ".join(
        f"{s}: k picked, Spearman" for s in SCORES) + " |",
        "|---|---|---:|---:|" + "---|" * len(SCORES)]
    for (dataset, method), runs in sorted(groups.items()):
        if dataset not in inputs:
            from sklearn.preprocessing import StandardScaler
            X, _ = _load(dataset, args.data_home)
            inputs[dataset] = StandardScaler().fit_transform(X.reshape(len(X), -1))
        rows = []
        by_seed = {(k, setting, seed): run for k, setting, seed, run in runs}
        for k, setting, seed, run in sorted(runs, key=lambda r: (r[1], r[0], r[2])):
            if seed != 0:
                continue
            labels = run["labels"]
            twin = by_seed.get((k, setting, 1))
            own = embedding_silhouette(run["embedding"], labels)
            cross = np.mean([embedding_silhouette(r[3]["embedding"], labels) for r in runs])
            scores = {
                "own": own,
                "cross": cross,
                "mix": (own + cross) / 2,
                "input": embedding_silhouette(inputs[dataset], labels, metric="euclidean"),
                "probe": probe_agreement(run["embedding"], labels),
                "stability": (label_stability(labels, twin["labels"]) if twin is not None
                              else float("nan")),
            }
            acc = clustering_accuracy(run["y"], labels)
            rows.append((k, setting, seed, acc, scores))
            lines.append(f"| {dataset} | {method} | {k} | {setting} | {seed} | {acc:.3f} | "
                         + " | ".join(f"{scores[s]:.3f}" for s in SCORES) + " |")
        true_k = np.unique(runs[0][3]["y"]).size
        cells = []
        for s in SCORES:
            scored = [r for r in rows if np.isfinite(r[4][s])]
            default = [r for r in scored if r[1] == "default"]
            picked = max(default, key=lambda r: r[4][s])[0] if default else "-"
            rho = (spearmanr([r[4][s] for r in scored], [r[3] for r in scored])[0]
                   if len(scored) > 2 else float("nan"))
            cells.append(f"{picked}, {rho:.2f}")
        summary.append(f"| {dataset} | {method} | {len(rows)} | {true_k} | "
                       + " | ".join(cells) + " |")
    text = ("Per run (seed 0):\n\n" + "\n".join(lines) + "\n\nPer method (k picked "
            "among the default-setting runs; Spearman over all runs, bad settings "
            "included):\n\n"
            + "\n".join(summary) + "\n")
    if args.out:
        Path(args.out).write_text(text)
    print(text)


def kept(args):
    """What a grid search that keeps the best-scoring run would keep, by each score, read
    from the per-run rows of ``table`` outputs: per (dataset, method) group, the ACC of
    the kept run and whether it is a bad (non-default) setting; then the mean over the
    groups against the best ACC of each group."""
    groups = collections.defaultdict(list)
    for line in (line for path in args.tables for line in Path(path).read_text().splitlines()):
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 6 + len(SCORES) or cells[4] != "0":
            continue  # a header, the per-method summary, or another seed
        scores = dict(zip(SCORES, map(float, cells[6:]), strict=True))
        groups[(cells[0], cells[1])].append((cells[3], float(cells[5]), scores))
    if args.exclude:
        groups = {g: r for g, r in groups.items() if g[0] not in args.exclude.split(",")}
    named = [s for s in SCORES if s != "stability"]
    lines = ["| dataset | method | best ACC | " + " | ".join(named) + " |",
             "|---|---|---:|" + "---|" * len(named)]
    acc, bad = collections.Counter(), collections.Counter()
    for (dataset, method), runs in sorted(groups.items()):
        cells = []
        for s in named:
            setting, run_acc, _ = max(runs, key=lambda r: r[2][s])
            acc[s] += run_acc
            bad[s] += setting != "default"
            cells.append(f"{run_acc:.3f}" + ("" if setting == "default" else " (bad)"))
        lines.append(f"| {dataset} | {method} | {max(r[1] for r in runs):.3f} | "
                     + " | ".join(cells) + " |")
    n = len(groups)
    best = np.mean([max(r[1] for r in runs) for runs in groups.values()])
    lines.append(f"| mean of {n} | | {best:.3f} | " + " | ".join(
        f"{acc[s] / n:.3f}, {bad[s]} bad" for s in named) + " |")
    print("\n".join(lines))


def auto(args):
    """Fit ``n_clusters="auto"`` and append what it picked to ``--out`` (CSV)."""
    import torch

    from skdeepcluster.metrics import clustering_accuracy

    torch.set_num_threads(1)
    X, y = _load(args.dataset, args.data_home)
    low, high = (int(v) for v in args.range.split(","))
    header = ["dataset", "method", "seed", "range", "true_k", "picked_k", "acc", "fit_s",
              "n_fits", "scores"]
    with _appending_csv(args.out, header) as (f, writer):
        for method in args.methods.split(","):
            start = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                est = _estimators()[method](n_clusters="auto", n_clusters_range=(low, high),
                                            random_state=args.seed).fit(X)
            seconds = time.perf_counter() - start
            scores = {k: round(v, 4) for k, v in est.n_clusters_scores_.items()}
            writer.writerow([args.dataset, method, args.seed, f"{low}-{high}",
                             np.unique(y).size, est.n_clusters_,
                             f"{clustering_accuracy(y, est.labels_):.4f}", f"{seconds:.1f}",
                             len(scores), scores])
            f.flush()
            print(args.dataset, method, "picked", est.n_clusters_, f"{seconds:.0f} s", scores,
                  flush=True)


@contextlib.contextmanager
def _appending_csv(path, header):
    """The CSV file at ``path`` opened for appending (``header`` written first if it is
    new), and its writer."""
    path = Path(path)
    new = not path.exists()
    with path.open("a", newline="") as f:
        writer = csv.writer(f)
        if new:
            writer.writerow(header)
        yield f, writer


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    fitting = argparse.ArgumentParser(add_help=False)  # what fit and auto both take
    fitting.add_argument("--dataset", default="digits")
    fitting.add_argument("--seed", type=int, default=0)
    fitting.add_argument("--data-home")
    f = sub.add_parser("fit", parents=[fitting])
    f.add_argument("--methods", default="SPICE,SPC,ClusMatch,MTDC")
    f.add_argument("--ks", default="4,7,10,13,16")
    f.add_argument("--params", default="")
    f.add_argument("--runs-dir", required=True)
    t = sub.add_parser("table")
    t.add_argument("--runs-dir", required=True)
    t.add_argument("--data-home")
    t.add_argument("--out")
    a = sub.add_parser("auto", parents=[fitting])
    a.add_argument("--methods", default="ClusMatch")
    a.add_argument("--range", default="2,30")
    a.add_argument("--out", required=True)
    k = sub.add_parser("kept")
    k.add_argument("tables", nargs="+", help="files written by the table command")
    k.add_argument("--exclude", default="", help="data sets left out, comma-separated")
    r = sub.add_parser("search", parents=[fitting])
    r.add_argument("--methods", default="ClusMatch")
    r.add_argument("--range", default="2,30")
    r.add_argument("--rules", default="own,cross,mix")
    r.add_argument("--no-fallback", action="store_true",
                   help="the former search: no try of the number of clusters a fit that "
                        "left clusters empty used (rules written as 'RULE (no fallback)')")
    r.add_argument("--runs-dir", required=True)
    r.add_argument("--out", required=True)
    args = p.parse_args(argv)
    {"fit": fit, "table": table, "kept": kept, "auto": auto, "search": search}[args.command](args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
