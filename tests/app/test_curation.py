"""Curation over a real case folder and a real SQLite file: preview, apply, regrade, tell."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Sequence
from datetime import timedelta
from pathlib import Path

import pytest

from tutorbot.app.curation import Curation, Refused, handlers
from tutorbot.app.play import Play
from tutorbot.app.ports import Delivery, SystemClock
from tutorbot.app.replies import Say
from tutorbot.cases.editing import CaseChanged
from tutorbot.cases.library import load_library
from tutorbot.grading import grader_for
from tutorbot.grading.curation import Edit
from tutorbot.storage import SessionKey, Store, open_store
from tutorbot.tutor import events

BUNDLED = Path(__file__).resolve().parents[2] / "cases"
CASE = "extramedullary-hematopoiesis"
UNMATCHED = "extramedullary blood formation"


class RecordingNotifier:
    """A notifier that keeps what it was asked to send (the Telegram one is tested in
    tests/telegram)."""

    def __init__(self) -> None:
        self.sent: list[tuple[int, tuple[str, ...]]] = []

    async def notify(self, chat_id: int, thread_id: int, says: Sequence[Say]) -> Delivery:
        self.sent.append((chat_id, tuple(line for say in says for line in say.lines)))
        return "sent"

    async def post(self, chat_id: int, message: Say) -> int | None:
        raise AssertionError("curation only notifies")

    async def edit(self, chat_id: int, message_id: int, message: Say) -> bool:
        raise AssertionError("curation only notifies")


@pytest.fixture
def cases(tmp_path: Path) -> Path:
    folder = tmp_path / "cases"
    folder.mkdir()
    shutil.copytree(BUNDLED / CASE, folder / CASE)
    case_file = folder / CASE / "case.yaml"
    text = case_file.read_text(encoding="utf-8")
    case_file.write_text(text.replace("  accepted:\n", "  accepted:  # other names\n"), "utf-8")
    shutil.copy(BUNDLED / "lexicon.yaml", folder / "lexicon.yaml")
    return folder


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    store = await open_store(f"sqlite:///{tmp_path / 'c.db'}")
    yield store
    await store.close()


async def answer(play: Play, user: int, *texts: str) -> None:
    key = SessionKey(user, 0, user)
    await play.open(key, None, CASE)
    await play.step(key, None, events.Skip())
    for text in texts:
        await play.step(key, None, events.Answer(text), name=f"Learner {user}")


async def test_an_accepted_form_regrades_past_answers_and_tells_each_learner_once(
    cases: Path, store: Store
) -> None:
    grader = grader_for(cases)
    library = load_library([cases])
    play = Play(store, library, grader, attempts=2)
    await answer(play, 1, UNMATCHED, "lymphoma")  # wrong twice: revealed as wrong
    await answer(play, 2, "Extramedullary blood formation!")  # then gives up below
    await play.step(SessionKey(2, 0, 2), None, events.Reveal())
    await answer(play, 3, "EMH")
    await answer(play, 4, "paraspinal mass", UNMATCHED)
    notifier = RecordingNotifier()
    curation = Curation(store, library, grader, SystemClock(), notifier)
    # Another process, its cases loaded before the edit.
    elsewhere = Play(store, load_library([cases]), grader, attempts=2)

    preview = await curation.preview(CASE, Edit("accept", UNMATCHED))
    assert preview.refused == ()
    assert preview.effect.summary() == "changes 3 verdicts: 3 ❌→✅"
    await curation.apply(
        CASE, Edit("accept", UNMATCHED), expected_version=preview.case.version, by="telegram:9"
    )

    text = (cases / CASE / "case.yaml").read_text(encoding="utf-8")
    assert f"- {UNMATCHED}\n" in text and "  accepted:  # other names\n" in text
    # The other process grades the new form correctly without a restart.
    await answer(elsewhere, 5, UNMATCHED)
    [fresh] = await store.answers.list(user_id=5)
    assert fresh.verdict == "correct"

    # The job the edit queued regrades and tells, once.
    runner_jobs = handlers(curation)
    [job] = await store.jobs.claim("t", SystemClock().now(), timedelta(minutes=1))
    assert job.kind in runner_jobs
    await runner_jobs[job.kind](job)
    await runner_jobs[job.kind](job)  # run twice (a lease lost): nothing more happens
    regrades = await store.answers.regrades(CASE)
    assert sorted((r.user_id, r.before, r.after, r.by) for r in regrades) == [
        (1, "wrong", "correct", "telegram:9"),
        (2, "wrong", "correct", "telegram:9"),
        (4, "wrong", "correct", "telegram:9"),
    ]
    assert sorted(chat for chat, _ in notifier.sent) == [1, 2, 4]
    assert all("is now accepted" in lines[0] for _, lines in notifier.sent)
    # Progress follows: learner 1's first attempt is now correct; 2 gave up without a
    # correct answer then, but the answer they typed is correct now; 4 was wrong at the end.
    for user in (1, 2, 4):
        stats = await play.progress(user)
        assert stats.outcomes[CASE] == "correct", user
    [first] = await store.progress.finished(1)
    assert first.first_outcome == "wrong"
    # History kept: the first verdict is still there beside the new one.
    one = await store.answers.list(user_id=1)
    assert [(a.answer, a.verdict, a.first_verdict) for a in one] == [
        (UNMATCHED, "correct", "wrong"),
        ("lymphoma", "wrong", None),
    ]


async def test_a_form_accepting_a_listed_wrong_answer_is_refused(cases: Path, store: Store) -> None:
    grader = grader_for(cases)
    curation = Curation(store, load_library([cases]), grader, SystemClock())
    case = curation.case(CASE)
    with pytest.raises(Refused, match="lymphoma"):
        await curation.apply(
            CASE, Edit("accept", "lymphoma"), expected_version=case.version, by="t"
        )
    assert await store.jobs.claim("t", SystemClock().now(), timedelta(1)) == []


async def test_two_instructors_at_once_the_second_is_told_to_refresh(
    cases: Path, store: Store
) -> None:
    grader = grader_for(cases)
    first = Curation(store, load_library([cases]), grader, SystemClock())
    second = Curation(store, load_library([cases]), grader, SystemClock())
    seen = first.case(CASE).version
    assert second.case(CASE).version == seen
    await first.apply(CASE, Edit("accept", UNMATCHED), expected_version=seen, by="a")
    with pytest.raises(CaseChanged, match="refresh"):
        await second.apply(CASE, Edit("partial", "marrow", "Close."), expected_version=seen, by="b")
    # Refreshed, the second sees the first's change and may go on.
    assert UNMATCHED in second.case(CASE).diagnosis.accepted
