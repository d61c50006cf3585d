"""Seeded samples, so a check that cannot afford every row judges the same rows each time it runs."""

from __future__ import annotations

import numpy as np
import pandas as pd


def seeded_sample(frame: pd.DataFrame, rows: int, seed: int) -> pd.DataFrame:
    """At most `rows` rows drawn without replacement by `seed`, in their original order."""
    if len(frame) <= rows:
        return frame.reset_index(drop=True)
    picked = np.sort(np.random.default_rng(seed).choice(len(frame), rows, replace=False))
    return frame.iloc[picked].reset_index(drop=True)
