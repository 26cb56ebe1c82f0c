"""Data-parallel training through skorch's accelerate integration: a real 2-process
run (gloo on the CPU, launched with torchrun) of one estimator."""

import json
import os
import socket
import subprocess
import sys
import textwrap

import numpy as np
import pytest

pytest.importorskip("accelerate")

SCRIPT = textwrap.dedent("""
    import json, os, pickle, sys
    import numpy as np
    import torch
    from sklearn.datasets import make_blobs
    from skdeepcluster import MutualTaughtClustering
    from skdeepcluster.metrics import clustering_accuracy

    X, y = make_blobs(n_samples=400, n_features=5, centers=3, cluster_std=0.6,
                      random_state=0)
    est = MutualTaughtClustering(3, epochs=5, batch_size=32, data_parallel=True,
                                 device="cpu", random_state=0).fit(X)
    rank = int(os.environ["RANK"])
    params = torch.cat([p.detach().flatten() for p in est.module_.parameters()])
    np.save(os.path.join(sys.argv[1], f"params{rank}.npy"), params.numpy())
    again = pickle.loads(pickle.dumps(est))
    out = {
        "labels": est.labels_.tolist(),
        "acc": clustering_accuracy(y, est.labels_),
        "predict_matches": bool((est.predict(X) == est.labels_).all()),
        "unpickled_matches": bool((again.predict(X) == est.labels_).all()),
        "batches_per_epoch": len(est.net_.history[-1, "batches"]),
        "net_class": type(est.net_).__name__,
    }
    with open(os.path.join(sys.argv[1], f"rank{rank}.json"), "w") as f:
        json.dump(out, f)
""")


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_two_process_data_parallel_fit_trains_one_network_on_split_batches(tmp_path):
    script = tmp_path / "fit.py"
    script.write_text(SCRIPT)
    run = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2",
         "--master_addr", "127.0.0.1", "--master_port", str(_free_port()), str(script),
         str(tmp_path)],
        capture_output=True, text=True, timeout=600,
        env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert run.returncode == 0, run.stderr[-3000:]
    ranks = [json.loads((tmp_path / f"rank{r}.json").read_text()) for r in (0, 1)]
    # each process saw half of each epoch's batches: 400 rows / 2 / 32 = 6 (12 alone)
    assert [r["batches_per_epoch"] for r in ranks] == [6, 6]
    # ... and the gradients were averaged: one network, bit for bit, on both
    np.testing.assert_array_equal(np.load(tmp_path / "params0.npy"),
                                  np.load(tmp_path / "params1.npy"))
    assert ranks[0]["labels"] == ranks[1]["labels"]
    for r in ranks:
        assert r["acc"] >= 0.95
        assert r["predict_matches"] and r["unpickled_matches"]
        assert r["net_class"] == "MTDCNet"  # the fitted net holds no accelerator
