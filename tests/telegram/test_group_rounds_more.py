"""Group rounds beyond the happy path: the deadline reveal after a restart, two rounds in
two forum topics at once, the bot removed mid-round, a group that becomes a supergroup,
bad input, and the status message's pace."""

from __future__ import annotations

import asyncio
import itertools
from datetime import timedelta
from pathlib import Path
from typing import Any

from tests.app.job_helpers import MovableClock
from tests.auxil.botapi import BotApiEmulator, FakeChat, FakeUser, SentMessage
from tests.telegram.botflow import SEED, running, settings_for
from tests.telegram.test_group_rounds import in_chat, link_payload, status_of
from tutorbot.telegram import runtime_of
from tutorbot.telegram.budget import SendBudget

OTHER = "tension-pneumothorax"
FAST: dict[str, Any] = {
    "status_every": 0.2,
    "jobs_poll": 0.05,
    "budget": SendBudget(private_interval=0.0, group_per_minute=1000),
}


def admin_and_group(botapi: BotApiEmulator, **kind: bool) -> tuple[FakeUser, FakeChat]:
    alice = botapi.user("Alice")
    club = botapi.group("Radiology Club", **kind)
    botapi.groups.make_admin(club, alice)
    return alice, club


async def started(
    botapi: BotApiEmulator, alice: FakeUser, chat: FakeChat, args: str, thread: int | None = None
) -> SentMessage:
    botapi.send_text(alice, chat, f"/case {args}", message_thread_id=thread)
    return await botapi.wait_for(
        in_chat(chat, lambda m: "Case round" in m.content and m.message_thread_id == thread)
    )


async def test_the_deadline_reveal_fires_after_a_restart(
    botapi: BotApiEmulator, tmp_path: Path
) -> None:
    clock = MovableClock()
    alice, club = admin_and_group(botapi)
    bob = botapi.user("Bob")
    settings = settings_for(botapi, tmp_path / "bot.db")
    async with running(botapi, settings, clock=clock, **FAST):
        await started(botapi, alice, club, f"{SEED} 30m")
        botapi.send_text(bob, club, "/dx extramedullary hematopoiesis")
        await botapi.wait_for(in_chat(bob, lambda m: "Got your answer" in m.content))
    clock.move(timedelta(minutes=31))  # the deadline passes while the bot is down
    async with running(botapi, settings, clock=clock, **FAST):
        summary = await botapi.wait_for(in_chat(club, lambda m: "Answered: 1" in m.content))
        await botapi.wait_for(in_chat(bob, lambda m: "is revealed" in m.content))
    assert "Right, in the order they answered: Bob" in summary.content
    assert "Revealed" in status_of(botapi, club).content


async def test_a_forum_runs_two_rounds_in_two_topics_at_once(
    botapi: BotApiEmulator, tmp_path: Path
) -> None:
    alice, forum = admin_and_group(botapi, forum=True)
    bob = botapi.user("Bob")
    chest, trauma = botapi.topic(forum), botapi.topic(forum)
    async with running(botapi, settings_for(botapi, tmp_path / "bot.db"), **FAST):
        one = await started(botapi, alice, forum, SEED, chest)
        two = await started(botapi, alice, forum, OTHER, trauma)
        again = botapi.send_text(alice, forum, f"/case {OTHER}", message_thread_id=trauma)
        await botapi.wait_for(in_chat(forum, lambda m: "already running" in m.content))
        botapi.send_text(bob, None, f"/start {link_payload(one)}")
        await botapi.wait_for(in_chat(bob, lambda m: "Type your diagnosis" in m.content))
        botapi.send_text(bob, None, "EMH")
        await botapi.wait_for(in_chat(bob, lambda m: "Got your answer" in m.content))
        botapi.send_text(bob, forum, "/dx tension pneumothorax", message_thread_id=trauma)
        await botapi.wait_for(
            in_chat(bob, lambda m: "Got your answer" in m.content and "tension" in m.content)
        )
        await botapi.wait_until_handled(again)
        for thread in (chest, trauma):
            botapi.send_text(alice, forum, "/reveal", message_thread_id=thread)
        await botapi.wait_until_handled()  # each /reveal's handler awaits its posts
        summaries = [m for m in botapi.sent(forum) if "Answered: 1" in m.content]
        assert sorted(m.message_thread_id or 0 for m in summaries) == sorted([chest, trauma])
        assert all("✅ 1" in m.content for m in summaries)
    assert botapi.general_posts == []
    threads = {m.message_thread_id for m in botapi.sent(forum)}
    assert threads == {chest, trauma}
    assert one.message_thread_id == chest and two.message_thread_id == trauma


