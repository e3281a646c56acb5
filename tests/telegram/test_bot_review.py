"""/review in Telegram: groups of answers, Accept and Wrong… with typed feedback, the effect
before applying, two instructors at once, a student refused."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

from tests.auxil.botapi import BotApiEmulator, FakeUser, SentMessage
from tests.telegram.botflow import CASES, SEED, running, settings_for, to

UNMATCHED = "extramedullary blood formation"


def copy_cases(tmp_path: Path) -> Path:
    cases = tmp_path / "cases"
    cases.mkdir()
    shutil.copytree(CASES / SEED, cases / SEED)
    case_file = cases / SEED / "case.yaml"
    text = case_file.read_text(encoding="utf-8")
    case_file.write_text(text.replace("  wrong:\n", "  wrong:  # misconceptions\n"), "utf-8")
    return cases


async def answer(botapi: BotApiEmulator, learner: FakeUser, typed: str) -> None:
    botapi.send_text(learner, None, f"/start {SEED}")
    botapi.send_text(learner, None, "skip")
    botapi.send_text(learner, None, typed)


async def said(botapi: BotApiEmulator, user: FakeUser, mark: int, start: str) -> SentMessage:
    return await botapi.wait_for(to(user, lambda m: (m.text or "").startswith(start)), since=mark)


async def open_list(botapi: BotApiEmulator, teacher: FakeUser) -> SentMessage:
    mark = botapi.mark()
    botapi.send_text(teacher, None, "/review")
    cases = await said(botapi, teacher, mark, "Review the answers")
    botapi.press(cases, cases.callback_data[0])
    return await said(botapi, teacher, mark, "Answers to ")


async def test_review_wrong_with_feedback_then_a_stale_list_is_refused(
    botapi: BotApiEmulator, tmp_path: Path
) -> None:
    cases = copy_cases(tmp_path)
    teacher, other = botapi.user("Teacher"), botapi.user("Other")
    student = botapi.user("Student")
    settings = replace(
        settings_for(botapi, tmp_path / "bot.db", cases),
        instructors=frozenset({teacher.id, other.id}),
    )
    async with running(botapi, settings, jobs_poll=0.05):
        for n, typed in enumerate(["myelolipoma", "Myelolipoma", UNMATCHED]):
            await answer(botapi, botapi.user(f"L{n}"), typed)
        await botapi.wait_until_handled()

        mark = botapi.mark()
        botapi.send_text(student, None, "/review")
        refused = await botapi.wait_for(to(student, lambda m: True), since=mark)
        assert refused.text == "That is for instructors only."

        listed = await open_list(botapi, teacher)
        stale = await open_list(botapi, other)  # a second instructor, same version
        assert "1. ❌ “myelolipoma” ×2" in (listed.text or "")
        assert "2. ❌ “extramedullary blood formation” ×1" in (listed.text or "")

        mark = botapi.mark()
        botapi.press_button(listed, "1 Wrong…")
        prompt = await said(botapi, teacher, mark, "Type, as a reply")
        botapi.reply_to(prompt, "Fat <b>and</b> marrow, but not here.")
        preview = await said(botapi, teacher, mark, "Make “myelolipoma” wrong")
        assert "changes no verdict (of 3 stored answers)" in (preview.text or "")
        botapi.press_button(preview, "Apply")
        await said(botapi, teacher, mark, "Done: “myelolipoma” is now wrong")
        text = (cases / SEED / "case.yaml").read_text(encoding="utf-8")
        assert "  wrong:  # misconceptions\n" in text
        assert "answer: myelolipoma\n      feedback: Fat <b>and</b> marrow, but not here." in text

        # The other instructor's list was made before the change: refused, nothing lost.
        mark = botapi.mark()
        botapi.press_button(stale, "2 Accept")
        preview = await said(botapi, other, mark, f"Make “{UNMATCHED}” accepted")
        assert "changes 1 verdict: 1 ❌→✅" in (preview.text or "")
        botapi.press_button(preview, "Apply")
        await said(botapi, other, mark, "The case changed since this list was made")
        assert UNMATCHED not in (cases / SEED / "case.yaml").read_text(encoding="utf-8")
        # Refreshed, the list shows the first change and the accept goes through.
        fresh = await open_list(botapi, other)
        assert "myelolipoma" in (fresh.text or "")  # still listed: graded wrong, now with feedback
        mark = botapi.mark()
        botapi.press_button(fresh, "2 Accept")
        preview = await said(botapi, other, mark, f"Make “{UNMATCHED}” accepted")
        botapi.press_button(preview, "Apply")
        await said(botapi, other, mark, f"Done: “{UNMATCHED}” is now accepted")
        text = (cases / SEED / "case.yaml").read_text(encoding="utf-8")
        assert f"- {UNMATCHED}\n" in text and "feedback: Fat <b>and</b> marrow" in text
        # A student's reply to a bot message is never taken for feedback.
        await botapi.wait_until_handled()
