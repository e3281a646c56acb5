"""The Bot API emulator, proven against the real python-telegram-bot over loopback HTTP."""

from __future__ import annotations

import asyncio
import datetime as dtm
import socket
import time
from typing import Any, TypeAlias

import aiohttp
import pytest
from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    Update,
)
from telegram.error import BadRequest, Conflict, Forbidden, InvalidToken, NetworkError, RetryAfter
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from tests.auxil.botapi import BotApiEmulator, SentMessage, image_size, tiny_png
from tests.auxil.botapi_format import EntityParseError, parse_html, parse_markdown_v2

App: TypeAlias = Application[Any, Any, Any, Any, Any, Any]


def keyboard(*data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(d.upper(), callback_data=d)] for d in data])


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_text(f"echo: {update.effective_message.text}")


def seconds(value: int | dtm.timedelta) -> float:
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def app(botapi: BotApiEmulator) -> App:
    application = botapi.application_builder().build()
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    return application


# -- polling ------------------------------------------------------------------------------------


async def test_text_is_echoed_over_long_polling(botapi: BotApiEmulator, app: App) -> None:
    alice = botapi.user("Alice")
    async with botapi.polling(app):
        botapi.send_text(alice, None, "hello")
        reply = await botapi.wait_for(lambda m: m.chat_id == alice.id)
    assert reply.text == "echo: hello"
    assert reply.message["from"]["is_bot"] is True
    methods = [name for name, _ in botapi.calls()]
    assert methods[:3] == ["getMe", "deleteWebhook", "getUpdates"]
    assert botapi.pending_updates == []


async def test_start_payload_and_distinct_users(botapi: BotApiEmulator) -> None:
    seen: list[tuple[str, list[str]]] = []

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_user and update.effective_message
        seen.append((update.effective_user.first_name, list(context.args or [])))
        await update.effective_message.reply_text("welcome")

    app = botapi.application_builder().build()
    app.add_handler(CommandHandler("start", start))
    alice, bob = botapi.user("Alice"), botapi.user("Bob", username="bob_md")
    assert alice.id != bob.id
    async with botapi.polling(app):
        botapi.send_text(alice, None, "/start case_42")
        botapi.send_text(bob, bob.chat, "/start")
        await botapi.wait_for(lambda m: m.chat_id == bob.id)
        await botapi.wait_for(lambda m: m.chat_id == alice.id)
    assert sorted(seen) == [("Alice", ["case_42"]), ("Bob", [])]


async def test_long_poll_returns_as_soon_as_an_update_arrives(botapi: BotApiEmulator) -> None:
    alice = botapi.user()
    async with botapi.bot() as bot:
        assert await bot.get_updates(timeout=0) == ()
        loop = asyncio.get_running_loop()
        loop.call_later(0.1, botapi.send_text, alice, None, "ping")
        started = time.monotonic()
        updates = await bot.get_updates(timeout=10, read_timeout=15)
        elapsed = time.monotonic() - started
    assert [u.message.text for u in updates if u.message] == ["ping"]
    assert elapsed < 5  # returned with the update, long before the 10 s poll timeout


async def test_offset_limit_redelivery_and_allowed_updates(botapi: BotApiEmulator) -> None:
    alice = botapi.user()
    first, second, third = (botapi.send_text(alice, None, t)["update_id"] for t in "abc")
    assert first < second < third
    async with botapi.bot() as bot:
        assert [u.update_id for u in await bot.get_updates(limit=2)] == [first, second]
        assert [u.update_id for u in await bot.get_updates(offset=second)] == [second, third]
        assert await bot.get_updates(offset=third + 1) == ()
        botapi.redeliver(second)
        assert [u.update_id for u in await bot.get_updates(offset=third + 1)] == [second]
        assert await bot.get_updates(offset=third + 1) == ()
        botapi.send_text(alice, None, "filtered out")
        question = await bot.send_message(alice.id, "q", reply_markup=keyboard("yes"))
        botapi.press(botapi.last_sent(alice), "yes")
        updates = await bot.get_updates(offset=third + 1, allowed_updates=["callback_query"])
        assert [u.callback_query.data for u in updates if u.callback_query] == ["yes"]
        query = updates[0].callback_query
        assert query is not None and query.message is not None
        assert query.message.message_id == question.message_id


