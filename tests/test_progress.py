"""verbose=0 prints nothing; verbose=1 shows one named progress bar per training stage."""

import pytest

from tests.estimators import ESTIMATORS

#: The bars each estimator's tiny fit shows, in order.
BARS = {
    "SPICE": ["SPICE 1/3 contrastive pretraining", "SPICE 2/3 self-labelling heads",
              "SPICE 3/3 semi-supervised training"],
    "SPC": ["SPC 1/2 member pretraining", "SPC 2/2 rounds"],
    "ClusMatch": ["ClusMatch 1/2 contrastive pretraining", "ClusMatch 2/2 fine-tuning"],
    "MTDC": ["MTDC 2/3 training"],
}


def test_mtdc_boosting_has_its_own_bar(blobs, capfd):
    ESTIMATORS["MTDC"][0](verbose=1, boost_epochs=1).fit(blobs[0])
    err = capfd.readouterr().err
    assert 0 <= err.find("MTDC 2/3 training") < err.find("MTDC 3/3 boosting")


@pytest.mark.parametrize("name", list(ESTIMATORS))
def test_verbose_zero_prints_nothing(name, blobs, capfd):
    ESTIMATORS[name][0](verbose=0).fit(blobs[0])
    out, err = capfd.readouterr()
    assert out == "" and "%" not in err


@pytest.mark.parametrize("name", list(ESTIMATORS))
def test_verbose_shows_a_named_bar_per_stage(name, blobs, capfd):
    ESTIMATORS[name][0](verbose=1).fit(blobs[0])
    out, err = capfd.readouterr()
    assert out == ""  # skorch's epoch tables are off
    positions = [err.find(label) for label in BARS[name]]
    assert all(p >= 0 for p in positions), err[-500:]
    assert positions == sorted(positions)
    assert "100%" in err
