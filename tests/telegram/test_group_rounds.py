"""Group rounds end to end, privacy mode on (the emulator's default): the real application
over HTTP, a real SQLite file.

Three participants answer privately through the Answer privately link and one by /dx;
before the reveal nothing the bot sends to the group (messages, captions, edits)
contains an answer, a verdict or the diagnosis; the summary, the private verdicts and
the leaderboard are right; with and without the right to delete messages.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from tests.auxil.botapi import BotApiEmulator, FakeChat, FakeUser, SentMessage
from tests.telegram.botflow import SEED, running, settings_for
from tests.telegram.test_budget import most_in_window
from tutorbot.telegram.budget import SendBudget

#: The group window, scaled down from Telegram's minute so that a test takes seconds.
WINDOW = 3.0

BOT = "tutorbot_test_bot"
#: Words that would give the round away before the reveal: the diagnosis, the answers
#: given in these tests, and verdict marks.
SPOILERS = re.compile(
    r"(?i)extramedullary|ha?ematopoiesis|\bEMH\b|lymphoma|Diagnosis:|✅|🟡|❌|Correct\.|Not right"
)


def in_chat(
    chat: FakeChat | FakeUser, also: Callable[[SentMessage], bool] = lambda m: True
) -> Callable[[SentMessage], bool]:
    return lambda m: m.chat_id == chat.id and also(m)


def status_of(botapi: BotApiEmulator, chat: FakeChat) -> SentMessage:
    return next(m for m in botapi.sent(chat) if "Case round" in (m.text or ""))


def status_index(botapi: BotApiEmulator, chat: FakeChat) -> int:
    return botapi.sent(chat).index(status_of(botapi, chat))


def link_payload(status: SentMessage) -> str:
    url = next(b["url"] for b in status.buttons if "url" in b)
    match = re.fullmatch(rf"https://t\.me/{BOT}\?start=(R_[A-Za-z0-9_-]+)", url)
    assert match, url
    return match.group(1)


def everything_said(botapi: BotApiEmulator, chat: FakeChat) -> list[str]:
    """Every text and caption the group saw, every edit's earlier state included."""
    said = []
    for message in botapi.sent(chat):
        for state in [*message.history, message.message]:
            said.append(str(state.get("text") or state.get("caption") or ""))
    return said


async def answer_privately(botapi: BotApiEmulator, user: FakeUser, payload: str, text: str) -> None:
    mark = botapi.mark()
    botapi.send_text(user, None, f"/start {payload}")
    bound = await botapi.wait_for(
        in_chat(user, lambda m: "Type your diagnosis" in m.content), since=mark
    )
    assert "answering the group round" in bound.content
    botapi.send_text(user, None, text)
    await botapi.wait_for(in_chat(user, lambda m: "Got your answer" in m.content), since=mark)