async def test_second_poller_terminates_the_first(botapi: BotApiEmulator) -> None:
    async with botapi.bot() as first, botapi.bot() as second:
        waiting = asyncio.create_task(first.get_updates(timeout=5, read_timeout=10))
        await botapi.wait_for_call("getUpdates")
        assert await second.get_updates(timeout=0) == ()
        with pytest.raises(Conflict, match=r"(?i)terminated by other getUpdates"):
            await waiting


async def test_user_edits_arrive_as_edited_message(botapi: BotApiEmulator) -> None:
    alice = botapi.user()
    original = botapi.send_text(alice, None, "/start x")
    edited = botapi.edit_text(original, "/start y")
    async with botapi.bot() as bot:
        updates = await bot.get_updates()
    assert [u.update_id for u in updates] == [original["update_id"], edited["update_id"]]
    assert updates[1].edited_message is not None
    assert updates[1].edited_message.text == "/start y"
    assert updates[0].message is not None
    assert updates[1].edited_message.message_id == updates[0].message.message_id


async def test_duplicate_update_reaches_the_handler_twice(botapi: BotApiEmulator) -> None:
    seen: list[int] = []

    async def record(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        seen.append(update.update_id)
        await echo(update, context)

    app = botapi.application_builder().build()
    app.add_handler(MessageHandler(filters.TEXT, record))
    alice = botapi.user()
    async with botapi.polling(app):
        update = botapi.send_text(alice, None, "once")
        await botapi.wait_for(lambda m: m.text == "echo: once")
        mark = botapi.mark()
        botapi.redeliver(update["update_id"])
        await botapi.wait_for(lambda m: m.text == "echo: once", since=mark)
    assert seen == [update["update_id"]] * 2


async def test_callback_press_answer_and_edit(botapi: BotApiEmulator) -> None:
    async def ask(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message
        await update.effective_message.reply_text(
            "Which lobe?", reply_markup=keyboard("rul", "lul")
        )

    async def answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None and query.message is not None
        await query.answer("noted")
        await query.edit_message_text(f"You chose {query.data}")

    app = botapi.application_builder().build()
    app.add_handler(CommandHandler("quiz", ask))
    app.add_handler(CallbackQueryHandler(answer))
    alice = botapi.user()
    async with botapi.polling(app):
        botapi.send_text(alice, None, "/quiz")
        question = await botapi.wait_for(lambda m: m.text == "Which lobe?")
        assert question.callback_data == ["rul", "lul"]
        with pytest.raises(ValueError, match=r"(?i)no button"):
            botapi.press(question, "nope")
        botapi.press_button(question, "LUL")
        await botapi.wait_for(lambda m: m.text == "You chose lul")
    assert question.reply_markup is None  # editMessageText without reply_markup drops it
    assert question.history[0]["text"] == "Which lobe?"
    assert botapi.callback_answers[0]["text"] == "noted"
    with pytest.raises(ValueError, match=r"(?i)no button"):
        botapi.press(question, "rul")


async def test_reply_to_and_forum_topics(botapi: BotApiEmulator, app: App) -> None:
    replies: list[int | None] = []

    async def on_reply(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        assert message is not None
        replies.append(message.reply_to_message.message_id if message.reply_to_message else None)
        await message.reply_text("got it")

    app.add_handler(MessageHandler(filters.REPLY, on_reply), group=-1)
    alice, bob = botapi.user("Alice"), botapi.user("Bob")
    forum = botapi.group("Residents", forum=True)
    async with botapi.polling(app):
        botapi.send_text(bob, forum, "hi topic @tutorbot_test_bot", message_thread_id=7)
        in_topic = await botapi.wait_for(lambda m: m.chat_id == forum.id)
        assert in_topic.message_thread_id == 7
        assert in_topic.reply_to_message_id is not None  # PTB quotes in groups
        botapi.send_text(alice, None, "first")
        first_echo = await botapi.wait_for(lambda m: m.text == "echo: first")
        botapi.reply_to(first_echo, "answer")
        await botapi.wait_for(lambda m: m.text == "got it" and m.chat_id == alice.id)
        with pytest.raises(ValueError, match=r"(?i)user="):
            botapi.reply_to(in_topic, "who am I?")
    assert replies == [first_echo.message_id]


# -- files ----------------------------------------------------------------------------------------


async def test_photo_upload_reuse_and_forgotten_file_id(botapi: BotApiEmulator) -> None:
    alice = botapi.user()
    png = tiny_png(1600, 1200)
    assert image_size(png) == (1600, 1200)
    async with botapi.bot() as bot:
        message = await bot.send_photo(alice.id, png, caption="<b>Chest</b> PA", parse_mode="HTML")
        largest = message.photo[-1]
        assert (largest.width, largest.height) == (1600, 1200)
        assert message.photo[0].width == 90
        assert message.caption == "Chest PA"
        again = await bot.send_photo(alice.id, largest.file_id)
        assert again.photo[-1].file_unique_id == largest.file_unique_id
        botapi.forget_file_ids(largest.file_id)
        with pytest.raises(BadRequest, match=r"(?i)wrong file identifier"):
            await bot.send_photo(alice.id, largest.file_id)
        with pytest.raises(BadRequest, match=r"(?i)wrong file identifier"):
            await bot.send_photo(alice.id, "https://example.com/x.png")
        reupload = await bot.send_photo(alice.id, png)
        assert reupload.photo[-1].file_id != largest.file_id
        file = await bot.get_file(reupload.photo[-1].file_id)
        assert bytes(await file.download_as_bytearray()) == png
    sent = botapi.sent(alice)
    assert [m.method for m in sent] == ["sendPhoto"] * 3
    assert sent[0].raw_text == "<b>Chest</b> PA" and sent[0].parse_mode == "HTML"


async def test_media_group(botapi: BotApiEmulator) -> None:
    alice = botapi.user()
    async with botapi.bot() as bot:
        first = await bot.send_photo(alice.id, tiny_png(100, 100))
        media = [
            InputMediaPhoto(tiny_png(), caption="<i>axial</i>", parse_mode="HTML"),
            InputMediaPhoto(first.photo[-1].file_id, caption="coronal"),
            InputMediaPhoto(tiny_png(300, 200)),
        ]
        messages = await bot.send_media_group(alice.id, media)
        assert len({m.media_group_id for m in messages}) == 1
        assert [m.caption for m in messages] == ["axial", "coronal", None]
        assert messages[2].photo[-1].width == 300
        with pytest.raises(BadRequest, match=r"(?i)2-10"):
            await bot.send_media_group(alice.id, media[:1])
        with pytest.raises(BadRequest, match=r"(?i)2-10"):
            await bot.send_media_group(alice.id, [media[1]] * 11)
    group = [m for m in botapi.sent(alice) if m.method == "sendMediaGroup"]
    assert [m.caption for m in group] == ["axial", "coronal", None]


# -- Telegram's validation ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "<b>unclosed",
        "<blink>x</blink>",
        "a < b",
        "R&D",
        "<b><i>x</b></i>",
        "line<br>break",
        '<span class="red">x</span>',
        "x</b>",
    ],
)
async def test_invalid_html_is_rejected(botapi: BotApiEmulator, text: str) -> None:
    alice = botapi.user()
    async with botapi.bot() as bot:
        with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
            await bot.send_message(alice.id, text, parse_mode="HTML")
    assert botapi.sent() == []


async def test_valid_html_and_limits(botapi: BotApiEmulator) -> None:
    alice = botapi.user()
    html = (
        "<b>b</b><strong>s</strong><i>i</i><em>e</em><u>u</u><ins>n</ins><s>s</s><strike>k</strike>"
        '<del>d</del><span class="tg-spoiler">p</span><tg-spoiler>t</tg-spoiler>'
        '<a href="https://x.org/?a=1&amp;b=2">l</a><code>c</code>'
        '<pre><code class="language-python">x = 1</code></pre><blockquote>q</blockquote>'
        '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji> &lt;&gt;&amp;&quot;&#33;'
    )
    async with botapi.bot() as bot:
        message = await bot.send_message(alice.id, html, parse_mode="HTML")
        assert message.text is not None
        assert message.text.endswith('👍 <>&"!')
        assert {e.type for e in message.entities} >= {"bold", "spoiler", "text_link", "pre"}
        assert await bot.send_message(alice.id, f"<b>{'x' * 4096}</b>", parse_mode="HTML")
        with pytest.raises(BadRequest, match=r"(?i)message is too long"):
            await bot.send_message(alice.id, "x" * 4097)
        with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
            await bot.send_message(alice.id, "  <b> </b>", parse_mode="HTML")
        with pytest.raises(BadRequest, match=r"(?i)message caption is too long"):
            await bot.send_photo(alice.id, tiny_png(), caption="c" * 1025)
        with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
            await bot.send_message(alice.id, "q", reply_markup=keyboard("é" * 33))
        assert await bot.send_message(alice.id, "q", reply_markup=keyboard("x" * 64))
        with pytest.raises(BadRequest, match=r"(?i)text buttons are unallowed"):
            await bot.send_message(
                alice.id, "q", reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("t")]])
            )


