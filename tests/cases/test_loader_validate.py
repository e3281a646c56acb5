"""Loading case.yaml and validating cases: every problem reported, with file and line."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.auxil.case_files import BROKEN, GOOD, PNG, write_case
from tutorbot.cases import load_case, load_library


def test_a_good_case_loads_into_frozen_objects(tmp_path: Path) -> None:
    result = load_case(write_case(tmp_path, "good-case"))
    assert result.problems == []
    case = result.case
    assert case is not None
    assert case.id == "good-case" and case.published and case.tags == ("ct", "chest")
    assert case.stages[0].images[0].annotated == "images/01-marked.png"
    assert case.diagnosis.partial[0].feedback == "What kind of mass?"
    with pytest.raises(AttributeError):
        case.title = "changed"  # type: ignore[misc]


def test_the_version_is_a_content_hash(tmp_path: Path) -> None:
    folder = write_case(tmp_path, "good-case")
    first = load_case(folder).case
    assert first is not None and load_case(folder).case.version == first.version  # type: ignore[union-attr]
    (folder / "images" / "01.png").write_bytes(PNG + b"x")
    changed = load_case(folder).case
    assert changed is not None and changed.version != first.version


def test_every_problem_is_reported_with_its_line(tmp_path: Path) -> None:
    folder = tmp_path / "broken"
    (folder / "images").mkdir(parents=True)
    (folder / "case.yaml").write_text(BROKEN.format(long="x" * 1100))
    os.symlink("/etc/hostname", folder / "images" / "link.png")
    result = load_case(folder)
    assert result.case is None
    found = {(p.line, p.message.split(" ")[0]) for p in result.problems}
    messages = "\n".join(str(p) for p in result.problems)
    expected = [
        (1, "format is not 1"),
        (2, "id `Broken_Case` is not a valid case id"),
        (3, "title is empty"),  # `title:` with nothing after it
        (4, "status is `finished`"),
        (5, "history must be a list"),
        (9, "caption has 1100 characters"),
        (16, "findings"),
        (17, "unknown key `colour`"),
        (19, "diagnosis is missing `answer`"),
        (21, "unknown key `extra_key`"),
    ]
    for line, text in expected:
        assert any(p.line == line and text in p.message for p in result.problems), (
            line,
            text,
            messages,
        )
    assert any("`../outside.png` leaves the case folder" in p.message for p in result.problems)
    assert any("`/etc/passwd.png` leaves the case folder" in p.message for p in result.problems)
    assert any("`images/link.png` is a link that leaves" in p.message for p in result.problems)
    assert every_problem_has_a_fix(result.problems)
    assert found  # lines were recorded
    assert all(str(p).startswith(f"{folder / 'case.yaml'}:") for p in result.problems)


def every_problem_has_a_fix(problems: list) -> bool:  # type: ignore[type-arg]
    return all(p.hint for p in problems)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the case file is empty"),
        ("title: [unclosed\n", "broken YAML"),
        ("- a list\n- not a mapping\n", "must be a mapping"),
        ("format: 1\nformat: 1\n", "has `format` twice"),
        ("!!python/object:os.system {}\n", "YAML tags"),
    ],
)
def test_unreadable_files_get_one_clear_problem(tmp_path: Path, text: str, message: str) -> None:
    folder = write_case(tmp_path, "bad", text)
    result = load_case(folder)
    assert result.case is None
    assert any(message in p.message for p in result.problems), result.problems


def test_not_utf8(tmp_path: Path) -> None:
    folder = write_case(tmp_path, "bad", "")
    (folder / "case.yaml").write_bytes(b"title: caf\xe9\n")
    assert "not UTF-8" in load_case(folder).problems[0].message


def test_a_draft_may_lack_images_but_not_when_judged_as_published(tmp_path: Path) -> None:
    folder = write_case(tmp_path, "draft-case", status="draft", images=False)
    draft = load_case(folder)
    assert draft.case is not None
    assert {p.severity for p in draft.problems} == {"warning"}
    assert len(draft.problems) == 2  # the plain and the annotated image
    strict = load_case(folder, as_published=True)
    assert strict.case is None and {p.severity for p in strict.problems} == {"error"}


def test_a_bad_case_does_not_stop_the_others(tmp_path: Path) -> None:
    write_case(tmp_path, "first-case")
    write_case(tmp_path, "second-case", "title: [broken\n")
    write_case(tmp_path, "third-case")
    (tmp_path / "lexicon.yaml").write_text("synonyms: []\n")  # not a case
    (tmp_path / "notes").mkdir()  # a folder without case.yaml is not a case
    library = load_library([tmp_path])
    assert list(library.cases) == ["first-case", "third-case"]
    assert len(library.errors) == 1 and "second-case" in str(library.errors[0].file)


def test_duplicate_ids_across_folders(tmp_path: Path) -> None:
    write_case(tmp_path / "one", "same-id")
    write_case(tmp_path / "two", "same-id")
    library = load_library([tmp_path / "one", tmp_path / "two"])
    assert list(library.cases) == ["same-id"]
    assert any("duplicate id `same-id`" in p.message for p in library.errors)


def test_an_unquoted_colon_gets_a_quoting_hint(tmp_path: Path) -> None:
    text = GOOD.format(id="colon-case", status="draft").replace(
        "  - A 40-year-old with a cough", "  - Cough: three weeks"
    )
    problems = load_case(write_case(tmp_path, "colon-case", text)).problems
    assert any("put the whole text in quotes" in p.hint and p.line == 11 for p in problems)


def test_empty_history_is_an_error_when_published(tmp_path: Path) -> None:
    text = GOOD.format(id="empty-case", status="published").replace(
        "history:\n  - A 40-year-old with a cough", "history: []"
    )
    problems = load_case(write_case(tmp_path, "empty-case", text)).problems
    assert [(p.line, p.severity) for p in problems if "history is empty" in p.message] == [
        (10, "error")
    ]


def test_only_used_images_count_in_the_version(tmp_path: Path) -> None:
    folder = write_case(tmp_path, "good-case")
    before = load_case(folder).case
    (folder / "images" / "unused.png").write_bytes(PNG)
    after = load_case(folder).case
    assert before is not None and after is not None and before.version == after.version


def test_an_alias_bomb_is_cheap(tmp_path: Path) -> None:
    levels = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for n in range(1, 12):
        levels.append(f"a{n}: &a{n} [" + ", ".join([f"*a{n - 1}"] * 9) + "]")
    text = GOOD.format(id="bomb", status="draft") + "\n".join(levels) + "\n"
    result = load_case(write_case(tmp_path, "bomb", text))  # 9**11 strings if expanded
    assert [p.message for p in result.problems] == [
        "the file holds more than 10,000 values once its aliases (`*name`) are followed"
    ]


def test_todo_lines_stop_a_case_from_counting_as_published(tmp_path: Path) -> None:
    text = GOOD.format(id="todo-case", status="draft").replace("A good case", "TODO write a title")
    folder = write_case(tmp_path, "todo-case", text)
    assert load_case(folder).problems == []
    strict = load_case(folder, as_published=True).problems
    assert [(p.line, p.message) for p in strict] == [(3, "this line still says TODO")]


def test_the_same_case_named_twice_is_one_case(tmp_path: Path) -> None:
    folder = write_case(tmp_path, "good-case")
    library = load_library([folder, folder / "case.yaml", tmp_path])
    assert list(library.cases) == ["good-case"] and library.problems == []


def test_a_huge_case_file_is_refused_without_reading_it(tmp_path: Path) -> None:
    folder = write_case(tmp_path, "huge", "")
    with (folder / "case.yaml").open("wb") as handle:
        handle.truncate(50_000_000)  # sparse: costs no disk
    (problem,) = load_case(folder).problems
    assert "larger than 1 MB" in problem.message


def test_a_stage_holds_at_most_ten_images(tmp_path: Path) -> None:
    many = "".join(f"      - file: images/01.png\n        caption: view {n}\n" for n in range(11))
    text = GOOD.format(id="many", status="published").replace(
        "      - file: images/01.png\n        caption: CT, axial\n", many
    )
    problems = load_case(write_case(tmp_path, "many", text)).problems
    assert any("11 images; a Telegram album holds at most 10" in p.message for p in problems)
