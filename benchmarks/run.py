"""Benchmark harness: run a profile, write results/<name>.csv, .md and .png.

    python benchmarks/run.py --profile quick
    python benchmarks/run.py --profile quick-all --clustpy-python PATH   # + ClustPy rows
    python benchmarks/run.py --profile quick --methods KMeans,GaussianMixture \
        --datasets digits --output-name peers-quick

Every (dataset, method, seed) runs in its own subprocess (benchmarks/worker.py) with a
time limit; its peak RSS comes from os.wait4 on that child. A crash, timeout, missing
dependency or missing data gives a row whose ``status`` says so.
See docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import signal
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path[:0] = [str(HERE), str(REPO)]

#: The rows of the vector profiles: the simple pipelines, then the four estimators.
VECTOR_METHODS = ("KMeans", "GaussianMixture", "UMAP+GMM", "AE+UMAP+GMM",
                  "SPICEClustering on vectors", "SelectivePseudoLabelClustering on vectors",
                  "ClusMatch on vectors", "MutualTaughtClustering on vectors")

#: The rows of the scaling profiles.
SCALING_METHODS = ("KMeans", "SPICEClustering on vectors",
                   "SelectivePseudoLabelClustering on vectors", "ClusMatch on vectors",
                   "MutualTaughtClustering on vectors")

PROFILES = {
    # max_run_s: each run's time limit, or a dict of them per dataset.
    # quick runs, unless --methods says otherwise, the estimators themselves and the
    # peers of the main environment; ClustPy (minutes each on digits) runs in quick-all
    # and `full`, the composite/ablation rows in `full`. One after the other the
    # estimators' defaults need over 40 min on a 2-core machine, so quick runs two at a
    # time (jobs), each on half the cores, unless --jobs/--threads say otherwise; 25 min
    # per MNIST run leaves each of them (up to 10 min beside another here) room on a
    # slower CPU.
    "quick": dict(datasets=["digits", "mnist-test"], seeds=[0],
                  max_run_s={"digits": 450, "mnist-test": 1500}, jobs=2,
                  families=("skdeepcluster", "peer"), interpreters=(None,)),
    # quick's rows plus ClustPy's, in one table. At their defaults ClustPy's six runs
    # add about 15 min of wall time on a 2-core CPU (39 min in all there), so they
    # cannot share quick's 30 min. 45 min per MNIST run leaves IDEC and DCN (10 min
    # beside another run there) room on a slower CPU.
    "quick-all": dict(datasets=["digits", "mnist-test"], seeds=[0],
                      max_run_s={"digits": 900, "mnist-test": 2700}, jobs=2,
                      families=("skdeepcluster", "peer"), interpreters=(None, "clustpy")),
    # The data our users bring: vectors (flattened pixels, PCA "embeddings", public
    # tables), each through a StandardScaler in a Pipeline. Smallest first.
    "vectors": dict(datasets=["wine", "penguins", "musk", "breast-cancer", "olive",
                              "digits-vectors", "spam", "mnist-test-pca50",
                              "fashion-mnist-test-pca50", "mnist-test-vectors",
                              "fashion-mnist-test-vectors"],
                    seeds=[0], max_run_s=1500, jobs=2, methods=VECTOR_METHODS),
    # vectors' rows on tables that no default was chosen on
    "vectors-check": dict(datasets=["glass", "sonar", "vehicle"], seeds=[0], max_run_s=900,
                          jobs=2, methods=VECTOR_METHODS),
    # time and peak RSS against n (64-d vectors), one run at a time so that the times
    # are the estimators' alone; 30 min per run (the 1M-row rows: scaling-1m)
    "scaling": dict(datasets=["gmm64-1k", "gmm64-10k", "gmm64-100k"], seeds=[0],
                    max_run_s=1800, jobs=1, methods=SCALING_METHODS),
    "scaling-1m": dict(datasets=["gmm64-1m"], seeds=[0], max_run_s=1800, jobs=1,
                       methods=SCALING_METHODS),
    "full": dict(datasets=["digits", "mnist-test", "fashion-mnist"], seeds=[0, 1, 2],
                 max_run_s=3600),
}

COLUMNS = ["dataset", "method", "family", "seed", "status", "acc", "nmi", "ari", "fit_s",
           "wall_s", "peak_rss_mb", "rss_before_fit_mb", "device", "n_samples",
           "n_clusters_found", "time_limit_s",
           "published_acc", "published_nmi", "published_note", "note"]


def default_shared_data():
    """<repo>/../shared/data, where CI and the dev machines keep the shared MNIST files."""
    cand = REPO.parent / "shared" / "data"
    return cand if cand.is_dir() else None


def usable_cores():
    """Cores this process may run on (the affinity mask where the OS has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


def machine_info(device_arg):
    info = {"platform": platform.platform(), "python": platform.python_version()}
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    info["cpu"] = cpu
    info["cores"] = os.cpu_count()
    info["usable_cores"] = usable_cores()
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                info["ram_gb"] = round(int(line.split()[1]) / 1024**2, 1)
    except OSError:
        pass
    try:
        import torch

        info["torch"] = torch.__version__
        info["gpu"] = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "none"
        from skdeepcluster.nn import resolve_precision

        native = resolve_precision("auto", "cpu", "image") == "bfloat16"
        info["cpu_bf16"] = ("yes: precision='auto' runs image convolutions on the CPU in "
                            "bfloat16" if native else "no: float32")
    except Exception as exc:  # pragma: no cover
        info["torch"] = f"unavailable ({exc})"
    import sklearn

    info["sklearn"] = sklearn.__version__
    info["device_arg"] = device_arg
    return info


def interpreter_info(python):
    """One line naming ``python`` and the Python/torch/clustpy versions it has."""
    code = """if 1:
        import importlib.metadata as m, platform
        def v(d):
            try:
                return m.version(d)
            except m.PackageNotFoundError:
                return "not installed"
        print(f"Python {platform.python_version()}, " + ", ".join(
            f"{d} {v(d)}" for d in ("torch", "torchvision", "clustpy")))
    """
    try:
        out = subprocess.run([python, "-c", code], capture_output=True, text=True, timeout=60)
        desc = out.stdout.strip() or f"failed: {out.stderr.strip()[-200:]}"
    except (OSError, subprocess.SubprocessError) as exc:
        desc = f"failed: {exc}"
    return f"{python} ({desc})"


def run_one(spec, time_limit, env, workdir, python=sys.executable):
    """Run worker.py with ``python`` on ``spec``; return the result dict with wall_s and
    peak_rss_mb."""
    spec_path = Path(workdir) / "spec.json"
    result_path = Path(workdir) / "result.json"
    if result_path.exists():
        result_path.unlink()
    spec_path.write_text(json.dumps(spec))
    log_path = Path(workdir) / "log.txt"
    t0 = time.perf_counter()
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [python, str(HERE / "worker.py"), str(spec_path), str(result_path)],
            stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True,
        )
        timed_out = False
        while True:
            pid, status, rusage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() - t0 > time_limit:
                timed_out = True
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                pid, status, rusage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.1)
        proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - t0
    result = {}
    if result_path.exists():
        try:
            result = json.loads(result_path.read_text())
        except ValueError:
            result = {}
    if timed_out:
        result["status"] = (f"timeout after {time_limit:.0f}s (stage: "
                            f"{result.get('stage', 'starting')})")
    elif not result or result.get("status") == "running":
        tail = log_path.read_text(errors="replace").strip().splitlines()[-1:] or [""]
        result["status"] = (f"crashed in {result.get('stage', 'startup')}: exit code "
                            f"{proc.returncode}; {tail[0][:300]}")
    result["wall_s"] = wall
    result["peak_rss_mb"] = rusage.ru_maxrss / 1024.0  # Linux: KiB
    if result.get("traceback"):
        (Path(workdir) / "traceback.txt").write_text(result["traceback"])
    return result


