"""How ``tutorbot run`` logs: to stderr, as text lines or JSON lines, the token redacted.

Under systemd or a container runtime stderr is the log. ``--log-format json``
writes one JSON object per line (``time``, ``level``, ``logger``, ``message``,
and ``exception`` with the traceback when there is one) for log collectors.
The token (and the webhook secret) is redacted before either format sees a
record (:class:`tutorbot.telegram.RedactingFilter`).
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

LOG_FORMATS = ("text", "json")


class ShortStartupFailure(logging.Filter):
    """PTB logs a start-up that cannot reach the Bot API with a whole traceback;
    ``run`` explains it in one sentence, so the traceback is kept for DEBUG only."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith("telegram.ext") and str(record.msg).startswith(
            "Network Retry Loop"
        ):
            record.exc_info, record.exc_text = None, None
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(level: str, token: str, log_format: str = "text") -> None:
    """Log to stderr, with the token redacted from every line and httpx at WARNING."""
    from tutorbot.telegram import RedactingFilter, protect_token

    handler = logging.StreamHandler(sys.stderr)
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    if level != "DEBUG":
        handler.addFilter(ShortStartupFailure())
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(level)
    protect_token(token)
