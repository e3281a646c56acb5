"""The seed case through the real Application and the Bot API emulator, over HTTP."""

from __future__ import annotations

from pathlib import Path

from tests.auxil.botapi import BotApiEmulator
from tests.telegram.botflow import SEED, asks_reply, running, settings_for, with_button
from tutorbot.storage import open_store
from tutorbot.tutor.progress import stats_from


async def test_seed_case_from_start_to_teaching_points(
    botapi: BotApiEmulator, tmp_path: Path
) -> None:
    settings = settings_for(botapi, tmp_path / "bot.db")
    alice = botapi.user("Alice")
    async with running(botapi, settings):
        botapi.send_text(alice, None, f"/start {SEED}")
        history = await botapi.wait_for(with_button("Images ▶"))
        assert "Thalassaemic adult" in history.content and "Clinical history" in history.content

        botapi.press_button(history, "Images ▶")
        stage1 = await botapi.wait_for(with_button("Findings ▶"))
        assert stage1.photo and "Stage 1 of 2" in stage1.content

        botapi.press_button(stage1, "Findings ▶")
        findings1 = await botapi.wait_for(with_button("Next stage ▶"))
        assert findings1.photo and "anterior ribs" in findings1.content

        mark = botapi.mark()
        botapi.press_button(findings1, "Next stage ▶")
        stage2 = await botapi.wait_for(with_button("Findings ▶"), since=mark)
        album = [m for m in botapi.sent(alice)[mark:] if m.media_group_id]
        assert len(album) == 2

        botapi.press_button(stage2, "Findings ▶")
        findings2 = await botapi.wait_for(with_button("Diagnosis ▶"))
        botapi.press_button(findings2, "Diagnosis ▶")
        question = await botapi.wait_for(asks_reply)
        assert "What is your diagnosis?" in question.content

        mark = botapi.mark()
        botapi.reply_to(question, "lymphoma")
        wrong = await botapi.wait_for(asks_reply, since=mark)
        assert wrong.content.startswith("❌")
        assert "Hint 1 of 3" in wrong.content

        mark = botapi.mark()
        botapi.reply_to(wrong, "extramedullary haematopoiesis")
        right = await botapi.wait_for(with_button("Next case ▶"), since=mark)
        assert right.content.startswith("✅")
        assert "Teaching points" in right.content

    assert botapi.calls("setMyCommands")
    store = await open_store(settings.database)
    try:
        answers = await store.answers.list(user_id=alice.id)
        assert [a.verdict for a in answers] == ["wrong", "correct"]
        assert all(a.case_id == SEED and a.case_version for a in answers)
        stats = stats_from((f.case_id, f.outcome) for f in await store.progress.finished(alice.id))
        assert (stats.cases_done, stats.correct, stats.streak) == (1, 1, 1)
    finally:
        await store.close()
