"""The teaching-file text importer: the seed, varied layouts, failures, round trips."""

from __future__ import annotations

from pathlib import Path

import pytest

from tutorbot.cases.importers import Imported, ImportFailure, import_file
from tutorbot.cases.importers.common import (
    accepted_answers,
    slugify,
    spelling_variants,
    split_abbreviation,
)
from tutorbot.cases.importers.teaching_file import parse_teaching_file
from tutorbot.cases.importers.writer import case_yaml, write_case_folder
from tutorbot.cases.loader import load_case
from tutorbot.cases.model import ID_PATTERN, Case

DATA = Path(__file__).parent / "data"
REPO = Path(__file__).resolve().parents[2]
SEED = REPO.parent / "shared" / "seeds" / "000_8eb4eb830ed19b4f.txt"

GOOD_TEXTS = [
    "tension_pneumothorax_crlf.txt",
    "appendicitis_ultrasound_numbered.txt",
    "pres_mri_abbreviation.txt",
    "osteoid_osteoma_bone_window.txt",
    "subdural_bom_british.txt",
    "epiploic_inline_findings.txt",
]


def imported(path: Path) -> Imported:
    outcome = import_file(path)
    assert isinstance(outcome, Imported), str(outcome)
    return outcome


def round_trip(case: Case, tmp_path: Path) -> Case:
    """Write the case and load it back: it must load with no errors."""
    folder = write_case_folder(tmp_path / case.id, case_yaml(case, ["header"]))
    result = load_case(folder)
    assert result.errors == [], [str(p) for p in result.errors]
    assert result.case is not None
    return result.case


@pytest.mark.skipif(not SEED.exists(), reason="the shared seed is not beside the repository")
def test_the_seed(tmp_path: Path) -> None:
    case = imported(SEED).case
    assert case.title == "Extramedullary hematopoiesis"
    assert case.id == "extramedullary-hematopoiesis"
    assert case.status == "draft"
    assert len(case.history) == 6
    assert case.history[0] == "A 38 years old with underlying thalassemia major"
    assert [(len(s.images), len(s.findings)) for s in case.stages] == [(1, 4), (2, 4)]
    assert case.stages[0].images[0].caption == "Chest radiograph in frontal view"
    assert case.stages[1].images[1].caption.startswith("CT scan of abdomen in coronal plane")
    assert [i.file for s in case.stages for i in s.images] == [
        "images/01.jpg",
        "images/02.jpg",
        "images/03.jpg",
    ]
    assert all(i.annotated is None for s in case.stages for i in s.images)
    assert case.stages[1].findings[-1] == "Liver and spleen are enlarged."
    assert case.diagnosis.answer == "Extramedullary hematopoiesis"
    assert "Extramedullary haematopoiesis" in case.diagnosis.accepted
    assert "Extramedullary haemopoiesis" in case.diagnosis.accepted
    assert "EMH" in case.diagnosis.accepted  # from the grading lexicon
    assert len(case.teaching_points) == 7
    assert case.teaching_points[-1] == "Diffuse hepatosplenomegaly is also a common finding."
    assert case.source.contributor == "Dr Radhiana Hassan"
    assert case.source.author == "radhianahassan"
    assert case.modality == ("radiograph", "CT")
    loaded = round_trip(case, tmp_path)
    assert loaded.history == case.history and loaded.stages == case.stages
    assert loaded.diagnosis == case.diagnosis and loaded.teaching_points == case.teaching_points


@pytest.mark.parametrize("name", GOOD_TEXTS)
def test_every_layout_round_trips(name: str, tmp_path: Path) -> None:
    case = imported(DATA / name).case
    assert ID_PATTERN.match(case.id)
    assert case.history and case.stages and case.teaching_points
    assert all(stage.images and stage.findings for stage in case.stages)
    loaded = round_trip(case, tmp_path)
    assert (loaded.title, loaded.history, loaded.stages) == (case.title, case.history, case.stages)
    assert loaded.diagnosis == case.diagnosis
    assert loaded.teaching_points == case.teaching_points
    assert loaded.source == case.source