async def test_edits_and_deletes(botapi: BotApiEmulator) -> None:
    alice = botapi.user()
    async with botapi.bot() as bot:
        message = await bot.send_message(
            alice.id, "<b>Q1</b>", parse_mode="HTML", reply_markup=keyboard("a")
        )
        with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
            await bot.edit_message_text(
                "<b>Q1</b>",
                alice.id,
                message.message_id,
                parse_mode="HTML",
                reply_markup=keyboard("a"),
            )
        await bot.edit_message_text("Q1", alice.id, message.message_id, reply_markup=keyboard("a"))
        await bot.edit_message_reply_markup(
            alice.id, message.message_id, reply_markup=keyboard("b")
        )
        with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
            await bot.edit_message_reply_markup(
                alice.id, message.message_id, reply_markup=keyboard("b")
            )
        with pytest.raises(BadRequest, match=r"(?i)no caption"):
            await bot.edit_message_caption(alice.id, message.message_id, caption="x")
        photo = await bot.send_photo(alice.id, tiny_png(), caption="old")
        await bot.edit_message_caption(alice.id, photo.message_id, caption="new")
        assert await bot.delete_message(alice.id, message.message_id)
        with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
            await bot.delete_message(alice.id, message.message_id)
        with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
            await bot.edit_message_text("x", alice.id, message.message_id)
        assert await bot.send_chat_action(alice.id, "typing")
    first, second = botapi.sent(alice)
    assert first.deleted and first.callback_data == ["b"] and first.entities == []
    assert second.caption == "new" and not second.deleted
    assert botapi.sent(alice, include_deleted=False) == [second]


