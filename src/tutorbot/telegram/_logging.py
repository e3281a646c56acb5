"""Keep the bot token out of every log line.

httpx logs each request URL, which contains the token, at INFO
(https://www.python-httpx.org/logging/): its logger stays at WARNING. And
every log record is redacted as it is created, whichever logger or handler
sees it (caplog included), so a token in an exception message or a URL in a
traceback never reaches a log either.
"""

from __future__ import annotations

import logging
from typing import Any

REDACTED = "<token>"
_secrets: set[str] = set()
_installed = False


def redact(text: str) -> str:
    """``text`` with every registered secret replaced."""
    for secret in _secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    return text


class RedactingFilter(logging.Filter):
    """A filter for handlers: redacts message, arguments and traceback text of a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        _scrub(record)
        return True


def _scrub(record: logging.LogRecord) -> None:
    if not _secrets:
        return
    try:
        message = record.getMessage()
    except Exception:  # a bad format string: leave it for logging to report
        return
    clean = redact(message)
    if clean != message or record.args:
        record.msg, record.args = clean, None
    if record.exc_info and not record.exc_text:
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = redact(record.exc_text)
    if record.stack_info:
        record.stack_info = redact(record.stack_info)


def protect_token(token: str) -> None:
    """Redact ``token`` (and the bot-id-free secret half) from all logs from now on."""
    global _installed
    if token:
        _secrets.add(token)
        _secrets.add(token.split(":", 1)[-1])
    logging.getLogger("httpx").setLevel(logging.WARNING)
    if _installed:
        return
    _installed = True
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        _scrub(record)
        return record

    logging.setLogRecordFactory(factory)
