"""A notification URL's secrets never reach Prefect's database or the terminal (issue 28, item 8): the password
before the host and the token in the path of GOVFLOW_NOTIFY_URL, when Apprise fails to deliver."""

import sqlite3

import pytest
from prefect import flow
from pydantic import SecretStr

from govflow.tasks.notify import NotificationFailed, notify
from tests.servers.processes import free_port

pytestmark = pytest.mark.usefixtures("prefect_harness")
PASSWORD, TOKEN = "Notify-Pass-77c1", "tok3n-in-the-path-5e0b"


@flow
def _send(url: SecretStr) -> str:
    try:
        notify.with_options(retries=0)(url, "title", "body")
    except NotificationFailed as exc:
        return str(exc)
    return "delivered"


def _prefect_database_text() -> str:
    from prefect.logging.handlers import APILogHandler
    from prefect.settings import get_current_settings

    APILogHandler().flush()
    path = get_current_settings().server.database.connection_url.get_secret_value().split("///", 1)[1]
    with sqlite3.connect(path) as db:
        rows = []
        for (table,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
            rows += [repr(r) for r in db.execute(f'SELECT * FROM "{table}"')]
    return "\n".join(rows)


def test_a_failed_notice_names_the_url_without_its_secrets(capfd):
    message = _send(SecretStr(f"json://alerts:{PASSWORD}@127.0.0.1:{free_port()}/{TOKEN}/hook"))
    assert message == "Apprise could not deliver to JSON (json://…)"
    stored = _prefect_database_text()
    assert "Apprise could not deliver" in stored  # the failed task's state is there, so the search is real
    printed = capfd.readouterr()
    for secret in (PASSWORD, TOKEN):
        assert secret not in message and secret not in stored and secret not in printed.out + printed.err
