"""The outbox keeps the exact reply: after a failed send, an outage, a restart, a redelivery.

The Bot API emulator fails the bot's sends (500s, as in an outage); the reply
to the committed change must still reach the learner, exactly as it would have
gone (its verdict, its hint, its buttons), once, and before anything newer.
"""

from __future__ import annotations

import json
import socket
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.app.job_helpers import MovableClock
from tests.auxil.botapi import BotApiEmulator, FakeUser, JSONDict, SentMessage
from tests.telegram.botflow import (
    SEED,
    Waits,
    asks_reply,
    eventually,
    running,
    settings_for,
    with_button,
)
from tutorbot.app.outbox import TOO_LATE
from tutorbot.settings import Settings
from tutorbot.storage import SessionKey, Store, open_store
from tutorbot.telegram._sender import Sender
from tutorbot.telegram.routers.errors import FRIENDLY_ERROR

TRIES = Sender(None).attempts  # every try of one call fails: the sender gives up


@pytest.fixture
def settings(botapi: BotApiEmulator, tmp_path: Path) -> Settings:
    return settings_for(botapi, tmp_path / "bot.db")


@pytest.fixture
async def store(settings: Settings) -> AsyncIterator[Store]:
    """The bot's store, opened by the test (so that it outlives each Application)."""
    store = await open_store(settings.database)
    yield store
    await store.close()


def key_of(user: FakeUser) -> SessionKey:
    return SessionKey(user.id, 0, user.id)


async def nothing_kept(store: Store, user: FakeUser) -> bool:
    return await store.outbox.pending(key_of(user)) == []


async def at_the_question(botapi: BotApiEmulator, alice: FakeUser) -> SentMessage:
    botapi.send_text(alice, None, f"/start {SEED}")
    await botapi.wait_for(with_button("Images ▶"))
    botapi.send_text(alice, None, "/skip")
    return await botapi.wait_for(asks_reply)


async def lose_a_verdict(
    botapi: BotApiEmulator, alice: FakeUser, failures: int = TRIES
) -> tuple[int, JSONDict]:
    """Answer wrongly (a verdict and a hint) while the next ``failures`` sends fail: the
    position before it in the sent log, and the update."""
    question = await at_the_question(botapi, alice)
    mark = botapi.mark()
    botapi.server_error("sendMessage", times=failures)
    update = botapi.reply_to(question, "pneumonia")
    await botapi.wait_until_handled(update)
    return mark, update


def verdicts(botapi: BotApiEmulator, alice: FakeUser, since: int = 0) -> list[str]:
    return [m.content for m in botapi.sent(alice)[since:] if m.content.startswith("❌")]


async def test_a_lost_verdict_is_sent_at_start_up_exactly_without_the_learner_acting(
    botapi: BotApiEmulator, settings: Settings, store: Store
) -> None:
    alice = botapi.user("Alice")
    async with running(botapi, settings, store=store, sleep=Waits()):
        mark, update = await lose_a_verdict(botapi, alice)
        assert botapi.sent(alice)[mark:] == []  # nothing went out, not even an apology
        [kept] = await store.outbox.pending(key_of(alice))
        assert kept.attempts == 1 and "Internal Server Error" in (kept.last_error or "")
        answers = await store.answers.list(user_id=alice.id)
        assert [(a.answer, a.verdict) for a in answers] == [("pneumonia", "wrong")]
    # As after a crash: a new Application. The learner does nothing.
    async with running(botapi, settings, store=store):
        verdict = await botapi.wait_for(lambda m: m.content.startswith("❌"), since=mark)
        assert "Hint 1 of" in verdict.content and asks_reply(verdict)
        await eventually(lambda: nothing_kept(store, alice))
        # Telegram delivers the update again: handled once, nothing sent again.
        again = botapi.redeliver(update)
        await botapi.wait_until_handled(again)
        assert verdicts(botapi, alice, mark) == [verdict.content]
        botapi.reply_to(verdict, "EMH")
        await botapi.wait_for(with_button("Next case ▶"), since=mark)
    assert not [m for m in botapi.sent(alice) if m.content == FRIENDLY_ERROR]


async def test_an_outage_of_minutes_is_ridden_out_with_backoff(
    botapi: BotApiEmulator, settings: Settings, store: Store
) -> None:
    clock = MovableClock(datetime.now(UTC))
    alice = botapi.user("Alice")
    async with running(botapi, settings, store=store, sleep=Waits(), clock=clock, outbox_poll=0.01):
        mark, _ = await lose_a_verdict(botapi, alice, failures=10_000)  # Telegram is down
        # Each failed try waits longer before the next: 5 s, 10 s, 20 s, 40 s, 60 s ...
        waits = []
        for attempts in range(1, 7):

            async def failed(n: int = attempts) -> bool:
                return [e.attempts for e in await store.outbox.pending(key_of(alice))] == [n]

            await eventually(failed)
            [kept] = await store.outbox.pending(key_of(alice))
            waits.append(kept.due - clock.now())
            clock.set(kept.due)  # minutes pass
        assert waits == [timedelta(seconds=s) for s in (5, 10, 20, 40, 60, 60)]
        assert botapi.sent(alice)[mark:] == []
        botapi.clear_faults()  # Telegram is back
        verdict = await botapi.wait_for(lambda m: m.content.startswith("❌"), since=mark)
        await eventually(lambda: nothing_kept(store, alice))
        assert verdicts(botapi, alice, mark) == [verdict.content]


