"""The ``skdeepcluster`` command: fit and predict on data files, and a demo."""

import argparse
import ast
import csv
import os
import sys
import time

import numpy as np

import skdeepcluster

#: Estimators of the package, by class name; the demo runs the ones this version has.
ESTIMATORS = (
    "SPICEClustering",
    "SelectivePseudoLabelClustering",
    "ClusMatch",
    "MutualTaughtClustering",
)
#: Short names the command line also takes (case does not matter).
ALIASES = {"spice": "SPICEClustering", "spc": "SelectivePseudoLabelClustering",
           "clusmatch": "ClusMatch", "mtdc": "MutualTaughtClustering"}
#: Settings of the quick demo: each estimator fits sklearn's digits in well under a minute
#: on a 2-core CPU (``--full`` runs the defaults).
QUICK_DEMO = {
    "SPICEClustering": dict(pretrain_epochs=100, head_epochs=5, semi_epochs=15),
    "SelectivePseudoLabelClustering": dict(pretrain_epochs=25, epochs_per_round=4,
                                           max_rounds=3),
    "ClusMatch": dict(pretrain_epochs=60, finetune_epochs=30),
    "MutualTaughtClustering": dict(epochs=150),
}

DESCRIPTION = """\
Deep clustering from the command line.

  skdeepcluster fit DATA --method NAME --n-clusters K   cluster a data file
  skdeepcluster predict MODEL DATA                      label new rows with a saved model
  skdeepcluster demo                                    every estimator on sklearn's digits

DATA is a .csv or .tsv file (numeric columns, with or without a header row), a .npy or
.npz array, or a .parquet file (needs pyarrow). Run 'skdeepcluster COMMAND --help' for
the options of a command."""


class CommandError(Exception):
    """A problem with the user's input: reported on one line, exit status 2."""


# ---------------------------------------------------------------------- data files
def read_data(path):
    """The numeric array in ``path`` (see DESCRIPTION for the formats)."""
    if not os.path.isfile(path):
        raise CommandError(f"no such file: {path}")
    ext = os.path.splitext(path)[1].lower()
    if ext == ".npy":
        return np.load(path, allow_pickle=False)
    if ext == ".npz":
        with np.load(path, allow_pickle=False) as arrays:
            keys = list(arrays.keys())
            if len(keys) != 1 and "X" not in keys:
                raise CommandError(f"{path} holds arrays {keys}; keep one, or name it 'X'")
            return arrays["X" if "X" in keys else keys[0]]
    if ext == ".parquet":
        return _read_parquet(path)
    if ext in (".csv", ".tsv", ".txt"):
        return _read_table(path, "\t" if ext == ".tsv" else None)
    raise CommandError(f"{path}: unknown format '{ext}' (use .csv, .tsv, .npy, .npz or "
                       ".parquet)")


def _read_table(path, delimiter):
    with open(path, newline="") as f:
        sample = f.read(65536)
        f.seek(0)
        if delimiter is None:
            try:
                delimiter = csv.Sniffer().sniff(sample, delimiters=",;\t ").delimiter
            except csv.Error:
                delimiter = ","
        rows = [row for row in csv.reader(f, delimiter=delimiter) if row]
    if not rows:
        raise CommandError(f"{path} is empty")
    header = None
    if not all(_is_number(v) for v in rows[0]):
        header, rows = rows[0], rows[1:]
    names = header or [f"column {i + 1}" for i in range(len(rows[0]) if rows else 0)]
    if not rows:
        raise CommandError(f"{path} has a header but no data rows")
    widths = {len(row) for row in rows}
    if widths != {len(names)}:
        raise CommandError(f"{path}: rows have {sorted(widths)} fields, the first row "
                           f"{len(names)}")
    text = [name for j, name in enumerate(names)
            if not all(_is_number(row[j]) for row in rows)]
    if text:
        raise CommandError(f"{path}: non-numeric column(s) {', '.join(map(repr, text))}; "
                           "drop or encode them first")
    return np.array([[float(v) if v.strip() else np.nan for v in row] for row in rows])


def _is_number(value):
    if not value.strip():
        return True  # an empty field is a missing value, not text
    try:
        float(value)
    except ValueError:
        return False
    return True


