"""benchmarks/restarts.py on hand-made restarts: which seed each rule keeps."""

import numpy as np
import pytest


@pytest.fixture(scope="module")
def restarts(benchmark_script):
    return benchmark_script("restarts")


def _blobs(y, rng, spread=0.3):
    centres = np.eye(3) * 4.0
    return (centres[y] + spread * rng.standard_normal((len(y), 3))).astype(np.float32)


def _restarts(rng):
    """Four fits of 3 classes: seed 0 right, seed 1 right under other cluster names,
    seed 2 with a third of its rows relabelled, seed 3 random labels in an embedding
    made to separate exactly those labels (it flatters them in its own space only)."""
    y = np.repeat([0, 1, 2], 30)
    right = _blobs(y, rng)
    noisy = y.copy()
    moved = rng.choice(len(y), 30, replace=False)
    noisy[moved] = rng.integers(0, 3, 30)
    wrong = rng.permutation(y)
    labels = {0: y, 1: (y + 1) % 3, 2: noisy, 3: wrong}
    embeddings = {0: right, 1: _blobs(y, rng), 2: _blobs(y, rng), 3: _blobs(wrong, rng, 0.05)}
    return y, {s: dict(labels=labels[s], scored_labels=labels[s], embedding=embeddings[s],
                       y=y, fit_s=1.0) for s in labels}


def test_each_rule_keeps_the_seed_it_should(restarts):
    _, fits = _restarts(np.random.default_rng(0))
    picks = restarts.kept(fits)
    assert picks["own"] == 3  # its own space separates its (wrong) labels best
    assert picks["cross"] in (0, 1)  # right in every space but the flattering one
    assert picks["consensus"] in (0, 1)  # the two that agree exactly
    assert set(picks) == {"own", "mix", "cross", "consensus"}


def test_table_reports_the_kept_seeds_accuracy(restarts, tmp_path, capsys):
    _, fits = _restarts(np.random.default_rng(0))
    for seed, run in fits.items():
        np.savez(tmp_path / f"wine__mtdc__{seed}.npz", **run)
    restarts.main(["table", "--runs-dir", str(tmp_path)])
    row = next(line for line in capsys.readouterr().out.splitlines()
               if line.startswith("| wine | mtdc |"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    per_seed = [float(v) for v in cells[2].split(" / ")]
    assert per_seed[:2] == [1.0, 1.0] and per_seed[2] < 1.0 and per_seed[3] < 0.6
    mean, own, mix, cross, consensus, best = map(float, cells[3:])
    assert mean == pytest.approx(np.mean(per_seed), abs=1e-3)
    assert own == per_seed[3] and cross == 1.0 and consensus == 1.0 and best == 1.0
    assert mix in per_seed


def test_mlp_hidden_gives_a_seeded_backbone_of_those_widths(restarts, tmp_path):
    def fit(widths, folder):
        restarts.main(["fit", "--datasets", "wine", "--estimators", "mtdc", "--seeds", "0",
                       "--params", "epochs=2,batch_size=32", "--mlp-hidden", widths,
                       "--runs-dir", str(tmp_path / folder)])
        return np.load(tmp_path / folder / "wine__mtdc__0.npz")["embedding"]

    # the same widths and seed: the same initial weights, so the same fit; other
    # widths: another network
    first, again, narrow = fit("64,64", "a"), fit("64,64", "b"), fit("16", "c")
    np.testing.assert_array_equal(first, again)
    assert not np.allclose(first, narrow)
