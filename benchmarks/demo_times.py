"""`skdeepcluster demo` as a new user runs it, timed: the whole demo in one process, then
each estimator alone in a process of its own, and the ratio of the two times.

One process fitting all four estimators must not slow the later ones down (a library's
thread settings leaking from one fit into the next did, once). Usage::

    python benchmarks/demo_times.py --out benchmarks/results/demo.md [--full] [--note TEXT]

Run it on an otherwise idle machine; ``--note`` says what else ran.
"""

from __future__ import annotations

import argparse
import shlex
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

from run import machine_info  # noqa: E402

#: The demo's rows in its order (``cli.ESTIMATORS``, after KMeans).
METHODS = ("KMeans", "SPICEClustering", "SelectivePseudoLabelClustering", "ClusMatch",
           "MutualTaughtClustering")


def run_demo(extra):
    """Run the demo command; returns (wall seconds, {method: (ACC, seconds)})."""
    command = [sys.executable, "-m", "skdeepcluster.cli", "demo", *extra]
    start = time.perf_counter()
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    wall = time.perf_counter() - start
    rows = {}
    for line in out.splitlines():
        parts = line.split()
        if parts and parts[0] in METHODS and len(parts) == 5:
            rows[parts[0]] = (float(parts[1]), float(parts[4]))
    return wall, rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="the Markdown file to write")
    parser.add_argument("--full", action="store_true", help="the demo's --full settings")
    parser.add_argument("--note", default="nothing else", help="what else the machine ran")
    args = parser.parse_args(argv)
    extra = ["--full"] if args.full else []

    together_wall, together = run_demo(extra)
    print(f"[demo] all in one process: {together_wall:.1f} s", flush=True)
    alone = {}
    for method in METHODS:
        _, rows = run_demo([*extra, "--only", method])
        alone[method] = rows[method]
        print(f"[demo] {method} alone: {rows[method][1]:.1f} s", flush=True)

    machine = machine_info("cpu")
    lines = [
        "# `skdeepcluster demo`, timed",
        "",
        f"Generated {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC by",
        "",
        "    python benchmarks/demo_times.py " + shlex.join(argv or sys.argv[1:]),
        "",
        f"Machine: {machine['cpu']}, {machine['cores']} cores, GPU {machine.get('gpu')}, "
        f"torch {machine.get('torch')}; also running: {args.note}.",
        "",
        f"The whole demo (`skdeepcluster demo{' --full' if args.full else ''}`, one process, "
        f"imports included): **{together_wall:.1f} s**.",
        "",
        "| method | ACC in the demo | s in the demo | ACC alone | s alone | demo / alone |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for method in METHODS:
        (acc_d, s_d), (acc_a, s_a) = together[method], alone[method]
        ratio = s_d / s_a if s_a > 0 else float("nan")
        lines.append(f"| {method} | {acc_d:.3f} | {s_d:.1f} | {acc_a:.3f} | {s_a:.1f} | "
                     f"{ratio:.2f} |")
    lines += ["", "Each \"alone\" row is `skdeepcluster demo --only NAME` in a fresh process.",
              "The seconds are the demo's own column (the fit and predict of that row).",
              "umap's kernels come from numba's disk cache once any fit has filled it; the",
              "first SPC fit after installing compiles them (about 10 s more on 2 cores)."]
    args.out.write_text("\n".join(lines) + "\n")
    print(f"[demo] wrote {args.out}")


if __name__ == "__main__":
    main()
