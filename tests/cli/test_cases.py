"""``tutorbot cases list|show|validate``: what they print and their exit status."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.auxil.case_files import BROKEN, write_case
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