async def test_the_bot_removed_mid_round_ends_it_and_the_deadline_passes_quietly(
    botapi: BotApiEmulator, tmp_path: Path
) -> None:
    clock = MovableClock()
    alice, club = admin_and_group(botapi)
    other = botapi.group("Other club")
    botapi.groups.make_admin(other, alice)
    async with running(
        botapi, settings_for(botapi, tmp_path / "bot.db"), clock=clock, **FAST
    ) as app:
        store = runtime_of(app).store
        await started(botapi, alice, club, f"{SEED} 5m")
        await started(botapi, alice, other, f"{SEED} 5m")
        removed = botapi.groups.remove_bot(club, alice)  # Telegram says so
        await botapi.wait_until_handled(removed)
        botapi.block(other)  # removed without the update reaching the bot
        ended = (await store.rounds.open_in(club.id, 0)) is None
        clock.move(timedelta(minutes=6))
        for _ in range(200):
            if not await store.rounds.open_in_chat(other.id):
                break
            await asyncio.sleep(0.02)
        assert ended
        assert await store.rounds.open_in_chat(other.id) == []
        jobs = [await store.jobs.get(n) for n in range(1, 10)]
        reveals = [j for j in jobs if j is not None and j.kind == "rounds.reveal"]
        assert len(reveals) == 2 and all(j.status == "done" for j in reveals)


async def test_a_group_that_becomes_a_supergroup_keeps_its_round(
    botapi: BotApiEmulator, tmp_path: Path
) -> None:
    alice, club = admin_and_group(botapi, supergroup=False)
    bob = botapi.user("Bob")
    async with running(botapi, settings_for(botapi, tmp_path / "bot.db"), **FAST):
        await started(botapi, alice, club, SEED)
        botapi.send_text(bob, club, "/dx EMH")
        await botapi.wait_for(in_chat(bob, lambda m: "Got your answer" in m.content))
        supergroup = botapi.groups.migrate(club)
        await botapi.wait_until_handled()
        botapi.send_text(alice, supergroup, "/reveal")
        summary = await botapi.wait_for(in_chat(supergroup, lambda m: "Answered: 1" in m.content))
        botapi.send_text(bob, supergroup, "/leaderboard")
        board = await botapi.wait_for(in_chat(supergroup, lambda m: "This week" in m.content))
    assert "Bob" in summary.content and "1. Bob: 3 points" in board.content


async def test_bad_input_gets_one_clear_line(botapi: BotApiEmulator, tmp_path: Path) -> None:
    alice, club = admin_and_group(botapi)
    bob = botapi.user("Bob")
    async with running(botapi, settings_for(botapi, tmp_path / "bot.db"), **FAST):
        botapi.send_text(bob, club, "/dx EMH")  # no round yet: Bob is told privately
        await botapi.wait_for(in_chat(bob, lambda m: "No round is running" in m.content))
        stranger = botapi.user("Stranger", started=False)  # cannot be told privately
        botapi.send_text(stranger, club, "/dx EMH")
        await botapi.wait_for(in_chat(club, lambda m: "No round is running" in m.content))
        botapi.send_text(alice, club, "/case no-such-case")
        await botapi.wait_for(in_chat(club, lambda m: "I have no case called" in m.content))
        botapi.send_text(alice, club, f"/case {SEED} 99x")
        await botapi.wait_for(in_chat(club, lambda m: "deadline like" in m.content))
        botapi.send_text(bob, None, "/start R_unknownTokenAAAAAAAAAAAA")
        await botapi.wait_for(in_chat(bob, lambda m: "not one of mine" in m.content))
        await started(botapi, alice, club, SEED)
        botapi.send_text(bob, club, "/dx")
        await botapi.wait_for(in_chat(bob, lambda m: "Type your diagnosis after /dx" in m.content))
        botapi.send_text(bob, club, "/dx <b>lymphoma</b> & co")
        ack = await botapi.wait_for(in_chat(bob, lambda m: "Got your answer" in m.content))
        assert "<b>lymphoma</b> & co" in ack.content  # shown as typed, never as markup
        botapi.send_text(bob, club, "/dx " + "a" * 4000)
        long_ack = await botapi.wait_for(
            in_chat(bob, lambda m: "Got your answer" in m.content and "aaa" in m.content)
        )
        assert len(long_ack.content) < 600
        botapi.send_text(bob, club, "/groupsettings starters everyone")
        await botapi.wait_for(
            in_chat(club, lambda m: "Only the group's admins can change" in m.content)
        )
        botapi.send_text(alice, club, "/groupsettings zone Mars/Olympus")
        await botapi.wait_for(in_chat(club, lambda m: "I cannot set zone" in m.content))
        botapi.send_text(alice, club, "/groupsettings starters everyone deadline 2h")
        saved = await botapi.wait_for(in_chat(club, lambda m: "Saved." in m.content))
        assert "everyone" in saved.content and "2 hours" in saved.content
        status = status_of(botapi, club)
        botapi.send_text(bob, None, f"/start {link_payload(status)}")
        await botapi.wait_for(in_chat(bob, lambda m: "Type your diagnosis now" in m.content))
        hint = botapi.send_text(bob, None, "hint")  # a tutor word: his own (idle) case's
        await botapi.wait_until_handled(hint)
        assert "Got your answer" not in botapi.sent(bob)[-1].content
        botapi.send_text(bob, None, "/anonymous")
        await botapi.wait_for(in_chat(bob, lambda m: "Anonymous" in m.content))
        botapi.send_text(alice, club, "/reveal")
        summary = await botapi.wait_for(in_chat(club, lambda m: "Answered: 1" in m.content))
        assert "Bob" not in summary.content  # /anonymous: not named
        assert "lymphoma" not in summary.content  # the last answer counts: the long one


