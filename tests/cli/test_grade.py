"""``tutorbot grade``: JSON lines, --explain, stdin, unknown cases, case lexicons."""

from __future__ import annotations

import io
import json
import shutil
import sys
from pathlib import Path

import pytest

from tutorbot.cli import main

CASES = Path(__file__).resolve().parents[2] / "cases"


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_json_lines(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        ["grade", "--cases", str(CASES), "--case", "extradural-hematoma", "EDH", "", "SDH"], capsys
    )
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["verdict"] for r in rows] == ["correct", "wrong", "wrong"]
    assert rows[1]["feedback"] == "Please type a diagnosis."
    assert {"answer", "verdict", "score", "matched", "feedback", "why"} <= set(rows[0])


def test_non_answers_are_marked(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        ["grade", "--cases", str(CASES), "--case", "extradural-hematoma", "dunno", "no idea"],
        capsys,
    )
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert [(r["verdict"], r["non_answer"], r["empty"]) for r in rows] == [
        ("wrong", True, True),
        ("wrong", True, True),
    ]
    assert "hint" in rows[0]["feedback"]
    code, out, _ = run(
        ["grade", "--cases", str(CASES), "--case", "extradural-hematoma", "--explain", "idk"],
        capsys,
    )
    assert "non-answer" in out


def test_stdin_is_decoded_leniently(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    raw = io.TextIOWrapper(io.BytesIO(b"osteosarcoma\n\xff\xfe broken\n"))
    monkeypatch.setattr(sys, "stdin", raw)
    code, out, _ = run(["grade", "--cases", str(CASES), "--case", "osteosarcoma"], capsys)
    assert code == 0
    assert [json.loads(x)["verdict"] for x in out.splitlines()] == ["correct", "wrong"]


def test_explain(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        ["grade", "--case", str(CASES / "tension-pneumothorax"), "--explain", "pneumothorax"],
        capsys,
    )
    assert code == 0
    assert "PARTIAL" in out and "emergency" in out


def test_unknown_case(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["grade", "--cases", str(CASES), "--case", "no-such-case", "x"], capsys)
    assert code == 1 and not out
    assert err.count("\n") == 1 and "no-such-case" in err


def test_case_by_path_uses_its_folders_lexicon(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(CASES / "osteosarcoma", tmp_path / "osteosarcoma")
    (tmp_path / "lexicon.yaml").write_text("synonyms:\n  - [osteosarcoma, os]\n", encoding="utf-8")
    code, out, _ = run(["grade", "--case", str(tmp_path / "osteosarcoma"), "OS"], capsys)
    assert code == 0 and json.loads(out)["verdict"] == "correct"
    (tmp_path / "lexicon.yaml").write_text("synonyms: [\n", encoding="utf-8")
    code, _, err = run(["grade", "--case", str(tmp_path / "osteosarcoma"), "OS"], capsys)
    assert code == 1 and "lexicon.yaml:" in err
