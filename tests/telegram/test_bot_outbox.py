"""The gap between commit and send: a change committed whose reply never went out.

The Bot API answers 500 to every try of the step's send, so the sender gives
up after the change was committed (as if the process had died in between).
The learner must still see where they are: on the redelivered update, or
first thing on their next update.
"""

from __future__ import annotations

from pathlib import Path

from tests.auxil.botapi import BotApiEmulator, FakeUser, SentMessage
from tests.telegram.botflow import SEED, Waits, eventually, running, settings_for, with_button
from tutorbot.storage import SessionKey, Store, open_store
from tutorbot.telegram._sender import Sender
from tutorbot.telegram.routers.errors import FRIENDLY_ERROR

TRIES = Sender(None).attempts  # every try of one call fails: the sender gives up


def key_of(user: FakeUser) -> SessionKey:
    return SessionKey(user.id, 0, user.id)


async def cleared(store: Store, user: FakeUser) -> bool:
    """The session's reply went out (its outbox flag is clear)."""
    session = await store.sessions.get(key_of(user))
    return session is not None and not session.reply_pending


async def lose_the_images_reply(
    botapi: BotApiEmulator, store: Store, alice: FakeUser, history: SentMessage
) -> dict[str, object]:
    """Press "Images ▶" while every sendPhoto fails; returns the update."""
    mark = botapi.mark()
    botapi.server_error("sendPhoto", times=TRIES)
    update = botapi.press_button(history, "Images ▶")
    sorry = await botapi.wait_for(lambda m: m.content == FRIENDLY_ERROR, since=mark)
    await botapi.wait_until_handled(update)
    assert not sorry.photo and not any(m.photo for m in botapi.sent(alice)[mark:])
    session = await store.sessions.get(key_of(alice))
    assert session is not None and session.reply_pending  # committed, reply not sent
    assert '"phase": "images"' in session.state
    return update


async def test_redelivered_update_shows_the_lost_reply_on_a_new_application(
    botapi: BotApiEmulator, tmp_path: Path
) -> None:
    settings = settings_for(botapi, tmp_path / "bot.db")
    store = await open_store(settings.database)
    alice = botapi.user("Alice")
    try:
        async with running(botapi, settings, store=store, sleep=Waits()):
            botapi.send_text(alice, None, f"/start {SEED}")
            history = await botapi.wait_for(with_button("Images ▶"))
            update = await lose_the_images_reply(botapi, store, alice, history)
        # As after a crash: a new Application, and Telegram delivers the update again.
        mark = botapi.mark()
        async with running(botapi, settings, store=store):
            botapi.redeliver(update)
            stage1 = await botapi.wait_for(with_button("Findings ▶"), since=mark)
            assert stage1.photo and "Stage 1 of 2" in stage1.content
            await eventually(lambda: cleared(store, alice))
            botapi.press_button(stage1, "Findings ▶")  # the re-shown button works
            await botapi.wait_for(with_button("Next stage ▶"), since=mark)
            # Handled once: the redelivery did not advance the session a second time.
            assert [m for m in botapi.sent(alice)[mark:] if "Stage 1 of 2" in m.content] == [stage1]

            # A duplicate whose reply was sent is ignored, as before.
            again = botapi.mark()
            botapi.redeliver(update)
            await botapi.wait_until_handled(update)
            assert botapi.sent(alice)[again:] == []
    finally:
        await store.close()


async def test_next_update_shows_the_lost_step_first(
    botapi: BotApiEmulator, tmp_path: Path
) -> None:
    settings = settings_for(botapi, tmp_path / "bot.db")
    store = await open_store(settings.database)
    alice = botapi.user("Alice")
    try:
        async with running(botapi, settings, store=store, sleep=Waits()):
            botapi.send_text(alice, None, f"/start {SEED}")
            history = await botapi.wait_for(with_button("Images ▶"))
            await lose_the_images_reply(botapi, store, alice, history)

            mark = botapi.mark()
            botapi.send_text(alice, None, "/hint")
            hint = await botapi.wait_for(lambda m: "Hint 1 of 3" in m.content, since=mark)
            shown = botapi.sent(alice)[mark:]
            stage1 = shown[0]
            assert stage1.photo and "Stage 1 of 2" in stage1.content and stage1 is not hint
            # The hint moved the session on; the re-shown button still leads on.
            botapi.press_button(stage1, "Findings ▶")
            findings = await botapi.wait_for(with_button("Next stage ▶"), since=mark)
            assert "anterior ribs" in findings.content
            await eventually(lambda: cleared(store, alice))
    finally:
        await store.close()


async def test_lost_verdict_is_shown_with_its_outcome(
    botapi: BotApiEmulator, tmp_path: Path
) -> None:
    settings = settings_for(botapi, tmp_path / "bot.db")
    alice = botapi.user("Alice")
    async with running(botapi, settings, sleep=Waits()):
        botapi.send_text(alice, None, f"/start {SEED}")
        await botapi.wait_for(with_button("Images ▶"))
        botapi.send_text(alice, None, "/skip")
        question = await botapi.wait_for(lambda m: "diagnosis" in m.content.lower())
        mark = botapi.mark()
        botapi.server_error("sendMessage", times=TRIES)
        update = botapi.reply_to(question, "EMH")
        await botapi.wait_for(lambda m: m.content == FRIENDLY_ERROR, since=mark)
        botapi.redeliver(update)
        done = await botapi.wait_for(with_button("Next case ▶"), since=mark)
        assert done.content.startswith("✅") and "Teaching points" in done.content
