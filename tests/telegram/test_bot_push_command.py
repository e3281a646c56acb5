"""An instructor's /push, /schedule and /schedules in the real bot: choose the class and
the case from buttons, preview exactly what students get, Send; a student starts the case
from the card and finishes it; schedules listed with buttons; everyone else gets one line."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.app.job_helpers import MovableClock
from tests.auxil.botapi import BotApiEmulator, FakeUser
from tests.telegram.botflow import running, says, settings_for, to, with_button
from tutorbot.settings import Settings
from tutorbot.storage import Store, open_store

OTHER = "tension-pneumothorax"
STAB = "Stab wound to the chest and falling blood pressure"  # its title


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    opened = await open_store(f"sqlite:///{tmp_path / 'bot.db'}")
    yield opened
    await opened.close()


async def a_class(
    store: Store, teacher: FakeUser, *students: FakeUser, name: str = "Radiology 101"
) -> int:
    now = datetime.now(UTC)
    cls = await store.classes.create(name, teacher.id, now)
    for student in students:
        await store.members.join(cls.id, student.id, student.first_name, now)
    return cls.id


def for_teacher(botapi: BotApiEmulator, tmp_path: Path, teacher: FakeUser) -> Settings:
    return replace(settings_for(botapi, tmp_path / "bot.db"), instructors=frozenset({teacher.id}))


async def test_preview_send_then_a_student_plays_the_case_from_the_card(
    botapi: BotApiEmulator, tmp_path: Path, store: Store
) -> None:
    teacher, ann, ben = botapi.user("Tess"), botapi.user("Ann"), botapi.user("Ben")
    await a_class(store, teacher, ann, ben)
    await a_class(store, teacher, name="Neuro 2026")
    async with running(botapi, for_teacher(botapi, tmp_path, teacher), store=store, jobs_poll=0.01):
        classes = await says(botapi, teacher, "/push")
        assert [b["text"] for b in classes.buttons] == ["Radiology 101", "Neuro 2026"]
        botapi.press_button(classes, "Radiology 101")
        cases = await botapi.wait_for(to(teacher, lambda m: m.content.startswith("Which case")))
        labels = [b["text"] for b in cases.buttons]
        assert STAB in labels
        assert all(OTHER not in data for data in cases.callback_data)  # tokens, not ids
        botapi.press_button(cases, STAB)
        preview = await botapi.wait_for(to(teacher, with_button("Send")))
        assert preview.content.startswith("Preview: 2 student(s) and 0 group(s) of Radiology 101")
        card_line = preview.content.splitlines()[1]
        botapi.press_button(preview, "Send")
        await botapi.wait_for(to(teacher, lambda m: m.content.startswith("Sending “")))
        card = await botapi.wait_for(to(ann, lambda m: m.content.startswith("Case of the week")))
        assert card.content == card_line  # exactly what the preview showed
        await botapi.wait_for(to(teacher, lambda m: "” reached 2 of 2" in m.content))
        # Ann starts it from the card and finishes it.
        botapi.press_button(card, "▶ Start")
        await botapi.wait_for(to(ann, with_button("Images ▶")))
        await says(botapi, ann, "/skip")
        verdict = await says(botapi, ann, "tension pneumothorax")
        assert verdict.content.startswith("✅")
        # Send again the same day: one push only.
        botapi.press_button(preview, "Send")
        again = await botapi.wait_for(to(teacher, lambda m: "today already" in m.content))
        assert again is not None
    assert len([m for m in botapi.sent(ben) if m.content.startswith("Case of the week")]) == 1


async def test_push_with_a_case_id_and_bad_input(
    botapi: BotApiEmulator, tmp_path: Path, store: Store
) -> None:
    teacher, ann = botapi.user("Tess"), botapi.user("Ann")
    await a_class(store, teacher)  # nobody in it yet
    async with running(botapi, for_teacher(botapi, tmp_path, teacher), store=store):
        unknown = await says(botapi, teacher, "/push no-such-case")
        assert (
            unknown.content
            == "I have no case called 'no-such-case'; /push without a case lists them."
        )
        empty = await says(botapi, teacher, f"/push {OTHER}")
        assert "Radiology 101 has no students or groups yet" in empty.content
        assert [b["text"] for b in empty.buttons] == ["Cancel"]
        botapi.press_button(empty, "Cancel")
        await botapi.wait_for(to(teacher, lambda m: m.content == "Cancelled: nothing was sent."))
        # A student: each instructor command gets one line and changes nothing.
        for command in ("/push", f"/push {OTHER}", "/schedule Monday 08:00 UTC x", "/schedules"):
            refused = await says(botapi, ann, command)
            assert refused.content == "That is for instructors only."
    assert await store.pushes.of_class(1) == []


async def test_schedule_and_schedules_with_their_buttons(
    botapi: BotApiEmulator, tmp_path: Path, store: Store
) -> None:
    teacher, ann = botapi.user("Tess"), botapi.user("Ann")
    await a_class(store, teacher, ann)
    clock = MovableClock(datetime(2026, 12, 8, 9, 0, tzinfo=UTC))
    async with running(
        botapi, for_teacher(botapi, tmp_path, teacher), store=store, clock=clock, jobs_poll=0.01
    ):
        bad = await says(botapi, teacher, "/schedule Monday 08:00 Mars/Olympus " + OTHER)
        assert bad.content.startswith("I do not know the time zone 'Mars/Olympus'")
        past = await says(botapi, teacher, f"/schedule 2026-12-01 08:00 UTC {OTHER}")
        assert "has already passed" in past.content
        added = await says(botapi, teacher, f"/schedule Monday 8 am Asia/Kuala_Lumpur {OTHER}")
        assert added.content.splitlines() == [
            "Scheduled.",
            f"1. Radiology 101: Monday 08:00 Asia/Kuala_Lumpur · next Mon 14 Dec 08:00 · {OTHER}",
        ]
        listed = await says(botapi, teacher, "/schedules")
        assert [b["text"] for b in listed.buttons] == ["1 Pause", "1 Skip next", "1 Delete"]
        botapi.press_button(listed, "1 Pause")
        paused = await botapi.wait_for(to(teacher, with_button("1 Resume")))
        assert "· paused ·" in paused.content
        botapi.press_button(paused, "1 Resume")
        resumed = await botapi.wait_for(
            to(teacher, lambda m: m.message_id > paused.message_id and "next Mon" in m.content)
        )
        clock.set(datetime(2026, 12, 14, 0, 0, tzinfo=UTC) + timedelta(minutes=1))
        await botapi.wait_for(to(ann, lambda m: m.content.startswith("Case of the week")))
        botapi.press_button(resumed, "1 Delete")
        await botapi.wait_for(to(teacher, lambda m: m.content.startswith("No schedules yet")))