async def play_a_round(botapi: BotApiEmulator, tmp_path: Path, *, may_delete: bool) -> None:
    alice, bob, carol = (botapi.user(n) for n in ("Alice", "Bob", "Carol"))
    eve = botapi.user("Eve", started=False)  # the Answer privately link starts the bot for her
    dan = botapi.user("Dan", started=False)  # answers by /dx, never opened the bot
    club = botapi.group("Radiology Club")
    botapi.groups.make_admin(club, alice)
    if may_delete:
        botapi.groups.bot_admin(club, can_delete_messages=True)
    else:
        botapi.groups.bot_member(club)
    botapi.send_text(carol, None, "/start")  # Carol has a solo case going: it is paused
    # Telegram's 20 messages a group may take in a minute, in a window scaled down to 3 s.
    botapi.flood_limits(private_interval=0.0, group_window=WINDOW)
    budget = SendBudget(private_interval=0.0, group_window=WINDOW)
    settings = settings_for(botapi, tmp_path / "bot.db")
    async with running(botapi, settings, status_every=0.2, budget=budget):
        await botapi.wait_for(in_chat(carol))
        botapi.send_text(carol, None, f"/start {SEED}")
        await botapi.wait_for(in_chat(carol, lambda m: "Images ▶" in str(m.buttons)))
        # Bob, no admin, may not start a round; Alice may.
        refused = botapi.send_text(bob, club, "/case")
        await botapi.wait_for(in_chat(club, lambda m: "Only the group's admins" in m.content))
        botapi.send_text(alice, club, f"/case {SEED} 2h")
        status = await botapi.wait_for(in_chat(club, lambda m: "Case round" in m.content))
        assert "history" in status.content and "0 answered" in status.content
        payload = link_payload(status)
        # Two presses of Next at once move the round once.
        botapi.press_button(status, "Next ▶", user=alice)
        botapi.press_button(status, "Next ▶", user=alice)
        await botapi.wait_for(in_chat(club, lambda m: "stage 1 of 2" in m.content))
        await botapi.wait_until_handled()
        stage_one = [m for m in botapi.sent(club) if "Stage 1 of 2" in m.content]
        assert len(stage_one) == 1, stage_one
        # Bob pressing Next is refused with a toast.
        bobs = botapi.press_button(status, "Next ▶", user=bob)
        await botapi.wait_until_handled(bobs)
        assert "starter or an admin" in str(botapi.callback_answers[-1].get("text"))

        await answer_privately(botapi, bob, payload, "extramedullary haematopoiesis")
        await answer_privately(botapi, carol, payload, "lymphoma")
        await answer_privately(botapi, carol, payload, "EMH")  # changed: the last counts
        await answer_privately(botapi, eve, payload, "lymphoma")
        dx = botapi.send_text(dan, club, "/dx lymphoma")
        await botapi.wait_until_handled(dx, refused)
        carols = [m.content for m in botapi.sent(carol)]
        assert any("is paused" in c for c in carols)
        # Carol's solo case carries on after her answer.
        botapi.send_text(carol, None, "next")
        await botapi.wait_for(in_chat(carol, lambda m: "Stage 1" in m.content))

        botapi.press_button(botapi.sent(club)[status_index(botapi, club)], "Next ▶", user=alice)
        await botapi.wait_for(in_chat(club, lambda m: "stage 2 of 2" in m.content))
        stage_two = [m for m in botapi.sent(club) if m.media_group_id]
        assert len(stage_two) == 2 and len({m.media_group_id for m in stage_two}) == 1
        assert "Next ▶" not in str(status_of(botapi, club).buttons)  # every stage is out

        dx_message = (club.id, dx["message"]["message_id"])
        assert (dx_message in botapi._messages) is (not may_delete)
        await botapi.wait_for(in_chat(club, lambda m: "4 answered" in m.content), timeout=8)
        before_reveal = everything_said(botapi, club)
        leaks = [text for text in before_reveal if SPOILERS.search(text)]
        assert not leaks, leaks
        assert not [m for m in botapi.sent(club) if m.reply_to_message_id]  # no per-person replies

        botapi.send_text(bob, club, "/reveal")
        await botapi.wait_for(in_chat(club, lambda m: "Only the round's starter" in m.content))
        botapi.send_text(alice, club, "/reveal", anonymous=True)  # an anonymous admin
        summary = await botapi.wait_for(in_chat(club, lambda m: "Answered: 4" in m.content), 10)
        assert "✅ 2 · 🟡 0 · ❌ 2" in summary.content
        assert "Right, in the order they answered: Bob, Carol" in summary.content
        assert re.search(r"❌ lymphoma × 2", summary.content)
        assert not re.search(r"Dan|Eve", summary.content)  # wrong answers are not named
        revealed = "\n".join(everything_said(botapi, club))
        assert "Diagnosis: Extramedullary hematopoiesis" in revealed
        for user, mark in ((bob, "✅"), (carol, "✅"), (eve, "❌")):
            verdict = await botapi.wait_for(in_chat(user, lambda m: "is revealed" in m.content))
            assert mark in verdict.content
        assert not [m for m in botapi.sent(dan)]  # never started the bot: nothing, no error

        # A late answer gets a polite private line; the leaderboard is right.
        botapi.send_text(eve, None, f"/start {payload}")
        await botapi.wait_for(in_chat(eve, lambda m: "has been revealed" in m.content))
        botapi.send_text(bob, club, "/leaderboard")
        board = await botapi.wait_for(in_chat(club, lambda m: "This week" in m.content))
        assert "1. Bob: 3 points (1 round)" in board.content
        assert "2. Carol: 2 points (1 round)" in board.content
    assert botapi.general_posts == []
    assert botapi.flood_refusals == []
    group_sends = [
        s.at for s in botapi.message_sends if s.chat_id == club.id for _ in range(s.count)
    ]
    assert most_in_window(group_sends, WINDOW) <= 20


async def test_a_round_without_the_right_to_delete(botapi: BotApiEmulator, tmp_path: Path) -> None:
    await play_a_round(botapi, tmp_path, may_delete=False)


async def test_a_round_with_the_right_to_delete(botapi: BotApiEmulator, tmp_path: Path) -> None:
    await play_a_round(botapi, tmp_path, may_delete=True)