def _read_parquet(path):
    try:
        import pandas as pd

        frame = pd.read_parquet(path)
    except ImportError as exc:
        raise CommandError(f"reading {path} needs pandas and pyarrow "
                           "(pip install pandas pyarrow)") from exc
    text = [str(c) for c in frame.columns if not np.issubdtype(frame[c].dtype, np.number)]
    if text:
        raise CommandError(f"{path}: non-numeric column(s) {', '.join(map(repr, text))}")
    return frame.to_numpy(dtype=np.float64)


def write_column(path, header, values):
    """One value per row under ``header``; ``path`` None writes to standard output."""
    out = sys.stdout if path is None else open(path, "w", newline="")
    try:
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(values)
    finally:
        if path is not None:
            out.close()


# ---------------------------------------------------------------------- commands
def estimator_class(name):
    full = ALIASES.get(name.lower(), name)
    if full not in ESTIMATORS or not hasattr(skdeepcluster, full):
        valid = ", ".join([*ESTIMATORS, *sorted(ALIASES)])
        raise CommandError(f"unknown method {name!r}; choose one of {valid}")
    return getattr(skdeepcluster, full)


def fit(args):
    import joblib

    X = read_data(args.data)
    params = dict(n_clusters=args.n_clusters, device=args.device,
                  random_state=args.random_state, verbose=args.verbose)
    if args.image_shape:
        params["image_shape"] = tuple(args.image_shape)
    est = estimator_class(args.method)(**params)
    try:
        est.set_params(**dict(_parameter(p) for p in args.param or ()))
    except ValueError as exc:
        raise CommandError(str(exc)) from exc
    start = time.perf_counter()
    try:
        labels = est.fit_predict(X)
    except ValueError as exc:
        raise CommandError(str(exc)) from exc
    seconds = time.perf_counter() - start
    write_column(args.output, ["label"], ([int(v)] for v in labels))
    if args.save:
        joblib.dump(est, args.save)
    _report(labels, est.n_clusters, f"{type(est).__name__} fitted {len(labels)} rows in "
            f"{seconds:.1f} s", to_stderr=args.output is None)
    return 0


def _parameter(text):
    """``NAME=VALUE`` -> (name, value); the value is read as a Python literal when it is
    one (3, 0.5, None, True, "auto"), else kept as a string."""
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise CommandError(f"--param takes NAME=VALUE, got {text!r}")
    try:
        return name, ast.literal_eval(value)
    except (ValueError, SyntaxError):
        return name, value


def predict(args):
    import joblib

    try:
        est = joblib.load(args.model)
    except (OSError, EOFError, ValueError) as exc:
        raise CommandError(f"cannot read the model {args.model}: {exc}") from exc
    X = read_data(args.data)
    try:
        if args.proba:
            proba = est.predict_proba(X)
            write_column(args.output, [f"cluster_{k}" for k in range(proba.shape[1])],
                         ([f"{p:.6g}" for p in row] for row in proba))
            labels = proba.argmax(1)
        else:
            labels = est.predict(X)
            write_column(args.output, ["label"], ([int(v)] for v in labels))
    except ValueError as exc:
        raise CommandError(str(exc)) from exc
    _report(labels, est.n_clusters, f"{type(est).__name__} labelled {len(labels)} rows",
            to_stderr=args.output is None)
    return 0


def _report(labels, n_clusters, headline, to_stderr):
    sizes = np.bincount(np.asarray(labels, dtype=int), minlength=n_clusters)
    print(headline, file=sys.stderr if to_stderr else sys.stdout)
    print("cluster sizes: " + ", ".join(f"{k}: {n}" for k, n in enumerate(sizes)),
          file=sys.stderr if to_stderr else sys.stdout)


