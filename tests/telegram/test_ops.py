"""/livez, /readyz and /metrics of a bot process serving the webhook, and the JSON log."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from tests.auxil.botapi import BotApiEmulator
from tests.telegram.botflow import SEED, to, with_button
from tests.telegram.webhookflow import free_port, start_process
from tutorbot.cli.logs import JsonFormatter
from tutorbot.telegram import RedactingFilter, protect_token, runtime_of


async def get(url: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as http, http.get(url) as response:
        return response.status, await response.text()


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


async def test_live_ready_and_metrics(botapi: BotApiEmulator, tmp_path: Path) -> None:
    port = free_port()
    ops = f"http://127.0.0.1:{port}"
    process = await start_process(botapi, tmp_path / "bot.db", [], metrics_port=port)
    alice = botapi.user("Alice")
    try:
        assert await get(f"{ops}/livez") == (200, "alive\n")
        assert await get(f"{ops}/readyz") == (200, "ready\n")
        _, before = await get(f"{ops}/metrics")
        botapi.send_text(alice, None, f"/start {SEED}")
        history = await botapi.wait_for(to(alice, with_button("Images ▶")))
        botapi.press_button(history, "Images ▶")
        await botapi.wait_for(to(alice, with_button("Findings ▶")))
        await botapi.wait_until_handled()
        status, text = await get(f"{ops}/metrics")
        assert status == 200
        after = samples(text)
        start = samples(before)

        def grew(name: str, **labels: str) -> float:
            key = (name, frozenset(labels.items()))
            return after.get(key, 0) - start.get(key, 0)

        assert grew("tutorbot_updates_total", kind="message") == 1
        assert grew("tutorbot_updates_total", kind="callback_query") == 1
        assert grew("tutorbot_update_seconds_count") == 2
        assert grew("tutorbot_webhook_requests_total", outcome="kept") == 2
        sends = grew("tutorbot_bot_api_calls_total", method="sendMessage", result="ok")
        assert sends == len([c for c in botapi.calls("sendMessage")])  # every call counted
        assert after[("tutorbot_active_sessions", frozenset())] == 1
        assert after[("tutorbot_jobs", frozenset({("state", "running")}))] == 0
        # Telegram down: the process is still ready (restarting it would not help).
        botapi.server_error(code=502, times=50)
        assert await get(f"{ops}/readyz") == (200, "ready\n")
        botapi.clear_faults()
        # The database gone: not ready, and why.
        store = runtime_of(process.app).store

        async def unreachable() -> int:
            raise OSError("unable to open database file")

        real = store.schema_version
        store.schema_version = unreachable  # type: ignore[method-assign]
        status, reason = await get(f"{ops}/readyz")
        assert (status, reason) == (503, "database unreachable: unable to open database file\n")
        store.schema_version = real  # type: ignore[method-assign]
        assert (await get(f"{ops}/readyz"))[0] == 200
    finally:
        await process.stopped()


def test_json_log_lines_carry_no_token() -> None:
    token = "123456789:AAH" + "s" * 32
    protect_token(token)
    record = logging.LogRecord(
        "tutorbot.test",
        logging.WARNING,
        __file__,
        1,
        "calling %s failed",
        (f"/bot{token}/x",),
        None,
    )
    RedactingFilter().filter(record)
    line = JsonFormatter().format(record)
    entry = json.loads(line)
    assert entry["message"] == "calling /bot<token>/x failed" and token not in line
    assert (entry["level"], entry["logger"]) == ("WARNING", "tutorbot.test")
    assert "\n" not in line
