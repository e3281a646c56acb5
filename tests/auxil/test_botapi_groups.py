"""Groups in the Bot API emulator, proven against python-telegram-bot over loopback HTTP."""

from __future__ import annotations

import asyncio
import datetime as dtm
from typing import Any, TypeAlias

import pytest
from telegram import ChatMemberAdministrator, InputMediaPhoto, Update
from telegram.constants import ChatMemberStatus
from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter
from telegram.ext import Application, ContextTypes, MessageHandler, filters

from tests.auxil.botapi import BotApiEmulator, tiny_png
from tests.auxil.botapi_groups import ANONYMOUS_ADMIN

App: TypeAlias = Application[Any, Any, Any, Any, Any, Any]


def recording_app(botapi: BotApiEmulator, seen: list[Update]) -> App:
    app = botapi.application_builder().build()

    async def record(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        seen.append(update)

    app.add_handler(MessageHandler(filters.ALL, record))
    return app


async def test_privacy_mode_shows_the_bot_commands_replies_and_mentions_only(
    botapi: BotApiEmulator,
) -> None:
    alice = botapi.user("Alice")
    club = botapi.group("Club")
    seen: list[Update] = []
    async with botapi.bot() as bot, botapi.polling(recording_app(botapi, seen)):
        ours = await bot.send_message(club.id, "What is the diagnosis?")
        updates = [
            botapi.send_text(alice, club, "/dx pneumothorax"),
            botapi.send_text(alice, club, "/help@tutorbot_test_bot"),
            botapi.send_text(alice, club, "/help@some_other_bot"),
            botapi.send_text(alice, club, "chatter nobody addressed to the bot"),
            botapi.reply_to(ours.to_dict(), "a reply to the bot", user=alice),
            botapi.send_text(alice, club, "hey @tutorbot_test_bot, hello"),
            botapi.send_other(alice, club, "photo"),
        ]
        await botapi.wait_until_handled(*updates)
    texts = [u.effective_message.text for u in seen if u.effective_message]
    assert texts == [
        "/dx pneumothorax",
        "/help@tutorbot_test_bot",
        "a reply to the bot",
        "hey @tutorbot_test_bot, hello",
    ]
    assert len(botapi.groups.hidden) == 3


async def test_an_admin_bot_and_a_bot_without_privacy_mode_see_everything(
    botapi: BotApiEmulator,
) -> None:
    alice = botapi.user("Alice")
    club, other = botapi.group("Club"), botapi.group("Other")
    botapi.groups.bot_admin(club, can_delete_messages=True)
    seen: list[Update] = []
    async with botapi.polling(recording_app(botapi, seen)):
        shown = botapi.send_text(alice, club, "chatter")
        hidden = botapi.send_text(alice, other, "chatter")
        await botapi.wait_until_handled(shown, hidden)
        botapi.groups.privacy_mode = False
        await botapi.wait_until_handled(botapi.send_text(alice, other, "now seen"))
    assert [u.effective_chat.id for u in seen if u.effective_chat] == [club.id, other.id]


async def test_admins_members_and_anonymous_admins(botapi: BotApiEmulator) -> None:
    alice, bob, carol = botapi.user("Alice"), botapi.user("Bob"), botapi.user("Carol")
    club = botapi.group("Club")
    botapi.groups.make_owner(club, alice)
    botapi.groups.make_admin(club, bob, can_delete_messages=True, can_pin_messages=True)
    botapi.groups.bot_admin(club, can_delete_messages=False)
    seen: list[Update] = []
    async with botapi.bot() as bot, botapi.polling(recording_app(botapi, seen)):
        admins = await bot.get_chat_administrators(club.id)
        assert {a.user.id for a in admins} == {alice.id, bob.id, botapi.bot_id}
        bobs = await bot.get_chat_member(club.id, bob.id)
        assert isinstance(bobs, ChatMemberAdministrator) and bobs.can_delete_messages
        assert (await bot.get_chat_member(club.id, carol.id)).status == ChatMemberStatus.LEFT
        botapi.send_text(carol, club, "/help")
        anonymous_case = botapi.send_text(bob, club, "/case", anonymous=True)
        await botapi.wait_until_handled(anonymous_case)
        assert (await bot.get_chat_member(club.id, carol.id)).status == ChatMemberStatus.MEMBER
        with pytest.raises(BadRequest, match=r"(?i)user not found"):
            await bot.get_chat_member(club.id, 999)
        with pytest.raises(BadRequest, match=r"(?i)private chat"):
            await bot.get_chat_administrators(alice.id)
    anonymous = seen[-1]
    assert anonymous.effective_user and anonymous.effective_user.id == ANONYMOUS_ADMIN["id"]
    message = anonymous.effective_message
    assert message and message.sender_chat and message.sender_chat.id == club.id


async def test_delete_message_needs_the_right_in_groups(botapi: BotApiEmulator) -> None:
    alice = botapi.user("Alice")
    club = botapi.group("Club")
    async with botapi.bot() as bot:
        first = botapi.send_text(alice, club, "/dx first")["message"]["message_id"]
        second = botapi.send_text(alice, club, "/dx second")["message"]["message_id"]
        with pytest.raises(BadRequest, match=r"(?i)can.t be deleted"):
            await bot.delete_message(club.id, first)
        own = await bot.send_message(club.id, "the bot's own")
        assert await bot.delete_message(club.id, own.message_id)
        botapi.groups.bot_admin(club, can_delete_messages=True)
        assert await bot.delete_message(club.id, first)
        with pytest.raises(BadRequest, match=r"(?i)not found"):
            await bot.delete_message(club.id, first)
        in_private = botapi.send_text(alice, None, "hello")["message"]["message_id"]
        assert await bot.delete_message(alice.id, in_private)
        botapi.groups.remove_bot(club, alice)
        with pytest.raises(Forbidden, match=r"(?i)kicked"):
            await bot.delete_message(club.id, second)


async def test_the_bot_added_and_removed(botapi: BotApiEmulator) -> None:
    alice = botapi.user("Alice")
    club = botapi.group("Club", supergroup=False)
    seen: list[Update] = []
    app = botapi.application_builder().build()

    async def record(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        seen.append(update)

    from telegram.ext import ChatMemberHandler

    app.add_handler(ChatMemberHandler(record, ChatMemberHandler.MY_CHAT_MEMBER))
    async with botapi.bot() as bot, botapi.polling(app):
        added = botapi.groups.add_bot(club, alice, can_delete_messages=True)
        await botapi.wait_until_handled(added)
        assert await bot.send_message(club.id, "hello")
        removed = botapi.groups.remove_bot(club, alice)
        await botapi.wait_until_handled(removed)
        with pytest.raises(Forbidden, match="kicked from the group chat"):
            await bot.send_message(club.id, "still here?")
    statuses = [u.my_chat_member.new_chat_member.status for u in seen if u.my_chat_member]
    assert statuses == [ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.BANNED]


async def test_a_basic_group_migrates_to_a_supergroup(botapi: BotApiEmulator) -> None:
    alice = botapi.user("Alice")
    club = botapi.group("Club", supergroup=False)
    botapi.groups.make_admin(club, alice, can_delete_messages=True)
    seen: list[Update] = []
    async with botapi.bot() as bot, botapi.polling(recording_app(botapi, seen)):
        supergroup = botapi.groups.migrate(club)
        await botapi.wait_until_handled()
        with pytest.raises(ChatMigrated) as moved:
            await bot.send_message(club.id, "anyone?")
        assert moved.value.new_chat_id == supergroup.id
        assert await bot.send_message(supergroup.id, "here")
        assert (await bot.get_chat_member(supergroup.id, alice.id)).status == "administrator"
    service = [u.effective_message for u in seen if u.effective_message]
    assert [(m.migrate_to_chat_id, m.migrate_from_chat_id) for m in service] == [
        (supergroup.id, None),
        (None, club.id),
    ]
    assert supergroup.type == "supergroup" and supergroup.id < -1_000_000_000_000


async def test_create_forum_topic(botapi: BotApiEmulator) -> None:
    forum, plain = botapi.group("Residents", forum=True), botapi.group("Club")
    async with botapi.bot() as bot:
        topic = await bot.create_forum_topic(forum.id, "Case of the week")
        sent = await bot.send_message(forum.id, "in it", message_thread_id=topic.message_thread_id)
        assert sent.message_thread_id == topic.message_thread_id
        with pytest.raises(BadRequest, match=r"(?i)not a forum"):
            await bot.create_forum_topic(plain.id, "Nope")


@pytest.mark.filterwarnings("ignore:Deprecated since version v22.2")
async def test_group_flood_limit_counts_edits_and_each_album_photo(
    botapi: BotApiEmulator,
) -> None:
    club = botapi.group("Club")
    botapi.flood_limits(group_per_minute=5, group_window=60)
    async with botapi.bot() as bot:
        photos = [InputMediaPhoto(tiny_png(8, 8)) for _ in range(3)]
        await bot.send_media_group(club.id, photos)  # counts 3
        status = await bot.send_message(club.id, "0 answered")  # 4
        await bot.edit_message_text("1 answered", chat_id=club.id, message_id=status.message_id)
        with pytest.raises(RetryAfter) as caught:  # the edit was the fifth
            await bot.send_message(club.id, "one too many")
        retry = caught.value.retry_after
        assert (retry.total_seconds() if isinstance(retry, dtm.timedelta) else retry) >= 59
        await asyncio.sleep(0)
    assert [s.count for s in botapi.message_sends] == [3, 1, 1]
    assert len(botapi.flood_refusals) == 1


async def test_a_user_who_never_started_the_bot_cannot_be_written_to(
    botapi: BotApiEmulator,
) -> None:
    dan = botapi.user("Dan", started=False)
    async with botapi.bot() as bot:
        with pytest.raises(Forbidden, match=r"(?i)can't initiate conversation"):
            await bot.send_message(dan.id, "hello?")
        botapi.send_text(dan, None, "/start")
        assert await bot.send_message(dan.id, "hello")