def demo(args):
    from sklearn.cluster import KMeans
    from sklearn.datasets import load_digits
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    from skdeepcluster.metrics import clustering_accuracy

    digits = load_digits()
    images, y = (digits.images / 16.0).astype(np.float32), digits.target
    mode = "defaults" if args.full else "quick settings (--full: the defaults)"
    print(f"skdeepcluster {skdeepcluster.__version__}: sklearn digits, 1797 images of 8x8, "
          f"10 clusters, device={args.device}, {mode}")
    candidates = [("KMeans", lambda: KMeans(10, n_init=10, random_state=args.random_state))]
    for name in ESTIMATORS:
        cls = getattr(skdeepcluster, name, None)
        if cls is not None:
            settings = {} if args.full else QUICK_DEMO.get(name, {})
            candidates.append((name, lambda cls=cls, s=settings: cls(
                n_clusters=10, device=args.device, random_state=args.random_state, **s)))
    only = {estimator_class(n).__name__ if n != "KMeans" else n for n in args.only or ()}
    print(f"{'method':<32}{'ACC':>8}{'NMI':>8}{'ARI':>8}{'seconds':>10}")
    failed = False
    for name, make in candidates:
        if only and name not in only:
            continue
        print(f"{name:<32}  fitting ...", end="\r", file=sys.stderr, flush=True)
        X = images.reshape(len(images), -1) if name == "KMeans" else images
        start = time.perf_counter()
        try:
            labels = make().fit_predict(X)
        except Exception as exc:  # a broken estimator gets a row, not a crash of the demo
            failed = True
            print(f"{name:<32}  failed: {type(exc).__name__}: {exc}")
            continue
        print(f"{name:<32}{clustering_accuracy(y, labels):8.3f}"
              f"{normalized_mutual_info_score(y, labels):8.3f}"
              f"{adjusted_rand_score(y, labels):8.3f}{time.perf_counter() - start:10.1f}",
              flush=True)
    return 1 if failed else 0


# ---------------------------------------------------------------------- parser
def build_parser():
    parser = argparse.ArgumentParser(
        prog="skdeepcluster", description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version",
                        version=f"skdeepcluster {skdeepcluster.__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("fit", help="cluster the rows of a data file",
                       description="Fit an estimator to DATA and write one label per row.")
    p.add_argument("data", metavar="DATA", help="the data file (.csv, .tsv, .npy, .npz, "
                   ".parquet)")
    p.add_argument("--method", required=True, metavar="NAME",
                   help="estimator: " + ", ".join([*ESTIMATORS, *sorted(ALIASES)]))
    p.add_argument("--n-clusters", type=int, required=True, metavar="K",
                   help="number of clusters")
    p.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N (default: "
                   "auto)")
    p.add_argument("--random-state", type=int, default=0, metavar="S",
                   help="seed of the fit (default: 0)")
    p.add_argument("--output", metavar="FILE",
                   help="write the labels here as CSV (default: standard output)")
    p.add_argument("--save", metavar="FILE", help="save the fitted model (joblib) here")
    p.add_argument("--image-shape", type=int, nargs="+", metavar="N",
                   help="read each row as an image: H W, or C H W")
    p.add_argument("--param", action="append", metavar="NAME=VALUE",
                   help="set an estimator parameter, e.g. --param pretrain_epochs=50 "
                        "(repeatable)")
    p.add_argument("--verbose", type=int, default=0, metavar="V",
                   help="1: a progress bar per training stage (default: 0)")
    p.set_defaults(run=fit)

    p = sub.add_parser("predict", help="label the rows of a data file with a saved model",
                       description="Label DATA with a model saved by 'skdeepcluster fit "
                                   "--save'.")
    p.add_argument("model", metavar="MODEL", help="the saved model (joblib)")
    p.add_argument("data", metavar="DATA", help="the data file, laid out as in fit")
    p.add_argument("--output", metavar="FILE",
                   help="write the labels here as CSV (default: standard output)")
    p.add_argument("--proba", action="store_true",
                   help="write the cluster probabilities instead of the labels")
    p.set_defaults(run=predict)

    p = sub.add_parser("demo", help="every estimator and KMeans on sklearn's digits",
                       description="Cluster sklearn's 1,797 digits (8x8 images) with every "
                                   "estimator and KMeans; print ACC, NMI, ARI and seconds.")
    p.add_argument("--full", action="store_true",
                   help="the estimators' default settings (minutes each) instead of the "
                        "quick ones")
    p.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N (default: "
                   "auto)")
    p.add_argument("--random-state", type=int, default=0, metavar="S",
                   help="seed of every fit (default: 0)")
    p.add_argument("--only", nargs="+", metavar="NAME",
                   help="run only these methods (KMeans or estimator names)")
    p.set_defaults(run=demo)
    return parser


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except CommandError as exc:
        parser.exit(2, f"skdeepcluster {args.command}: error: {exc}\n")


if __name__ == "__main__":
    sys.exit(main())
