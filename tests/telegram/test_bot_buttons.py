"""Only the live step has buttons: once a message is answered or superseded, its buttons go.

The bot takes them off with ``editMessageReplyMarkup``, an edit that draws from
the send budget like any message; a stale button pressed anyway (a client that
has not seen the edit yet) still gets its polite toast.
"""

from __future__ import annotations

from pathlib import Path

from tests.auxil.botapi import BotApiEmulator, FakeUser
from tests.telegram.botflow import SEED, asks_reply, running, settings_for, with_button
from tutorbot.app.play import STALE
from tutorbot.telegram.budget import SendBudget


def with_buttons(botapi: BotApiEmulator, user: FakeUser) -> list[str]:
    """The labels of every message that still carries buttons, oldest first."""
    return [" ".join(b["text"] for b in m.buttons) for m in botapi.sent(user) if m.buttons]


async def test_a_whole_case_leaves_buttons_on_the_live_step_only(
    botapi: BotApiEmulator, tmp_path: Path
) -> None:
    # Telegram's limits scaled down, and the bot's budget to match: edits are paced too.
    botapi.flood_limits(private_interval=0.05)
    budget = SendBudget(private_interval=0.05)
    settings = settings_for(botapi, tmp_path / "bot.db")
    alice = botapi.user("Alice")
    async with running(botapi, settings, budget=budget):
        update = botapi.send_text(alice, None, f"/start {SEED}")
        pressed = []
        for label in ("Images ▶", "Findings ▶", "Next stage ▶", "Findings ▶", "Diagnosis ▶"):
            message = await botapi.wait_for(with_button(label))
            await botapi.wait_until_handled(update)
            assert with_buttons(botapi, alice) == [label]  # the newest step only
            update = botapi.press_button(message, label)
            pressed.append(message)
        question = await botapi.wait_for(asks_reply)
        await botapi.wait_until_handled(update)
        assert with_buttons(botapi, alice) == []  # the question asks for a typed answer
        # Every pressed message lost its buttons by an edit, and kept its text.
        for message in pressed:
            assert not message.buttons and message.history and message.history[-1]["reply_markup"]
            assert message.content == (
                message.history[-1].get("text") or message.history[-1].get("caption")
            )
        update = botapi.reply_to(question, "EMH")
        await botapi.wait_for(with_button("Next case ▶"))
        await botapi.wait_until_handled(update)
        assert with_buttons(botapi, alice) == ["Next case ▶"]
        # The stale buttons still answer politely when a client presses them anyway.
        stale = botapi.press_old_button(pressed[0], "Images ▶")
        await botapi.wait_until_handled(stale)
        assert botapi.callback_answers[-1].get("text") == STALE
    assert botapi.flood_refusals == []  # edits stayed within the budget
    edits = botapi.calls("editMessageReplyMarkup")
    assert len(edits) == len(pressed)


async def test_a_reply_at_the_same_step_keeps_the_steps_button_unless_it_brings_its_own(
    botapi: BotApiEmulator, tmp_path: Path
) -> None:
    settings = settings_for(botapi, tmp_path / "bot.db")
    alice = botapi.user("Alice")
    async with running(botapi, settings):
        botapi.send_text(alice, None, f"/start {SEED}")
        history = await botapi.wait_for(with_button("Images ▶"))
        # /help changes nothing: the step's button stays (it still works).
        mark = botapi.mark()
        update = botapi.send_text(alice, None, "/help")
        await botapi.wait_for(lambda m: "/stats" in m.content, since=mark)
        await botapi.wait_until_handled(update)
        assert with_buttons(botapi, alice) == ["Images ▶"] and history.buttons
        # "Switch?" brings buttons of its own: the newest message is the one to act on.
        update = botapi.send_text(alice, None, "/case osteosarcoma")
        ask = await botapi.wait_for(with_button("Keep going"), since=mark)
        await botapi.wait_until_handled(update)
        assert with_buttons(botapi, alice) == ["Switch Keep going"]
        # Keeping going shows the step again, with its button: the question goes.
        mark = botapi.mark()
        update = botapi.press_button(ask, "Keep going")
        again = await botapi.wait_for(with_button("Images ▶"), since=mark)
        await botapi.wait_until_handled(update)
        assert with_buttons(botapi, alice) == ["Images ▶"] and again is not history
        botapi.press_button(again, "Images ▶")
        await botapi.wait_for(with_button("Findings ▶"), since=mark)