def test_crlf_dash_bullets_and_history_heading() -> None:
    assert b"\r\n" in (DATA / "tension_pneumothorax_crlf.txt").read_bytes()
    case = imported(DATA / "tension_pneumothorax_crlf.txt").case
    assert case.title == "Tension pneumothorax"
    assert case.history[0] == "A 24-year-old man after a stab wound to the right chest"
    assert len(case.history) == 3
    assert case.stages[0].title == "Chest X-ray"
    assert len(case.stages[0].findings) == 3
    assert case.source.contributor == "Dr Amina Okafor"
    assert len(case.teaching_points) == 3
    assert not any("\r" in text for text in (*case.history, *case.teaching_points))


def test_numbered_bullets_ultrasound_and_no_contributor() -> None:
    result = imported(DATA / "appendicitis_ultrasound_numbered.txt")
    case = result.case
    assert case.history[0].startswith("A 15-year-old girl")
    assert len(case.history) == 4
    assert case.stages[0].title == "Ultrasound"
    assert [i.caption for i in case.stages[0].images] == [
        "Ultrasound of the right iliac fossa, transverse, graded compression",
        "Ultrasound of the right iliac fossa, longitudinal, colour Doppler",
    ]
    assert case.stages[0].findings[1] == "Outer diameter 9 mm"
    assert case.diagnosis.answer == "Acute appendicitis"
    assert case.source.contributor == ""
    assert case.source.author == "sonographer-teaching"
    assert any("contributor" in note for note in result.notes)
    assert case.modality == ("ultrasound",)


def test_mri_parenthesised_numbers_abbreviation_blank_lines_no_author() -> None:
    case = imported(DATA / "pres_mri_abbreviation.txt").case
    assert case.source.contributor == "Dr Lars Nyström"
    assert case.source.author == ""
    assert len(case.history) == 4
    assert case.stages[0].title == "MRI"
    assert len(case.stages[0].images) == 2
    assert case.stages[0].findings[2] == "No haemorrhage and no mass effect"
    assert case.diagnosis.answer == "Posterior reversible encephalopathy syndrome"
    assert case.diagnosis.accepted[0] == "PRES"
    assert len(case.teaching_points) == 3


def test_bone_window_two_stages_and_trailing_period() -> None:
    case = imported(DATA / "osteoid_osteoma_bone_window.txt").case
    assert case.id == "night-pain-in-a-teenagers-tibia"
    assert [s.title for s in case.stages] == ["Radiograph", "Bone window"]
    assert [len(s.images) for s in case.stages] == [1, 2]
    assert case.stages[1].images[0].file == "images/02.jpg"
    assert case.diagnosis.answer == "Osteoid osteoma"
    assert case.modality == ("radiograph", "CT")


def test_bom_and_british_spelling_gives_american_variant() -> None:
    assert (DATA / "subdural_bom_british.txt").read_bytes().startswith(b"\xef\xbb\xbf")
    case = imported(DATA / "subdural_bom_british.txt").case
    assert case.title == "An elderly man who fell at home"
    assert case.diagnosis.answer == "Acute subdural haematoma"
    assert case.diagnosis.accepted == ("SDH", "Acute subdural hematoma")


def test_inline_and_sentence_findings_and_references_ignored() -> None:
    case = imported(DATA / "epiploic_inline_findings.txt").case
    assert case.title == "Sudden left lower abdominal pain in a well man"
    assert (
        case.stages[0].findings[0]
        == "An oval fat-density lesion of 2 cm abutting the sigmoid colon."
    )
    assert len(case.stages[0].findings) == 3
    assert len(case.teaching_points) == 3
    assert not any("textbooks" in point for point in case.teaching_points)


# -- failures: one clear message naming the line --------------------------------------------


