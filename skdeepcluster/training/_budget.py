"""Training budgets that scale with the data: every ``"auto"`` epoch count in one table.

An ``"auto"`` budget gives about ``visits`` sample visits, ``clip(visits // n_samples,
fewest, most)`` epochs, so small data sets get more passes and large ones fewer. Where a
stage's budget depends on the input kind, the key ends in ``.image`` or ``.vector``
(an MLP epoch is cheap, and vector views are weaker, so vectors get more epochs).
``docs/tuning.md`` gives the measurements behind each row.

On large data the floor of ``fewest`` epochs yields to :data:`MAX_SAMPLE_VISITS`: a
stage then makes at most that many sample visits (so a bounded number of optimisation
steps), and at least one epoch. Every data set the rows were chosen on is far below
the size where this applies (``fewest * n > MAX_SAMPLE_VISITS``: n > 150,000 for the
rows with the highest floor).
"""

import numpy as np

#: stage -> (sample visits, fewest epochs, most epochs)
EPOCH_BUDGETS = {
    "spice.pretrain.image": (1_000_000, 20, 166),
    "spice.pretrain.vector": (2_400_000, 20, 400),
    "spice.heads": (36_000, 5, 20),
    "spice.semi": (400_000, 10, 50),
    "spc.pretrain": (250_000, 10, 50),
    "spc.round": (160_000, 1, 8),  # 8, the reference's, up to 20,000 samples; then fewer
    "clusmatch.pretrain.image": (1_200_000, 20, 120),
    "clusmatch.pretrain.vector": (720_000, 20, 400),
    "clusmatch.finetune": (600_000, 10, 100),
    "mtdc.train": (1_200_000, 20, 400),
    "mtdc.boost": (600_000, 10, 200),  # half of training, as the first code's 390 after 760
}

#: The most sample visits an "auto" budget's ``fewest`` epochs may cost.
MAX_SAMPLE_VISITS = 3_000_000


def resolve_epochs(value, budget, n_samples, kind=None):
    """``value`` as an int, or for ``"auto"`` the epochs of ``EPOCH_BUDGETS[budget]``
    (``budget.kind`` where the table has a row per input kind)."""
    if value != "auto":
        return int(value)
    key = f"{budget}.{kind}" if f"{budget}.{kind}" in EPOCH_BUDGETS else budget
    visits, fewest, most = EPOCH_BUDGETS[key]
    n = max(int(n_samples), 1)
    fewest = min(fewest, max(1, MAX_SAMPLE_VISITS // n))
    return int(np.clip(visits // n, fewest, most))
