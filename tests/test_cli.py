"""The command line: data files in, labels out, a saved model that predicts the same."""

import subprocess
import sys

import numpy as np
import pytest
from sklearn.datasets import make_blobs
from sklearn.metrics import adjusted_rand_score

from skdeepcluster import cli

FAST = ["--param", "epochs=3", "--param", "batch_size=32", "--device", "cpu"]


@pytest.fixture(scope="module")
def blobs3():
    X, y = make_blobs(n_samples=60, centers=3, n_features=4, cluster_std=0.5, random_state=0)
    return X, y


def _labels(path):
    lines = path.read_text().splitlines()
    assert lines[0] == "label"
    return np.array([int(v) for v in lines[1:]])


def _write_csv(path, X, header):
    rows = [",".join(f"{v:.6f}" for v in row) for row in X]
    path.write_text("\n".join(([",".join(header)] if header else []) + rows) + "\n")


@pytest.mark.parametrize("layout", ["csv-header", "csv-plain", "tsv", "npy", "npz"])
def test_fit_writes_a_label_per_row_and_predict_gives_them_back(layout, blobs3, tmp_path,
                                                                capsys):
    X, y = blobs3
    data = tmp_path / f"data.{layout.split('-')[0]}"
    if layout == "csv-header":
        _write_csv(data, X, ["a", "b", "c", "d"])
    elif layout == "csv-plain":
        _write_csv(data, X, None)
    elif layout == "tsv":
        data.write_text("a\tb\tc\td\n" + "\n".join("\t".join(map(str, r)) for r in X) + "\n")
    elif layout == "npy":
        np.save(data, X)
    else:
        np.savez(data, X=X)
    labels_csv, model = tmp_path / "labels.csv", tmp_path / "model.joblib"
    assert cli.main(["fit", str(data), "--method", "mtdc", "--n-clusters", "3", *FAST,
                     "--output", str(labels_csv), "--save", str(model)]) == 0
    out = capsys.readouterr().out
    assert "MutualTaughtClustering fitted 60 rows" in out and "cluster sizes: 0:" in out
    labels = _labels(labels_csv)
    assert labels.shape == (60,)
    again = tmp_path / "again.csv"
    assert cli.main(["predict", str(model), str(data), "--output", str(again)]) == 0
    np.testing.assert_array_equal(_labels(again), labels)
    proba = tmp_path / "proba.csv"
    assert cli.main(["predict", str(model), str(data), "--proba", "--output", str(proba)]) == 0
    table = np.loadtxt(proba, delimiter=",", skiprows=1)
    assert table.shape == (60, 3)
    np.testing.assert_array_equal(table.argmax(1), labels)
    if layout == "csv-header":
        assert adjusted_rand_score(y, labels) > 0.5


def test_a_text_column_is_refused_by_name(tmp_path, capsys):
    data = tmp_path / "mixed.csv"
    data.write_text("x,colour,y\n1.0,red,2.0\n3.0,blue,4.0\n5.0,red,6.0\n")
    with pytest.raises(SystemExit) as exit_:
        cli.main(["fit", str(data), "--method", "SPICE", "--n-clusters", "2"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "non-numeric column(s) 'colour'" in err and "Traceback" not in err


def test_an_unknown_method_lists_the_valid_ones(tmp_path, capsys):
    np.save(tmp_path / "d.npy", np.zeros((5, 2)))
    with pytest.raises(SystemExit) as exit_:
        cli.main(["fit", str(tmp_path / "d.npy"), "--method", "Foo", "--n-clusters", "2"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "unknown method 'Foo'" in err
    for name in cli.ESTIMATORS:
        assert name in err


def test_demo_only_with_an_unknown_name_is_an_error(capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["demo", "--only", "Foo"])
    assert exit_.value.code == 2


def test_a_bad_parameter_is_reported(tmp_path, capsys):
    np.save(tmp_path / "d.npy", np.zeros((5, 2)))
    with pytest.raises(SystemExit) as exit_:
        cli.main(["fit", str(tmp_path / "d.npy"), "--method", "MTDC", "--n-clusters", "2",
                  "--param", "no_such_thing=1"])
    assert exit_.value.code == 2
    assert "no_such_thing" in capsys.readouterr().err


def _help(*args):
    return subprocess.run([sys.executable, "-m", "skdeepcluster.cli", *args, "--help"],
                          capture_output=True, text=True, check=True).stdout


@pytest.mark.parametrize("command", [None, "fit", "predict", "demo"])
def test_help_lists_every_option_in_plain_text(command):
    text = _help(*([command] if command else []))
    parser = cli.build_parser()
    if command:
        parser = parser._subparsers._group_actions[0].choices[command]
    for action in parser._actions:
        for flag in action.option_strings:
            assert flag in text, flag
        if action.help and action.option_strings:
            assert action.help.split()[0] in text
    assert "``" not in text and ":class:" not in text  # no reStructuredText markup


def test_version():
    out = subprocess.run([sys.executable, "-m", "skdeepcluster.cli", "--version"],
                         capture_output=True, text=True, check=True).stdout
    import skdeepcluster

    assert out.strip() == f"skdeepcluster {skdeepcluster.__version__}"