def profile_methods(profile, names=None):
    """The methods a run covers: those named (comma-separated), else the profile's."""
    from methods import get_methods

    if not names and "methods" in profile:
        return get_methods(list(profile["methods"]))
    methods = get_methods([s.strip() for s in names.split(",")] if names else None)
    if not names and "families" in profile:
        methods = [m for m in methods if m.family in profile["families"]
                   and m.python in profile["interpreters"]]
    return methods


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--profile", choices=sorted(PROFILES), default="quick")
    p.add_argument("--methods", help="comma-separated method names (default: all registered)")
    p.add_argument("--datasets", help="comma-separated dataset names (default: the profile's)")
    p.add_argument("--seeds", help="comma-separated seeds (default: the profile's)")
    p.add_argument("--device", choices=["cpu", "cuda", "auto"], default="auto")
    p.add_argument("--data-home", help="dataset directory (default: <repo>/../shared/data "
                   "where it exists, else ~/.cache/skdeepcluster)")
    p.add_argument("--no-download", action="store_true", help="never download datasets")
    p.add_argument("--time-limit", type=float, help="per-run limit in seconds (overrides the "
                   "profile's per-run limits)")
    p.add_argument("--threads", type=int,
                   help="torch/OpenMP threads per run (default: the cores divided among the "
                   "runs at a time when there are several, else unset)")
    p.add_argument("--budget", type=float, metavar="SECONDS",
                   help="end the whole profile within this wall time: each run's limit is "
                   "cut to the time left, and runs that find none left get a 'not run' row")
    p.add_argument("--jobs", type=int,
                   help="runs at a time (default: 2 for quick and quick-all, else 1; more "
                   "share the CPU cores and the GPU, so their times are not those of a run "
                   "alone)")
    p.add_argument("--clustpy-python", metavar="PATH",
                   default=os.environ.get("SKDEEPCLUSTER_CLUSTPY_PYTHON") or sys.executable,
                   help="interpreter for the clustpy.* methods, e.g. /work/venv-clustpy/bin/"
                   "python (default: $SKDEEPCLUSTER_CLUSTPY_PYTHON, else this interpreter)")
    p.add_argument("--output-name", help="basename of the result files (default: the profile)")
    p.add_argument("--results-dir", default=str(HERE / "results"))
    p.add_argument("--list", action="store_true", help="list methods and datasets, then exit")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    from bench_datasets import DATASETS
    from methods import PUBLISHED, REGISTRY

    if args.list:
        print("methods:")
        for m in REGISTRY.values():
            py = f" python={m.python}" if m.python else ""
            print(f"  {m.name!r:50} input={m.input:8} family={m.family}{py}")
        print("datasets:", ", ".join(DATASETS))
        return 0

    profile = PROFILES[args.profile]
    if args.jobs is None:
        args.jobs = profile.get("jobs", 1)
    if args.jobs < 1:
        raise SystemExit(f"--jobs must be at least 1, got {args.jobs}")
    if args.threads is None and args.jobs > 1:
        args.threads = max(1, usable_cores() // args.jobs)
    methods = profile_methods(profile, args.methods)
    ds_names = ([s.strip() for s in args.datasets.split(",")] if args.datasets
                else profile["datasets"])
    for d in ds_names:
        if d not in DATASETS:
            raise SystemExit(f"unknown dataset {d!r}; known: {sorted(DATASETS)}")
    seeds = [int(s) for s in args.seeds.split(",")] if args.seeds else profile["seeds"]
    pythons = {None: sys.executable, "clustpy": args.clustpy_python}
    for m in methods:
        if m.python not in pythons:
            raise SystemExit(f"{m.name}: unknown interpreter key {m.python!r}")
        py = pythons[m.python]
        if not (os.path.isfile(py) and os.access(py, os.X_OK)):
            raise SystemExit(f"{m.name}: interpreter {py!r} is not an executable file "
                             "(see --clustpy-python)")
    name = args.output_name or args.profile
    out_dir = Path(args.results_dir)
    out_dir.mkdir(parents=True, exist_ok=True)

    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    shared = default_shared_data()
    if args.data_home is None and shared is not None:
        args.data_home = str(shared)  # the checkout's shared/data, when there is one
    if args.threads:
        for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                    "NUMBA_NUM_THREADS"):
            env[var] = str(args.threads)

    # Check each dataset once here so a missing one gives one clear message.
    data_status = {}
    for d in ds_names:
        try:
            DATASETS[d].load(args.data_home, not args.no_download)
            data_status[d] = None
        except Exception as exc:  # noqa: BLE001
            data_status[d] = f"data unavailable: {type(exc).__name__}: {exc}"
            print(f"[bench] {d}: {data_status[d]}", file=sys.stderr)
            if shared is None and d.startswith("mnist"):
                print("[bench] hint: no <repo>/../shared/data here; pass --data-home DIR "
                      "(a directory holding mnist/t10k-*.gz)",
                      file=sys.stderr)

    # Peers first within each dataset: time they leave unused goes to the later runs.
    methods = sorted(methods, key=lambda m: m.family != "peer")
    jobs = [(d, m, s) for d in ds_names for m in methods for s in seeds]
    load_at_start = " ".join(f"{x:.2f}" for x in os.getloadavg())
    t_start = time.perf_counter()
    command = "python " + " ".join(shlex.quote(a) for a in
                                   [os.path.relpath(__file__, Path.cwd())] +
                                   (sys.argv[1:] if argv is None else list(argv)))
    machine = machine_info(args.device)
    machine["load_avg_at_start"] = load_at_start
    for key in sorted({m.python for m in methods} - {None}):
        machine[f"{key}_python"] = interpreter_info(pythons[key])
    rows = {}

    def run_job(i, d, m, seed, tmp):
        max_run = profile["max_run_s"]
        if isinstance(max_run, dict):
            max_run = max_run.get(d, max(max_run.values()))
        limit = args.time_limit or max_run
        if args.budget:
            limit = min(limit, args.budget - (time.perf_counter() - t_start))
        row = {"dataset": d, "method": m.name, "family": m.family, "seed": seed,
               "note": m.note, "time_limit_s": round(max(limit, 0))}
        pub = PUBLISHED.get(m.published_key or "", {}).get(d)
        if pub:
            row.update(published_acc=pub["acc"], published_nmi=pub["nmi"],
                       published_note=pub["note"])
        if data_status[d]:
            row["status"] = data_status[d]
            return row
        if limit < 1:
            row["status"] = f"not run: the --budget of {args.budget:.0f}s was spent"
            return row
        workdir = Path(tmp) / f"run-{i}"
        workdir.mkdir()
        spec = {"dataset": d, "method": m.name, "seed": seed, "device": args.device,
                "data_home": args.data_home, "download": not args.no_download,
                "threads": args.threads, "cache_dir": tmp}
        res = run_one(spec, limit, env, workdir, pythons[m.python])
        res.pop("traceback", None)
        res.pop("stage", None)
        if m.prefit_base:
            row["note"] = (f"refines the fitted '{m.prefit_base}' row (its fit time "
                           "is in that row)" if res.pop("base_prefit", False) else
                           f"fits its own '{m.prefit_base}' base (time included)")
        row.update(res)
        return row

    def finished(i, row):
        rows[i] = row
        print(f"[bench] {len(rows)}/{len(jobs)} {row['dataset']:14} {row['method']:40} "
              f"seed={row['seed']} {row['status'][:100]} "
              f"acc={row.get('acc', float('nan')):.3f} "
              f"fit={row.get('fit_s', float('nan')):.1f}s "
              f"rss={row.get('peak_rss_mb', float('nan')):.0f}MB", flush=True)
        # Rewritten after every run, so a profile stopped early keeps what it measured.
        machine["load_avg_1_5_15"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
        write_outputs([rows[k] for k in sorted(rows)], out_dir, name, machine, command,
                      time.perf_counter() - t_start, args, ds_names, seeds)

    with tempfile.TemporaryDirectory(prefix="skdc-bench-") as tmp:
        if args.jobs == 1:
            for i, (d, m, seed) in enumerate(jobs):
                finished(i, run_job(i, d, m, seed, tmp))
        else:
            from concurrent.futures import ThreadPoolExecutor, as_completed

            with ThreadPoolExecutor(args.jobs) as pool:
                for phase in parallel_phases(jobs, ds_names):
                    futures = {pool.submit(run_job, i, *jobs[i], tmp): i for i in phase}
                    for fut in as_completed(futures):
                        finished(futures[fut], fut.result())
    return 0


def parallel_phases(jobs, ds_names):
    """Job indices in the order several-at-a-time runs start them, in two phases: rows
    that refine another row's fitted estimator wait for all the others. Within a phase
    the long runs start first so that short ones fill the tail: the later datasets (the
    profiles list them smallest first), and the estimators before the peers."""

    def longest_first(i):
        d, m, _ = jobs[i]
        return -ds_names.index(d), m.family == "peer", i

    return [sorted((i for i, (_, m, _) in enumerate(jobs) if bool(m.prefit_base) == refines),
                   key=longest_first)
            for refines in (False, True)]


def write_outputs(rows, out_dir, name, machine, command, total_s, args, ds_names, seeds):
    import pandas as pd

    df = pd.DataFrame(rows)
    for c in COLUMNS:
        if c not in df:
            df[c] = None
    df = df[COLUMNS]
    for c in ("n_samples", "n_clusters_found", "time_limit_s", "seed"):
        df[c] = pd.to_numeric(df[c], errors="coerce").astype("Int64")
    csv_path = out_dir / f"{name}.csv"
    df.to_csv(csv_path, index=False, float_format="%.4f")
    plot_path = out_dir / f"{name}.png"
    plot(df, plot_path)

    def fmt(v, spec=".3f"):
        if v is None or (isinstance(v, float) and v != v):
            return ""
        return format(v, spec) if isinstance(v, (int, float)) else str(v)

    lines = [f"# Benchmark results: `{name}`", "",
             f"Generated {datetime.now(timezone.utc):%Y-%m-%d %H:%M UTC} by", "",
             f"    {command}", "",
             f"Profile `{args.profile}`, datasets {', '.join(ds_names)}, seeds "
             f"{', '.join(map(str, seeds))}, device option `{args.device}`; "
             f"total wall time {total_s / 60:.1f} min.", "", "## Machine", ""]
    for k in ("cpu", "cores", "usable_cores", "ram_gb", "gpu", "cpu_bf16", "torch", "sklearn",
              "python", "platform", "load_avg_at_start", "load_avg_1_5_15", "clustpy_python"):
        if k in machine:
            lines.append(f"- {k}: {machine[k]}")
    if args.jobs > 1:
        lines.append(f"- runs at a time: up to {args.jobs}, sharing the cores and the GPU "
                     "(each time is that of a run among others, not alone)")
    if args.threads:
        lines.append(f"- threads per run: {args.threads}")
    else:
        omp = os.environ.get("OMP_NUM_THREADS", "unset")
        lines.append(f"- threads per run: not set (OMP_NUM_THREADS={omp})")
    lines += ["", "## Results", "",
              "ACC/NMI/ARI measured here; `published` columns are the papers' figures, "
              "not measured. fit_s = wall time of fit_predict; peak RSS = maximum resident "
              "memory of the run's process (including Python, torch and the data); RSS "
              "before fit = its peak just before fit (imports + data), so the difference is "
              "what the fit itself added.", "",
              "| dataset | method | seed | status | ACC | NMI | ARI | fit s | peak RSS MB | "
              "RSS before fit MB | device | published ACC | published NMI |",
              "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in df.to_dict("records"):
        note = r.get("published_note")
        pub_note = f" ({note})" if isinstance(note, str) and note else ""
        status = str(r["status"]).replace("|", "/").replace("\n", " ")
        if len(status) > 160:
            status = status[:157] + "..."
        lines.append(
            f"| {r['dataset']} | {r['method']} | {r['seed']} | {status} | {fmt(r['acc'])} | "
            f"{fmt(r['nmi'])} | {fmt(r['ari'])} | {fmt(r['fit_s'], '.1f')} | "
            f"{fmt(r['peak_rss_mb'], '.0f')} | {fmt(r['rss_before_fit_mb'], '.0f')} | "
            f"{fmt(r['device'])} | "
            f"{fmt(r['published_acc'])}{pub_note} | {fmt(r['published_nmi'])} |")
    ok = df[df["status"] == "ok"]
    if len(seeds) > 1 and len(ok):
        agg = ok.groupby(["dataset", "method"]).agg(
            acc_mean=("acc", "mean"), acc_std=("acc", "std"), nmi_mean=("nmi", "mean"),
            ari_mean=("ari", "mean"), fit_s=("fit_s", "mean"), runs=("seed", "count"))
        lines += ["", "## Mean over seeds (successful runs)", "",
                  "| dataset | method | runs | ACC mean ± std | NMI | ARI | fit s |",
                  "|---|---|---|---|---|---|---|"]
        for (d, m), r in agg.iterrows():
            lines.append(f"| {d} | {m} | {r['runs']} | {r['acc_mean']:.3f} ± "
                         f"{0 if r['acc_std'] != r['acc_std'] else r['acc_std']:.3f} | "
                         f"{r['nmi_mean']:.3f} | {r['ari_mean']:.3f} | {r['fit_s']:.1f} |")
    notes = df[["method", "note"]].dropna().drop_duplicates()
    if len(notes):
        lines += ["", "## Method notes", ""]
        lines += [f"- **{m}**: {n}" for m, n in notes.itertuples(index=False) if n]
    lines += ["", f"![ACC vs fit time]({plot_path.name})", ""]
    (out_dir / f"{name}.md").write_text("\n".join(lines))
    print(f"[bench] wrote {csv_path}, {out_dir / (name + '.md')}, {plot_path}")


def plot(df, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    datasets = list(dict.fromkeys(df["dataset"]))
    fig, axes = plt.subplots(1, max(1, len(datasets)), figsize=(6 * max(1, len(datasets)), 4.5),
                             squeeze=False)
    for ax, d in zip(axes[0], datasets, strict=False):
        ok = df[(df["dataset"] == d) & (df["status"] == "ok")]
        if len(ok):
            g = ok.groupby("method").agg(acc=("acc", "mean"), fit_s=("fit_s", "mean"))
            for m, r in g.iterrows():
                ax.scatter(r["fit_s"], r["acc"])
                ax.annotate(m, (r["fit_s"], r["acc"]), fontsize=7, xytext=(3, 3),
                            textcoords="offset points")
            ax.set_xscale("log")
        failed = df[(df["dataset"] == d) & (df["status"] != "ok")]["method"].unique()
        title = d + (f"\n(no result: {len(failed)} method(s), see table)" if len(failed) else "")
        ax.set_title(title, fontsize=9)
        ax.set_xlabel("fit wall time (s, log)")
        ax.set_ylabel("ACC")
        ax.set_ylim(0, 1)
        ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


if __name__ == "__main__":
    sys.exit(main())
