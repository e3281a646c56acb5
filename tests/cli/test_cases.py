"""``tutorbot cases list|show|validate``: what they print and their exit status."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.auxil.case_files import BROKEN, write_case
from tests.auxil.hostile_cases import GOOD_CASES, write_hostile_cases
from tutorbot.cli import main


def test_validate_command_reports_all_problems_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_case(tmp_path, "good-case")
    folder = tmp_path / "broken"
    (folder / "images").mkdir(parents=True)
    (folder / "case.yaml").write_text(BROKEN.format(long="y" * 1100))
    assert main(["cases", "validate", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err.count(str(folder / "case.yaml")) >= 10
    assert "2 cases checked" in err


def test_validate_passes_a_draft_with_warnings_unless_published(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_case(tmp_path, "draft-case", status="draft", images=False)
    assert main(["cases", "validate", str(tmp_path)]) == 0
    assert main(["cases", "validate", "--published", str(tmp_path)]) == 1
    assert "does not exist" in capsys.readouterr().err


def test_validate_a_missing_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cases", "validate", str(tmp_path / "nowhere")]) == 1
    assert "no such file or folder" in capsys.readouterr().err


def test_list_and_show_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_case(tmp_path, "good-case")
    assert main(["cases", "list", "--cases", str(tmp_path)]) == 0
    assert capsys.readouterr().out.split("\t")[:2] == ["good-case", "A good case"]
    assert main(["cases", "show", "good-case", "--json", "--cases", str(tmp_path)]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert {"id", "title", "history", "stages", "diagnosis", "teaching_points"} <= set(shown)
    assert shown["stages"][0]["images"][0]["file"] == "images/01.png"
    assert shown["stages"][0]["findings"] == ["A mass"] and shown["diagnosis"] == "Lung cancer"
    assert main(["cases", "show", "nope", "--cases", str(tmp_path)]) == 1
    assert "no case `nope`" in capsys.readouterr().err


def test_validate_with_no_cases_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cases", "validate", str(tmp_path)]) == 1
    assert "No case folders found" in capsys.readouterr().err


def test_validate_reports_every_hostile_case_with_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cases = tmp_path / "cases"
    broken = write_hostile_cases(cases, tmp_path / "elsewhere")
    assert main(["cases", "validate", str(cases)]) == 1
    err = capsys.readouterr().err
    for name, fragment in broken.items():
        lines = [line for line in err.splitlines() if f"{cases / name / 'case.yaml'}:" in line]
        assert any(fragment in line for line in lines), (name, lines)
        assert all(re.match(rf"{re.escape(str(cases / name))}/case.yaml:\d+: ", x) for x in lines)
    assert f"{len(broken) + len(GOOD_CASES)} cases checked" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("lexicon", "line", "message"),
    [
        ("synonyms:\n  - [a, b\n", 3, "broken YAML"),
        ("synonyms:\n  - [pneumothorax]\n", 2, "needs at least two terms"),
        ("colours:\n  - red\n", 1, "unknown section `colours`"),
        ("synonyms: " + "[" * 200 + "]" * 200 + "\n", 1, "nested more than 32 deep"),
        ("synonyms: &s [*s]\n", 1, "repeats the value it is part of"),
        ("g: &g [" + "a, " * 999 + "a]\nsynonyms: [" + "*g, " * 4_999 + "*g]\n", 1, "10,000"),
    ],
)
def test_validate_checks_the_lexicon_as_play_and_run_read_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], lexicon: str, line: int, message: str
) -> None:
    write_case(tmp_path, "good-case")
    (tmp_path / "lexicon.yaml").write_text(lexicon)
    assert main(["cases", "validate", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert f"{tmp_path / 'lexicon.yaml'}:{line}: " in err and message in err, err
    assert "1 case checked: 1 error" in err


def test_validate_passes_a_good_lexicon(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_case(tmp_path, "good-case")
    (tmp_path / "lexicon.yaml").write_text("synonyms:\n  - [pneumothorax, PTX]\n")
    assert main(["cases", "validate", str(tmp_path)]) == 0
