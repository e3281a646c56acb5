"""A bot upgraded in place: the previous release's database and buttons carry on."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

from tests.auxil.botapi import BotApiEmulator
from tests.telegram.botflow import running, settings_for, to
from tutorbot.app.play import STALE

RELEASE_DUMP = Path(__file__).parents[1] / "storage" / "data" / "release_0_1_0.sql"


async def test_a_learner_mid_case_goes_on_with_a_button_of_the_previous_release(
    botapi: BotApiEmulator, tmp_path: Path
) -> None:
    # The dump's learner 101 is at osteosarcoma's stage 2 images (session version 5),
    # and that step's reply was never confirmed sent.
    path = tmp_path / "bot.db"
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.executescript(RELEASE_DUMP.read_text(encoding="utf-8"))
    settings = settings_for(botapi, path)
    learner = botapi.user("Alice", user_id=101)
    # A message the previous release sent, with the Findings button it put there.
    sent_before = {
        "message_id": 40,
        "date": 1_767_605_400,
        "chat": {"id": learner.id, "type": "private", "first_name": "Alice"},
    }
    async with running(botapi, settings):
        botapi.press(sent_before, "v1:next:5", user=learner, check=False)
        findings = await botapi.wait_for(to(learner, lambda m: "Findings, stage 2" in m.content))
        # The step whose reply was lost came first, then the findings the button asked for.
        shown = [m.content for m in botapi.sent(learner)]
        assert any("Stage 2 of" in text for text in shown[: shown.index(findings.content)])
        # An older button of the same session, pressed now, gets the polite answer.
        botapi.press(sent_before, "v1:next:4", user=learner, check=False)
        await botapi.wait_for_call("answerCallbackQuery", lambda p: p.get("text") == STALE)
        # Learner 202 finished a case in the old release: /stats counts it.
        old_hand = botapi.user("Bob", user_id=202)
        botapi.send_text(old_hand, None, "/stats")
        stats = await botapi.wait_for(to(old_hand, lambda m: "Cases done" in m.content))
    assert "Cases done: 1" in stats.content
