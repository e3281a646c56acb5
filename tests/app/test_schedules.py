"""Schedules run by the durable jobs runner on a real SQLite file under a clock the test
moves: a weekly slot fires once at its slot and pushes the playlist in order, survives a
restart, fires once with two processes on one database, catches up after downtime, and
refuses bad input with one line."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.app.job_helpers import MovableClock
from tests.telegram.botflow import CASES
from tutorbot.app.broadcast import Broadcaster
from tutorbot.app.classes import Classroom
from tutorbot.app.instructors import Refusal, Roster
from tutorbot.app.jobs import JobRunner
from tutorbot.app.play import Play
from tutorbot.app.ports import Delivery
from tutorbot.app.pushes import PushDesk
from tutorbot.app.replies import Say
from tutorbot.app.schedules import FIRE, Scheduler
from tutorbot.cases import Library, load_library
from tutorbot.grading import grader_for
from tutorbot.storage import Store, open_store

TEACHER, ANN, BEN = 1, 10, 11
# Mondays 08:00 in Kuala Lumpur are Mondays 00:00 UTC.
MONDAY = datetime(2026, 12, 14, 0, 0, tzinfo=UTC)
WEEK = timedelta(days=7)
WEEKLY = ["Monday", "08:00", "Asia/Kuala_Lumpur"]
PLAYLIST = ["osteosarcoma", "tension-pneumothorax"]


@dataclass
class Recorder:
    """A :class:`~tutorbot.app.ports.Notifier` that keeps what it was asked to send."""

    sent: list[tuple[int, Say]] = field(default_factory=list)

    async def notify(self, chat_id: int, thread_id: int, says: Sequence[Say]) -> Delivery:
        self.sent += [(chat_id, say) for say in says]
        return "sent"

    async def post(self, chat_id: int, message: Say) -> int | None:
        self.sent.append((chat_id, message))
        return len(self.sent)

    async def edit(self, chat_id: int, message_id: int, message: Say) -> bool:
        return True

    def to(self, chat_id: int, code: str) -> list[Say]:
        return [say for chat, say in self.sent if chat == chat_id and say.code == code]


@dataclass
class Process:
    """One bot process's view: its store, scheduler and jobs runner."""

    store: Store
    scheduler: Scheduler
    runner: JobRunner
    notifier: Recorder


@pytest.fixture(scope="module")
def library() -> Library:
    return load_library([CASES])


@pytest.fixture
async def processes(
    tmp_path: Path, library: Library
) -> AsyncIterator[tuple[MovableClock, list[Process]]]:
    clock = MovableClock(MONDAY - timedelta(days=6))
    opened: list[Process] = []

    async def start(owner: str) -> Process:
        store = await open_store(f"sqlite:///{tmp_path / 'tutor.db'}")
        room = Classroom(store, Roster(store, frozenset({TEACHER}), clock))
        notifier = Recorder()
        scheduler = Scheduler(store, room, library, clock, notifier)
        broadcaster = Broadcaster(
            store, notifier, clock, lambda payload: f"t.me/bot?start={payload}"
        )
        runner = JobRunner(
            store.jobs, {**scheduler.handlers(), **broadcaster.handlers()}, owner=owner, clock=clock
        )
        process = Process(store, scheduler, runner, notifier)
        opened.append(process)
        return process

    first = await start("one")
    cls = await first.store.classes.create("Radiology 101", TEACHER, clock.now())
    await first.store.members.join(cls.id, ANN, "Ann", clock.now())
    await first.store.members.join(cls.id, BEN, "Ben", clock.now())
    second = await start("two")
    yield clock, [first, second]
    for process in opened:
        await process.store.close()


async def pushed(store: Store) -> list[str]:
    (cls,) = await store.classes.list()
    return [push.case_id for push in await store.pushes.of_class(cls.id)]


async def class_id(store: Store) -> int:
    (cls,) = await store.classes.list()
    return cls.id


async def test_a_weekly_slot_pushes_the_playlist_once_a_week_then_pauses(
    processes: tuple[MovableClock, list[Process]],
) -> None:
    clock, (bot, _) = processes
    schedule, first = await bot.scheduler.create(
        TEACHER, await class_id(bot.store), WEEKLY, PLAYLIST
    )
    assert first == MONDAY
    await bot.runner.run_due()
    assert await pushed(bot.store) == []  # not yet
    clock.set(MONDAY - timedelta(seconds=1))
    await bot.runner.run_due()
    assert await pushed(bot.store) == []
    clock.set(MONDAY)
    await bot.runner.run_due()
    assert await pushed(bot.store) == ["osteosarcoma"]
    # Its broadcast ran too: each student got one card.
    assert len(bot.notifier.to(ANN, "push_card")) == 1
    assert len(bot.notifier.to(BEN, "push_card")) == 1
    await bot.runner.run_due()
    clock.move(timedelta(days=6))
    await bot.runner.run_due()
    assert await pushed(bot.store) == ["osteosarcoma"]  # once per slot
    clock.set(MONDAY + WEEK)
    await bot.runner.run_due()
    assert await pushed(bot.store) == ["osteosarcoma", "tension-pneumothorax"]
    clock.set(MONDAY + 2 * WEEK)
    await bot.runner.run_due()
    assert await pushed(bot.store) == ["osteosarcoma", "tension-pneumothorax"]
    (note,) = bot.notifier.to(TEACHER, "schedule_note")
    assert note.lines == (
        "Every case on the playlist of Radiology 101 has been pushed.",
        "The schedule is paused: /schedules to resume it.",
    )
    paused = await bot.store.schedules.get(schedule.id)
    assert paused is not None and paused.status == "paused"


