"""Credentials never leave the process: a URI's user:password is masked wherever text is shown or stored
(links, pages, log records, error messages), since tracking and database URIs often carry them."""

from __future__ import annotations

import logging
import re
from urllib.parse import urlsplit, urlunsplit

from govflow.visible import shown

# scheme://user:password@ — any scheme (http, postgresql+psycopg2, ...); the password ends at the last '@'
# before the host, so one holding '@' or ':' is masked whole.
_USERINFO = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?P<user>[^/\s:@]*):(?P<password>[^/\s]*)@")
MASK = "***"


def redact(text: str) -> str:
    """The text with every URI's password replaced by ***."""
    return _USERINFO.sub(lambda m: f"{m['scheme']}{m['user']}:{MASK}@", text) if "://" in text else text


def redact_bytes(data: bytes) -> bytes:
    """A text file's bytes with every URI's password masked; other bytes as they are."""
    if b"://" not in data:
        return data
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return data
    masked = redact(text)
    return data if masked == text else masked.encode("utf-8")


class RedactingStream:
    """A text stream that masks passwords in what is written to it (the CLI's stdout and stderr), and shows the
    characters a reader cannot see (a right-to-left override in a model name) as escapes. A newline, a tab, a
    carriage return and the escape that starts a terminal colour pass: the terminal's own output needs them."""

    def __init__(self, stream) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(redact(shown(text, keep="\n\t\r\x1b")))
        return len(text)

    def __getattr__(self, name: str):
        return getattr(self._stream, name)


def without_credentials(uri: str) -> str:
    """The URI with no user or password at all: for links people click and share."""
    parts = urlsplit(uri)
    if "@" not in parts.netloc:
        return uri
    return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))


def redact_log_records() -> None:
    """Every log record this process creates, whichever library logs it, is redacted as it is made; call once
    at start-up (idempotent)."""
    factory = logging.getLogRecordFactory()
    if getattr(factory, "govflow_redacts", False):
        return

    def redacting(*args, **kwargs) -> logging.LogRecord:
        record = factory(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is logging's to report, not ours
            return record
        if "://" in message:
            record.msg, record.args = redact(message), None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        return record

    redacting.govflow_redacts = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(redacting)
