"""Merge the scaling runs into ``results/scaling.csv`` and draw ``results/scaling.png``:
fit time and peak RSS of each method against n (log-log, with a line of slope 1).

    python benchmarks/scaling_figure.py

The runs are the harness's result files named in ``SOURCES``, read in that order: where
two give the same (method, n), the later one (the current code's) is kept.
``results/scaling.md`` says which commit and load each came from.
"""

import csv
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"

#: Oldest first; a later file's row replaces an earlier one's for the same (method, n).
SOURCES = [
    "scaling-small", "scaling-100k", "scaling-1m", "scaling-1m-3m", "scaling-30k-spc",
    "scaling-100k-spc", "scaling-small-spc", "scaling-30k-spc-sub", "scaling-100k-spc-sub",
]
COLUMNS = ["method", "n_samples", "status", "acc", "fit_s", "peak_rss_mb",
           "rss_before_fit_mb", "source"]


def merged_rows():
    """One row per (method, n): the last of ``SOURCES`` that has it."""
    rows = {}
    for name in SOURCES:
        with open(RESULTS / f"{name}.csv", newline="") as f:
            for row in csv.DictReader(f):
                key = (row["method"], int(row["n_samples"]))
                rows[key] = {**{c: row.get(c, "") for c in COLUMNS}, "source": f"{name}.csv"}
    return [rows[k] for k in sorted(rows)]


def plot(rows, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    methods = sorted({r["method"] for r in rows})
    for ax, column, label in [(axes[0], "fit_s", "fit time (s)"),
                              (axes[1], "peak_rss_mb", "peak RSS (MB)")]:
        for method in methods:
            points = [(int(r["n_samples"]), float(r[column])) for r in rows
                      if r["method"] == method and r["status"] == "ok" and r[column]]
            if points:
                ax.plot(*zip(*points, strict=True), marker="o",
                        label=method.replace(" on vectors", ""))
        ns = sorted({int(r["n_samples"]) for r in rows})
        ref = [float(r[column]) for r in rows if r["status"] == "ok" and r[column]]
        start = min(ref) if column == "fit_s" else max(ref) / (ns[-1] / ns[0])
        ax.plot(ns, [max(start, 1e-2) * n / ns[0] for n in ns], "k:", label="slope 1")
        ax.set(xscale="log", yscale="log", xlabel="n (rows of 64-d vectors)", ylabel=label)
        ax.grid(True, which="both", alpha=0.3)
    axes[0].legend(fontsize=8)
    fig.suptitle("Scaling on the gmm64 mixture (2-core CPU, one torch thread)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main():
    rows = merged_rows()
    with open(RESULTS / "scaling.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    plot(rows, RESULTS / "scaling.png")
    print(f"wrote {RESULTS / 'scaling.csv'} ({len(rows)} rows) and {RESULTS / 'scaling.png'}")


if __name__ == "__main__":
    main()
