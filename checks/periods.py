"""Monitoring data split into calendar periods, and the labels that have arrived joined in."""

from __future__ import annotations

import pandas as pd

ALL_PERIODS = "all"


def join_labels(batches: pd.DataFrame, labels: pd.DataFrame, id_column: str, label: str) -> pd.DataFrame:
    """Batches with the label column filled from `labels` by `id_column`; rows without one stay null."""
    for frame, name in ((batches, "monitoring"), (labels, "labels")):
        if id_column not in frame.columns:
            raise ValueError(f"{name} data has no id column '{id_column}'")
    if label not in labels.columns:
        raise ValueError(f"labels data has no label column '{label}'")
    if labels[id_column].duplicated().any():
        raise ValueError(f"labels data repeats ids in '{id_column}'; each decision has one outcome")
    merged = batches.drop(columns=[label], errors="ignore").merge(
        labels[[id_column, label]], on=id_column, how="left", validate="many_to_one")
    return merged


def split_periods(frame: pd.DataFrame, timestamp: str | None, freq: str) -> list[tuple[str, pd.DataFrame]]:
    """(period label, rows) in time order; without a timestamp column the whole frame is one period."""
    if not timestamp:
        return [(ALL_PERIODS, frame)]
    if timestamp not in frame.columns:
        raise ValueError(f"monitoring data has no timestamp column '{timestamp}'")
    stamps = pd.to_datetime(frame[timestamp], errors="coerce")
    if stamps.isna().any():
        raise ValueError(f"timestamp column '{timestamp}' has {int(stamps.isna().sum())} empty or unparseable values")
    periods = stamps.dt.to_period(freq)
    return [(str(period), frame[periods == period]) for period in sorted(periods.unique())]