async def test_a_schedule_survives_a_restart(
    processes: tuple[MovableClock, list[Process]], tmp_path: Path, library: Library
) -> None:
    clock, (bot, _) = processes
    await bot.scheduler.create(TEACHER, await class_id(bot.store), WEEKLY, PLAYLIST)
    await bot.store.close()  # the process stops before the slot
    clock.set(MONDAY + timedelta(minutes=5))
    store = await open_store(f"sqlite:///{tmp_path / 'tutor.db'}")
    try:
        room = Classroom(store, Roster(store, frozenset({TEACHER}), clock))
        scheduler = Scheduler(store, room, library, clock, Recorder())
        runner = JobRunner(store.jobs, scheduler.handlers(), owner="restarted", clock=clock)
        await runner.run_due()
        assert await pushed(store) == ["osteosarcoma"]
    finally:
        await store.close()


async def test_two_processes_on_one_database_fire_a_slot_once(
    processes: tuple[MovableClock, list[Process]],
) -> None:
    clock, (one, two) = processes
    await one.scheduler.create(TEACHER, await class_id(one.store), WEEKLY, PLAYLIST)
    clock.set(MONDAY)
    await asyncio.gather(one.runner.run_due(), two.runner.run_due())
    assert await pushed(one.store) == ["osteosarcoma"]
    cards = len(one.notifier.to(ANN, "push_card")) + len(two.notifier.to(ANN, "push_card"))
    assert cards == 1


async def test_a_slot_run_twice_after_a_lease_expired_pushes_once(
    processes: tuple[MovableClock, list[Process]],
) -> None:
    clock, (one, two) = processes
    await one.scheduler.create(TEACHER, await class_id(one.store), WEEKLY, PLAYLIST)
    clock.set(MONDAY)
    (stalled,) = await one.store.jobs.claim("one", clock.now(), timedelta(seconds=30))
    clock.move(timedelta(minutes=1))  # process one stalls past its lease; two takes over
    (taken,) = await two.store.jobs.claim("two", clock.now(), timedelta(seconds=30))
    assert taken.id == stalled.id and taken.kind == FIRE
    await two.scheduler.fire(taken)
    await one.scheduler.fire(stalled)  # and one wakes up and runs it too
    assert await pushed(one.store) == ["osteosarcoma"]


async def test_after_downtime_only_the_latest_slot_fires_and_the_rest_are_reported(
    processes: tuple[MovableClock, list[Process]],
) -> None:
    clock, (bot, _) = processes
    await bot.scheduler.create(TEACHER, await class_id(bot.store), WEEKLY, PLAYLIST)
    clock.set(MONDAY + 2 * WEEK + timedelta(hours=5, minutes=59))
    await bot.runner.run_due()
    assert await pushed(bot.store) == ["osteosarcoma"]
    (note,) = bot.notifier.to(TEACHER, "schedule_note")
    assert note.lines == (
        "I was not running at Mon 14 Dec 08:00, Mon 21 Dec 08:00, more than six hours "
        "ago, so nothing was pushed then.",
    )


async def test_a_slot_six_hours_late_pushes_nothing_and_says_so(
    processes: tuple[MovableClock, list[Process]],
) -> None:
    clock, (bot, _) = processes
    await bot.scheduler.create(TEACHER, await class_id(bot.store), WEEKLY, PLAYLIST)
    clock.set(MONDAY + timedelta(hours=6))
    await bot.runner.run_due()
    assert await pushed(bot.store) == []
    (note,) = bot.notifier.to(TEACHER, "schedule_note")
    assert "Mon 14 Dec 08:00" in note.lines[0]
    clock.set(MONDAY + WEEK)  # the next slot fires as usual
    await bot.runner.run_due()
    assert await pushed(bot.store) == ["osteosarcoma"]


