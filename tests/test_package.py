"""Public API: every __all__ entry exists; the demo command prints its table."""

import importlib

import pytest

import skdeepcluster
from skdeepcluster import cli

PACKAGES = [
    "skdeepcluster",
    "skdeepcluster.augment",
    "skdeepcluster.cluster",
    "skdeepcluster.datasets",
    "skdeepcluster.losses",
    "skdeepcluster.metrics",
    "skdeepcluster.model_selection",
    "skdeepcluster.nn",
    "skdeepcluster.plotting",
    "skdeepcluster.selection",
    "skdeepcluster.stages",
    "skdeepcluster.training",
]


@pytest.mark.parametrize("name", PACKAGES)
def test_all_entries_exist(name):
    module = importlib.import_module(name)
    assert module.__all__, f"{name} exports nothing"
    for entry in module.__all__:
        assert hasattr(module, entry), f"{name}.__all__ lists missing {entry!r}"


def test_every_estimator_is_in_the_demo():
    estimators = {n for n in skdeepcluster.__all__ if isinstance(getattr(skdeepcluster, n), type)}
    assert estimators == set(cli.ESTIMATORS)


def test_demo_prints_a_row_per_method(capsys):
    assert cli.main(["demo", "--device", "cpu", "--only", "KMeans"]) == 0
    out = capsys.readouterr().out
    assert "ACC" in out and "seconds" in out
    row = next(line for line in out.splitlines() if line.startswith("KMeans"))
    acc = float(row.split()[1])
    assert 0.7 < acc < 0.9  # KMeans on digits scores about 0.79


def test_demo_reports_a_failing_estimator(capsys, monkeypatch):
    class Broken:
        def __init__(self, **kwargs):
            pass

        def fit_predict(self, X):
            raise RuntimeError("boom")

    monkeypatch.setattr(cli, "ESTIMATORS", ("Broken",))
    monkeypatch.setattr(skdeepcluster, "Broken", Broken, raising=False)
    assert cli.main(["demo", "--device", "cpu", "--only", "Broken"]) == 1
    assert "failed: RuntimeError: boom" in capsys.readouterr().out
