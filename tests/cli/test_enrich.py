"""``tutorbot cases enrich``, ``cases new --diagnosis`` and the vocabulary note of
``cases validate``, end to end through ``tutorbot.cli.main`` on real case folders."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from tutorbot.cases.loader import load_case
from tutorbot.cli import main

REPO = Path(__file__).resolve().parents[2]
BUNDLED = REPO / "cases"


def run(capsys: pytest.CaptureFixture[str], *argv: str | Path) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def cases(tmp_path: Path) -> Path:
    """A copy of the bundled cases to edit, the osteosarcoma case without the other name
    the vocabulary knows for it."""
    folder = tmp_path / "cases"
    shutil.copytree(BUNDLED, folder)
    case_file = folder / "osteosarcoma" / "case.yaml"
    text = case_file.read_text(encoding="utf-8")
    assert "    - Osteogenic sarcoma\n" in text
    case_file.write_text(text.replace("    - Osteogenic sarcoma\n", "", 1), encoding="utf-8")
    return folder


def test_validate_notes_the_names_a_case_lacks_without_failing(
    cases: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "cases", "validate", "--cases", cases, cases)
    assert code == 0
    assert "osteosarcoma/case.yaml: note: the vocabulary knows other names" in err
    assert "Osteogenic sarcoma (HP:0002669, MeSH:D012516)" in err
    assert "tutorbot cases enrich osteosarcoma" in err
    assert err.count("note:") == 1  # the bundled cases lack nothing else
    assert "0 errors, 0 warnings" in err  # a note is neither


def test_enrich_adds_only_the_marked_lines(cases: Path, capsys: pytest.CaptureFixture[str]) -> None:
    case_file = cases / "osteosarcoma" / "case.yaml"
    before = case_file.read_text(encoding="utf-8")
    version = load_case(case_file).case
    assert version is not None
    code, out, err = run(capsys, "cases", "enrich", "--cases", cases, "osteosarcoma")
    assert code == 0
    assert out.strip() == str(case_file)
    expected = "added 1 accepted answer: Osteogenic sarcoma (HP:0002669, MeSH:D012516); review it"
    assert expected in err
    after = case_file.read_text(encoding="utf-8")
    added = [line for line in after.splitlines() if line not in before.splitlines()]
    assert added == ["    - Osteogenic sarcoma  # vocabulary: HP:0002669, MeSH:D012516"]
    assert [line for line in after.splitlines() if line not in added] == before.splitlines()
    enriched = load_case(case_file).case
    assert enriched is not None
    assert enriched.diagnosis.accepted == (*version.diagnosis.accepted, "Osteogenic sarcoma")
    assert enriched.version != version.version  # verdicts change only with the case version
    # Nothing left to add: a second run changes nothing, and validate no longer notes it.
    code, out, err = run(capsys, "cases", "enrich", "--cases", cases, str(case_file.parent))
    assert (code, out) == (0, "") and "knows no name it lacks" in err
    assert case_file.read_text(encoding="utf-8") == after
    _, _, err = run(capsys, "cases", "validate", "--cases", cases, case_file.parent)
    assert "note:" not in err


def test_enrich_leaves_a_name_the_author_made_wrong(
    cases: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case_file = cases / "osteosarcoma" / "case.yaml"
    text = case_file.read_text(encoding="utf-8")
    assert "  wrong:\n" in text
    case_file.write_text(
        text.replace(
            "  wrong:\n",
            "  wrong:\n    - answer: osteogenic sarcomas\n      feedback: Not here.\n",
            1,
        ),
        encoding="utf-8",
    )
    edited = case_file.read_text(encoding="utf-8")
    code, out, err = run(capsys, "cases", "enrich", "--cases", cases, "osteosarcoma")
    assert (code, out) == (0, "") and "knows no name it lacks" in err
    assert case_file.read_text(encoding="utf-8") == edited


def test_enrich_a_case_that_does_not_load_or_does_not_exist(
    cases: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case_file = cases / "tension-pneumothorax" / "case.yaml"
    case_file.write_text("format: 1\nid: tension-pneumothorax\n", encoding="utf-8")
    code, out, err = run(
        capsys, "cases", "enrich", "--cases", cases, "tension-pneumothorax", "no-such-case"
    )
    assert code == 1 and out == ""
    assert "tension-pneumothorax/case.yaml: not changed: the case does not load" in err
    assert "no-such-case: no case `no-such-case`" in err
    assert case_file.read_text(encoding="utf-8") == "format: 1\nid: tension-pneumothorax\n"


def test_new_with_a_diagnosis_fills_the_answer_and_marks_the_vocabularys_names(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "cases"
    code, printed, _ = run(
        capsys, "cases", "new", "rcc", "--diagnosis", "Renal cell carcinoma (RCC)", "--out", out
    )
    assert code == 0 and printed.strip() == str(out / "rcc")
    text = (out / "rcc" / "case.yaml").read_text(encoding="utf-8")
    assert "  answer: Renal cell carcinoma\n" in text
    assert "    - RCC\n" in text
    assert "    - Hypernephroma  # vocabulary: HP:0005584, MeSH:D002292\n" in text
    assert "# other ways to write it" in text  # the template's comment stays
    data = yaml.safe_load(text)
    assert data["diagnosis"]["accepted"][0] == "RCC"
    result = load_case(out / "rcc")
    assert result.errors == [] and result.case is not None
    assert "Hypernephroma" in result.case.diagnosis.accepted


def test_new_without_a_diagnosis_is_the_template(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, _ = run(capsys, "cases", "new", "blank", "--out", tmp_path)
    assert code == 0
    text = (tmp_path / "blank" / "case.yaml").read_text(encoding="utf-8")
    assert 'answer: "TODO: the diagnosis"' in text and "# vocabulary" not in text
