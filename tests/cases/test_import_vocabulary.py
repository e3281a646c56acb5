"""Issue 10 in the importer: abbreviations the text defines, the differential diagnosis as
wrong answers with feedback, and the vocabulary's names written into the case file, each
marked with its source."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tutorbot.cases.importers import Imported, ImportFailure
from tutorbot.cases.importers.differentials import PLAIN_FEEDBACK, differentials
from tutorbot.cases.importers.teaching_file import parse_teaching_file
from tutorbot.cases.loader import load_case
from tutorbot.cli import main

HEAD = """Hip click in a newborn
Case contributed by Dr A. Author
  • A 3-week-old girl, breech delivery
  • Asymmetric skin folds
Coronal ultrasound of the left hip
Ultrasound findings:
  • Alpha angle 43 degrees
  • The femoral head is displaced laterally
"""


def parse(text: str) -> Imported:
    outcome = parse_teaching_file(text, "hip.txt")
    assert isinstance(outcome, Imported), str(outcome)
    return outcome


# -- abbreviations the text defines ---------------------------------------------------


def test_an_abbreviation_defined_in_the_discussion_is_accepted() -> None:
    case = parse(
        HEAD + "Diagnosis: Developmental dysplasia of the hip\n"
        "  • Developmental dysplasia of the hip (DDH) is commoner in girls and after breech.\n"
    ).case
    assert case.diagnosis.answer == "Developmental dysplasia of the hip"
    assert "DDH" in case.diagnosis.accepted


def test_the_definition_may_come_first_and_the_diagnosis_may_carry_a_side() -> None:
    case = parse(
        HEAD.replace(
            "Asymmetric skin folds", "Screening for DDH (developmental dysplasia of the hip)"
        )
        + "Diagnosis: Left developmental dysplasia of the hip\n  • Treat early.\n"
    ).case
    assert "Left DDH" in case.diagnosis.accepted


def test_an_abbreviation_of_something_else_is_not_accepted() -> None:
    case = parse(
        HEAD + "Diagnosis: Developmental dysplasia of the hip\n"
        "  • Magnetic resonance imaging (MRI) is rarely needed; computed tomography (CT) never.\n"
        "  • Dysplasia (DH) in adults\n"
    ).case
    assert not {"MRI", "CT", "DH"} & set(case.diagnosis.accepted)


# -- the differential diagnosis --------------------------------------------------------


def test_a_bulleted_differential_after_the_diagnosis_gives_wrong_answers() -> None:
    imported = parse(
        HEAD + "Diagnosis: Developmental dysplasia of the hip (DDH)\n"
        "Differential diagnosis:\n"
        "  • Septic arthritis – the infant would be unwell, with an effusion\n"
        "  • Proximal femoral focal deficiency: a short femur\n"
        "  • Neuromuscular hip dislocation\n"
        "Discussion:\n"
        "  • Screen breech babies.\n"
    )
    spec = imported.case.diagnosis
    assert [(w.answer, w.feedback) for w in spec.wrong] == [
        ("Septic arthritis", "Considered, but the infant would be unwell, with an effusion."),
        ("Proximal femoral focal deficiency", "Considered, but a short femur."),
        ("Neuromuscular hip dislocation", PLAIN_FEEDBACK),
    ]
    assert imported.case.teaching_points == ("Screen breech babies.",)
    assert any("gave wrong answers" in note for note in imported.notes)


def test_an_inline_differential_before_the_diagnosis() -> None:
    case = parse(
        HEAD + "Differential diagnosis: septic arthritis, Perthes disease; transient synovitis.\n"
        "Diagnosis: Developmental dysplasia of the hip\n"
        "  • Screen breech babies.\n"
    ).case
    assert [w.answer for w in case.diagnosis.wrong] == [
        "septic arthritis",
        "Perthes disease",
        "transient synovitis",
    ]
    assert case.teaching_points == ("Screen breech babies.",)


def test_a_differential_bullet_inside_the_discussion() -> None:
    case = parse(
        HEAD + "Diagnosis: Developmental dysplasia of the hip\n"
        "  • Screen breech babies.\n"
        "  • DDx: septic arthritis or neuromuscular dislocation\n"
    ).case
    assert [w.answer for w in case.diagnosis.wrong] == [
        "septic arthritis",
        "neuromuscular dislocation",
    ]
    assert case.teaching_points == ("Screen breech babies.",)


def test_the_diagnosis_and_its_broader_or_narrower_forms_are_never_wrong() -> None:
    found = differentials(
        [
            "Tension pneumothorax",
            "Pneumothorax",
            "Right tension pneumothorax",
            "PTX",
            "Haemothorax (LCH)",
            "Large bulla: a thin wall is visible",
            "Skin fold - the line extends beyond the chest wall and lung markings cross it",
        ],
        ["Left tension pneumothorax", "Tension PTX"],
    )
    assert [w.answer for w in found.wrong] == ["Haemothorax", "LCH", "Large bulla", "Skin fold"]
    assert found.wrong[3].feedback == (
        "Considered, but the line extends beyond the chest wall and lung markings cross it."
    )
    kept_out = ("Tension pneumothorax", "Pneumothorax", "Right tension pneumothorax", "PTX")
    assert found.kept_out == kept_out
    assert found.teaching == ("Differential diagnosis: " + "; ".join(kept_out),)


def test_a_sentence_in_the_differential_stays_a_teaching_point() -> None:
    found = differentials(
        ["Lymphoma would usually encase the vessels rather than displace them"], ["EMH"]
    )
    assert found.wrong == ()
    assert found.teaching == (
        "Lymphoma would usually encase the vessels rather than displace them",
    )


def test_a_second_differential_heading_is_an_error() -> None:
    outcome = parse_teaching_file(
        HEAD + "Differential diagnosis: septic arthritis\nDiagnosis: DDH\nDDx:\n  • Perthes\n",
        "hip.txt",
    )
    assert isinstance(outcome, ImportFailure)
    assert outcome.line == 11 and "second differential" in outcome.message


def test_findings_after_the_differential_are_an_error() -> None:
    outcome = parse_teaching_file(
        HEAD + "Differential diagnosis: septic arthritis\nMRI findings:\n  • x\nDiagnosis: DDH\n",
        "hip.txt",
    )
    assert isinstance(outcome, ImportFailure)
    assert "after the differential diagnosis" in outcome.message


# -- the vocabulary, written into the file ----------------------------------------------


def import_text(tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str) -> Path:
    """Import ``text`` as a teaching file with the real CLI; the case folder written."""
    source = tmp_path / "teaching-file.txt"
    source.write_text(text, encoding="utf-8")
    out = tmp_path / "cases"
    assert main(["cases", "import", str(source), "--out", str(out), "--cases", str(out)]) == 0
    return Path(capsys.readouterr().out.strip())


def test_import_writes_the_vocabularys_names_marked_with_their_source(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = import_text(
        tmp_path,
        capsys,
        "Haematuria in a smoker\n  • A 61-year-old with painless haematuria\n"
        "Contrast-enhanced CT of the abdomen\nCT findings:\n  • An enhancing renal mass\n"
        "Diagnosis: Renal cell carcinoma\n"
        "Differential diagnosis:\n  • Oncocytoma – a central scar, but it cannot be told apart\n"
        "Discussion:\n  • Clear cell is the commonest type.\n",
    )
    text = (folder / "case.yaml").read_text(encoding="utf-8")
    assert "    - Hypernephroma  # vocabulary: HP:0005584, MeSH:D002292\n" in text
    assert (
        len([line for line in text.splitlines() if "- " in line and "# vocabulary:" in line]) == 1
    )
    assert "`# vocabulary: ...` come from MeSH, HPO or" in text  # the header says what it is
    case = load_case(folder).case
    assert case is not None
    assert case.diagnosis.accepted[-1] == "Hypernephroma"
    assert [w.answer for w in case.diagnosis.wrong] == ["Oncocytoma"]
    assert yaml.safe_load(text)["diagnosis"]["accepted"] == list(case.diagnosis.accepted)


def test_a_name_the_differential_makes_wrong_is_not_also_accepted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = import_text(
        tmp_path,
        capsys,
        "Abdominal mass in a child\n  • A 3-year-old with a flank mass\n"
        "Axial CT of the abdomen\nCT findings:\n  • A large renal mass with a claw sign\n"
        "Diagnosis: Wilms tumour\n"
        "Differential diagnosis:\n  • Neuroblastoma\n  • Nephroblastoma\n",
    )
    case = load_case(folder).case
    assert case is not None
    assert [w.answer for w in case.diagnosis.wrong] == ["Neuroblastoma"]
    # Nephroblastoma is the diagnosis by another name (the vocabulary knows it): it is
    # accepted, marked with its source, and kept out of the wrong answers.
    assert "nephroblastoma" in {a.casefold() for a in case.diagnosis.accepted}
    assert "Differential diagnosis: Nephroblastoma" in case.teaching_points
