"""Keep the bot token out of every log line.

httpx logs each request URL, which contains the token, at INFO
(https://www.python-httpx.org/logging/): its logger stays at WARNING. And
every log record is redacted as it is created, whichever logger or handler
sees it (caplog included), so a token in an exception message or a URL in a
traceback never reaches a log either: the traceback is formatted once,
redacted, and, when it held a secret, the exception itself is taken off the
record so that no formatter can format it again from the original. A crash
that no one catches (``sys.excepthook``, ``threading.excepthook``) prints its
traceback redacted too: under systemd, stderr is the log.
"""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from types import TracebackType
from typing import Any

REDACTED = "<token>"
_secrets: set[str] = set()
_installed = False


def redact(text: str) -> str:
    """``text`` with every registered secret replaced (the whole token before its half)."""
    for secret in sorted(_secrets, key=len, reverse=True):
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
    except Exception:
        # Arguments that do not fit the format: logging would report them, token and
        # all, on stderr. One line that shows both, redacted, says as much.
        message = f"{record.msg} (arguments that did not fit: {record.args!r})"
    clean = redact(message)
    if clean != message or record.args:
        record.msg, record.args = clean, None
    if record.exc_info and not record.exc_text:
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    if record.exc_text:
        clean = redact(record.exc_text)
        if clean != record.exc_text:
            # Formatters use exc_text when it is set, but some (JSON, error trackers)
            # format exc_info themselves: only the redacted text is left to them.
            record.exc_text, record.exc_info = clean, None
    if record.stack_info:
        record.stack_info = redact(record.stack_info)


def _print_redacted(
    kind: type[BaseException], error: BaseException, trace: TracebackType | None
) -> None:
    text = "".join(traceback.format_exception(kind, error, trace))
    print(redact(text), end="", file=sys.stderr, flush=True)


def _thread_hook(args: threading.ExceptHookArgs) -> None:
    if args.exc_value is None or issubclass(args.exc_type, SystemExit):
        return
    name = args.thread.name if args.thread is not None else "?"
    print(f"Exception in thread {name}:", file=sys.stderr)
    _print_redacted(args.exc_type, args.exc_value, args.exc_traceback)


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
    if sys.excepthook is sys.__excepthook__:  # leave a debugger's or a test runner's alone
        sys.excepthook = _print_redacted
    if threading.excepthook is threading.__excepthook__:
        threading.excepthook = _thread_hook
