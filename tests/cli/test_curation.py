"""``tutorbot regrade`` after a hand edit, and ``tutorbot review`` at a desk."""

from __future__ import annotations

import asyncio
import io
import shutil
import sys
from pathlib import Path

import pytest

from tutorbot.cli import main
from tutorbot.storage import AnswerRecord, ApplyFn, Change, SessionKey, open_store

BUNDLED = Path(__file__).resolve().parents[2] / "cases"
CASE = "extramedullary-hematopoiesis"
UNMATCHED = "extramedullary blood formation"


@pytest.fixture
def cases(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cases"
    folder.mkdir()
    shutil.copytree(BUNDLED / CASE, folder / CASE)
    monkeypatch.setenv("TUTORBOT_DATABASE", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("TUTORBOT_CASES", str(folder))
    return folder


def store_answers(tmp_path: Path, answers: list[tuple[int, str, str]]) -> None:
    async def fill() -> None:
        store = await open_store(f"sqlite:///{tmp_path / 'cli.db'}")
        try:
            for user, text, verdict in answers:
                key = SessionKey(user, 0, user)
                record = AnswerRecord(user, user, CASE, "v0", text, verdict, 0.0, None)
                change: Change[None] = Change(None, answers=[record])
                await store.apply(None, key, kept(change))
        finally:
            await store.close()

    asyncio.run(fill())


def verdicts(tmp_path: Path) -> list[tuple[str, str, str | None]]:
    async def read() -> list[tuple[str, str, str | None]]:
        store = await open_store(f"sqlite:///{tmp_path / 'cli.db'}")
        try:
            kept = await store.answers.list(case_id=CASE)
            return [(a.answer, a.verdict, a.first_verdict) for a in kept]
        finally:
            await store.close()

    return asyncio.run(read())


def test_regrade_after_a_hand_edit(
    cases: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store_answers(
        tmp_path, [(1, UNMATCHED, "wrong"), (2, "EMH", "correct"), (3, UNMATCHED, "wrong")]
    )
    case_file = cases / CASE / "case.yaml"
    text = case_file.read_text(encoding="utf-8")
    case_file.write_text(text.replace("    - EMH\n", f"    - EMH\n    - {UNMATCHED}\n"), "utf-8")
    assert main(["regrade", CASE]) == 0
    out = capsys.readouterr().out
    assert "3 stored answers graded again; changes 2 verdicts: 2 ❌→✅" in out
    assert verdicts(tmp_path) == [
        (UNMATCHED, "correct", "wrong"),
        ("EMH", "correct", None),
        (UNMATCHED, "correct", "wrong"),
    ]
    assert main(["regrade", CASE]) == 0  # again: nothing more changes
    assert "changes no verdict" in capsys.readouterr().out


def test_regrade_of_an_unknown_case_is_one_line(
    cases: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["regrade", "no-such-case"]) == 1
    assert capsys.readouterr().err.strip() == "tutorbot: I have no case called “no-such-case”."


def test_review_accepts_one_group_and_leaves_another(
    cases: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    store_answers(
        tmp_path,
        [
            (1, UNMATCHED, "wrong"),
            (2, "Extramedullary blood formation", "wrong"),
            (3, "myelolipoma", "wrong"),
            (4, "EMH", "correct"),
        ],
    )
    monkeypatch.setattr(sys, "stdin", io.StringIO("a\ny\nl\n"))
    assert main(["review", CASE]) == 0
    out = capsys.readouterr().out
    assert "3 answers not graded correct, in 2 groups." in out
    assert "1. “extramedullary blood formation” ×2 (wrong)" in out
    assert "This changes 2 verdicts: 2 ❌→✅." in out
    assert "2. “myelolipoma” ×1 (wrong)" in out
    assert f"    - {UNMATCHED}\n" in (cases / CASE / "case.yaml").read_text(encoding="utf-8")
    assert [v for _, v, _ in verdicts(tmp_path)] == ["correct", "correct", "wrong", "correct"]


def test_review_refuses_a_listed_wrong_answer(
    cases: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    store_answers(tmp_path, [(1, "lymphoma", "wrong")])
    before = (cases / CASE / "case.yaml").read_bytes()
    monkeypatch.setattr(sys, "stdin", io.StringIO("a\n"))
    assert main(["review", CASE]) == 0
    assert "Refused: the case lists “lymphoma” as wrong" in capsys.readouterr().out
    assert (cases / CASE / "case.yaml").read_bytes() == before


def kept(change: Change[None]) -> ApplyFn[None]:
    """A function for ``Store.apply`` that writes ``change`` whatever the session is."""
    return lambda _current: change


def test_results_of_a_case_nobody_played_then_with_a_csv(
    cases: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["results", CASE, "--chart", str(tmp_path / "c.png")]) == 0
    out = capsys.readouterr().out
    assert "Nobody has answered this case yet: there are no results to show." in out
    assert "No chart: nobody has answered this case yet." in out
    assert not (tmp_path / "c.png").exists()
    store_answers(tmp_path, [(1, "@SUM(A1)", "wrong"), (2, "EMH", "correct")])
    assert main(["results", CASE, "--csv", str(tmp_path / "a.csv")]) == 0
    rows = (tmp_path / "a.csv").read_text(encoding="utf-8").splitlines()
    assert len(rows) == 3 and rows[1].split(",")[3] == "'@SUM(A1)"
    assert main(["results", CASE, "--class", "nope"]) == 1
    assert "there is no class called “nope”" in capsys.readouterr().err