@pytest.mark.parametrize(
    ("name", "line", "words"),
    [
        ("missing_diagnosis.txt", 6, "expected a 'Diagnosis:' line after the findings"),
        ("empty_diagnosis.txt", 6, "expected a diagnosis after 'Diagnosis:'"),
        ("duplicate_diagnosis.txt", 8, "second 'Diagnosis:' line (the first is on line 6)"),
        ("other_layout.txt", 3, "supported layout"),
        ("empty.txt", 0, "the file is empty"),
        ("binary.png.txt", 3, "binary file"),
    ],
)
def test_failures_name_the_line(name: str, line: int, words: str) -> None:
    outcome = import_file(DATA / name)
    assert isinstance(outcome, ImportFailure)
    assert outcome.line == line
    assert words in outcome.message
    assert str(outcome).startswith(f"line {line}: " if line else words[:5])


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("   \n\n\t\n", 0, "empty"),
        ("• a bullet first\n", 1, "expected the case title"),
        ("Diagnosis: X\n", 1, "expected the case title"),
        (
            "T\n- h\nCaption\n- a finding\n",
            4,
            "expected a '… findings:' heading after the image caption on line 3",
        ),
        (
            "T\n- h\nCT findings:\n- f\nDiagnosis: X\n",
            3,
            "expected an image caption line before 'CT findings:'",
        ),
        (
            "T\n- h\nCap\nCT findings:\nDiagnosis: X\n",
            5,
            "expected finding bullets after 'CT findings:' (line 4)",
        ),
        (
            "T\n- h\nCap\nCT findings:\n- f\nCT findings:\n- g\nDiagnosis: X\n",
            6,
            "found 'CT findings:' twice for the same images",
        ),
        (
            "T\n- h\nCap\nCT findings:\n- f\nDiagnosis: X\nMRI findings:\n",
            7,
            "after the 'Diagnosis:' line",
        ),
        ("T\nCase contribution: A\nCase contributed by B\n", 3, "second contributor line"),
        (
            "T\n- h\nCap\nF findings:\n- f\nDiagnosis: X\nAuthor: a\nAuthor: b\n",
            8,
            "second 'Author:'",
        ),
        ("T\nHistory:\n- a\nHistory:\n", 4, "second 'History:' heading"),
        ("T\n- h\nDiagnosis: X\n", 3, "before the 'Diagnosis:' line"),
        ("T\n- h\nCap\nF findings:\n- f\nDiagnosis: ...\n", 6, "found nothing"),
        (
            "T\n- h\n" + "x" * 2000 + "\nF findings:\n- f\nDiagnosis: X\n",
            3,
            "at most 1024 characters",
        ),
        ("x" * 300 + "\n", 1, "short case title"),
    ],
)
def test_layout_failures(text: str, line: int, words: str) -> None:
    outcome = parse_teaching_file(text, "t.txt")
    assert isinstance(outcome, ImportFailure), outcome
    assert (outcome.line, outcome.source) == (line, "t.txt")
    assert words in outcome.message


def test_missing_pieces_are_notes_not_failures() -> None:
    outcome = parse_teaching_file("Title\nCap\nCT findings:\n- f\nDiagnosis: X\n", "t.txt")
    assert isinstance(outcome, Imported)
    assert outcome.case.history == () and outcome.case.teaching_points == ()
    assert any("history" in n for n in outcome.notes)
    assert any("teaching points" in n for n in outcome.notes)


def test_findings_heading_variants() -> None:
    for heading in (
        "MRI findings:",
        "Ultrasound findings:",
        "Bone window findings:",
        "Findings:",
        "CT FINDINGS :",
    ):
        outcome = parse_teaching_file(f"T\n- h\nCap\n{heading}\n* f\nDiagnosis: X\n- p\n", "t")
        assert isinstance(outcome, Imported), (heading, outcome)
        assert outcome.case.stages[0].findings == ("f",)


def test_too_large_file_is_refused_without_reading(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    with big.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)  # sparse: 50 MB of nothing
    outcome = import_file(big)
    assert isinstance(outcome, ImportFailure)
    assert "52,428,800 bytes" in outcome.message and "refused" in outcome.message


def test_missing_file_and_folder(tmp_path: Path) -> None:
    missing = import_file(tmp_path / "nope.txt")
    assert isinstance(missing, ImportFailure) and "cannot read" in missing.message
    folder = import_file(tmp_path)
    assert isinstance(folder, ImportFailure) and "folder" in folder.message


def test_windows_1252_text(tmp_path: Path) -> None:
    path = tmp_path / "cp1252.txt"
    path.write_bytes(
        "Caf\u00e9 case\n- h\nCap\nCT findings:\n- f \u2013 g\nDiagnosis: X\n".encode("cp1252")
    )
    outcome = import_file(path)
    assert isinstance(outcome, Imported)
    assert outcome.case.title == "Café case" and outcome.case.stages[0].findings == ("f – g",)


def test_utf16_text(tmp_path: Path) -> None:
    path = tmp_path / "utf16.txt"
    path.write_bytes("T\r\n- h\r\nCap\r\nCT findings:\r\n- f\r\nDiagnosis: X\r\n".encode("utf-16"))
    outcome = import_file(path)
    assert isinstance(outcome, Imported) and outcome.case.diagnosis.answer == "X"


# -- answers and ids ------------------------------------------------------------------------


