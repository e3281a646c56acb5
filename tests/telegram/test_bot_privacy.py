"""A learner's own data: /myanswers lists their answers only; /forget_me asks, then deletes."""

from __future__ import annotations

from pathlib import Path

from tests.auxil.botapi import BotApiEmulator
from tests.telegram.botflow import SEED, running, settings_for, to
from tutorbot.app.privacy import ASK, CONFIRM, NOTHING
from tutorbot.storage import open_store


async def test_my_answers_then_forget_me(botapi: BotApiEmulator, tmp_path: Path) -> None:
    settings = settings_for(botapi, tmp_path / "bot.db")
    alice, bob = botapi.user("Alice"), botapi.user("Bob")
    async with running(botapi, settings):
        for learner, typed in ((alice, "<i>lymphoma</i>"), (bob, "EMH")):
            botapi.send_text(learner, None, f"/start {SEED}")
            botapi.send_text(learner, None, "skip")
            botapi.send_text(learner, None, typed)
        await botapi.wait_until_handled()
        mark = botapi.mark()
        botapi.send_text(alice, None, "/myanswers")
        mine = await botapi.wait_for(
            to(alice, lambda m: (m.text or "").startswith("Your answers")), since=mark
        )
        assert "❌ “<i>lymphoma</i>”" in (mine.text or "")  # as typed, escaped on the wire
        assert "EMH" not in (mine.text or "")  # Bob's answer is not hers
        mark = botapi.mark()
        botapi.send_text(alice, None, "/forget_me")
        ask = await botapi.wait_for(to(alice, lambda m: bool(m.buttons)), since=mark)
        assert ask.text == ASK
        store = await open_store(settings.database)
        try:
            assert len(await store.answers.list(user_id=alice.id)) == 1  # nothing yet
            botapi.press_button(ask, CONFIRM)
            done = await botapi.wait_for(
                to(alice, lambda m: (m.text or "").startswith("Done")), since=mark
            )
            assert done.text == "Done: 1 answers and your progress are deleted."
            assert await store.answers.list(user_id=alice.id) == []
            assert await store.progress.finished(alice.id) == []
            assert len(await store.answers.list(user_id=bob.id)) == 1
        finally:
            await store.close()
        mark = botapi.mark()
        botapi.send_text(alice, None, "/myanswers")
        empty = await botapi.wait_for(to(alice, lambda m: True), since=mark)
        assert empty.text == NOTHING