async def test_commands_roundtrip(botapi: BotApiEmulator) -> None:
    async with botapi.bot() as bot:
        assert await bot.set_my_commands([("start", "Begin"), ("case", "Next case")])
        assert [c.command for c in await bot.get_my_commands()] == ["start", "case"]
        assert await bot.get_my_commands(language_code="de") == ()
        with pytest.raises(BadRequest, match=r"(?i)BOT_COMMAND_INVALID"):
            await bot.set_my_commands([("Bad-Name", "x")])
        assert await bot.delete_my_commands()
        assert await bot.get_my_commands() == ()


# -- fault injection ------------------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore:Deprecated since version v22.2")
async def test_faults(botapi: BotApiEmulator) -> None:
    alice, bob = botapi.user("Alice"), botapi.user("Bob")
    group = botapi.group("Club", supergroup=False)
    botapi.block(alice)
    botapi.block(group)
    async with botapi.bot() as bot:
        with pytest.raises(Forbidden, match=r"(?i)bot was blocked by the user"):
            await bot.send_message(alice.id, "hi")
        with pytest.raises(Forbidden, match=r"(?i)kicked"):
            await bot.send_message(group.id, "hi")
        botapi.unblock(alice)
        assert await bot.send_message(alice.id, "hi again")

        botapi.rate_limit("sendMessage", retry_after=7)
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(bob.id, "x")
        assert seconds(caught.value.retry_after) == 7
        assert await bot.send_message(bob.id, "x")

        botapi.server_error(code=502, times=2)
        for _ in range(2):
            with pytest.raises(NetworkError, match=r"(?i)Bad Gateway"):
                await bot.send_chat_action(bob.id, "typing")
        botapi.server_error()
        with pytest.raises(NetworkError, match=r"(?i)Internal Server Error"):
            await bot.get_me()
        assert await bot.get_me()
        with pytest.raises(BadRequest, match=r"(?i)chat not found"):
            await bot.send_message(424242, "who?")


async def test_flood_limits_are_off_by_default(botapi: BotApiEmulator) -> None:
    alice = botapi.user()
    async with botapi.bot() as bot:
        for n in range(5):
            await bot.send_message(alice.id, f"quick {n}")
    assert [s.chat_id for s in botapi.message_sends] == [alice.id] * 5
    assert botapi.flood_refusals == []


