"""Which store failed, told in one line: MLflow that does not answer, govflow's database that refuses or drops
the connection, Prefect's API that does not answer. Sits under everything, beside the settings: tasks ask it
whether a failure is worth retrying, the CLI asks it what to tell the user.

MLflow's client already retries a call within the budget GOVFLOW_STORE_RETRIES and
GOVFLOW_STORE_TIMEOUT_SECONDS set (see `apply_environment`); a call that still fails is not retried again by
its task, or every call of a job would wait the budget three times over.
"""

from __future__ import annotations

from collections.abc import Iterator

from govflow.redact import without_credentials

_MLFLOW_UNREACHABLE = ("failed with exception", "failed with timeout exception")


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def mlflow_unreachable(exc: BaseException) -> bool:
    """Whether the failure is MLflow (or its artifact store) not answering after the client's own retries."""
    import requests
    from mlflow.exceptions import MlflowException

    for link in _chain(exc):
        if isinstance(link, MlflowException) and str(link.message).startswith("API request to") and any(
                s in str(link.message) for s in _MLFLOW_UNREACHABLE):
            return True
        if isinstance(link, (requests.exceptions.ConnectionError, requests.exceptions.Timeout)):
            return True
    return False


def database_unreachable(exc: BaseException) -> bool:
    """Whether the failure is govflow's PostgreSQL refusing or dropping the connection."""
    from govflow.database import DatabaseUnavailable

    for link in _chain(exc):
        if isinstance(link, DatabaseUnavailable):
            return True
        if type(link).__module__.startswith("psycopg2") and type(link).__name__ in ("OperationalError",
                                                                                    "InterfaceError"):
            return True
    return False


def prefect_unreachable(exc: BaseException) -> BaseException | None:
    """The transport error when the failure is Prefect's API not answering (the server PREFECT_API_URL
    names, or the one a command starts for itself)."""
    import httpx

    return next((link for link in _chain(exc) if isinstance(link, httpx.TransportError)), None)


def worth_retrying(task, task_run, state) -> bool:
    """Prefect's retry condition for store tasks: retry what may pass on a second try (a copy the store holds
    short, a conflict), not a store MLflow's client has already retried to the end of its budget."""
    exc = state.data if isinstance(state.data, BaseException) else None
    return exc is None or not (mlflow_unreachable(exc) or database_unreachable(exc))


def store_failure(exc: BaseException, tracking_uri: str) -> str | None:
    """One line naming the store that failed and what to do, or None when `exc` is not a store failure."""
    if mlflow_unreachable(exc):
        cause = next((str(link) for link in _chain(exc) if "Connection refused" in str(link)), None)
        why = "the connection was refused" if cause else "it did not answer in time"
        return (f"MLflow at {without_credentials(tracking_uri)} could not be reached ({why}, after the retries "
                "GOVFLOW_STORE_RETRIES allows): start it, or point MLFLOW_TRACKING_URI at it, and run the command "
                "again. Anything a run had written before stays marked incomplete until then: `govflow verify "
                "MODEL` names it and the next run of that job completes it")
    if (transport := prefect_unreachable(exc)) is not None:
        return (f"Prefect's API could not be reached ({transport or type(transport).__name__}): the server PREFECT_API_URL names, or the one this "
                "command starts for itself, did not answer. Run the command again; for many commands at once, "
                "point them at one Prefect server (`govflow serve`, or PREFECT_API_URL), since each otherwise "
                "starts its own on one database")
    if database_unreachable(exc):
        first = next((str(link).strip().splitlines()[0] for link in _chain(exc) if str(link).strip()), "")
        return (f"govflow's database (GOVFLOW_DATABASE_URL) failed: {first}. Start PostgreSQL, or correct "
                "GOVFLOW_DATABASE_URL, and run the command again; nothing was recorded past that point")
    return None
