"""A class of 20 answers the seed case in Telegram; the instructor sees the figures and a chart
photo (/results); one unmatched answer is curated into an accepted form while the bot runs;
the running bot regrades the past answers and tells the right students, once; a student
can do none of it."""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.auxil.botapi import BotApiEmulator, FakeUser
from tests.telegram.botflow import CASES, SEED, eventually, running, settings_for, to
from tutorbot.app.curation import Curation
from tutorbot.app.ports import SystemClock
from tutorbot.cases.library import load_library
from tutorbot.grading import grader_for
from tutorbot.grading.curation import Edit
from tutorbot.storage import Store, open_store

UNMATCHED = "extramedullary blood formation"
# What each of the 20 types at the diagnosis question ("-": never starts the case).
TYPED = [
    "EMH",
    "Extramedullary haematopoiesis",
    "extramedulary hematopoesis",
    UNMATCHED,
    "Extramedullary Blood Formation",
    UNMATCHED + "!",
    "paraspinal mass",
    "lymphoma",
    "<b>thalassaemia</b>",
    "=1+1",
    "$x$ mass",
    "neurogenic tumour",
    "EMH",
    "posterior mediastinal mass",
    "myelolipoma",
    "emh",
    "i don't know",
    "-",
    "-",
    "-",
]
TOLD = {4, 5, 6}  # the learners whose answer the curated form makes correct (1-based)


def copy_cases(tmp_path: Path) -> Path:
    cases = tmp_path / "cases"
    cases.mkdir()
    shutil.copytree(CASES / SEED, cases / SEED)
    shutil.copy(CASES / "lexicon.yaml", cases / "lexicon.yaml")
    return cases


async def make_class(store: Store, teacher: FakeUser, learners: list[FakeUser]) -> int:
    joined = datetime.now(UTC) - timedelta(minutes=1)
    cls = await store.classes.create("Radiology <1>", teacher.id, joined)
    for learner in learners:
        await store.members.join(cls.id, learner.id, learner.first_name, joined)
    return cls.id


async def test_a_class_answers_the_instructor_sees_results_and_curates(
    botapi: BotApiEmulator, tmp_path: Path
) -> None:
    cases = copy_cases(tmp_path)
    teacher = botapi.user("Teacher")
    learners = [botapi.user(f"Learner{n:02d}") for n in range(1, 21)]
    settings = replace(
        settings_for(botapi, tmp_path / "bot.db", cases), instructors=frozenset({teacher.id})
    )
    store = await open_store(settings.database)
    try:
        class_id = await make_class(store, teacher, learners)
        async with running(botapi, settings, jobs_poll=0.05):
            for learner, typed in zip(learners, TYPED, strict=True):
                if typed == "-":
                    continue
                botapi.send_text(learner, None, f"/start {SEED}")
                botapi.send_text(learner, None, "skip")
                botapi.send_text(learner, None, typed)
            await botapi.wait_until_handled()
            answered = await store.answers.list(case_id=SEED)
            assert len(answered) == 16  # "i don't know" is not an attempt

            # A student can see none of it.
            student = learners[0]
            mark = botapi.mark()
            botapi.send_text(student, None, "/results")
            refused = await botapi.wait_for(to(student, lambda m: True), since=mark)
            assert refused.text == "That is for instructors only."
            mark = botapi.mark()
            botapi.press(refused.message, f"res:c:{class_id}", user=student, check=False)
            await botapi.wait_until_handled()
            gone = await botapi.wait_for(to(student, lambda m: True), since=mark)
            assert gone.text == "That button is out of date: send /results again."
            assert not any(m.photo for m in botapi.sent(student))

            # The instructor: class, then case, then the figures and a chart photo.
            mark = botapi.mark()
            botapi.send_text(teacher, None, "/results")
            classes = await botapi.wait_for(to(teacher, lambda m: bool(m.buttons)), since=mark)
            assert [b["text"] for b in classes.buttons] == ["Radiology <1>", "Everyone"]
            botapi.press_button(classes, "Radiology <1>")
            which = await botapi.wait_for(
                to(teacher, lambda m: (m.text or "") == "Which case?"), since=mark
            )
            botapi.press(which, which.callback_data[0])
            figures = await botapi.wait_for(
                to(teacher, lambda m: (m.text or "").startswith("Results:")), since=mark
            )
            text = figures.text or ""
            assert "(class Radiology <1>)" in text
            # Started: answered or finished (Learner17 only said "I don't know"); finished:
            # right at once (two attempts each), the others have an attempt left.
            assert "sent to 20, started 16, finished 5" in text
            assert "First attempt: ✅ 5  🟡 2  ❌ 9" in text
            assert "Not started (4): Learner17, Learner18, Learner19, Learner20" in text
            assert "❌ 3 × extramedullary blood formation" in text.lower()
            assert "<b>thalassaemia</b>" in text  # shown as typed, escaped on the wire
            # matplotlib's first import and drawing take seconds on a busy machine.
            photo = await botapi.wait_for(
                to(teacher, lambda m: bool(m.photo)), since=mark, timeout=60
            )
            assert (photo.caption or "").startswith("Answers to ")

            # Curated while the bot runs (as `tutorbot review` does): the file changes, the
            # running bot grades the new form at once and its job regrades and tells.
            curation = Curation(store, load_library([cases]), grader_for(cases), SystemClock())
            version = curation.case(SEED).version
            await curation.apply(SEED, Edit("accept", UNMATCHED), expected_version=version, by="t")
            late = botapi.user("Late")
            mark = botapi.mark()
            botapi.send_text(late, None, f"/start {SEED}")
            botapi.send_text(late, None, "skip")
            botapi.send_text(late, None, UNMATCHED)
            verdict = await botapi.wait_for(
                to(late, lambda m: (m.text or "").startswith("✅")), since=mark
            )
            assert verdict.text

            def told(learner: FakeUser) -> list[str]:
                return [
                    m.text or ""
                    for m in botapi.sent(learner)
                    if "is now accepted" in (m.text or "")
                ]

            async def everyone_told() -> bool:
                return all(told(learners[n - 1]) for n in TOLD)

            await eventually(everyone_told, timeout=30)
            await botapi.wait_until_handled()
            for number, learner in enumerate(learners, 1):
                expected = 1 if number in TOLD else 0
                assert len(told(learner)) == expected, learner.first_name
            assert "extramedullary blood formation" in told(learners[3])[0]
            regraded = await store.answers.list(case_id=SEED)
            changed = {a.user_id for a in regraded if a.first_verdict is not None}
            assert changed == {learners[n - 1].id for n in TOLD}
    finally:
        await store.close()
