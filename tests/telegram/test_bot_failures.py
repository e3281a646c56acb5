"""Blocking and unblocking the bot, the error handler's one friendly line, and the pruning
of processed update ids, all through real updates over HTTP."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from telegram.error import BadRequest

from tests.auxil.botapi import BotApiEmulator, FakeChat, FakeUser
from tests.telegram.botflow import Waits, eventually, running, settings_for, with_button
from tests.telegram.test_bot_behaviour import write_case
from tutorbot.app.housekeeping import KEEP_PROCESSED, PRUNE_EVERY, PRUNE_UPDATES
from tutorbot.app.outbox import REFUSED
from tutorbot.storage import Change, NewJob, SessionKey, SQLiteStore, StoreError, open_store
from tutorbot.telegram.routers.errors import FRIENDLY_ERROR


def member_update(
    botapi: BotApiEmulator, chat: FakeChat, by: FakeUser, old: str, new: str
) -> dict[str, Any]:
    """The bot's own membership in ``chat`` changed (``my_chat_member``)."""

    def member(status: str) -> dict[str, Any]:
        extra = {"until_date": 0} if status == "kicked" else {}
        return {"status": status, "user": botapi.bot_user, **extra}

    return botapi.inject_update(
        {
            "my_chat_member": {
                "chat": chat.to_dict(),
                "from": by.to_dict(),
                "date": int(time.time()),
                "old_chat_member": member(old),
                "new_chat_member": member(new),
            }
        }
    )


async def test_blocking_and_unblocking_the_bot(botapi: BotApiEmulator, tmp_path: Path) -> None:
    store = await SQLiteStore(str(tmp_path / "bot.db")).open()
    settings = settings_for(botapi, tmp_path / "bot.db")
    alice, bob = botapi.user("Alice"), botapi.user("Bob")
    try:
        async with running(botapi, settings, store=store):
            botapi.send_text(alice, None, "/help")
            await botapi.wait_for(lambda m: m.chat_id == alice.id)
            assert await store.users.active(alice.id) is True

            member_update(botapi, alice.chat, alice, "member", "kicked")  # Alice blocks us

            async def alice_is(active: bool) -> bool:
                return await store.users.active(alice.id) is active

            await eventually(lambda: alice_is(False))
            member_update(botapi, alice.chat, alice, "kicked", "member")  # and unblocks
            await eventually(lambda: alice_is(True))

            # An admin removing the bot from a group is not the admin blocking it.
            botapi.send_text(bob, None, "/help")
            await botapi.wait_for(lambda m: m.chat_id == bob.id)
            group = botapi.group("Radiology Club")
            removed = member_update(botapi, group, bob, "member", "left")
            await botapi.wait_until_handled(removed)
            assert await store.users.active(bob.id) is True
            assert not [m for m in botapi.sent() if m.chat_id == group.id]
    finally:
        await store.close()


async def test_a_reply_telegram_refuses_gets_one_plain_line(
    botapi: BotApiEmulator, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cases = tmp_path / "cases"
    write_case(cases, "case-one")
    settings = settings_for(botapi, tmp_path / "bot.db", cases)
    alice = botapi.user("Alice")
    async with running(botapi, settings, sleep=Waits()):
        botapi.send_text(alice, None, "/case case-one")
        history = await botapi.wait_for(with_button("Images ▶"))
        # A refusal the bot cannot retry or work around (a missing image file it can:
        # tests/telegram/test_bot_case_edits.py).
        botapi.fail_next("sendPhoto", code=400, description="Bad Request: PHOTO_INVALID")
        mark = botapi.mark()
        update = botapi.press_button(history, "Images ▶")
        # The step was taken (committed); its reply cannot go: the outbox says so plainly.
        sorry = await botapi.wait_for(since=mark)
        assert sorry.content == REFUSED
        await botapi.wait_until_handled(update)
        # The learner can still leave the broken case.
        botapi.send_text(alice, None, "/stop")
        await botapi.wait_for(lambda m: m.content.startswith("Stopped"), since=mark)
    assert [m.content for m in botapi.sent(alice)[mark:]][:1] == [REFUSED]
    failures = [
        r for r in caplog.records if r.levelno == logging.ERROR and r.name.startswith("tutorbot")
    ]
    assert len(failures) == 1
    logged = failures[0]
    assert f"chat_id={alice.id}" in logged.getMessage()
    assert logged.exc_info and isinstance(logged.exc_info[1], BadRequest)


class FlakyStore(SQLiteStore):
    """A real SQLite store whose ``apply`` fails while ``down`` is set."""

    down = False

    async def apply(self, *args: Any, **kwargs: Any) -> Any:
        if self.down:
            raise StoreError("the database is unreachable")
        return await super().apply(*args, **kwargs)


async def test_a_failing_store_gets_one_friendly_line(
    botapi: BotApiEmulator, tmp_path: Path
) -> None:
    store = await FlakyStore(str(tmp_path / "bot.db")).open()
    settings = settings_for(botapi, tmp_path / "bot.db")
    alice = botapi.user("Alice")
    try:
        async with running(botapi, settings, store=store):
            store.down = True
            botapi.send_text(alice, None, "/help")
            sorry = await botapi.wait_for(lambda m: m.chat_id == alice.id)
            assert sorry.content == FRIENDLY_ERROR
            store.down = False
            mark = botapi.mark()
            botapi.send_text(alice, None, "/help")
            await botapi.wait_for(lambda m: "/stats" in m.content, since=mark)
    finally:
        await store.close()


class FixedClock:
    """A clock that says what the test tells it."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def now(self) -> datetime:
        return self.moment


async def test_processed_ids_pruned_by_the_housekeeping_job_while_the_bot_runs(
    botapi: BotApiEmulator, tmp_path: Path
) -> None:
    path = tmp_path / "bot.db"
    store = await open_store(f"sqlite:///{path}")
    await store.apply(1, SessionKey(1, 0, 1), lambda current: Change(None))
    # A pruning noted update 1 as the highest processed id; by the bot's clock that was
    # three days ago, past KEEP_PROCESSED.
    assert await store.updates.prune(datetime.now(UTC), KEEP_PROCESSED) == 0
    clock = FixedClock(datetime.now(UTC) + timedelta(days=3))
    settings = settings_for(botapi, path)
    alice = botapi.user("Alice")
    try:
        async with running(botapi, settings, store=store, clock=clock, jobs_poll=0.02) as app:

            async def pruned() -> bool:
                return not await store.updates.is_processed(1)

            await eventually(pruned)
            # The job is registered once under its key; it comes back in PRUNE_EVERY.
            job_id = await store.jobs.add(NewJob(PRUNE_UPDATES, {}, clock.now(), key=PRUNE_UPDATES))
            job = await store.jobs.get(job_id)
            assert job is not None and job.kind == PRUNE_UPDATES
            assert job.status == "pending" and job.due == clock.now() + PRUNE_EVERY
            # An update handled now is remembered: the next run is hours away.
            update = botapi.send_text(alice, None, "/help")
            await botapi.wait_for(lambda m: "/stats" in m.content)
            assert await store.updates.is_processed(update["update_id"])
        assert app.running is False
        job = await store.jobs.get(job_id)
        assert job is not None and job.status == "pending"  # nothing left claimed
    finally:
        await store.close()
