"""Per-group confusion counts in one pass over the rows, for every sensitive feature and
every intersection of them, plus the score-based per-group figures (AUC, Brier, ECE).

Rows are counted once into the finest cells (one per combination of every sensitive
feature's values); each feature alone and each intersection is a sum of those cells, so a
bootstrap that resamples the cells' counts resamples every level consistently.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import numpy as np
import pandas as pd

MISSING = "missing"
CELLS = ("tp", "fp", "fn", "tn")


@dataclass(frozen=True)
class Level:
    """One way of grouping the rows: a sensitive feature alone (`race`) or an intersection (`race&sex`)."""

    feature: str
    groups: tuple[str, ...]
    counts: np.ndarray  # (groups, 4): tp, fp, fn, tn
    membership: np.ndarray  # (groups, fine cells) 0/1: which finest cells make each group
    auc: np.ndarray | None = None
    brier: np.ndarray | None = None
    ece: np.ndarray | None = None


@dataclass(frozen=True)
class GroupCounts:
    levels: tuple[Level, ...]
    fine_counts: np.ndarray  # (fine cells, 4)


def _codes(sensitive: pd.DataFrame) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Integer codes per feature; a null is its own group named `missing`, never dropped, and a
    declared category with no rows (pandas Categorical) is kept as an empty group."""
    codes, names = [], []
    for column in sensitive.columns:
        series = sensitive[column]
        declared = [str(c) for c in series.cat.categories] if isinstance(series.dtype, pd.CategoricalDtype) else []
        labels = series.astype(str).where(series.notna(), MISSING)
        uniques = sorted(set(declared) | set(labels.unique()))
        code = pd.Categorical(labels, categories=uniques).codes
        codes.append(code.astype(np.int64))
        names.append(np.asarray(uniques, dtype=object))
    return codes, names


def count_groups(
    y: np.ndarray, pred: np.ndarray, sensitive: pd.DataFrame, score: np.ndarray | None = None, ece_bins: int = 10,
) -> GroupCounts:
    """Confusion counts for every group of every feature and intersection; `y`, `pred` are 0/1 arrays."""
    codes, names = _codes(sensitive)
    sizes = [len(n) for n in names]
    fine = np.zeros(len(y), dtype=np.int64)
    for code, size in zip(codes, sizes):
        fine = fine * size + code
    n_fine = int(np.prod(sizes))
    cell = 2 * (1 - y.astype(np.int64)) + (1 - pred.astype(np.int64))  # 0 tp, 1 fn... reordered below
    raw = np.bincount(fine * 4 + cell, minlength=n_fine * 4).reshape(n_fine, 4)
    fine_counts = raw[:, [0, 2, 1, 3]]  # (y=1,p=1)=tp, (y=0,p=1)=fp, (y=1,p=0)=fn, (y=0,p=0)=tn
    # Decode every fine cell back into each feature's code (mixed radix, last feature fastest).
    decoded, rest = [], np.arange(n_fine)
    for size in reversed(sizes):
        decoded.append(rest % size)
        rest = rest // size
    decoded.reverse()
    occupied = fine_counts.sum(axis=1) > 0

    levels = []
    features = list(sensitive.columns)
    for width in range(1, len(features) + 1):
        for subset in combinations(range(len(features)), width):
            key = np.zeros(n_fine, dtype=np.int64)
            for i in subset:
                key = key * sizes[i] + decoded[i]
            # A feature alone lists every value it has, rows or not; an intersection lists those with rows.
            present = np.arange(sizes[subset[0]]) if width == 1 else np.unique(key[occupied])
            index = np.full(int(key.max()) + 1 if n_fine else 0, -1)
            index[present] = np.arange(len(present))
            membership = np.zeros((len(present), n_fine), dtype=np.int64)
            membership[index[key[occupied]], np.flatnonzero(occupied)] = 1
            groups = tuple("&".join(str(names[i][c]) for i, c in zip(subset, _digits(int(g), [sizes[i] for i in subset])))
                           for g in present)
            level = Level(feature="&".join(features[i] for i in subset), groups=groups,
                          counts=membership @ fine_counts, membership=membership)
            if score is not None:
                level = _with_scores(level, index[key[fine]], y, score, ece_bins)
            levels.append(level)
    return GroupCounts(levels=tuple(levels), fine_counts=fine_counts)


def _digits(key: int, sizes: list[int]) -> list[int]:
    """Mixed-radix digits of `key` (last size fastest): which value of each feature a group holds."""
    digits = []
    for size in reversed(sizes):
        digits.append(key % size)
        key //= size
    return digits[::-1]


def _with_scores(level: Level, group: np.ndarray, y: np.ndarray, score: np.ndarray, bins: int) -> Level:
    """Per-group AUC (ties count one half), Brier score and expected calibration error (fixed bins)."""
    k = len(level.groups)
    n = np.bincount(group, minlength=k).astype(float)
    yf = y.astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        brier = np.bincount(group, weights=(score - yf) ** 2, minlength=k) / n
        b = np.clip((score * bins).astype(np.int64), 0, bins - 1)
        key = group * bins + b
        gap = np.abs(np.bincount(key, weights=yf, minlength=k * bins) - np.bincount(key, weights=score, minlength=k * bins))
        ece = gap.reshape(k, bins).sum(axis=1) / n
        auc = _group_auc(group, yf, score, k)
    return Level(level.feature, level.groups, level.counts, level.membership, auc=auc, brier=brier, ece=ece)


def _group_auc(group: np.ndarray, y: np.ndarray, score: np.ndarray, k: int) -> np.ndarray:
    """Mann-Whitney AUC within each group from one sort by (group, score); NaN without both classes."""
    order = np.lexsort((score, group))
    g, s, yy = group[order], score[order], y[order]
    n = len(g)
    # Runs of equal (group, score) share their average position: midranks.
    change = np.ones(n, dtype=bool)
    change[1:] = (g[1:] != g[:-1]) | (s[1:] != s[:-1])
    run_id = np.cumsum(change) - 1
    run_start = np.flatnonzero(change)
    run_end = np.append(run_start[1:], n)
    midpos = ((run_start + run_end - 1) / 2.0)[run_id]
    group_start = np.searchsorted(g, np.arange(k))
    rank = midpos - group_start[g] + 1
    n1 = np.bincount(g, weights=yy, minlength=k)
    n0 = np.bincount(g, minlength=k) - n1
    rank_pos = np.bincount(g, weights=rank * yy, minlength=k)
    with np.errstate(divide="ignore", invalid="ignore"):
        auc = (rank_pos - n1 * (n1 + 1) / 2) / (n1 * n0)
    auc[(n1 == 0) | (n0 == 0)] = np.nan
    return auc


def bootstrap_fine_counts(fine_counts: np.ndarray, resamples: int, seed: int) -> np.ndarray:
    """(resamples, fine cells, 4) counts: each cell's rows resampled with replacement, its size kept
    (a stratified bootstrap, drawn as a multinomial over the cell's four confusion outcomes)."""
    rng = np.random.default_rng(seed)
    out = np.zeros((resamples, *fine_counts.shape), dtype=np.int64)
    for i, row in enumerate(fine_counts):
        total = int(row.sum())
        if total:
            out[:, i, :] = rng.multinomial(total, row / total, size=resamples)
    return out
