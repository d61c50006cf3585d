"""What Prefect prints on the terminal of a `govflow` command: its log lines, without tracebacks. A run's
traceback still reaches the Prefect server with the run's logs (its API handler sees the record first); on the
terminal the command's own one-line message says what failed, and a run that succeeded never shows one."""

from __future__ import annotations

import copy
import logging

from prefect.logging.handlers import PrefectConsoleHandler


class OneLineConsoleHandler(PrefectConsoleHandler):
    """Prefect's console handler, given by PREFECT_LOGGING_HANDLERS_CONSOLE_CLASS (cli/runner.py sets it)."""

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info or record.exc_text or record.stack_info:
            record = copy.copy(record)
            record.exc_info, record.exc_text, record.stack_info = None, None, None
        super().emit(record)
