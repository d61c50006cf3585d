"""The terminal of a `govflow` command shows Prefect's log lines without tracebacks (issue 28, item 8): one
passed as exc_info, and one written into the message (uvicorn's failed start-up)."""

import io
import logging
import sys

from govflow.cli.console_log import OneLineConsoleHandler


def _shown(record: logging.LogRecord) -> str:
    out = io.StringIO()
    handler = OneLineConsoleHandler(stream=out)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    handler.emit(record)
    return out.getvalue()


def test_a_traceback_as_exc_info_is_left_out_and_the_record_is_not_changed():
    try:
        raise ValueError("the store went away")
    except ValueError:
        record = logging.LogRecord("prefect.flow_runs", logging.ERROR, __file__, 1, "run failed: %s", ("x",),
                                   sys.exc_info())
    shown = _shown(record)
    assert "run failed: x" in shown and "Traceback" not in shown and "the store went away" not in shown
    assert record.exc_info is not None  # the API handler, which saw it first, keeps the whole record


def test_a_traceback_written_into_the_message_is_cut_to_its_last_line():
    message = ("Traceback (most recent call last):\n  File \"x.py\", line 1, in f\n    g()\n"
               "sqlite3.OperationalError: duplicate column name: is_anonymous\n")
    shown = _shown(logging.LogRecord("uvicorn.error", logging.ERROR, __file__, 1, message, None, None))
    assert "Traceback" not in shown and "sqlite3.OperationalError: duplicate column name" in shown


def test_a_prefect_api_that_does_not_answer_is_one_line_naming_it():
    import httpx

    from govflow.store_errors import store_failure

    try:
        try:
            raise httpx.ConnectError("[Errno 111] Connection refused")
        except httpx.ConnectError as exc:
            raise RuntimeError("generator didn't yield") from exc
    except RuntimeError as exc:
        message = store_failure(exc, "sqlite:///x")
    assert message.startswith("Prefect's API could not be reached ([Errno 111] Connection refused)") and "\n" not in message
