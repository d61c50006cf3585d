"""Task that loads the dataset a governance tag points at."""

from __future__ import annotations

from govflow.datasets import Among, LoadedData, Since, fingerprint_dataset, read_dataset
from govflow.tasks.task_type import task


@task
def load_dataset(uri: str | None, since: Since | None = None, among: Among | None = None) -> LoadedData:
    """Load the dataset a governance tag points at (without the Parquet files wholly before `since`, only the
    rows `among` names); an absent tag gives an empty LoadedData."""
    return LoadedData(None) if not uri else read_dataset(uri, since=since, among=among)


@task
def fingerprint_data(uri: str | None) -> str | None:
    """The fingerprint `load_dataset` would give the dataset, from its bytes alone (nothing parsed); None for
    an absent tag or a dataset it could not read."""
    return fingerprint_dataset(uri) if uri else None