@pytest.mark.filterwarnings("ignore:Deprecated since version v22.2")
async def test_flood_limits_per_private_chat_group_and_bot(botapi: BotApiEmulator) -> None:
    alice, bob, carol, dave = (botapi.user(name) for name in ("Alice", "Bob", "Carol", "Dave"))
    group = botapi.group("Club")
    botapi.flood_limits(private_interval=0.3, group_per_minute=2, group_window=60)
    async with botapi.bot() as bot:
        await bot.send_message(alice.id, "one")
        with pytest.raises(RetryAfter) as caught:  # a private chat: one message per interval
            await bot.send_message(alice.id, "too soon")
        assert seconds(caught.value.retry_after) == 1  # whole seconds, at least one
        await bot.send_message(bob.id, "another chat is not held up")
        await asyncio.sleep(0.3)
        await bot.send_message(alice.id, "two")

        await bot.send_message(group.id, "g1")
        await bot.edit_message_text("g1 edited", chat_id=group.id, message_id=1)  # edits count
        with pytest.raises(RetryAfter) as caught:  # a group: two in any 60 s here
            await bot.send_message(group.id, "g3")
        assert 59 <= seconds(caught.value.retry_after) <= 60
        assert len(botapi.message_sends) == 5

        botapi.message_sends.clear()  # a fresh start for the limit of the whole bot
        botapi.flood_limits(per_second=4)
        for user in (alice, bob, carol, dave):
            await bot.send_message(user.id, "four in a second")
        with pytest.raises(RetryAfter):  # the bot: four in any second here
            await bot.send_message(group.id, "a fifth")
    refused = [(s.chat_id, s.method) for s in botapi.flood_refusals]
    assert refused == [
        (alice.id, "sendMessage"),
        (group.id, "sendMessage"),
        (group.id, "sendMessage"),
    ]
    assert [s.chat_id for s in botapi.message_sends] == [alice.id, bob.id, carol.id, dave.id]


async def test_flood_refusal_is_shaped_as_telegram_sends_it(botapi: BotApiEmulator) -> None:
    alice = botapi.user()
    botapi.flood_limits()  # Telegram's numbers
    url = botapi.base_url + botapi.token
    bodies = []
    async with aiohttp.ClientSession() as http:
        for _ in range(2):
            async with http.post(
                f"{url}/sendMessage", json={"chat_id": alice.id, "text": "x"}
            ) as r:
                bodies.append((r.status, await r.json()))
    assert bodies[0][0] == 200
    assert bodies[1] == (
        429,
        {
            "ok": False,
            "error_code": 429,
            "description": "Too Many Requests: retry after 1",
            "parameters": {"retry_after": 1},
        },
    )
    assert len(botapi.message_sends) == len(botapi.flood_refusals) == 1


@pytest.mark.filterwarnings("ignore:Deprecated since version v22.2")
async def test_an_injected_fault_can_aim_at_one_chat(botapi: BotApiEmulator) -> None:
    alice, bob = botapi.user("Alice"), botapi.user("Bob")
    botapi.rate_limit("sendMessage", retry_after=2, chat=bob)
    async with botapi.bot() as bot:
        await bot.send_message(alice.id, "Alice is not aimed at")
        with pytest.raises(RetryAfter):
            await bot.send_message(bob.id, "Bob is")
        await bot.send_message(bob.id, "once")
    assert botapi.flood_refusals == []  # an injected 429 is not the limits' doing
    assert [s.chat_id for s in botapi.injected_refusals] == [bob.id]


async def test_a_held_call_waits_before_or_after_it_is_done_and_freezes_its_chat(
    botapi: BotApiEmulator,
) -> None:
    alice, bob = botapi.user("Alice"), botapi.user("Bob")
    before = botapi.hold(alice, 2)
    async with botapi.bot() as bot:
        await bot.send_message(alice.id, "first: not held")
        sending = asyncio.create_task(bot.send_message(alice.id, "second: held, never done"))
        await before.caught.wait()
        assert before.call is not None and before.call.params["text"].startswith("second")
        await bot.send_message(bob.id, "another chat goes on")
        retry = asyncio.create_task(bot.send_message(alice.id, "a retry: frozen too"))
        await asyncio.sleep(0.05)
        assert not sending.done() and not retry.done()
        before.release()
        for task in (sending, retry):
            with pytest.raises(NetworkError, match="Bad Gateway"):
                await task
        assert [m.text for m in botapi.sent(alice)] == ["first: not held"]
        after = botapi.hold(alice, 1, after=True)
        answered = asyncio.create_task(bot.send_message(alice.id, "done, its answer held"))
        await after.caught.wait()
        assert [m.text for m in after.sent] == ["done, its answer held"]
        assert not answered.done() and botapi.last_sent(alice).text == "done, its answer held"
        after.release()
        assert (await answered).text == "done, its answer held"