async def test_the_next_update_waits_behind_an_older_kept_reply(
    botapi: BotApiEmulator, settings: Settings
) -> None:
    alice = botapi.user("Alice")
    async with running(botapi, settings, sleep=Waits(), outbox_poll=3600):
        mark, _ = await lose_a_verdict(botapi, alice)
        botapi.send_text(alice, None, "/help")  # Telegram is back; the learner writes
        await botapi.wait_for(lambda m: "/stats" in m.content, since=mark)
        shown = [m.content for m in botapi.sent(alice)[mark:]]
        assert len(shown) == 2 and shown[0].startswith("❌") and "/stats" in shown[1]


async def test_a_reply_cut_by_an_outage_goes_on_after_what_went_out(
    botapi: BotApiEmulator, settings: Settings, store: Store
) -> None:
    alice = botapi.user("Alice")
    async with running(botapi, settings, store=store, sleep=Waits(), outbox_poll=3600):
        botapi.send_text(alice, None, f"/start {SEED}")
        history = await botapi.wait_for(with_button("Images ▶"))
        botapi.press_button(history, "Images ▶")
        stage1 = await botapi.wait_for(with_button("Findings ▶"))
        botapi.press_button(stage1, "Findings ▶")
        findings1 = await botapi.wait_for(with_button("Next stage ▶"))
        # Stage 2 is an album, then a message with its button: the album goes out,
        # the message does not.
        mark = botapi.mark()
        botapi.server_error("sendMessage", times=TRIES)
        press = botapi.press_button(findings1, "Next stage ▶")
        await botapi.wait_until_handled(press)
        album = [m for m in botapi.sent(alice)[mark:] if m.media_group_id]
        assert len(album) == 2 and not [m for m in botapi.sent(alice)[mark:] if m.text]
        [kept] = await store.outbox.pending(key_of(alice))
        assert kept.sent_parts == 1
    # The next start sends the rest only: the album once, its button after it.
    async with running(botapi, settings, store=store):
        stage2 = await botapi.wait_for(with_button("Findings ▶"), since=mark)
        assert "Stage 2 of 2" in stage2.content and stage2.text
        await eventually(lambda: nothing_kept(store, alice))
        assert [m for m in botapi.sent(alice)[mark:] if m.media_group_id] == album


async def test_a_reply_kept_too_long_is_replaced_by_a_plain_notice(
    botapi: BotApiEmulator, settings: Settings, store: Store
) -> None:
    clock = MovableClock(datetime.now(UTC))
    alice = botapi.user("Alice")
    async with running(botapi, settings, store=store, sleep=Waits(), clock=clock, outbox_poll=0.01):
        mark, _ = await lose_a_verdict(botapi, alice)
        botapi.server_error("sendMessage", times=TRIES)  # down on the retry too ...
        clock.move(timedelta(days=1, minutes=1))  # ... and for a day
        notice = await botapi.wait_for(lambda m: m.content == TOO_LATE, since=mark)
        await eventually(lambda: nothing_kept(store, alice))
        assert [m.content for m in botapi.sent(alice)[mark:]] == [notice.content]


async def test_a_learner_who_blocked_the_bot_is_forgotten_by_the_outbox(
    botapi: BotApiEmulator, settings: Settings, store: Store
) -> None:
    alice = botapi.user("Alice")
    async with running(botapi, settings, store=store):
        question = await at_the_question(botapi, alice)
        botapi.block(alice)
        update = botapi.reply_to(question, "pneumonia")
        await botapi.wait_until_handled(update)
        assert await nothing_kept(store, alice)
        assert await store.users.active(alice.id) is False


async def test_an_update_received_but_not_handled_before_a_crash_is_handled_at_start_up(
    botapi: BotApiEmulator, settings: Settings, store: Store
) -> None:
    alice = botapi.user("Alice")
    async with running(botapi, settings, store=store):
        question = await at_the_question(botapi, alice)
    # A process (on this host, now dead) took this update from Telegram, confirmed it,
    # and died before handling it: Telegram will not send it again.
    answer = botapi.confirm_elsewhere(botapi.reply_to(question, "EMH"))
    dead = f"{socket.gethostname()}:999999999:dead"
    await store.inbox.add(answer["update_id"], json.dumps(answer), dead, datetime.now(UTC))
    mark = botapi.mark()
    async with running(botapi, settings, store=store):
        done = await botapi.wait_for(with_button("Next case ▶"), since=mark)
        assert done.content.startswith("✅")
        await botapi.wait_until_handled()
    assert await store.inbox.waiting() == []
