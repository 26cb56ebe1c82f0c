"""Collect every ablation result file into one table, ``results/ablations.csv``.

One row per fit and rule: the harness's ``ablation-*.csv`` files (a row per method,
the rule being the method's name) and the JSON lines of ``spc_rounds.py`` and
``spice_reliable.py`` (two or three rules measured from one fit, or one fit per rule
named by its parameters). ``item`` is the
file's name without ``ablation-``, the data set part and a ``-seed<N>`` / ``-seeds<N>``
end (a run of some of the seeds), e.g. ``threshold-momentum``;
the commentary is ``results/ablations.md``.

    python benchmarks/ablations_table.py
"""

import csv
import json
import pathlib
import re

RESULTS = pathlib.Path(__file__).resolve().parent / "results"
COLUMNS = ("item", "source", "dataset", "seed", "rule", "acc", "nmi", "ari", "fit_s")
# suffixes of the harness files that name the data set, not the item
DATASET_SUFFIXES = ("-digits-vectors", "-digits", "-mnist-vectors", "-mnist-here", "-mnist",
                    "-fashion", "-tables")
# the rules a JSON-lines file compares from one fit: (rule name, ACC key)
SPC_OUTPUTS = [("labels_ (the heads)", "acc_predict"),
               ("the kept round's vote", "acc_ensemble"),
               ("the last round's vote", "acc_last_round")]
JSONL_RULES = {
    "ablation-spc-rounds.jsonl": SPC_OUTPUTS,
    "ablation-spc-round0.jsonl": SPC_OUTPUTS,  # round 0 among the candidates
    "ablation-spice-reliable.jsonl": [("reliable floor 100 (former)", "acc_former"),
                                      ("the paper's reliable set", "acc_paper")],
    # one fit per rule, the rule being the parameters given (none: the defaults)
    "ablation-spc-large-data.jsonl": "params",
}


def item_of(stem):
    name = re.sub(r"-seeds?\d+$", "", stem.removeprefix("ablation-"))  # a run of some seeds
    for suffix in DATASET_SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def harness_rows(path):
    with path.open() as f:
        for row in csv.DictReader(f):
            if row["status"] != "ok":
                continue
            yield {"item": item_of(path.stem), "source": path.name,
                   "dataset": row["dataset"], "seed": row["seed"], "rule": row["method"],
                   "acc": row["acc"], "nmi": row["nmi"], "ari": row["ari"],
                   "fit_s": row["fit_s"]}


def jsonl_rows(path):
    for line in path.read_text().splitlines():
        record = json.loads(line)
        rules = JSONL_RULES[path.name]
        if rules == "params":
            given = ", ".join(f"{k}={v}" for k, v in record["params"].items())
            rules = [(given or "defaults", "acc_predict")]
        for rule, key in rules:
            yield {"item": item_of(path.stem), "source": path.name,
                   "dataset": record["dataset"], "seed": record["seed"], "rule": rule,
                   "acc": f"{record[key]:.4f}", "nmi": "", "ari": "",
                   "fit_s": record.get("fit_s", record.get("seconds", ""))}


def main():
    rows = []
    for path in sorted(RESULTS.glob("ablation-*.csv")):
        rows.extend(harness_rows(path))
    for path in sorted(RESULTS.glob("ablation-*.jsonl")):
        rows.extend(jsonl_rows(path))
    out = RESULTS / "ablations.csv"
    with out.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {out} ({len(rows)} rows)")


if __name__ == "__main__":
    main()