async def test_an_old_button_a_fetched_update_and_one_confirmed_elsewhere(
    botapi: BotApiEmulator,
) -> None:
    alice = botapi.user()
    async with botapi.bot() as bot:
        sent = await bot.send_message(alice.id, "Which lobe?", reply_markup=keyboard("rul"))
        await bot.edit_message_reply_markup(alice.id, sent.message_id)  # buttons taken off
        message = botapi.last_sent(alice)
        with pytest.raises(ValueError, match=r"(?i)no callback button"):
            botapi.press_button(message, "RUL")
        press = botapi.press_old_button(message, "RUL")  # a client yet to see the edit
        assert not botapi.fetched(press)
        assert [u.update_id for u in await bot.get_updates()] == [press["update_id"]]
        assert botapi.fetched(press)  # received, not yet confirmed
        lost = botapi.send_text(alice, None, "taken by a bot that died")
        botapi.confirm_elsewhere(lost)
        assert await bot.get_updates(offset=press["update_id"] + 1, timeout=0) == ()


async def test_wait_for_times_out_with_a_listing(botapi: BotApiEmulator) -> None:
    alice = botapi.user()
    async with botapi.bot() as bot:
        await bot.send_message(alice.id, "something else")
    with pytest.raises(AssertionError, match=r"(?i)something else"):
        await botapi.wait_for(lambda m: m.text == "never", timeout=0.05)


# -- protocol ------------------------------------------------------------------------------------


async def test_raw_http_shapes(botapi: BotApiEmulator) -> None:
    alice = botapi.user()
    url = botapi.base_url + botapi.token
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{url}/sendMessage", json={"chat_id": alice.id, "text": "json"}) as r:
            body = await r.json()
            assert r.status == 200 and body["ok"] is True and body["result"]["text"] == "json"
        async with http.get(f"{url}/getMe") as r:
            assert (await r.json())["result"]["is_bot"] is True
        async with http.get(f"{botapi.base_url}123:wrong/getMe") as r:
            assert r.status == 401
            assert await r.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}
        async with http.get(f"{url}/noSuchMethod") as r:
            assert r.status == 404
            assert await r.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
        botapi.rate_limit(retry_after=3)
        async with http.post(
            f"{url}/sendMessage", data={"chat_id": str(alice.id), "text": "f"}
        ) as r:
            assert r.status == 429
            assert (await r.json())["parameters"] == {"retry_after": 3}
    expected = ["noSuchMethod: no such method in " + botapi.schema.version] if botapi.schema else []
    assert botapi.violations == expected
    botapi.violations.clear()
    with pytest.raises(InvalidToken):
        async with Bot("123:wrong", base_url=botapi.base_url):
            pass


@pytest.mark.filterwarnings("ignore:Please use 'Bot.sendMessage'")
async def test_api_json_violations_are_recorded(botapi: BotApiEmulator) -> None:
    if botapi.schema is None:
        pytest.skip("api.json not available")
    async with botapi.bot() as bot:
        with pytest.raises(BadRequest):
            await bot.do_api_request("sendMessage", api_kwargs={"chat_idd": 1, "text": "x"})
        assert "sendMessage: unknown parameter 'chat_idd'" in botapi.violations
        assert "sendMessage: required parameter 'chat_id' is missing" in botapi.violations
        botapi.violations.clear()
        alice = botapi.user()
        bad_markup = {"inline_keyboard": [[{"text": "x", "callback_dat": "y"}]]}
        await bot.do_api_request(
            "sendMessage", api_kwargs={"chat_id": alice.id, "text": "x", "reply_markup": bad_markup}
        )
        assert any(
            "unknown field 'callback_dat' of InlineKeyboardButton" in v for v in botapi.violations
        )
        botapi.violations.clear()
        await bot.do_api_request(
            "sendMessage",
            api_kwargs={"chat_id": alice.id, "text": "x", "disable_notification": "yes"},
        )
        assert any("disable_notification" in v and "Boolean" in v for v in botapi.violations)
        botapi.violations.clear()


