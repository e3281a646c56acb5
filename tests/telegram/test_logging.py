"""The bot token never reaches a log: not in a message, not in a real traceback's frames,
message, cause, notes or exception group, whatever the handler's formatter does."""

from __future__ import annotations

import asyncio
import importlib.util
import io
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.auxil.botapi import BotApiEmulator
from tutorbot.telegram import RedactingFilter, protect_token

SECRET = "AAHq0uzlq9Tn4Xx2LsDmcOEj1yZkR8pVf3W"
TOKEN = f"987654321:{SECRET}"


class RawTraceback(logging.Formatter):
    """A formatter that formats the exception itself, as JSON and error-tracker formatters
    do, instead of using the record's cached ``exc_text``."""

    def format(self, record: logging.LogRecord) -> str:
        text = record.getMessage()
        if record.exc_info:
            text += "\n" + self.formatException(record.exc_info)
        return text


@pytest.fixture
def logged() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    """A logger writing to a buffer through a plain handler and a raw-traceback handler."""
    protect_token(TOKEN)
    buffer = io.StringIO()
    plain = logging.StreamHandler(buffer)
    plain.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    raw = logging.StreamHandler(buffer)
    raw.setFormatter(RawTraceback())
    logger = logging.getLogger("tests.telegram.test_logging")
    logger.propagate = False
    logger.addHandler(plain)
    logger.addHandler(raw)
    try:
        yield logger, buffer
    finally:
        logger.removeHandler(plain)
        logger.removeHandler(raw)


def assert_clean(text: str) -> None:
    assert text.strip(), "nothing was logged"
    assert SECRET not in text, text


async def test_an_http_error_with_the_url_in_its_message(
    botapi: BotApiEmulator, logged: tuple[logging.Logger, io.StringIO]
) -> None:
    logger, buffer = logged
    protect_token(botapi.token)
    async with httpx.AsyncClient() as client:
        response = await client.get(f"{botapi.base_file_url}{botapi.token}/photos/none.jpg")
        try:
            response.raise_for_status()  # "Client error '404 Not Found' for url '...'"
        except httpx.HTTPStatusError:
            logger.exception("the Bot API refused")
    text = buffer.getvalue()
    assert "HTTPStatusError" in text and "bot<token>/photos/none.jpg" in text
    assert botapi.token.split(":")[1] not in text


def test_a_frame_whose_source_line_holds_the_token(
    tmp_path: Path, logged: tuple[logging.Logger, io.StringIO]
) -> None:
    logger, buffer = logged
    module = tmp_path / "token_in_source.py"
    module.write_text(
        "def connect(url):\n"
        "    raise ConnectionError('refused')\n\n"
        "def start():\n"
        f"    connect('https://api.telegram.org/bot{TOKEN}/getMe')\n"
    )
    spec = importlib.util.spec_from_file_location("token_in_source", module)
    assert spec is not None and spec.loader is not None
    loaded = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loaded)
    try:
        loaded.start()
    except ConnectionError:
        logger.exception("start-up failed")
    text = buffer.getvalue()
    assert_clean(text)
    assert "connect('https://api.telegram.org/bot<token>/getMe')" in text


def test_a_cause_notes_and_a_message(logged: tuple[logging.Logger, io.StringIO]) -> None:
    logger, buffer = logged
    try:
        try:
            raise KeyError(f"no bot {TOKEN}")
        except KeyError as error:
            wrapped = RuntimeError("could not start")
            wrapped.add_note(f"token was {SECRET}")
            raise wrapped from error
    except RuntimeError:
        logger.error("failed with %s", f"bot{TOKEN}", exc_info=True)
    text = buffer.getvalue()
    assert_clean(text)
    assert "The above exception was the direct cause" in text and "token was <token>" in text


def test_an_exception_group_from_a_task_group(logged: tuple[logging.Logger, io.StringIO]) -> None:
    logger, buffer = logged

    async def call(method: str) -> None:
        raise OSError(f"POST /bot{TOKEN}/{method} failed")

    async def both() -> None:
        async with asyncio.TaskGroup() as group:
            group.create_task(call("sendMessage"))
            group.create_task(call("sendPhoto"))

    try:
        asyncio.run(both())
    except ExceptionGroup:
        logger.exception("sends failed")
    text = buffer.getvalue()
    assert_clean(text)
    assert "/bot<token>/sendMessage failed" in text and "/bot<token>/sendPhoto failed" in text


def test_arguments_that_do_not_fit_the_format_are_one_redacted_line(
    logged: tuple[logging.Logger, io.StringIO], capsys: pytest.CaptureFixture[str]
) -> None:
    logger, buffer = logged
    logger.error("two %s %s but one argument", f"https://api.telegram.org/bot{TOKEN}/getMe")
    # Not logging's "--- Logging error ---" report on stderr, which shows the arguments.
    assert capsys.readouterr().err == ""
    assert_clean(buffer.getvalue())
    assert "two %s %s but one argument (arguments that did not fit: (" in buffer.getvalue()
    assert "bot<token>/getMe" in buffer.getvalue()


def test_a_handler_with_the_filter_redacts_records_made_elsewhere() -> None:
    protect_token(TOKEN)
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "got %s", (TOKEN,), None)
    assert RedactingFilter().filter(record)
    assert record.getMessage() == "got <token>"


def test_an_uncaught_exception_is_redacted_on_stderr(tmp_path: Path) -> None:
    """A crash prints its traceback through sys.excepthook, not logging: journald keeps it."""
    script = (
        "from tutorbot.telegram import protect_token\n"
        f"protect_token({TOKEN!r})\n"
        f"raise RuntimeError('cannot reach https://api.telegram.org/bot{TOKEN}/getMe')\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )
    assert run.returncode == 1
    assert_clean(run.stderr)
    assert "RuntimeError: cannot reach https://api.telegram.org/bot<token>/getMe" in run.stderr