async def test_skip_next_pause_resume_delete(
    processes: tuple[MovableClock, list[Process]],
) -> None:
    clock, (bot, _) = processes
    schedule, _ = await bot.scheduler.create(TEACHER, await class_id(bot.store), WEEKLY, PLAYLIST)
    await bot.scheduler.skip_next(TEACHER, schedule.id)
    clock.set(MONDAY)
    await bot.runner.run_due()
    assert await pushed(bot.store) == []
    (note,) = bot.notifier.to(TEACHER, "schedule_note")
    assert note.lines == ("Skipped the push of Mon 14 Dec 08:00, as you asked.",)
    await bot.scheduler.pause(TEACHER, schedule.id)
    assert bot.scheduler.next_run((await bot.store.schedules.get(schedule.id)) or schedule) is None
    clock.set(MONDAY + WEEK)
    await bot.runner.run_due()
    assert await pushed(bot.store) == []  # paused
    clock.move(timedelta(hours=1))
    resumed = await bot.scheduler.resume(TEACHER, schedule.id)
    assert bot.scheduler.next_run(resumed) == MONDAY + 2 * WEEK  # not the missed slot
    clock.set(MONDAY + 2 * WEEK)
    await bot.runner.run_due()
    assert await pushed(bot.store) == ["osteosarcoma"]
    await bot.scheduler.delete(TEACHER, schedule.id)
    clock.set(MONDAY + 3 * WEEK)
    await bot.runner.run_due()
    assert await pushed(bot.store) == ["osteosarcoma"]
    assert await bot.scheduler.of_instructor(TEACHER) == []


async def test_a_one_off_fires_once(processes: tuple[MovableClock, list[Process]]) -> None:
    clock, (bot, _) = processes
    schedule, first = await bot.scheduler.create(
        TEACHER, await class_id(bot.store), ["2026-12-10", "7pm", "Europe/London"], PLAYLIST
    )
    assert first == datetime(2026, 12, 10, 19, 0, tzinfo=UTC)
    clock.set(first + timedelta(minutes=1))
    await bot.runner.run_due()
    clock.move(WEEK)
    await bot.runner.run_due()
    assert await pushed(bot.store) == ["osteosarcoma"]
    done = await bot.store.schedules.get(schedule.id)
    assert done is not None and done.status == "done"


async def test_an_unpublished_next_case_pauses_the_schedule(
    processes: tuple[MovableClock, list[Process]], library: Library
) -> None:
    clock, (bot, _) = processes
    await bot.scheduler.create(TEACHER, await class_id(bot.store), WEEKLY, PLAYLIST)
    # The case is taken out of the library (unpublished or removed) before its slot.
    bot.scheduler.library = Library(
        {k: v for k, v in library.cases.items() if k != "osteosarcoma"}, []
    )
    clock.set(MONDAY)
    await bot.runner.run_due()
    assert await pushed(bot.store) == []
    (note,) = bot.notifier.to(TEACHER, "schedule_note")
    assert "osteosarcoma, is no longer published" in note.lines[0]


@pytest.mark.parametrize(
    ("user", "when", "playlist", "line"),
    [
        (ANN, WEEKLY, PLAYLIST, "That is for instructors only."),
        (TEACHER, ["Monday", "08:00", "Mars/Olympus"], PLAYLIST, "I do not know the time zone"),
        (TEACHER, ["Monday", "25:00", "UTC"], PLAYLIST, "'25:00' is not a time of day"),
        (TEACHER, ["2026-12-01", "08:00", "UTC"], PLAYLIST, "2026-12-01 08:00 UTC has already"),
        (TEACHER, WEEKLY, [], "Name the cases to push"),
        (TEACHER, WEEKLY, ["no-such-case"], "I have no case called 'no-such-case'"),
    ],
)
async def test_bad_schedules_get_one_line_and_store_nothing(
    processes: tuple[MovableClock, list[Process]],
    user: int,
    when: list[str],
    playlist: list[str],
    line: str,
) -> None:
    clock, (bot, _) = processes
    clock.set(datetime(2026, 12, 8, tzinfo=UTC))
    with pytest.raises(Refusal) as refused:
        await bot.scheduler.create(user, await class_id(bot.store), when, playlist)
    assert str(refused.value).startswith(line)
    assert await bot.store.schedules.of_class(await class_id(bot.store)) == []


async def test_an_archived_class_takes_no_schedule(
    processes: tuple[MovableClock, list[Process]],
) -> None:
    _, (bot, _) = processes
    cid = await class_id(bot.store)
    await bot.store.classes.set_archived(cid, True)
    with pytest.raises(Refusal, match="archived"):
        await bot.scheduler.create(TEACHER, cid, WEEKLY, PLAYLIST)


async def test_a_push_flow_token_of_another_instructors_class_is_refused(
    processes: tuple[MovableClock, list[Process]], library: Library
) -> None:
    clock, (bot, _) = processes
    other = 2
    room = Classroom(bot.store, Roster(bot.store, frozenset({TEACHER, other}), clock))
    desk = PushDesk(bot.store, room, Play(bot.store, library, grader_for(CASES), 2), clock)
    preview = await desk.begin(TEACHER, "osteosarcoma")
    send = next(choice.press for choice in preview.choices if choice.label == "Send")
    with pytest.raises(Refusal, match="That class is not one of yours"):
        await desk.press(other, "send", send.token)  # type: ignore[union-attr]
    with pytest.raises(Refusal, match="That choice has expired"):
        await desk.press(TEACHER, "send", "not-a-token")
    assert await pushed(bot.store) == []
