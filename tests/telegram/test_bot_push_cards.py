"""A push card in the real bot: Start opens the case in the learner's own session (asking
first when another case is in progress), Not now puts it aside, the group card's deep link
opens it in a private chat, and only the pushing instructor can list who was not reached."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.app.job_helpers import MovableClock
from tests.auxil.botapi import BotApiEmulator, FakeUser, SentMessage
from tests.telegram.botflow import (
    CASES,
    SEED,
    eventually,
    open_seed_stage_one,
    running,
    settings_for,
    to,
    with_button,
)
from tutorbot.app.classes import Classroom
from tutorbot.app.instructors import Roster
from tutorbot.app.pushes import create_push, new_token
from tutorbot.app.schedules import Scheduler
from tutorbot.cases import load_library
from tutorbot.storage import NewPush, PushRecord, Recipient, SessionKey, Store, open_store

OTHER = "tension-pneumothorax"


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    opened = await open_store(f"sqlite:///{tmp_path / 'bot.db'}")
    yield opened
    await opened.close()


async def pushed(
    botapi: BotApiEmulator,
    store: Store,
    by: FakeUser,
    *reached: FakeUser,
    case_id: str = SEED,
    blocked: list[FakeUser] | None = None,
) -> tuple[PushRecord, list[SentMessage]]:
    """Push ``case_id`` to ``reached`` (and ``blocked``); the cards ``reached`` got."""
    push, _ = await create_push(
        store,
        NewPush(1, case_id, "A tired runner", "Radiology 101", new_token(), by.id),
        [Recipient(user.id, user.first_name) for user in [*reached, *(blocked or [])]],
        datetime.now(UTC),
    )
    cards = [await botapi.wait_for(to(user, is_card)) for user in reached]
    return push, cards


def is_card(message: SentMessage) -> bool:
    return message.content.startswith("Case of the week")


def toasts(botapi: BotApiEmulator) -> list[str]:
    return [str(p.get("text")) for _, p in botapi.calls("answerCallbackQuery") if p.get("text")]


async def test_start_opens_the_pushed_case_and_the_learner_plays_it(
    botapi: BotApiEmulator, tmp_path: Path, store: Store
) -> None:
    teacher, ann = botapi.user("Tess"), botapi.user("Ann")
    async with running(
        botapi, settings_for(botapi, tmp_path / "bot.db"), store=store, jobs_poll=0.01
    ):
        _, (card,) = await pushed(botapi, store, teacher, ann)
        botapi.press_button(card, "▶ Start")
        history = await botapi.wait_for(to(ann, with_button("Images ▶")))
        assert "Case of the week" not in history.content
    record = await store.sessions.get(SessionKey(ann.id, 0, ann.id))
    assert record is not None and record.case_id == SEED


async def test_start_mid_case_asks_before_switching(
    botapi: BotApiEmulator, tmp_path: Path, store: Store
) -> None:
    teacher, ann = botapi.user("Tess"), botapi.user("Ann")
    settings = settings_for(botapi, tmp_path / "bot.db")
    async with running(botapi, settings, store=store, jobs_poll=0.01):
        _, (card,) = await pushed(botapi, store, teacher, ann, case_id=OTHER)
        await open_seed_stage_one(botapi, ann)  # then Ann starts another case
        botapi.press_button(card, "▶ Start")
        ask = await botapi.wait_for(to(ann, with_button("Switch")))
        assert ask.content.startswith("You are in the middle of")
        botapi.press_button(ask, "Switch")
        await botapi.wait_for(to(ann, lambda m: m.message_id > ask.message_id and bool(m.buttons)))
    record = await store.sessions.get(SessionKey(ann.id, 0, ann.id))
    assert record is not None and record.case_id == OTHER


async def test_not_now_takes_the_buttons_off_and_says_where_the_case_waits(
    botapi: BotApiEmulator, tmp_path: Path, store: Store
) -> None:
    teacher, ann = botapi.user("Tess"), botapi.user("Ann")
    async with running(
        botapi, settings_for(botapi, tmp_path / "bot.db"), store=store, jobs_poll=0.01
    ):
        _, (card,) = await pushed(botapi, store, teacher, ann)
        await botapi.wait_until_handled(botapi.press_button(card, "Not now"))
        await eventually(lambda: _no_buttons(card))
    assert card.content.startswith("Case of the week")
    assert "Fine: it will wait in /cases whenever you want it." in toasts(botapi)


async def _no_buttons(message: SentMessage) -> bool:
    return not message.buttons


async def test_the_group_cards_deep_link_opens_the_case_in_a_private_chat(
    botapi: BotApiEmulator, tmp_path: Path, store: Store
) -> None:
    teacher, ann = botapi.user("Tess"), botapi.user("Ann")
    async with running(
        botapi, settings_for(botapi, tmp_path / "bot.db"), store=store, jobs_poll=0.01
    ):
        push, _ = await pushed(botapi, store, teacher, ann)
        botapi.send_text(ann, None, f"/start P_{push.token}")
        await botapi.wait_for(to(ann, with_button("Images ▶")))
        unknown = botapi.send_text(ann, None, "/start P_no-such-token")
        gone = await botapi.wait_for(lambda m: "no longer valid" in m.content)
        await botapi.wait_until_handled(unknown)
    assert gone.chat_id == ann.id


async def test_only_the_pushing_instructor_can_list_who_was_not_reached(
    botapi: BotApiEmulator, tmp_path: Path, store: Store
) -> None:
    teacher, ann, bob = botapi.user("Tess"), botapi.user("Ann"), botapi.user("Bob")
    botapi.block(bob)
    async with running(
        botapi, settings_for(botapi, tmp_path / "bot.db"), store=store, jobs_poll=0.01
    ):
        await pushed(botapi, store, teacher, ann, blocked=[bob])
        report = await botapi.wait_for(lambda m: "” reached" in m.content)
        # Ann presses the report's button (as a client replaying it might): nothing shown.
        await botapi.wait_until_handled(
            botapi.press_button(report, "Who was not reached?", user=ann)
        )
        assert "Only the instructor who pushed this case can see that." in toasts(botapi)
        assert not [m for m in botapi.sent() if m.content.startswith("Not reached")]
        botapi.press_button(report, "Who was not reached?")
        who = await botapi.wait_for(lambda m: m.content.startswith("Not reached"))
    assert who.chat_id == teacher.id
    assert who.content.splitlines()[1:] == ["• Bob: blocked the bot"]


async def test_a_weekly_schedule_fires_in_the_running_bot_at_its_slot(
    botapi: BotApiEmulator, tmp_path: Path, store: Store
) -> None:
    teacher, ann = botapi.user("Tess"), botapi.user("Ann")
    slot = datetime(2026, 12, 14, 0, 0, tzinfo=UTC)  # Monday 08:00 in Kuala Lumpur
    clock = MovableClock(slot - timedelta(days=1))
    settings = replace(
        settings_for(botapi, tmp_path / "bot.db"), instructors=frozenset({teacher.id})
    )
    cls = await store.classes.create("Radiology 101", teacher.id, clock.now())
    await store.members.join(cls.id, ann.id, "Ann", clock.now())
    room = Classroom(store, Roster(store, settings.instructors, clock))
    scheduler = Scheduler(store, room, load_library([CASES]), clock)
    await scheduler.create(
        teacher.id, cls.id, ["Monday", "08:00", "Asia/Kuala_Lumpur"], ["tension-pneumothorax"]
    )
    async with running(botapi, settings, store=store, clock=clock, jobs_poll=0.01):
        await asyncio.sleep(0.2)  # the runner looks several times before the slot
        assert not [m for m in botapi.sent(ann) if is_card(m)]
        clock.set(slot)
        card = await botapi.wait_for(to(ann, is_card))
        await botapi.wait_for(lambda m: "” reached" in m.content)
    # The card shows the title learners see, and its buttons carry no case id.
    assert card.content.startswith("Case of the week from Radiology 101: ")
    assert all("tension" not in data for data in card.callback_data)
    assert [p.case_id for p in await store.pushes.of_class(cls.id)] == ["tension-pneumothorax"]
