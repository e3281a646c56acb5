"""A curated form written into a case file in place: comments, order and layout kept."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tutorbot.cases.editing import (
    CaseChanged,
    CaseNotWritable,
    EditError,
    add_form,
    edited_text,
    snippet,
)
from tutorbot.cases.loader import load_case

BUNDLED = Path(__file__).resolve().parents[2] / "cases"
CASES = sorted(p.name for p in BUNDLED.iterdir() if (p / "case.yaml").is_file())


def copy_case(tmp_path: Path, case_id: str = "extramedullary-hematopoiesis") -> Path:
    shutil.copytree(BUNDLED / case_id, tmp_path / case_id)
    return tmp_path / case_id


def never(_text: str) -> bool:
    return False


@pytest.mark.parametrize("case_id", CASES)
def test_an_edit_changes_only_the_list_it_adds_to(case_id: str) -> None:
    text = (BUNDLED / case_id / "case.yaml").read_text(encoding="utf-8")
    edited = edited_text(text, "accepted", "a curated form", "", never)
    before, after = text.splitlines(), edited.splitlines()
    added = [line for line in after if line not in before]
    assert [line.strip() for line in added] == ["- a curated form"]
    assert [line for line in before if line not in after] == []
    assert len(after) == len(before) + 1


def test_the_written_case_keeps_comments_and_validates(tmp_path: Path) -> None:
    folder = copy_case(tmp_path)
    case_file = folder / "case.yaml"
    case_file.write_text(
        "# An author's note at the top\n" + case_file.read_text(encoding="utf-8"),
        encoding="utf-8",
    )
    before = load_case(folder).case
    assert before is not None
    written = add_form(
        folder,
        "partial",
        "marrow <expansion>",
        "Close: where does the marrow go?",
        expected_version=before.version,
        same=never,
    )
    text = case_file.read_text(encoding="utf-8")
    assert text.startswith("# An author's note at the top\n")
    assert "answer: marrow <expansion>" in text
    assert written.case.version != before.version
    assert written.case.diagnosis.partial[-1].answer == "marrow <expansion>"
    after = load_case(folder)
    assert after.case is not None
    assert [p for p in after.problems if p.severity == "error"] == []


def test_a_form_moves_out_of_the_other_lists(tmp_path: Path) -> None:
    folder = copy_case(tmp_path)
    case = load_case(folder).case
    assert case is not None
    written = add_form(
        folder,
        "accepted",
        "Paraspinal mass",
        "",
        expected_version=case.version,
        same=lambda text: text.casefold() == "paraspinal mass",
    )
    spec = written.case.diagnosis
    assert "Paraspinal mass" in spec.accepted
    assert all(p.answer != "paraspinal mass" for p in spec.partial)


def test_a_file_edited_since_it_was_listed_is_refused_and_kept(tmp_path: Path) -> None:
    folder = copy_case(tmp_path)
    case = load_case(folder).case
    assert case is not None
    case_file = folder / "case.yaml"
    case_file.write_text(case_file.read_text(encoding="utf-8") + "# by hand\n", encoding="utf-8")
    kept = case_file.read_bytes()
    with pytest.raises(CaseChanged, match="refresh"):
        add_form(folder, "accepted", "x y z", "", expected_version=case.version, same=never)
    assert case_file.read_bytes() == kept


def test_an_unwritable_case_gets_the_snippet_to_paste(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = copy_case(tmp_path)
    case = load_case(folder).case
    assert case is not None
    kept = (folder / "case.yaml").read_bytes()
    # The tests run as root, which may write anything: ask the check the bot makes.
    monkeypatch.setattr("tutorbot.cases.editing.writable", lambda _path: False)
    with pytest.raises(CaseNotWritable) as refused:
        add_form(
            folder, "wrong", "lymphoma of rib", "No.", expected_version=case.version, same=never
        )
    assert "cannot write" in str(refused.value)
    assert refused.value.snippet == snippet("wrong", "lymphoma of rib", "No.")
    assert (
        "  wrong:\n" in refused.value.snippet and "answer: lymphoma of rib" in refused.value.snippet
    )
    assert (folder / "case.yaml").read_bytes() == kept


def test_an_edit_that_would_break_the_case_leaves_it(tmp_path: Path) -> None:
    folder = copy_case(tmp_path)
    case = load_case(folder).case
    assert case is not None
    kept = (folder / "case.yaml").read_bytes()
    # A published case may not say TODO outside comments: the edited file would not load.
    with pytest.raises(EditError, match="nothing changed"):
        add_form(folder, "wrong", "TODO", "No.", expected_version=case.version, same=never)
    assert (folder / "case.yaml").read_bytes() == kept
