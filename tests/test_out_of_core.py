"""Out-of-core inference: predict on a memory map in blocks, never loading it whole."""

import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from tests.estimators import mtdc

N_ROWS, N_FEATURES = 200_000, 64


def _anonymous_rss_kb():
    # RssAnon: the process's own memory, without the file pages a memory map brings in
    # (those belong to the page cache and are dropped under pressure).
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("RssAnon:"):
            return int(line.split()[1])
    raise RuntimeError("no RssAnon in /proc/self/status")


class PeakSampler:
    """The largest anonymous RSS seen while the block runs, sampled every millisecond."""

    def __enter__(self):
        self.start = self.peak = _anonymous_rss_kb()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, _anonymous_rss_kb())
            time.sleep(0.001)

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, _anonymous_rss_kb())

    @property
    def growth_mb(self):
        return (self.peak - self.start) / 1024


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/status")
def test_predict_on_a_memory_map_does_not_load_it(tmp_path):
    rng = np.random.RandomState(0)
    centers = rng.randn(3, N_FEATURES) * 4
    est = mtdc(n_clusters=3).fit((centers[rng.randint(3, size=300)]
                           + rng.randn(300, N_FEATURES)).astype(np.float32))
    path = tmp_path / "rows.npy"
    rows = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32,
                                     shape=(N_ROWS, N_FEATURES))
    for start in range(0, N_ROWS, 20_000):
        labels = rng.randint(3, size=20_000)
        rows[start:start + 20_000] = centers[labels] + rng.randn(20_000, N_FEATURES)
    rows.flush()
    del rows
    file_mb = N_ROWS * N_FEATURES * 4 / 2**20  # 48.8 MiB

    X = np.load(path, mmap_mode="r")
    est.predict(X[:5000])  # warm up the allocator and the kernels (a full block and a part)
    with PeakSampler() as sampler:
        labels = est.predict(X)
    assert labels.shape == (N_ROWS,)
    # a float32 copy of X alone would add file_mb; the labels and one block of work
    # (4,096 rows) need about 5 MB
    assert sampler.growth_mb < 0.25 * file_mb, sampler.growth_mb
    # the same answer as in memory
    np.testing.assert_array_equal(labels[:5000], est.predict(np.asarray(X[:5000])))
