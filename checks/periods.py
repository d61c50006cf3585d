"""Monitoring data split into calendar periods, the labels that have arrived joined in, and where
each monitoring run starts so it judges only the batches since the last one."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from govflow.checks.run_labels import RunLabels

ALL_PERIODS = "all"


def join_labels(batches: pd.DataFrame, labels: pd.DataFrame, id_column: str, label: str) -> pd.DataFrame:
    """Batches with the label column filled from `labels` by `id_column`; rows without one stay null. Only
    the outcomes of the batches' decisions are joined (and held to one a decision): a night that reads its
    latest periods leaves the rest of a long outcome feed aside."""
    for frame, name in ((batches, "monitoring"), (labels, "labels")):
        if id_column not in frame.columns:
            raise ValueError(f"{name} data has no id column '{id_column}'")
    if label not in labels.columns:
        raise ValueError(f"labels data has no label column '{label}'")
    outcomes = labels.loc[labels[id_column].isin(batches[id_column]), [id_column, label]]
    if outcomes[id_column].duplicated().any():
        raise ValueError(f"labels data repeats ids in '{id_column}'; each decision has one outcome")
    # Held to one outcome a decision just above: pandas' own `validate` factorises the keys again, minutes on
    # a year of outcomes.
    merged = batches.drop(columns=[label], errors="ignore").merge(outcomes, on=id_column, how="left")
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


def monitoring_start(previous: Mapping[str, str] | None) -> str | None:
    """Where this monitoring run starts: after the rows the previous run judged, or where that run
    started if it judged nothing (BLOCKED), so no batch is skipped; None means from the first row."""
    if not previous:
        return None
    labels = RunLabels.parse(previous)
    if labels.verdict == "BLOCKED":
        return labels.monitored_from
    return labels.monitored_through or labels.monitored_from


def rows_after(frame: pd.DataFrame, timestamp: str | None, start: str | None) -> pd.DataFrame:
    """Rows stamped after `start` (an ISO timestamp); all rows when either is missing."""
    if not timestamp or not start or timestamp not in frame.columns:
        return frame
    return frame[pd.to_datetime(frame[timestamp], errors="coerce") > pd.Timestamp(start)]


def last_stamp(frame: pd.DataFrame, timestamp: str | None) -> str | None:
    """The latest timestamp in the frame as ISO text, the next run's starting point."""
    if not timestamp or timestamp not in frame.columns or frame.empty:
        return None
    return pd.Timestamp(pd.to_datetime(frame[timestamp], errors="coerce").max()).isoformat()


def labelled_window(periods: list[tuple[str, pd.DataFrame]], label: str,
                    window: int) -> list[tuple[str, pd.DataFrame]]:
    """The last `window` periods that hold labelled rows, with only those rows."""
    labelled = [(period, rows[rows[label].notna()]) for period, rows in periods if label in rows.columns]
    return [(period, rows) for period, rows in labelled if len(rows)][-window:]
