"""The notifier: what jobs send to chats that did not just write, through the real bot."""

from __future__ import annotations

from pathlib import Path

from tests.auxil.botapi import BotApiEmulator
from tests.telegram.botflow import running, settings_for, to
from tutorbot.app.replies import Choice, NextCase, Say
from tutorbot.storage import open_store
from tutorbot.telegram import runtime_of
from tutorbot.telegram.notifier import TelegramNotifier


async def test_a_notice_reaches_the_chat_escaped_with_its_buttons(
    botapi: BotApiEmulator, tmp_path: Path
) -> None:
    settings = settings_for(botapi, tmp_path / "bot.db")
    alice = botapi.user("Alice")
    async with running(botapi, settings) as app:
        notifier = TelegramNotifier(app.bot, runtime_of(app).sender)
        card = Say(
            "push", ("A new case <b>for you</b> & your class",), (Choice("Open ▶", NextCase()),)
        )
        assert await notifier.notify(alice.id, 0, [card]) == "sent"
        message = await botapi.wait_for(to(alice, lambda m: bool(m.buttons)))
    assert message.content == "A new case <b>for you</b> & your class"  # shown as typed
    assert [b["text"] for b in message.buttons] == ["Open ▶"]


async def test_a_learner_who_blocked_the_bot_is_marked_and_reported(
    botapi: BotApiEmulator, tmp_path: Path
) -> None:
    settings = settings_for(botapi, tmp_path / "bot.db")
    store = await open_store(settings.database)
    bob = botapi.user("Bob")
    try:
        async with running(botapi, settings, store=store) as app:
            botapi.send_text(bob, None, "/help")
            await botapi.wait_for(to(bob, lambda m: "/stats" in m.content))
            assert await store.users.active(bob.id) is True
            botapi.block(bob)
            notifier = TelegramNotifier(app.bot, runtime_of(app).sender)
            delivery = await notifier.notify(bob.id, 0, [Say("push", ("Hello",))])
            assert delivery == "blocked"
            assert await store.users.active(bob.id) is False
    finally:
        await store.close()
