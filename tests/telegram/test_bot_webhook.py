"""The bot on a webhook (``serve_webhook``, what ``tutorbot run --webhook`` runs): two
processes' applications behind one public URL, an update acknowledged only once kept,
the secret, malformed bodies, and a stop that hands over to the other process."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.auxil.botapi import BotApiEmulator
from tests.telegram.botflow import SEED, eventually, to, with_button
from tests.telegram.webhookflow import PUBLIC, SECRET, Process, start_process
from tutorbot.cli.run import SECRET_PATTERN, webhook_from
from tutorbot.storage import open_store
from tutorbot.telegram import ALLOWED_UPDATES, runtime_of, webhook_secret_for


@contextlib.asynccontextmanager
async def two_processes(botapi: BotApiEmulator, database: Path) -> AsyncIterator[list[Process]]:
    """Two processes behind PUBLIC, started one after the other (as a deploy does)."""
    behind: list[str] = []
    processes = [await start_process(botapi, database, behind)]
    try:
        processes.append(await start_process(botapi, database, behind))
        yield processes
    finally:
        for process in processes:
            if not process.task.done():
                await process.stopped()


async def test_two_processes_share_one_webhook(botapi: BotApiEmulator, tmp_path: Path) -> None:
    alice, bob = botapi.user("Alice"), botapi.user("Bob")
    async with two_processes(botapi, tmp_path / "bot.db") as processes:
        # The first process registered the webhook; the second saw it was done.
        [(_, registered)] = botapi.calls("setWebhook")
        assert registered["url"] == PUBLIC and registered["secret_token"] == SECRET
        assert not registered.get("drop_pending_updates")
        assert registered["allowed_updates"] == ALLOWED_UPDATES
        for user in (alice, bob):
            botapi.send_text(user, None, f"/start {SEED}")
        for user in (alice, bob):
            history = await botapi.wait_for(to(user, with_button("Images ▶")))
            botapi.press_button(history, "Images ▶")
            await botapi.wait_for(to(user, with_button("Findings ▶")))
        await botapi.wait_until_handled()
        urls = {d.url for d in botapi.webhook_deliveries if d.status == 200}
        assert urls == {p.url for p in processes}  # both took updates
        counts = [await p.stopped() for p in processes]
    assert sum(c.kept for c in counts) == 4
    assert botapi.calls("deleteWebhook") == []  # a process stopping leaves the webhook alone
    assert botapi.webhook_url == PUBLIC


async def test_the_secret_and_malformed_bodies(
    botapi: BotApiEmulator, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    alice = botapi.user("Alice")
    database = tmp_path / "bot.db"
    process = await start_process(botapi, database, [])
    try:
        update = botapi.send_text(alice, None, "/help")
        await botapi.wait_until_handled(update)
        assert await botapi.post_to_webhook(update, secret="wrong", url=process.url) == 403
        assert await botapi.post_to_webhook(update, secret=None, url=process.url) == 403
        caplog.set_level(logging.WARNING)
        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        async with aiohttp.ClientSession() as http:
            for body in (b"{not json", b"[1, 2]", b'{"update_id": "x"}'):
                async with http.post(process.url, data=body, headers=headers) as response:
                    assert response.status == 400
            async with http.get(process.url) as response:
                assert response.status == 405
    finally:
        counts = await process.stopped()
    refused = [r for r in caplog.records if "Webhook body refused" in r.getMessage()]
    assert len(refused) == 3 and all(r.exc_info is None for r in refused)  # a line each
    assert (counts.kept, counts.forbidden, counts.malformed) == (1, 2, 3)


async def test_an_update_is_kept_before_it_is_acknowledged(
    botapi: BotApiEmulator, tmp_path: Path
) -> None:
    alice = botapi.user("Alice")
    database = tmp_path / "bot.db"
    # The POST is answered once the update is handled, or after this wait if it is not.
    process = await start_process(botapi, database, [], handled_wait=0.2)
    try:
        hold = botapi.hold(alice, 1)  # the reply's send: handling stops there
        update = botapi.send_text(alice, None, "/help")
        await asyncio.wait_for(hold.caught.wait(), 10)

        async def answered() -> bool:
            return bool(botapi.webhook_deliveries)

        await eventually(answered)
        assert [d.status for d in botapi.webhook_deliveries] == [200]
        # Acknowledged and not handled yet: the inbox holds it, so a crash now loses nothing.
        async with await open_store(f"sqlite:///{database}") as store:
            waiting = [e.update_id for e in await store.inbox.waiting()]
        assert waiting == [update["update_id"]]
        hold.release()
        await botapi.wait_until_handled(update)
    finally:
        await process.stopped()


async def test_a_chat_s_next_update_waits_until_the_previous_is_handled(
    botapi: BotApiEmulator, tmp_path: Path
) -> None:
    """Telegram posts a chat's next update once the previous one is answered, and the
    answer waits for the handling: two processes take one chat's updates in order."""
    alice = botapi.user("Alice")
    async with two_processes(botapi, tmp_path / "bot.db"):
        hold = botapi.hold(alice, 1)  # the first reply's send: its handling stops there
        first = botapi.send_text(alice, None, "/help")
        second = botapi.send_text(alice, None, "/stats")
        await asyncio.wait_for(hold.caught.wait(), 10)
        await asyncio.sleep(0.3)  # time enough for a POST the processes would answer early
        posted = [d.update_id for d in botapi.webhook_deliveries]
        assert posted == []  # the first is in hand, unanswered; the second not posted yet
        hold.release()
        await botapi.wait_until_handled(second)
        posted = [d.update_id for d in botapi.webhook_deliveries if d.status == 200]
        assert posted == [first["update_id"], second["update_id"]]
        replies = [m.message_id for m in botapi.sent(alice)]
        assert len(replies) == 2 and replies == sorted(replies)


