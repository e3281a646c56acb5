"""Helpers for the webhook tests: bot processes' applications serving one webhook
(``serve_webhook``) in the test's event loop, behind the emulator's balancer."""

from __future__ import annotations

import asyncio
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.auxil.botapi import BotApiEmulator
from tests.telegram.botflow import settings_for
from tutorbot.telegram import ALLOWED_UPDATES, WebhookOptions, build_application, serve_webhook
from tutorbot.telegram._webhook import HANDLED_WAIT, Counts
from tutorbot.telegram.budget import SendBudget

PUBLIC = "https://bot.example.org/tg"
SECRET = "s3cret-Token"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Process:
    """One bot process's application serving the webhook in this event loop."""

    app: Any
    url: str
    stop: asyncio.Event
    task: asyncio.Task[Counts]

    async def stopped(self) -> Counts:
        self.stop.set()
        return await asyncio.wait_for(self.task, 20)


async def start_process(
    botapi: BotApiEmulator,
    database: Path,
    behind: list[str],
    metrics_port: int | None = None,
    *,
    budget: SendBudget | None = None,
    shared_budget: bool = False,
    handled_wait: float = HANDLED_WAIT,
) -> Process:
    """Start a process and add it to the processes ``behind`` the public URL (with the
    operations endpoints on ``metrics_port``)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/tg"
    behind.append(url)
    botapi.route_webhook(PUBLIC, behind)
    app = build_application(
        settings_for(botapi, database),
        budget=budget or SendBudget(private_interval=0.0),
        shared_budget=shared_budget,
    )
    options = WebhookOptions(
        PUBLIC,
        "tg",
        "127.0.0.1",
        port,
        SECRET,
        ALLOWED_UPDATES,
        metrics_port=metrics_port,
        handled_wait=handled_wait,
    )
    stop, started = asyncio.Event(), asyncio.Event()
    untrack = botapi.track(app)
    task = asyncio.create_task(serve_webhook(app, options, stop, started=started))
    task.add_done_callback(lambda _: untrack())
    waiting = asyncio.create_task(started.wait())
    await asyncio.wait({task, waiting}, timeout=20, return_when=asyncio.FIRST_COMPLETED)
    waiting.cancel()
    if task.done():
        task.result()  # raises what stopped it
    assert started.is_set(), "the webhook process did not start"
    return Process(app, url, stop, task)