def test_spelling_variants() -> None:
    assert set(spelling_variants("Extramedullary hematopoiesis")) == {
        "Extramedullary hemopoiesis",
        "Extramedullary haematopoiesis",
        "Extramedullary haemopoiesis",
    }
    assert spelling_variants("Giant cell tumour") == ["Giant cell tumor"]
    assert spelling_variants("Pulmonary oedema") == ["Pulmonary edema"]
    assert "Sickle cell anaemia" in spelling_variants("Sickle cell anemia")
    assert spelling_variants("Hemiplegic migraine") == []
    assert spelling_variants("Osteosarcoma") == []


def test_abbreviations_in_parentheses() -> None:
    assert split_abbreviation("Extramedullary hematopoiesis (EMH)") == (
        "Extramedullary hematopoiesis",
        ["EMH"],
    )
    assert split_abbreviation("EMH (extramedullary hematopoiesis)") == (
        "extramedullary hematopoiesis",
        ["EMH"],
    )
    assert split_abbreviation("Osteosarcoma (telangiectatic type)") == (
        "Osteosarcoma (telangiectatic type)",
        [],
    )
    outcome = parse_teaching_file(
        "T\n- h\nCap\nCT findings:\n- f\nDiagnosis: Extramedullary hematopoiesis (EMH)\n"
    )
    assert isinstance(outcome, Imported)
    assert outcome.case.diagnosis.answer == "Extramedullary hematopoiesis"
    assert outcome.case.diagnosis.accepted[0] == "EMH"


def test_slugs() -> None:
    assert slugify("Extramedullary hematopoiesis") == "extramedullary-hematopoiesis"
    assert slugify("Ewing’s sarcoma — café au lait?") == "ewings-sarcoma-cafe-au-lait"
    long = slugify("word " * 30)
    assert len(long) <= 48 and ID_PATTERN.match(long) and not long.endswith("-")
    assert ID_PATTERN.match(slugify("肺炎"))
    assert slugify("肺炎") != slugify("骨折")
    assert ID_PATTERN.match(slugify("x" * 100))


def test_a_second_findings_block_for_the_same_images_joins_their_stage() -> None:
    text = (
        "Knee pain\n- 15-year-old\nRadiograph of the knee\nCT findings:\n- A lytic lesion\n"
        "Bone window findings:\n- Periosteal reaction\nDiagnosis: Osteosarcoma\n- A point\n"
    )
    outcome = parse_teaching_file(text, "knee.txt")
    assert isinstance(outcome, Imported), outcome
    (stage,) = outcome.case.stages
    assert stage.findings == ("A lytic lesion", "Bone window: Periosteal reaction")


def test_lettered_bullets_and_a_numbered_title() -> None:
    text = (
        "Case 31: Vomiting in an infant\nHistory:\na) 5 weeks old\n(b) Projectile vomiting\n"
        "Ultrasound of the pylorus\nUltrasound findings:\na) Thick muscle\nb) Long channel\n"
        "Diagnosis: Pyloric stenosis\na) A point\n"
    )
    outcome = parse_teaching_file(text, "t.txt")
    assert isinstance(outcome, Imported), outcome
    case = outcome.case
    assert case.title == "Vomiting in an infant" and case.id == "vomiting-in-an-infant"
    assert case.history == ("5 weeks old", "Projectile vomiting")
    assert [len(s.images) for s in case.stages] == [1]
    assert case.stages[0].findings == ("Thick muscle", "Long channel")
    assert case.teaching_points == ("A point",)


@pytest.mark.parametrize(
    ("line", "title"),
    [
        ("Case 12: Knee pain", "Knee pain"),
        ("CASE #3 - Knee pain", "Knee pain"),
        ("Case no. 7. Knee pain", "Knee pain"),
        ("Case 4 – Knee pain", "Knee pain"),
        ("Case 12", "Case 12"),  # nothing after the number: kept
        ("Case 12:", "Case 12:"),
        ("Case 12-year-old with knee pain", "Case 12-year-old with knee pain"),
        ("Case: Knee pain", "Knee pain"),
    ],
)
def test_case_numbering_is_not_part_of_the_title(line: str, title: str) -> None:
    outcome = parse_teaching_file(f"{line}\n- h\nCap\nCT findings:\n- f\nDiagnosis: X\n", "t")
    assert isinstance(outcome, Imported), outcome
    assert outcome.case.title == title