async def test_documented_but_unemulated_method_is_reported(botapi: BotApiEmulator) -> None:
    if botapi.schema is None:
        pytest.skip("api.json not available")
    alice = botapi.user()
    async with botapi.bot() as bot:
        with pytest.raises(NetworkError, match="Not Implemented: sendDice"):
            await bot.send_dice(alice.id)
    assert botapi.errors == ["sendDice: documented but not emulated (extend botapi.py)"]
    botapi.errors.clear()


# -- webhooks ------------------------------------------------------------------------------------


async def test_webhook_delivery_with_ptb_and_secret(botapi: BotApiEmulator, app: App) -> None:
    port = free_port()
    alice = botapi.user()
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_webhook(
        listen="127.0.0.1",
        port=port,
        url_path="hook",
        webhook_url=f"http://127.0.0.1:{port}/hook",
        secret_token="s3cret_Token",
    )
    try:
        assert botapi.webhook_url == f"http://127.0.0.1:{port}/hook"
        botapi.send_text(alice, None, "via webhook")
        reply = await botapi.wait_for(lambda m: m.text == "echo: via webhook")
        assert reply.chat_id == alice.id
        assert botapi.webhook_deliveries[-1].status == 200
        stray = botapi.send_text(alice, None, "forged")
        await botapi.wait_until_delivered()
        assert await botapi.post_to_webhook(stray, secret="wrong") == 403
        assert await botapi.post_to_webhook(stray, secret=None) == 403
        async with botapi.bot() as bot:
            with pytest.raises(Conflict, match=r"(?i)webhook is active"):
                await bot.get_updates()
            info = await bot.get_webhook_info()
            assert info.url == botapi.webhook_url and info.pending_update_count == 0
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()


async def test_webhook_to_plain_aiohttp_receiver(botapi: BotApiEmulator) -> None:
    received: list[tuple[str | None, dict[str, object]]] = []

    async def hook(request: aiohttp.web.Request) -> aiohttp.web.Response:
        received.append(
            (request.headers.get("X-Telegram-Bot-Api-Secret-Token"), await request.json())
        )
        return aiohttp.web.Response()

    receiver = aiohttp.web.Application()
    receiver.router.add_post("/tg", hook)
    runner = aiohttp.web.AppRunner(receiver)
    await runner.setup()
    site = aiohttp.web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        alice = botapi.user()
        pending = botapi.send_text(alice, None, "queued before setWebhook")
        async with botapi.bot() as bot:
            assert await bot.set_webhook(f"http://127.0.0.1:{port}/tg", secret_token="abc")
            await botapi.wait_until_delivered()
            assert received == [("abc", pending)]
            assert await bot.delete_webhook()
            assert (await bot.get_webhook_info()).url == ""
            botapi.send_text(alice, None, "back to polling")
            assert len(await bot.get_updates()) == 1
            with pytest.raises(BadRequest, match=r"(?i)bad webhook"):
                await bot.set_webhook("https://example.com/tg")
    finally:
        await runner.cleanup()


# -- formatting units -----------------------------------------------------------------------------


def test_html_entities_use_utf16_offsets() -> None:
    text, entities = parse_html("🫁 <b>lung</b> &amp; <i>heart</i>")
    assert text == "🫁 lung & heart"
    assert entities == [
        {"type": "bold", "offset": 3, "length": 4},
        {"type": "italic", "offset": 10, "length": 5},
    ]


def test_markdown_v2() -> None:
    assert parse_markdown_v2(r"*bold* and \_x\_ \.")[0] == "bold and _x_ ."
    with pytest.raises(EntityParseError, match=r"(?i)reserved"):
        parse_markdown_v2("end.")
    with pytest.raises(EntityParseError, match=r"(?i)Can't find end"):
        parse_markdown_v2("*open")


def test_sent_message_repr() -> None:
    message = SentMessage("sendMessage", {"chat": {"id": 1}, "message_id": 2, "text": "t"}, {})
    assert repr(message) == "<SentMessage sendMessage chat=1 id=2: 't'>"
