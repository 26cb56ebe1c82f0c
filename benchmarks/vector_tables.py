"""The public tables of the `vectors` profile: where each comes from and how it is read.

* ``wine``, ``breast-cancer``: scikit-learn's bundled copies (no download).
* ``spam``, ``musk``: Debian's ``r-cran-kernlab`` (``data/spam.rda``, ``data/musk.rda``,
  read with the ``rdata`` package; labels ``type`` and ``Class``).
* ``penguins``: Debian's ``r-cran-palmerpenguins`` (``extdata/penguins.csv``: the four
  numeric measurements, rows with a missing value dropped; label ``species``).
* ``glass``, ``vehicle``, ``sonar``: Debian's ``r-cran-mlbench`` (``data/Glass.rda``,
  ``Vehicle.rda``, ``Sonar.rda``; labels ``Type``, ``Class``, ``Class``): the
  `vectors-check` tables, which no default was chosen on.
* ``olive``: Debian's ``r-cran-dslabs`` (``extdata/olive.csv``: the eight fatty acids;
  label ``Region``, the 3 macro-regions).

The Debian packages are fetched with ``apt-get download`` and unpacked with ``dpkg -x``
into ``<data_home>/debian`` (no R, no root); an installed copy under
``/usr/lib/R/site-library`` is used when there is one.
"""

from __future__ import annotations

import glob
import subprocess
import tempfile
from pathlib import Path

import numpy as np

R_LIBRARIES = ("/usr/lib/R/site-library", "/usr/lib/R/library")


def _unpacked(data_home):
    return Path(data_home or Path.home() / ".cache" / "skdeepcluster") / "debian"


def debian_r_file(package, relative, data_home=None, download=True):
    """Path of ``relative`` inside the R package ``package`` (Debian ``r-cran-<name>``),
    fetched and unpacked on first use."""
    for lib in R_LIBRARIES:
        path = Path(lib) / package / relative
        if path.exists():
            return path
    root = _unpacked(data_home)
    path = root / "usr/lib/R/site-library" / package / relative
    if path.exists():
        return path
    if not download:
        raise FileNotFoundError(f"{path} is missing and downloads are off")
    root.mkdir(parents=True, exist_ok=True)
    deb_name = f"r-cran-{package.lower()}"
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["apt-get", "download", deb_name], cwd=tmp, check=True,
                       capture_output=True)
        (deb,) = glob.glob(str(Path(tmp) / "*.deb"))
        subprocess.run(["dpkg", "-x", deb, str(root)], check=True, capture_output=True)
    if not path.exists():
        raise FileNotFoundError(f"{deb_name} does not hold {relative}")
    return path


def _codes(labels):
    _, y = np.unique(np.asarray(labels).astype(str), return_inverse=True)
    return y.astype(np.int64)


def _rda_frame(path, name):
    import warnings

    import rdata

    with warnings.catch_warnings():  # "Unknown encoding. Assumed ASCII.": the data are numbers
        warnings.simplefilter("ignore", UserWarning)
        return rdata.read_rda(str(path))[name]


def load_spam(data_home=None, download=True):
    df = _rda_frame(debian_r_file("kernlab", "data/spam.rda", data_home, download), "spam")
    return df.drop(columns="type").to_numpy(np.float64), _codes(df["type"])


def load_musk(data_home=None, download=True):
    df = _rda_frame(debian_r_file("kernlab", "data/musk.rda", data_home, download), "musk")
    return df.drop(columns="Class").to_numpy(np.float64), _codes(df["Class"])


def _mlbench(name, label):
    def load(data_home=None, download=True):
        df = _rda_frame(debian_r_file("mlbench", f"data/{name}.rda", data_home, download), name)
        return df.drop(columns=label).to_numpy(np.float64), _codes(df[label])

    return load


load_glass = _mlbench("Glass", "Type")
load_vehicle = _mlbench("Vehicle", "Class")
load_sonar = _mlbench("Sonar", "Class")


def load_penguins(data_home=None, download=True):
    import pandas as pd

    df = pd.read_csv(debian_r_file("palmerpenguins", "extdata/penguins.csv", data_home,
                                   download))
    cols = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]
    df = df.dropna(subset=cols)
    return df[cols].to_numpy(np.float64), _codes(df["species"])


def load_olive(data_home=None, download=True):
    import pandas as pd

    df = pd.read_csv(debian_r_file("dslabs", "extdata/olive.csv", data_home, download))
    acids = ["palmitic", "palmitoleic", "stearic", "oleic", "linoleic", "linolenic",
             "arachidic", "eicosenoic"]
    # the header names one column fewer than the rows hold, so pandas takes the row
    # number as the index; "Region" is the macro-region (1-3), "Area" one of 9
    return df[acids].to_numpy(np.float64), _codes(df["Region"])


def load_wine(data_home=None, download=True):
    from sklearn.datasets import load_wine as sk

    return sk(return_X_y=True)


def load_breast_cancer(data_home=None, download=True):
    from sklearn.datasets import load_breast_cancer as sk

    return sk(return_X_y=True)
