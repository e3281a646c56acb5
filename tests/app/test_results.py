"""A case's results for a class of 20: figures, names, CSV against the stored answers, chart."""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tutorbot.app.charts import chart_png, plain
from tutorbot.app.instructors import Roster
from tutorbot.app.overview import CaseRow, StudentRow, overview_csv, overview_lines, safe_cell
from tutorbot.app.play import Play
from tutorbot.app.results import Results, ResultsRefused, class_overview, csv_rows, lines
from tutorbot.cases.library import load_library
from tutorbot.grading import grader_for
from tutorbot.storage import NewPush, SessionKey, Store, open_store
from tutorbot.tutor import events

BUNDLED = Path(__file__).resolve().parents[2] / "cases"
CASE = "extramedullary-hematopoiesis"
TEACHER, OWNER, STRANGER = 900, 901, 902
# Twenty learners' first answers (and a second where the first was not right), every kind.
ANSWERS: list[tuple[str, ...]] = [
    ("EMH",),
    ("Extramedullary haematopoiesis",),
    ("extramedulary hematopoesis",),
    ("emh",),
    ("paraspinal mass", "EMH"),
    ("paraspinal masses", "lymphoma"),
    ("lymphoma", "neurogenic tumour"),
    ('=HYPERLINK("x")', "EMH"),
    ("$x^2$ mass", "reveal"),
    ("i don't know", "EMH"),
    ("thalassaemia", "EMH"),
    ("Extramedullary blood formation",),
    ("extramedullary blood formation!",),
    ("<b>EMH</b>",),
    ("EMH",),
    ("posterior mediastinal mass", "reveal"),
    ("reveal",),
]  # 17 play; 3 of the 20 never start


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    store = await open_store(f"sqlite:///{tmp_path / 'r.db'}")
    yield store
    await store.close()


async def class_of_twenty(tmp_path: Path, store: Store) -> tuple[Results, int]:
    cases = tmp_path / "cases"
    cases.mkdir()
    shutil.copytree(BUNDLED / CASE, cases / CASE)
    library = load_library([cases])
    play = Play(store, library, grader_for(cases), attempts=2)
    joined = datetime.now(UTC) - timedelta(minutes=5)
    cls = await store.classes.create("Radiology 1", TEACHER, joined)
    for user in range(1, 21):
        await store.members.join(cls.id, user, f"Learner {user:02d}", joined)
    for user, answers in enumerate(ANSWERS, 1):
        key = SessionKey(user, 0, user)
        await play.open(key, None, CASE)
        await play.step(key, None, events.Skip())
        for text in answers:
            event = events.Reveal() if text == "reveal" else events.Answer(text)
            await play.step(key, None, event, name=f"Learner {user:02d}")
    # Someone outside the class answers too: not in the class's results.
    outsider = SessionKey(77, 0, 77)
    await play.open(outsider, None, CASE)
    await play.step(outsider, None, events.Skip())
    await play.step(outsider, None, events.Answer("EMH"))
    return Results(store, library, Roster(store, frozenset({OWNER}))), cls.id


async def test_the_class_figures(tmp_path: Path, store: Store) -> None:
    results, class_id = await class_of_twenty(tmp_path, store)
    found = await results.of_case(TEACHER, CASE, class_id)
    # 17 started (one only revealed, with no attempt); two answered once and stopped.
    assert (found.sent_to, found.started, found.finished) == (20, 17, 15)
    assert found.first == {"correct": 7, "partial": 4, "wrong": 5}
    assert found.final == {"correct": 10, "revealed": 3, "wrong": 2}
    assert found.median_seconds is not None and 0 <= found.median_seconds < 60
    assert found.not_started == ("Learner 18", "Learner 19", "Learner 20")
    assert found.not_finished == ("Learner 12", "Learner 13")
    assert all(a.user_id != 77 for a in found.attempts)
    text = "\n".join(lines(found))
    assert "sent to 20, started 17, finished 15" in text
    assert "First attempt: ✅ 7  🟡 4  ❌ 5" in text
    assert "In the end: ✅ 10 correct, 👁 3 revealed, ❌ 2" in text
    assert "Not started (3): Learner 18, Learner 19, Learner 20" in text
    # Different spellings of one answer are one row.
    [blood] = [g for g in found.groups if g.key == "extramedullary blood formation"]
    assert blood.count == 2


async def test_only_the_class_instructors_and_owners_see_it(tmp_path: Path, store: Store) -> None:
    results, class_id = await class_of_twenty(tmp_path, store)
    assert (await results.of_case(OWNER, CASE, class_id)).started == 17
    assert (await results.of_case(OWNER, CASE)).started == 18  # everyone: the outsider too
    for user, class_ in ((STRANGER, class_id), (5, class_id), (TEACHER, None)):
        with pytest.raises(ResultsRefused, match="instructors only"):
            await results.of_case(user, CASE, class_)


