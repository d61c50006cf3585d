"""Task that loads the dataset a governance tag points at."""

from __future__ import annotations

from govflow.datasets import LoadedData, read_dataset
from govflow.tasks.task_type import task


@task
def load_dataset(uri: str | None) -> LoadedData:
    """Load the dataset a governance tag points at; an absent tag gives an empty LoadedData."""
    return LoadedData(None) if not uri else read_dataset(uri)
