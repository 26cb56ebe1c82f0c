"""Training budgets that scale with the data: every ``"auto"`` epoch count in one table.

An ``"auto"`` budget gives about ``visits`` sample visits, ``clip(visits // n_samples,
fewest, most)`` epochs, so small data sets get more passes and large ones fewer. Where a
stage's budget depends on the input kind, the key ends in ``.image`` or ``.vector``
(an MLP epoch is cheap, and vector views are weaker, so vectors get more epochs).
``docs/tuning.md`` gives the measurements behind each row.
"""

import numpy as np

#: stage -> (sample visits, fewest epochs, most epochs)
EPOCH_BUDGETS = {
    "spice.pretrain.image": (1_000_000, 20, 166),
    "spice.pretrain.vector": (2_400_000, 20, 400),
    "spice.heads": (36_000, 5, 20),
    "spice.semi": (400_000, 10, 50),
    "spc.pretrain": (250_000, 10, 50),
    "clusmatch.pretrain.image": (1_200_000, 20, 120),
    "clusmatch.pretrain.vector": (720_000, 20, 400),
    "clusmatch.finetune": (600_000, 10, 100),
    "mtdc.train": (1_200_000, 20, 400),
}


def resolve_epochs(value, budget, n_samples, kind=None):
    """``value`` as an int, or for ``"auto"`` the epochs of ``EPOCH_BUDGETS[budget]``
    (``budget.kind`` where the table has a row per input kind)."""
    if value != "auto":
        return int(value)
    key = f"{budget}.{kind}" if f"{budget}.{kind}" in EPOCH_BUDGETS else budget
    visits, fewest, most = EPOCH_BUDGETS[key]
    return int(np.clip(visits // max(int(n_samples), 1), fewest, most))
