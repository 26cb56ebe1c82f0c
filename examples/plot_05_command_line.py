"""
=================================
From the command line, with files
=================================

The ``skdeepcluster`` command clusters the rows of a data file (CSV, TSV, ``.npy``,
``.npz`` or Parquet) and labels new files with a saved model. This example writes a small
CSV file, shows the two commands that would cluster it, and then does the same in Python,
which is what the commands run: ``fit_predict``, then ``joblib.dump``; ``joblib.load``,
then ``predict``.
"""

# %%
# A CSV file
# ----------
# 300 rows of 5 numeric columns in three groups, with a header row.
import tempfile
from pathlib import Path

import numpy as np
from sklearn.datasets import make_blobs

X, y = make_blobs(n_samples=300, centers=3, n_features=5, cluster_std=2.0, random_state=0)
workdir = Path(tempfile.mkdtemp(prefix="skdeepcluster-example-"))
data_csv = workdir / "data.csv"
header = ",".join(f"x{i}" for i in range(X.shape[1]))
np.savetxt(data_csv, X, delimiter=",", header=header, comments="", fmt="%.5f")
print(data_csv.read_text().splitlines()[:4])

# %%
# The commands
# ------------
# In a shell, in the folder of ``data.csv``:
#
# .. code-block:: bash
#
#    skdeepcluster fit data.csv --method ClusMatch --n-clusters 3 \
#        --output labels.csv --save model.joblib
#    skdeepcluster predict model.joblib data.csv --output labels.csv
#
# ``fit`` writes one label per row to ``labels.csv`` (a column named ``label``) and saves
# the fitted estimator with joblib; ``predict`` loads it and labels the rows of a file
# with the same columns. ``--param NAME=VALUE`` sets any estimator parameter (for
# example ``--param pretrain_epochs=20``), ``--device`` picks the device, and
# ``skdeepcluster fit --help`` lists the rest. With the defaults, ClusMatch trains for
# 400 pretraining and 100 fine-tuning epochs on a file of 300 rows (its ``"auto"``
# budgets); the Python below uses 20 and 10.
#
# The same in Python
# ------------------
# The example does not start a shell; here is the equivalent, with short training.
import csv

import joblib

from skdeepcluster import ClusMatch, clustering_accuracy

rows = np.loadtxt(data_csv, delimiter=",", skiprows=1)
est = ClusMatch(
    n_clusters=3, pretrain_epochs=20, finetune_epochs=10, device="cpu", random_state=0
)
labels = est.fit_predict(rows)
joblib.dump(est, workdir / "model.joblib")


def write_labels(path, labels):
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["label"])
        writer.writerows([int(v)] for v in labels)


write_labels(workdir / "labels.csv", labels)
print((workdir / "labels.csv").read_text().splitlines()[:4])
print("cluster sizes:", np.bincount(labels))
print(f"accuracy against the blobs' ids: {clustering_accuracy(y, labels):.3f}")

# %%
# Later, perhaps on another machine: load the model and label rows. A model fitted on a
# GPU loads on a CPU-only machine too, with a warning (:doc:`/user_guide/persistence`).
model = joblib.load(workdir / "model.joblib")
new_labels = model.predict(rows)
write_labels(workdir / "labels.csv", new_labels)
print("same labels as at fit time:", bool(np.array_equal(new_labels, labels)))

# %%
# Clean up the temporary folder.
import shutil

shutil.rmtree(workdir)
