"""A supergroup with topics (a forum): every reply goes back to the topic it answers.

Telegram posts a message sent to a forum without ``message_thread_id`` in the General
topic (https://core.telegram.org/bots/api#sendmessage); the emulator records such sends
in ``general_posts`` and refuses a thread that does not exist.
"""

from __future__ import annotations

from pathlib import Path

from tests.auxil.botapi import BotApiEmulator
from tests.telegram.botflow import running, settings_for


async def test_replies_stay_in_their_topic(botapi: BotApiEmulator, tmp_path: Path) -> None:
    settings = settings_for(botapi, tmp_path / "bot.db")
    alice, bob = botapi.user("Alice"), botapi.user("Bob")
    forum = botapi.group("Radiology residents", forum=True)
    chest, neuro = botapi.topic(forum), botapi.topic(forum)
    async with running(botapi, settings):
        botapi.send_text(alice, forum, "/case@tutorbot_test_bot", message_thread_id=chest)
        in_chest = await botapi.wait_for(lambda m: m.chat_id == forum.id)
        botapi.send_text(bob, forum, "/help", message_thread_id=neuro)
        in_neuro = await botapi.wait_for(lambda m: m.message_thread_id == neuro)
        chatter = botapi.send_text(bob, forum, "anyone on call?", message_thread_id=chest)
        await botapi.wait_until_handled(chatter)
    assert in_chest.message_thread_id == chest and in_chest.message["is_topic_message"]
    assert in_neuro.message_thread_id == neuro
    assert botapi.general_posts == []
    assert len(botapi.sent(forum)) == 2  # ordinary chat in a topic is not for the bot


async def test_a_command_in_general_is_answered_in_general(
    botapi: BotApiEmulator, tmp_path: Path
) -> None:
    settings = settings_for(botapi, tmp_path / "bot.db")
    alice = botapi.user("Alice")
    forum = botapi.group("Radiology residents", forum=True)
    async with running(botapi, settings):
        botapi.send_text(alice, forum, "/help")  # General: no thread id
        reply = await botapi.wait_for(lambda m: m.chat_id == forum.id)
    assert reply.message_thread_id is None
    assert botapi.general_posts == [reply]
