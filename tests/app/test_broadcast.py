"""The broadcast job, run by the real bot's jobs runner against the Bot API emulator: cards
reach every chat once, blocked and failing chats are counted, a crash resumes where it
stopped, a learner mid-case is not interrupted, and the instructor sees progress and a report."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.app.job_helpers import MovableClock
from tests.auxil.botapi import BotApiEmulator, FakeUser, SentMessage
from tests.telegram.botflow import SEED, eventually, open_seed_stage_one, running, settings_for
from tutorbot.app import broadcast
from tutorbot.app.pushes import create_push, new_token
from tutorbot.storage import DeliveryCounts, NewPush, PushRecord, Recipient, Store, open_store


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    opened = await open_store(f"sqlite:///{tmp_path / 'bot.db'}")
    yield opened
    await opened.close()


def new_push(by: FakeUser, origin: str | None = None) -> NewPush:
    return NewPush(
        class_id=1,
        case_id=SEED,
        title="A tired runner <&>",
        class_name="Radiology <101>",
        token=new_token(),
        by=by.id,
        origin=origin,
    )


def cards_to(botapi: BotApiEmulator, chat: Any) -> list[SentMessage]:
    return [m for m in botapi.sent(chat) if "Case of the week" in m.content]


async def push_to(
    store: Store, instructor: FakeUser, chats: Sequence[Any], now: datetime | None = None
) -> PushRecord:
    recipients = [Recipient(c.id, getattr(c, "first_name", None) or c.title) for c in chats]
    push, created = await create_push(
        store, new_push(instructor), recipients, now or datetime.now(UTC)
    )
    assert created
    return push


async def finished(store: Store, push: PushRecord) -> None:
    async def done() -> bool:
        current = await store.pushes.get(push.id)
        return current is not None and current.status == "done"

    await eventually(done, timeout=15)


async def test_every_student_gets_one_card_a_group_a_round_and_the_instructor_a_report(
    botapi: BotApiEmulator, tmp_path: Path, store: Store
) -> None:
    teacher = botapi.user("Tess")
    students = [botapi.user(f"S{n}") for n in range(6)]
    ward = botapi.group("Ward 4")
    settings = settings_for(botapi, tmp_path / "bot.db")
    async with running(botapi, settings, store=store, jobs_poll=0.01):
        push = await push_to(store, teacher, [*students, ward])
        await finished(store, push)
        report = await botapi.wait_for(
            lambda m: m.content.startswith("“") and "” reached" in m.content
        )
    for student in students:
        (card,) = cards_to(botapi, student)
        assert card.content == "Case of the week from Radiology <101>: A tired runner <&>"
        assert [b["text"] for b in card.buttons] == ["▶ Start", "Not now"]
        # The buttons carry the push's token, never the case id.
        assert all(SEED not in data and push.token in data for data in card.callback_data)
    # The class group plays the case as a group round (tests/telegram/test_group_rounds.py).
    assert cards_to(botapi, ward) == []
    (status,) = [m for m in botapi.sent(ward) if "Case round" in m.content]
    assert SEED not in status.content and "?start=R_" in str(status.buttons)
    assert report.chat_id == teacher.id
    assert report.content.startswith("“A tired runner <&>” reached 7 of 7 in Radiology <101>.")
    assert not report.buttons  # nobody to list
    (progress,) = [m for m in botapi.sent(teacher) if m.content.startswith("Sending")]
    assert progress.content.endswith("Done.")
    assert "7 of 7 sent" in progress.content
    assert await store.deliveries.counts(push.id) == DeliveryCounts(sent=7)


async def test_blocked_and_failing_chats_are_counted_and_listed_for_the_instructor(
    botapi: BotApiEmulator, tmp_path: Path, store: Store
) -> None:
    clock = MovableClock(datetime.now(UTC))
    teacher, ann, bob, cat = (botapi.user(n) for n in ("Tess", "Ann", "Bob", "Cat"))
    botapi.block(bob)
    # Cat's chat answers every call with 400 (a chat Telegram no longer knows).
    botapi.fail_next(
        "sendMessage", code=400, description="Bad Request: chat not found", times=100, chat=cat
    )
    settings = settings_for(botapi, tmp_path / "bot.db")
    async with running(botapi, settings, store=store, clock=clock, jobs_poll=0.01) as app:
        push = await push_to(store, teacher, [ann, bob, cat], clock.now())

        async def cat_tried(times: int) -> bool:
            rows = await store.deliveries.list(push.id)
            return any(r.chat_id == cat.id and r.attempts == times for r in rows)

        for attempt in range(1, broadcast.MAX_ATTEMPTS):
            await eventually(lambda: cat_tried(attempt))  # noqa: B023 (awaited at once)
            clock.move(broadcast.RETRY_AFTER * (1 << (attempt - 1)))
        await finished(store, push)
        report = await botapi.wait_for(
            lambda m: m.content.startswith("“") and "” reached" in m.content
        )
        assert "Delivered: 1 · blocked the bot or removed it: 1 · failed: 1" in report.content
        assert await store.users.active(bob.id) is False
        botapi.press_button(report, "Who was not reached?")
        who = await botapi.wait_for(lambda m: m.content.startswith("Not reached"))
        assert app is not None
    assert who.chat_id == teacher.id
    assert "• Bob: blocked the bot" in who.content
    assert "• Cat: failed (BadRequest: Chat not found)" in who.content
    assert len(cards_to(botapi, ann)) == 1
    assert await store.deliveries.counts(push.id) == DeliveryCounts(sent=1, blocked=1, failed=1)


async def test_a_restart_after_a_crash_sends_only_what_was_not_sent(
    botapi: BotApiEmulator, tmp_path: Path, store: Store
) -> None:
    teacher = botapi.user("Tess")
    students = [botapi.user(f"S{n}") for n in range(5)]
    push = await push_to(store, teacher, students)
    # As a process killed mid-broadcast leaves it: two cards sent and recorded, one call
    # in flight (its row still "sending"), two not yet tried.
    for done in students[:2]:
        await store.deliveries.start(push.id, done.id)
        await store.deliveries.settle(push.id, done.id, "sent", datetime.now(UTC))
    await store.deliveries.start(push.id, students[2].id)
    settings = settings_for(botapi, tmp_path / "bot.db")
    async with running(botapi, settings, store=store, jobs_poll=0.01):
        await finished(store, push)
    assert [len(cards_to(botapi, s)) for s in students] == [0, 0, 1, 1, 1]
    assert await store.deliveries.counts(push.id) == DeliveryCounts(sent=5)


async def test_a_learner_mid_case_gets_the_card_when_the_case_is_over(
    botapi: BotApiEmulator, tmp_path: Path, store: Store
) -> None:
    clock = MovableClock(datetime.now(UTC))
    teacher, busy, free = botapi.user("Tess"), botapi.user("Busy"), botapi.user("Free")
    settings = settings_for(botapi, tmp_path / "bot.db")
    async with running(botapi, settings, store=store, clock=clock, jobs_poll=0.01):
        await open_seed_stage_one(botapi, busy)
        push = await push_to(store, teacher, [busy, free], clock.now())
        await botapi.wait_for(lambda m: m.chat_id == free.id and "Case of the week" in m.content)

        async def held() -> bool:
            return (await store.deliveries.counts(push.id)).held == 1

        await eventually(held)
        progress = await botapi.wait_for(lambda m: "waiting until they finish" in m.content)
        assert progress.chat_id == teacher.id
        assert cards_to(botapi, busy) == []
        await botapi.wait_until_handled(botapi.send_text(busy, None, "/stop"))  # case over
        clock.move(broadcast.HOLD_FOR)
        await finished(store, push)
    assert len(cards_to(botapi, busy)) == 1
    assert await store.deliveries.counts(push.id) == DeliveryCounts(sent=2)


async def test_a_learner_busy_for_hours_gets_the_card_anyway(
    botapi: BotApiEmulator, tmp_path: Path, store: Store
) -> None:
    clock = MovableClock(datetime.now(UTC))
    teacher, busy = botapi.user("Tess"), botapi.user("Busy")
    settings = settings_for(botapi, tmp_path / "bot.db")
    async with running(botapi, settings, store=store, clock=clock, jobs_poll=0.01):
        await open_seed_stage_one(botapi, busy)
        push = await push_to(store, teacher, [busy], clock.now())

        async def held() -> bool:
            return (await store.deliveries.counts(push.id)).held == 1

        await eventually(held)
        # Still in the case (its clock kept fresh by the test's own notion of "now").
        clock.move(broadcast.HOLD_AT_MOST - timedelta(minutes=1))
        assert cards_to(botapi, busy) == []
        clock.move(timedelta(minutes=2))
        await finished(store, push)
    assert len(cards_to(botapi, busy)) == 1


async def test_a_push_with_the_same_origin_is_created_once(store: Store) -> None:
    now = datetime.now(UTC)
    teacher = FakeUser(900, "Tess", None, None, "en")
    first, created = await create_push(store, new_push(teacher, "slot:1"), [], now)
    again, created_again = await create_push(store, new_push(teacher, "slot:1"), [], now)
    assert created and not created_again and again.id == first.id