async def test_the_status_is_edited_at_most_once_per_interval(
    botapi: BotApiEmulator, tmp_path: Path
) -> None:
    alice, club = admin_and_group(botapi)
    people = [botapi.user(f"Learner {n}") for n in range(8)]
    async with running(
        botapi, settings_for(botapi, tmp_path / "bot.db"), **{**FAST, "status_every": 0.5}
    ):
        status = await started(botapi, alice, club, SEED)
        for person in people:
            botapi.send_text(person, club, "/dx pneumonia")
        await botapi.wait_for(in_chat(club, lambda m: "8 answered" in m.content), timeout=8)
    edits = [
        s.at
        for s in botapi.message_sends
        if s.chat_id == club.id and s.method.lower() == "editmessagetext"
    ]
    assert 1 <= len(edits) < len(people)
    # Arrival times carry the loaded machine's jitter: half the interval is the margin.
    assert all(b - a >= 0.25 for a, b in itertools.pairwise(edits))
    assert status.message_id == status_of(botapi, club).message_id


async def test_a_case_pushed_to_a_class_group_becomes_a_round(
    botapi: BotApiEmulator, tmp_path: Path
) -> None:
    alice, club = admin_and_group(botapi)
    gone = botapi.group("Gone club")
    botapi.block(gone)
    async with running(botapi, settings_for(botapi, tmp_path / "bot.db"), **FAST) as app:
        rounds = runtime_of(app).rounds
        assert await rounds.from_push(club.id, SEED) == "sent"
        status = await botapi.wait_for(in_chat(club, lambda m: "Case round" in m.content))
        assert await rounds.from_push(club.id, OTHER) == "sent"  # the running round stays
        assert await rounds.from_push(gone.id, SEED) == "blocked"
        botapi.press_button(status, "Next ▶", user=alice)  # an admin moves a pushed round on
        await botapi.wait_for(in_chat(club, lambda m: "stage 1 of 2" in m.content))
    assert len([m for m in botapi.sent(club) if "Case round" in m.content]) == 1


async def test_case_offers_buttons_and_verdicts_may_be_shown_at_once(
    botapi: BotApiEmulator, tmp_path: Path
) -> None:
    alice, club = admin_and_group(botapi)
    bob = botapi.user("Bob")
    async with running(botapi, settings_for(botapi, tmp_path / "bot.db"), **FAST):
        botapi.send_text(alice, club, "/groupsettings verdict once")
        await botapi.wait_for(in_chat(club, lambda m: "Saved." in m.content))
        botapi.send_text(alice, club, "/case")
        offer = await botapi.wait_for(in_chat(club, lambda m: "Pick a case" in m.content))
        labels = [b["text"] for b in offer.buttons]
        assert labels and not any("pneumothorax" in label.lower() for label in labels)
        assert all(len(data.encode()) <= 64 for data in offer.callback_data)
        botapi.press(offer, offer.callback_data[0], user=alice)
        await botapi.wait_for(in_chat(club, lambda m: "Case round" in m.content))
        botapi.send_text(bob, club, "/dx not sure, maybe a tumour")
        ack = await botapi.wait_for(in_chat(bob, lambda m: "Got your answer" in m.content))
    assert "Your answer:" in ack.content  # the verdict privately at once, as the group chose
    assert not [text for text in (m.content for m in botapi.sent(club)) if "tumour" in text]
