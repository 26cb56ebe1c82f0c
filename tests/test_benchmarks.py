"""The benchmark harness (benchmarks/run.py) end to end on digits with the cheap peers."""

import csv
import os
from pathlib import Path

import pytest

RUN_PY = Path(__file__).resolve().parents[1] / "benchmarks" / "run.py"


@pytest.fixture(scope="module")
def harness(benchmark_script):
    return benchmark_script("run")


@pytest.fixture(autouse=True)
def _restore_environment():
    # run.py exports where the shared data lives; keep that out of the other tests
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)


def _rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def test_quick_runs_two_at_a_time_and_keeps_the_job_order(harness, tmp_path):
    rc = harness.main(["--profile", "quick", "--datasets", "digits",
                       "--methods", "KMeans,GaussianMixture",
                       "--results-dir", str(tmp_path), "--output-name", "t"])
    assert rc == 0
    rows = _rows(tmp_path / "t.csv")
    assert [r["method"] for r in rows] == ["KMeans", "GaussianMixture"]
    assert all(r["status"] == "ok" for r in rows)
    assert float(rows[0]["acc"]) > 0.7  # KMeans on digits scores about 0.79
    md = (tmp_path / "t.md").read_text()
    threads = max(1, harness.usable_cores() // 2)
    assert "runs at a time: up to 2" in md
    assert f"threads per run: {threads}" in md
    assert (tmp_path / "t.png").stat().st_size > 0


def test_explicit_jobs_and_threads_override_the_profile(harness, tmp_path):
    harness.main(["--profile", "quick", "--datasets", "digits", "--methods", "KMeans",
                  "--jobs", "1", "--threads", "1",
                  "--results-dir", str(tmp_path), "--output-name", "t"])
    md = (tmp_path / "t.md").read_text()
    assert "runs at a time" not in md
    assert "threads per run: 1" in md


def test_a_spent_budget_gives_not_run_rows(harness, tmp_path):
    harness.main(["--profile", "quick", "--datasets", "digits",
                  "--methods", "KMeans,GaussianMixture", "--budget", "0.001",
                  "--results-dir", str(tmp_path), "--output-name", "t"])
    rows = _rows(tmp_path / "t.csv")
    assert len(rows) == 2
    assert all(r["status"].startswith("not run: the --budget") for r in rows)
    assert all(r["acc"] == "" for r in rows)


def test_bad_jobs_is_refused(harness, tmp_path):
    with pytest.raises(SystemExit, match="--jobs must be at least 1"):
        harness.main(["--profile", "quick", "--jobs", "0", "--results-dir", str(tmp_path)])


def test_parallel_phases_start_the_long_runs_first_and_refinements_last(harness):
    from types import SimpleNamespace as M

    peer = M(family="peer", prefit_base=None)
    est = M(family="skdeepcluster", prefit_base=None)
    refine = M(family="composite", prefit_base="SPICEClustering")
    jobs = [("digits", peer, 0), ("digits", est, 0), ("digits", refine, 0),
            ("mnist-test", peer, 0), ("mnist-test", est, 0), ("mnist-test", refine, 0)]
    first, second = harness.parallel_phases(jobs, ["digits", "mnist-test"])
    assert first == [4, 3, 1, 0]
    assert second == [5, 2]


def test_quick_all_adds_clustpy_to_quick_s_rows(harness):
    def names(profile):
        return {m.name for m in harness.profile_methods(harness.PROFILES[profile])}

    quick, quick_all = names("quick"), names("quick-all")
    assert {"KMeans", "GaussianMixture", "AE+UMAP+GMM", "ClusMatch"} <= quick
    assert not any(n.startswith("clustpy.") or "on top of" in n for n in quick)
    assert quick_all - quick == {"clustpy.DEC", "clustpy.IDEC", "clustpy.DCN"}
    assert harness.PROFILES["quick-all"]["datasets"] == harness.PROFILES["quick"]["datasets"]
    # --methods overrides the profile's selection
    assert [m.name for m in harness.profile_methods(harness.PROFILES["quick"], "clustpy.DEC")] \
        == ["clustpy.DEC"]


def test_vectors_profile_names_the_issue_s_rows(harness):
    methods = [m.name for m in harness.profile_methods(harness.PROFILES["vectors"])]
    assert methods[:4] == ["KMeans", "GaussianMixture", "UMAP+GMM", "AE+UMAP+GMM"]
    assert all(m.endswith(" on vectors") for m in methods[4:]) and len(methods) == 8
    from bench_datasets import DATASETS

    assert all(DATASETS[d].standardize for d in harness.PROFILES["vectors"]["datasets"])


def test_vector_tables_run_through_a_standard_scaler(harness, tmp_path):
    # KMeans on wine: about 0.70 ACC on the raw columns, 0.97 standardised
    harness.main(["--profile", "vectors", "--datasets", "wine", "--methods",
                  "KMeans,SPICEClustering", "--results-dir", str(tmp_path),
                  "--output-name", "t"])
    rows = {r["method"]: r for r in _rows(tmp_path / "t.csv")}
    assert rows["KMeans"]["status"] == "ok" and float(rows["KMeans"]["acc"]) > 0.95
    assert rows["SPICEClustering"]["status"].startswith("not run: SPICEClustering takes images")


def test_ablations_table_names_items_and_keeps_every_rule(tmp_path, monkeypatch,
                                                         benchmark_script):
    table = benchmark_script("ablations_table")
    assert table.item_of("ablation-kmeans-metric-mnist-vectors") == "kmeans-metric"
    assert table.item_of("ablation-threshold-momentum-mnist") == "threshold-momentum"
    assert table.item_of("ablation-prototype-cells-digits-vectors") == "prototype-cells"
    assert table.item_of("ablation-spc-rounds") == "spc-rounds"
    assert table.item_of("ablation-boosting-mnist-seed2") == "boosting"
    assert table.item_of("ablation-boosting-mnist-vectors-seeds12") == "boosting"
    header = "dataset,method,family,seed,status,acc,nmi,ari,fit_s\n"
    (tmp_path / "ablation-x-digits.csv").write_text(
        header + "digits,A,f,0,ok,0.9,0.8,0.7,5\ndigits,B,f,0,failed: boom,,,,\n")
    (tmp_path / "ablation-spice-reliable.jsonl").write_text(
        '{"dataset": "digits", "seed": 1, "fit_s": 9, "acc_former": 0.5, "acc_paper": 0.6}\n')
    monkeypatch.setattr(table, "RESULTS", tmp_path)
    table.main()
    rows = _rows(tmp_path / "ablations.csv")
    assert [(r["item"], r["rule"], r["acc"]) for r in rows] == [
        ("x", "A", "0.9"),  # the failed run is left out
        ("spice-reliable", "reliable floor 100 (former)", "0.5000"),
        ("spice-reliable", "the paper's reliable set", "0.6000"),
    ]


def test_vector_clip_summary_pairs_the_fits_without_and_with_the_clip(tmp_path,
                                                                      benchmark_script):
    script = benchmark_script("vector_clip")
    out = tmp_path / "r.jsonl"
    out.write_text('{"dataset": "wine", "method": "ClusMatch", "clip": null, "acc": 0.9}\n'
                   '{"dataset": "wine", "method": "ClusMatch", "clip": 3.0, "acc": 0.8}\n'
                   '{"dataset": "wine", "method": "SPICEClustering", "clip": 3.0, "acc": 0.7}\n')
    assert "| wine | not run / 0.700 |  | 0.900 / 0.800 |  |" in script.summary(out)