async def test_the_csv_is_the_stored_answers_made_safe(tmp_path: Path, store: Store) -> None:
    results, class_id = await class_of_twenty(tmp_path, store)
    found = await results.of_case(TEACHER, CASE, class_id)
    written = io.StringIO()
    csv.writer(written).writerows(csv_rows(found))
    rows = list(csv.DictReader(io.StringIO(written.getvalue())))
    stored = [a for a in await store.answers.list(case_id=CASE) if a.user_id != 77]
    assert (
        len(rows)
        == len(stored)
        == sum(len([t for t in answers if t != "reveal"]) for answers in ANSWERS) - 1
    )  # "i don't know" is not an attempt
    for row, answer in zip(rows, stored, strict=True):
        assert row["answer"] == safe_cell(answer.answer)
        assert (row["learner_id"], row["verdict"]) == (str(answer.user_id), answer.verdict)
        assert row["attempt"] == str(answer.attempt) and row["hints"] == str(answer.hints)
        assert row["learner"] == f"Learner {answer.user_id:02d}"
    assert '\'=HYPERLINK("x")' in [r["answer"] for r in rows]
    assert all(not cell.startswith(("=", "+", "-", "@")) for r in rows for cell in r.values())


async def test_a_case_nobody_played_is_one_clear_line(tmp_path: Path, store: Store) -> None:
    cases = tmp_path / "cases"
    cases.mkdir()
    shutil.copytree(BUNDLED / CASE, cases / CASE)
    results = Results(store, load_library([cases]), Roster(store, frozenset({OWNER})))
    found = await results.of_case(OWNER, CASE)
    assert found.empty
    assert lines(found)[1] == "Nobody has answered this case yet: there are no results to show."


async def test_the_chart_is_a_png_and_learners_dollars_stay_text(
    tmp_path: Path, store: Store
) -> None:
    results, class_id = await class_of_twenty(tmp_path, store)
    png = chart_png(await results.of_case(TEACHER, CASE, class_id))
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 5000
    assert plain("$x^2$ mass") == r"\$x^2\$ mass"


async def test_the_class_over_time(tmp_path: Path, store: Store) -> None:
    results, class_id = await class_of_twenty(tmp_path, store)
    name, cases, students = await class_overview(results, TEACHER, class_id)
    assert name == "Radiology 1"
    [case] = cases
    # 16 learners gave a first attempt (one only revealed), 7 of them right: 44%.
    assert (case.learners, round(case.facility, 2), case.flag) == (16, 0.44, "")
    assert case.different == len((await results.of_case(TEACHER, CASE, class_id)).groups)
    by_name = {s.name: s for s in students}
    assert len(students) == 20
    assert (by_name["Learner 01"].cases, by_name["Learner 01"].accuracy) == (1, 1.0)
    assert (by_name["Learner 07"].cases, by_name["Learner 07"].first_correct) == (1, 0)
    assert by_name["Learner 20"].cases == 0
    text = "\n".join(overview_lines(name, cases, students))
    assert "16 learners, facility 44%" in text
    with pytest.raises(ResultsRefused):
        await class_overview(results, STRANGER, class_id)


def test_facility_flags() -> None:
    easy = CaseRow("a", "A", 10, 0.95, 2, 0.9)
    hard = CaseRow("b", "B", 10, 0.1, 8, 0.3)
    fair = CaseRow("c", "C", 10, 0.5, 4, 0.5)
    assert (easy.flag, hard.flag, fair.flag) == ("too easy?", "too hard?", "")
    rows = overview_csv([easy], [StudentRow(1, "=cmd|x", 1, 1)])
    assert rows[1][:2] == ["case", "a"] and rows[2][2] == "'=cmd|x"


async def test_a_pushed_case_counts_from_its_push_and_its_plays_name_the_push(
    tmp_path: Path, store: Store
) -> None:
    results, class_id = await class_of_twenty(tmp_path, store)
    before = await results.of_case(TEACHER, CASE, class_id)
    assert before.started == 17
    push, _ = await store.pushes.create(
        NewPush(class_id, CASE, "A case", "Radiology 1", "tok", TEACHER),
        [],
        "test.push",
        datetime.now(UTC),
    )
    # Everything so far was practice before the push: it no longer counts for the class.
    after = await results.of_case(TEACHER, CASE, class_id)
    assert (after.started, after.not_started[:1]) == (0, ("Learner 01",))
    play = Play(store, results.library, grader_for(tmp_path / "cases"), attempts=2)
    key = SessionKey(1, 0, 1)
    await play.open(key, None, CASE, source=f"push:{push.id}")
    await play.step(key, None, events.Skip())
    await play.step(key, None, events.Answer("EMH"), name="Learner 01")
    counted = await results.of_case(TEACHER, CASE, class_id)
    assert counted.started == 1
    assert [a.source for a in counted.attempts] == [f"push:{push.id}"]
    _, cases, _ = await class_overview(results, TEACHER, class_id)
    assert [row.learners for row in cases] == [1]