def test_findings_heading_without_its_colon_when_bullets_follow() -> None:
    text = (
        "T\n- h\nFigure 1: AP radiograph\nRadiograph findings\n- cortical thickening\n"
        "Figure 2: Axial CT\nCT findings\n- nidus\nBone window findings\n- sclerosis\n"
        "Diagnosis: Osteoid osteoma\n"
    )
    outcome = parse_teaching_file(text, "t")
    assert isinstance(outcome, Imported), outcome
    stages = outcome.case.stages
    assert [(s.title, len(s.images), s.findings) for s in stages] == [
        ("Radiograph", 1, ("cortical thickening",)),
        ("CT", 1, ("nidus", "Bone window: sclerosis")),
    ]
    # Not followed by bullets, such a line is a caption as before.
    text = "T\n- h\nNormal findings\nCT findings:\n- f\nDiagnosis: X\n"
    outcome = parse_teaching_file(text, "t")
    assert isinstance(outcome, Imported), outcome
    assert outcome.case.stages[0].images[0].caption == "Normal findings"


def test_wrapped_bullets_continue_on_indented_lines() -> None:
    text = (
        "T\n"
        "History:\n"
        "  • A woman with painless\n"
        "    haematuria\n"
        "Ultrasound of the kidney\n"  # not indented: a caption, not a continuation
        "Ultrasound findings:\n"
        "\t1.\tA bright lesion,\n"
        "\t\tas bright as sinus fat\n"
        "\t2.\tNo shadowing\n"
        "    Diagnosis: Angiomyolipoma\n"  # a labelled line is never a continuation
        "• Fat in a renal lesion is\n"
        "  almost diagnostic.\n"
        "\n"
        "  Author: x\n"
    )
    outcome = parse_teaching_file(text, "t")
    assert isinstance(outcome, Imported), outcome
    case = outcome.case
    assert case.history == ("A woman with painless haematuria",)
    assert case.stages[0].images[0].caption == "Ultrasound of the kidney"
    assert case.stages[0].findings == ("A bright lesion, as bright as sinus fat", "No shadowing")
    assert case.diagnosis.answer == "Angiomyolipoma"
    assert case.teaching_points == ("Fat in a renal lesion is almost diagnostic.",)
    assert case.source.author == "x"


def test_an_abbreviation_inside_the_diagnosis() -> None:
    assert split_abbreviation("Complete anterior cruciate ligament (ACL) tear") == (
        "Complete anterior cruciate ligament tear",
        ["Complete ACL tear"],
    )
    assert split_abbreviation("Acute on chronic subdural haematoma (SDH) with shift") == (
        "Acute on chronic subdural haematoma with shift",
        ["Acute on chronic SDH with shift"],
    )
    assert split_abbreviation("Tetralogy of Fallot (TOF) repair") == (
        "Tetralogy of Fallot repair",
        ["TOF repair"],
    )
    assert split_abbreviation("Non-Hodgkin lymphoma (NHL) relapse")[1] == ["NHL relapse"]
    # Initials that do not match: left as written.
    assert split_abbreviation("Fracture of the radius (AO) type") == (
        "Fracture of the radius (AO) type",
        [],
    )


def test_the_diagnosis_without_its_parentheses_is_accepted() -> None:
    answer, accepted, notes = accepted_answers("Left vestibular schwannoma (acoustic neuroma)")
    assert answer == "Left vestibular schwannoma (acoustic neuroma)"
    assert accepted == ["Left vestibular schwannoma"]
    assert any("another name" in n for n in notes)
    answer, accepted, _ = accepted_answers("Osteosarcoma (telangiectatic type)")
    assert "Osteosarcoma" in accepted and "osteogenic sarcoma" in [a.lower() for a in accepted]
    answer, accepted, _ = accepted_answers("Extradural haematoma (EDH)")
    assert answer == "Extradural haematoma" and accepted[:2] == ["EDH", "Extradural hematoma"]


def test_a_history_heading_without_its_colon() -> None:
    text = (
        "Knee pain\nClinical History\n- 15-year-old\nRadiograph of the knee\n"
        "Radiograph findings:\n- A lytic lesion\nDiagnosis: Osteosarcoma\n"
    )
    outcome = parse_teaching_file(text, "knee.txt")
    assert isinstance(outcome, Imported), outcome
    assert outcome.case.history == ("15-year-old",)
    assert len(outcome.case.stages[0].images) == 1
