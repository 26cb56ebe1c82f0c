"""benchmarks/selection.py's table on hand-made runs: what each score picks, and mix."""

import numpy as np
import pytest
from scipy.stats import spearmanr
from sklearn.datasets import load_wine
from sklearn.metrics import silhouette_score


@pytest.fixture(scope="module")
def selection(benchmark_script):
    return benchmark_script("selection")


def _save(runs, k, setting, labels, embedding, y):
    np.savez(runs / f"wine__SPICE__k{k}__{setting}__s0.npz", labels=labels,
             embedding=embedding.astype(np.float32), y=y, fit_s=1.0)


def _rows(text):
    """Per-run rows of the table: {(k, setting): {column: value}}."""
    lines = [line for line in text.splitlines() if line.startswith("| wine | SPICE |")]
    header = ["dataset", "method", "k", "setting", "seed", "ACC", "own", "cross", "mix",
              "input", "probe", "stability"]
    rows = {}
    for line in lines:
        values = [c.strip() for c in line.strip("|").split("|")]
        if len(values) != len(header):  # a line of the per-method summary
            continue
        cells = dict(zip(header, values, strict=True))
        if cells["seed"] == "0":
            rows[(int(cells["k"]), cells["setting"])] = {
                c: float(cells[c]) for c in header[5:]}
    return rows


def test_table_scores_picks_and_mix_on_hand_made_runs(selection, tmp_path, capsys):
    rng = np.random.default_rng(0)
    y = load_wine().target
    n = len(y)
    runs = tmp_path / "runs"
    runs.mkdir()
    # the true classes in an embedding that separates them; two of them merged in one
    # that separates the two groups; random labels in a random embedding (a failed fit)
    _save(runs, 3, "default", y, np.eye(3)[y] + 0.05 * rng.normal(size=(n, 3)), y)
    merged = np.minimum(y, 1)
    _save(runs, 2, "default", merged, np.eye(3)[merged] + 0.05 * rng.normal(size=(n, 3)), y)
    _save(runs, 3, "epochs=1", rng.integers(0, 3, n), rng.normal(size=(n, 3)), y)
    selection.main(["table", "--runs-dir", str(runs), "--out", str(tmp_path / "t.md")])
    rows = _rows(capsys.readouterr().out)

    # slow obvious references: every silhouette on all rows, cross over all three runs
    fits = [(3, "default"), (2, "default"), (3, "epochs=1")]
    embeddings = {}
    for path in sorted(runs.glob("*.npz")):
        run = np.load(path)
        k, setting = int(path.stem.split("__")[2][1:]), path.stem.split("__")[3]
        embeddings[(k, setting)] = (run["labels"], run["embedding"])
    expected = {}
    for key, (labels, embedding) in embeddings.items():
        own = silhouette_score(embedding, labels, metric="cosine")
        cross = np.mean([silhouette_score(e, labels, metric="cosine")
                         for _, e in embeddings.values()])
        expected[key] = {"own": own, "cross": cross, "mix": (own + cross) / 2}
    assert sorted(rows) == sorted(fits)
    assert rows[(3, "default")]["ACC"] == 1.0
    assert rows[(2, "default")]["ACC"] == pytest.approx(130 / 178, abs=1e-3)
    for key, row in rows.items():
        for score in ("own", "cross", "mix"):
            assert row[score] == pytest.approx(expected[key][score], abs=1e-3)
        # the failed fit scores lowest
        if key != (3, "epochs=1"):
            for score in ("own", "cross", "mix"):
                assert row[score] > rows[(3, "epochs=1")][score] + 0.2

    summary = [line for line in (tmp_path / "t.md").read_text().splitlines()
               if line.startswith("| wine | SPICE | 3 | 3 |")]
    assert len(summary) == 1
    cells = [c.strip() for c in summary[0].strip("|").split("|")][4:7]
    acc = [rows[key]["ACC"] for key in fits]
    for score, cell in zip(("own", "cross", "mix"), cells, strict=True):
        picked = max(((k, s) for k, s in fits if s == "default"),
                     key=lambda key: expected[key][score])[0]
        rho = spearmanr([expected[key][score] for key in fits], acc)[0]
        assert cell == f"{picked}, {rho:.2f}"


def test_kept_reads_what_each_score_would_keep_from_a_table(selection, tmp_path, capsys):
    # two groups written as the table command writes them: in "wine", the bad setting
    # scores best by own and the default by cross; "olive" is left out by --exclude
    columns = " | ".join(["own", "cross", "mix", "input", "probe", "stability"])
    table = "\n".join([
        f"| dataset | method | k | setting | seed | ACC | {columns} |",
        "| wine | SPICE | 3 | default | 0 | 0.900 | 0.30 | 0.40 | 0.35 | 0.1 | 0.9 | nan |",
        "| wine | SPICE | 3 | epochs=1 | 0 | 0.600 | 0.60 | 0.20 | 0.40 | 0.2 | 0.8 | nan |",
        "| wine | SPICE | 2 | default | 0 | 0.700 | 0.50 | 0.30 | 0.40 | 0.3 | 0.7 | nan |",
        "| wine | SPICE | 3 | default | 1 | 0.100 | 0.99 | 0.99 | 0.99 | 0.9 | 0.9 | nan |",
        "| olive | SPC | 3 | default | 0 | 0.500 | 0.10 | 0.10 | 0.10 | 0.1 | 0.1 | nan |",
        "| wine | SPICE | 1 | 2 | 2, 0.50 | 3, 0.50 | 2, 0.50 | 2, 0.50 | 3, 0.50 | -, nan |",
    ])
    (tmp_path / "t.md").write_text(table)
    selection.main(["kept", str(tmp_path / "t.md"), "--exclude", "olive"])
    lines = capsys.readouterr().out.splitlines()
    assert not any("olive" in line for line in lines)
    cells = [c.strip() for c in lines[2].strip("|").split("|")]
    # own keeps the bad run, cross the default at 3, mix ties (0.40) and keeps the first
    # (the bad run), input the two-cluster run, probe the default at 3
    assert cells == ["wine", "SPICE", "0.900", "0.600 (bad)", "0.900", "0.600 (bad)",
                     "0.700", "0.900"]
    assert lines[3].startswith("| mean of 1 | | 0.900 | 0.600, 1 bad | 0.900, 0 bad |")


def test_one_standard_error_rule_on_hand_computed_differences(selection):
    top = np.full(4, 0.5)
    # differences to the best (12) of 10: -0.01, 0.012, -0.01, 0.012: mean 0.001,
    # standard error 0.011 * sqrt(4 / 3) / 2 = 0.00635 >= 0.001: within, so 10 is kept
    within = top - np.array([-0.01, 0.012, -0.01, 0.012])
    # of 9: 0, 0.004, 0, 0.004: mean 0.002 > its standard error 0.00115
    outside = top - np.array([0.0, 0.004, 0.0, 0.004])
    assert selection.fewest_within_one_se({9: outside, 10: within, 12: top}, 12) == 10
    assert selection.fewest_within_one_se({9: outside, 12: top}, 12) == 12
    # only smaller numbers are candidates, however close a larger one scores
    assert selection.fewest_within_one_se({12: top, 14: top + 0.001}, 12) == 12
    assert selection.fewest_within_one_se({12: top}, 12) == 12
