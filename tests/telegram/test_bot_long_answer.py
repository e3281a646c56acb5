"""An answer is kept in full up to Telegram's 4,096 characters (it was cut at 1,000)."""

from __future__ import annotations

from pathlib import Path

from tests.auxil.botapi import BotApiEmulator
from tests.telegram.botflow import (
    asks_reply,
    open_seed_stage_one,
    running,
    settings_for,
    with_button,
)
from tutorbot.limits import TEXT_LIMIT
from tutorbot.storage import open_store


async def test_an_answer_of_4096_characters_is_kept_whole(
    botapi: BotApiEmulator, tmp_path: Path
) -> None:
    settings = settings_for(botapi, tmp_path / "bot.db")
    alice = botapi.user("Alice")
    start = "I think this is a lymphoma, because "
    answer = start + ("très étendu " * 400)[: TEXT_LIMIT - len(start) - 1] + "!"
    assert len(answer) == TEXT_LIMIT
    async with running(botapi, settings):
        stage = await open_seed_stage_one(botapi, alice)
        for press, then in (
            ("Findings ▶", "Next stage ▶"),
            ("Next stage ▶", "Findings ▶"),
            ("Findings ▶", "Diagnosis ▶"),
        ):
            mark = botapi.mark()
            botapi.press_button(stage, press)
            stage = await botapi.wait_for(with_button(then), since=mark)
        mark = botapi.mark()
        botapi.press_button(stage, "Diagnosis ▶")
        question = await botapi.wait_for(asks_reply, since=mark)
        mark = botapi.mark()
        botapi.reply_to(question, answer)
        verdict = await botapi.wait_for(asks_reply, since=mark)
        assert verdict.content.startswith("❌")
        await botapi.wait_until_handled()
    store = await open_store(settings.database)
    try:
        (kept,) = await store.answers.list(user_id=alice.id)
        assert kept.answer == answer
        # Kept with the name Telegram showed, and where the learner was in the case.
        assert kept.name == "Alice" and (kept.attempt, kept.hints) == (1, 0)
    finally:
        await store.close()
