"""What Prefect prints on the terminal of a `govflow` command: its log lines, without tracebacks. A run's
traceback still reaches the Prefect server with the run's logs (its API handler sees the record first); on the
terminal the command's own one-line message says what failed, and a run that succeeded never shows one (ten
`govflow` commands starting side by side race to migrate the embedded server's database, and the losers'
servers log the race as a traceback in the message itself)."""

from __future__ import annotations

import copy
import logging

from prefect.logging.handlers import PrefectConsoleHandler

_TRACEBACK = "Traceback (most recent call last):"


def _without_traceback(message: str) -> str:
    """The text before a traceback written into a message, and the exception it ended with."""
    before, _, rest = message.partition(_TRACEBACK)
    last = next((line.strip() for line in reversed(rest.splitlines()) if line.strip()), "")
    return " ".join(part for part in (before.strip(), last) if part)


class OneLineConsoleHandler(PrefectConsoleHandler):
    """Prefect's console handler, given by PREFECT_LOGGING_HANDLERS_CONSOLE_CLASS (cli/runner.py sets it)."""

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if record.exc_info or record.exc_text or record.stack_info or _TRACEBACK in message:
            record = copy.copy(record)
            record.exc_info, record.exc_text, record.stack_info = None, None, None
            if _TRACEBACK in message:
                record.msg, record.args = _without_traceback(message), None
        super().emit(record)
