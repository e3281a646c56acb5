"""Typed words in a private chat work as in the terminal, and never cost an attempt."""

from __future__ import annotations

from pathlib import Path

from tests.auxil.botapi import BotApiEmulator
from tests.telegram.botflow import (
    SEED,
    asks_reply,
    learner_with_numbered_cases,
    running,
    says,
    settings_for,
    with_button,
)
from tutorbot.storage import open_store


async def test_words_move_through_a_case(botapi: BotApiEmulator, tmp_path: Path) -> None:
    async with learner_with_numbered_cases(botapi, tmp_path, 2) as alice:
        assert "Case 00" in (await says(botapi, alice, "next")).content  # idle: the next case
        images = await says(botapi, alice, "Next")
        assert "Stage 1 of 2" in images.content and with_button("Findings ▶")(images)
        assert "Findings, stage 1 of 2" in (await says(botapi, alice, "NEXT ")).content
        assert "Stage 2 of 2" in (await says(botapi, alice, "/next")).content  # as a command
        hint = await says(botapi, alice, "hint")
        assert "Hint 1 of 2" in hint.content
        question = await says(botapi, alice, "skip")
        assert asks_reply(question) and "attempt 1 of 2" in question.content
        restarted = await says(botapi, alice, "/Restart")
        assert "Clinical history" in restarted.content and "Case 00" in restarted.content
        gave_up = await says(botapi, alice, "reveal")
        assert "Diagnosis: Pneumothorax" in gave_up.content
        assert "Case 01" in (await says(botapi, alice, "next")).content  # done: the next case


async def test_at_the_question_words_are_commands_and_cost_nothing(
    botapi: BotApiEmulator, tmp_path: Path
) -> None:
    settings = settings_for(botapi, tmp_path / "bot.db")
    alice = botapi.user("Alice")
    async with running(botapi, settings):
        await says(botapi, alice, f"/start {SEED}")
        assert asks_reply(await says(botapi, alice, "skip"))
        hint = await says(botapi, alice, "Hint")
        assert "Hint 1 of 3" in hint.content  # a hint, not a diagnosis graded wrong
        assert "attempt 1 of 2" in botapi.last_sent(alice).content
        for word in ("next", "skip", "/hint"):
            reply = await says(botapi, alice, word)
            assert not reply.content.startswith(("✅", "🟡", "❌")), word
        assert "attempt 1 of 2" in botapi.last_sent(alice).content
        wrong = await says(botapi, alice, "skip lesion")  # several words: an answer
        assert wrong.content.startswith("❌") and "1 attempt left" in wrong.content
        right = await says(botapi, alice, "EMH")  # one word: a diagnosis
        assert right.content.startswith("✅")
    async with await open_store(settings.database) as store:
        answers = await store.answers.list(user_id=alice.id)
    assert [a.answer for a in answers] == ["skip lesion", "EMH"]