async def test_an_update_the_store_cannot_keep_is_not_acknowledged(
    botapi: BotApiEmulator, tmp_path: Path
) -> None:
    alice = botapi.user("Alice")
    process = await start_process(botapi, tmp_path / "bot.db", [])
    store = runtime_of(process.app).store
    real_add = store.inbox.add
    failures = 2

    async def flaky_add(*args: Any) -> bool:
        nonlocal failures
        if failures:
            failures -= 1
            raise OSError("disk I/O error")
        return await real_add(*args)

    store.inbox.add = flaky_add  # type: ignore[method-assign, assignment]
    try:
        update = botapi.send_text(alice, None, "/help")
        await botapi.wait_for(lambda m: m.chat_id == alice.id and "/stats" in m.content)
        await botapi.wait_until_handled(update)
        assert [d.status for d in botapi.webhook_deliveries] == [503, 503, 200]
    finally:
        await process.stopped()


async def test_stopping_one_process_hands_over_to_the_other(
    botapi: BotApiEmulator, tmp_path: Path
) -> None:
    users = [botapi.user(f"U{n}") for n in range(6)]
    async with two_processes(botapi, tmp_path / "bot.db") as (first, second):
        for user in users:
            botapi.send_text(user, None, "/help")
        stopping = asyncio.create_task(first.stopped())
        for user in users:
            botapi.send_text(user, None, "/stats")
        await stopping
        await botapi.wait_until_handled(timeout=20)
        for user in users:  # every update answered, by whichever process took it
            assert len(botapi.sent(user)) == 2
        later = [d for d in botapi.webhook_deliveries if d.status == 200][-1]
        assert later.url == second.url


def test_every_process_derives_the_same_secret_from_the_token() -> None:
    token = "123456789:AAH" + "x" * 32
    first = webhook_from(PUBLIC, "127.0.0.1", 8443, "", token)
    second = webhook_from(PUBLIC, "127.0.0.1", 8443, "", token)
    assert first.secret == second.secret == webhook_secret_for(token)
    assert SECRET_PATTERN.match(first.secret) and token not in first.secret
    assert webhook_from(PUBLIC, "127.0.0.1", 8443, "", "987:AAH" + "y" * 32).secret != first.secret
    assert webhook_from(PUBLIC, "127.0.0.1", 8443, SECRET, token).secret == SECRET
