"""The emulator knows when the bot has handled an update, counts lengths as Telegram does
(UTF-16 code units) and knows forum topics: what negative assertions and the limit tests
in tests/telegram/ stand on."""

from __future__ import annotations

import asyncio
import socket
from typing import Any, TypeAlias

import pytest
from telegram import Update
from telegram.error import BadRequest
from telegram.ext import Application, CommandHandler, ContextTypes, MessageHandler, filters

from tests.auxil.botapi import BotApiEmulator, tiny_png

App: TypeAlias = Application[Any, Any, Any, Any, Any, Any]


def slow_app(botapi: BotApiEmulator, release: asyncio.Event, *, concurrent: bool = True) -> App:
    """Answers "/slow" only once ``release`` is set, and "/fast" at once."""

    async def slow(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await release.wait()
        await update.effective_message.reply_text("slow done")

    async def fast(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text("fast done")

    app = botapi.application_builder().concurrent_updates(concurrent).build()
    app.add_handler(CommandHandler("slow", slow))
    app.add_handler(CommandHandler("fast", fast))
    return app


async def test_delivered_is_not_handled_and_handled_waits_for_the_reply(
    botapi: BotApiEmulator,
) -> None:
    release = asyncio.Event()
    alice = botapi.user()
    async with botapi.polling(slow_app(botapi, release)):
        update = botapi.send_text(alice, None, "/slow")
        await botapi.wait_until_delivered()
        # The old wait: fetched and confirmed, yet the handler has not answered.
        assert botapi.sent() == []
        with pytest.raises(AssertionError, match=r"not handled within 0.2s: \d+: handled 0 of 1"):
            await botapi.wait_until_handled(update, timeout=0.2)
        release.set()
        await botapi.wait_until_handled(update)
        assert [m.text for m in botapi.sent()] == ["slow done"]


async def test_concurrent_updates_finishing_out_of_order(botapi: BotApiEmulator) -> None:
    release = asyncio.Event()
    alice, bob = botapi.user("Alice"), botapi.user("Bob")
    async with botapi.polling(slow_app(botapi, release)):
        slow = botapi.send_text(alice, None, "/slow")
        fast = botapi.send_text(bob, None, "/fast")
        await botapi.wait_until_handled(fast)  # handled while the earlier one still runs
        assert [m.text for m in botapi.sent()] == ["fast done"]
        with pytest.raises(AssertionError, match="not handled"):
            await botapi.wait_until_handled(timeout=0.2)  # every update so far: slow is not
        release.set()
        await botapi.wait_until_handled()
        await botapi.wait_until_handled(slow, fast)
        assert sorted(m.text or "" for m in botapi.sent()) == ["fast done", "slow done"]


async def test_a_redelivered_update_is_handled_once_more(botapi: BotApiEmulator) -> None:
    release = asyncio.Event()
    release.set()
    alice = botapi.user()
    async with botapi.polling(slow_app(botapi, release, concurrent=False)):
        update = botapi.send_text(alice, None, "/fast")
        await botapi.wait_until_handled(update)
        botapi.redeliver(update)
        await botapi.wait_until_handled(update)
        assert [m.text for m in botapi.sent()] == ["fast done", "fast done"]


async def test_updates_the_bot_never_gets_count_as_handled(botapi: BotApiEmulator) -> None:
    alice = botapi.user()
    seen: list[int] = []

    async def record(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        seen.append(update.update_id)

    app = botapi.application_builder().build()
    app.add_handler(MessageHandler(filters.ALL, record))
    async with botapi.polling(app):
        assert app.updater is not None
        await app.updater.stop()  # poll again, asking for polls only
        await app.updater.start_polling(poll_interval=0, timeout=1, allowed_updates=["poll"])
        ignored = botapi.send_text(alice, None, "not asked for")
        await botapi.wait_until_handled(ignored)
    assert seen == []


async def test_an_untracked_application_is_named_in_the_timeout(botapi: BotApiEmulator) -> None:
    app = botapi.application_builder().build()
    alice = botapi.user()
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=1)
    try:
        update = botapi.send_text(alice, None, "hello")
        with pytest.raises(AssertionError, match=r"no application is tracked"):
            await botapi.wait_until_handled(update, timeout=0.3)
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()


async def test_a_webhook_delivery_is_handled_once_tracked(botapi: BotApiEmulator) -> None:
    release = asyncio.Event()
    app = slow_app(botapi, release)
    alice = botapi.user()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    untrack = botapi.track(app)
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_webhook(
        listen="127.0.0.1", port=port, url_path="hook", webhook_url=f"http://127.0.0.1:{port}/hook"
    )
    try:
        update = botapi.send_text(alice, None, "/slow")
        await botapi.wait_until_delivered()
        assert botapi.sent() == []
        release.set()
        await botapi.wait_until_handled(update)
        assert [m.text for m in botapi.sent()] == ["slow done"]
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
        untrack()


# -- lengths in UTF-16 code units ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("unit", "fits"),
    [("x", 4096), ("é", 4096), ("肺", 4096), ("🫁", 2048)],  # 🫁 is outside the BMP: 2 units
)
async def test_text_limit_counts_utf16_units(botapi: BotApiEmulator, unit: str, fits: int) -> None:
    alice = botapi.user()
    async with botapi.bot() as bot:
        message = await bot.send_message(alice.id, unit * fits)
        assert message.text == unit * fits
        with pytest.raises(BadRequest, match=r"(?i)message is too long"):
            await bot.send_message(alice.id, unit * (fits + 1))
        # After entity parsing: tags and escapes do not count, what they show does.
        await bot.send_message(alice.id, f"<b>{unit * (fits - 1)}</b>&lt;", parse_mode="HTML")


async def test_caption_limit_counts_utf16_units(botapi: BotApiEmulator) -> None:
    alice = botapi.user()
    async with botapi.bot() as bot:
        assert await bot.send_photo(alice.id, tiny_png(), caption="🩻" * 512)
        with pytest.raises(BadRequest, match=r"(?i)caption is too long"):
            await bot.send_photo(alice.id, tiny_png(), caption="🩻" * 512 + "x")


# -- forum topics -------------------------------------------------------------------------------


async def test_forum_topics_general_and_unknown_threads(botapi: BotApiEmulator) -> None:
    forum = botapi.group("Residents", forum=True)
    plain = botapi.group("Club")
    chest = botapi.topic(forum)
    with pytest.raises(ValueError, match="not a forum"):
        botapi.topic(plain)
    async with botapi.bot() as bot:
        in_topic = await bot.send_message(forum.id, "in the topic", message_thread_id=chest)
        assert in_topic.message_thread_id == chest and in_topic.is_topic_message
        assert botapi.general_posts == []
        await bot.send_message(forum.id, "no thread: General")
        assert [m.text for m in botapi.general_posts] == ["no thread: General"]
        with pytest.raises(BadRequest, match=r"(?i)message thread not found"):
            await bot.send_message(forum.id, "nowhere", message_thread_id=chest + 1000)
        await bot.send_message(plain.id, "a plain group has no General topic")
    assert [m.text for m in botapi.general_posts] == ["no thread: General"]
