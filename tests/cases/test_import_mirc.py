"""The MIRCdocument importer: two sample documents, image copying, unsafe and broken XML."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.auxil.botapi import tiny_png
from tutorbot.cases.importers import Imported, ImportFailure, import_file
from tutorbot.cases.importers.mirc import parse_mirc
from tutorbot.cases.importers.writer import case_yaml, write_case_folder
from tutorbot.cases.loader import load_case

DATA = Path(__file__).parent / "data"
PNG = tiny_png(1, 1)


def imported(path: Path) -> Imported:
    outcome = import_file(path)
    assert isinstance(outcome, Imported), str(outcome)
    return outcome


def test_osteosarcoma_document(tmp_path: Path) -> None:
    result = imported(DATA / "mirc_osteosarcoma.xml")
    case = result.case
    assert case.title == "Knee pain and swelling in a 14-year-old"
    assert case.source.author == "Dr Helena Rossi"
    assert case.history == (
        "A 14-year-old boy with three months of pain above the left knee, worse at night.",
        "A firm, tender swelling of the distal thigh; no history of injury.",
    )
    (stage,) = case.stages
    assert [i.file for i in stage.images] == ["images/01.png", "images/02.jpg"]
    assert stage.images[0].annotated == "images/01-annotated.png"
    assert stage.images[0].caption == "Radiograph of the left distal femur, frontal view"
    assert stage.images[1].annotated is None
    assert len(stage.findings) == 3 and "Codman triangle" in stage.findings[1]
    assert case.diagnosis.answer == "Conventional osteosarcoma"
    # The Differential Diagnosis section gives the wrong answers, no longer a teaching point.
    assert [w.answer for w in case.diagnosis.wrong] == ["Ewing sarcoma", "Osteomyelitis"]
    assert all(w.feedback.startswith("Considered") for w in case.diagnosis.wrong)
    assert not any("Differential" in point for point in case.teaching_points)
    assert len(case.teaching_points) == 3
    assert result.origins["images/01-annotated.png"] == "femur-ap-arrows.png"
    folder = write_case_folder(tmp_path / case.id, case_yaml(case))
    loaded = load_case(folder)
    assert loaded.errors == [] and loaded.case is not None
    assert loaded.case.stages == case.stages
    missing = [p.message for p in loaded.problems]
    assert len(missing) == 3 and all("does not exist" in m for m in missing)


def test_spondylodiscitis_document_latin1_two_findings_sections() -> None:
    assert b'encoding="ISO-8859-1"' in (DATA / "mirc_spondylodiscitis.xml").read_bytes()
    case = imported(DATA / "mirc_spondylodiscitis.xml").case
    assert case.source.author == "Dr José Alvarez, Dr Mei Lin"
    assert len(case.history) == 3 and "38.6 °C" in case.history[1]
    assert [s.title for s in case.stages] == ["Radiograph Findings", "MRI Findings"]
    assert [len(s.images) for s in case.stages] == [1, 2]
    assert case.stages[1].images[1].file == "images/03.jpg"  # a .dcm to convert
    assert case.stages[1].images[1].caption == "Sagittal T1-weighted MRI after gadolinium"
    assert case.stages[1].images[0].annotated == "images/02-annotated.png"
    assert case.stages[0].findings[0].startswith("Loss of height of the L3-L4 disc")
    assert case.diagnosis.answer == "Pyogenic spondylodiscitis"
    assert case.modality == ("MRI", "radiograph")
    assert len(case.teaching_points) == 2


def test_images_beside_the_document_are_copied(tmp_path: Path) -> None:
    source = tmp_path / "export"
    source.mkdir()
    shutil.copy(DATA / "mirc_osteosarcoma.xml", source / "MIRCdocument.xml")
    (source / "femur-ap.png").write_bytes(PNG)
    (source / "femur-ap-arrows.png").write_bytes(PNG)
    result = imported(source / "MIRCdocument.xml")
    assert set(result.images) == {"images/01.png", "images/01-annotated.png"}
    folder = write_case_folder(
        tmp_path / "out" / result.case.id, case_yaml(result.case), copies=result.images
    )
    assert (folder / "images" / "01.png").read_bytes() == PNG
    problems = load_case(folder).problems
    assert [p.message for p in problems] == ["stage 1: image `images/02.jpg` does not exist"]


def test_image_paths_leaving_the_folder_are_not_copied(tmp_path: Path) -> None:
    (tmp_path / "secret.png").write_bytes(PNG)
    inner = tmp_path / "doc"
    inner.mkdir()
    xml = (
        "<MIRCdocument><title>T</title><image src='../secret.png'/><image src='/etc/hostname'/>"
        "<section heading='Findings'><p>f</p></section><diagnosis>D</diagnosis></MIRCdocument>"
    )
    outcome = parse_mirc(xml.encode(), "doc.xml", base=inner)
    assert isinstance(outcome, Imported)
    assert outcome.images == {}
    assert len(outcome.case.stages[0].images) == 2


@pytest.mark.parametrize(
    ("xml", "words"),
    [
        (
            b'<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY a "aaaa">]><MIRCdocument/>',
            "DTD or entities",
        ),
        (
            b'<!DOCTYPE MIRCdocument SYSTEM "file:///etc/passwd"><MIRCdocument/>',
            "refused for safety",
        ),
        (b"<MIRCdocument><title>T</title>", "cannot be read"),
        (
            b"<html><body>hello</body></html>",
            "expected a <MIRCdocument> root element, found <html>",
        ),
        (b"<MIRCdocument><section heading='Findings'><p>f</p></section></MIRCdocument>", "<title>"),
        (b"<MIRCdocument><title>T</title><image src='a.jpg'/></MIRCdocument>", "Findings"),
        (
            b"<MIRCdocument><title>T</title><section heading='Findings'>f</section><diagnosis>D</diagnosis></MIRCdocument>",
            "<image",
        ),
        (
            b"<MIRCdocument><title>T</title><image src='a.jpg'/><section heading='Findings'>f</section></MIRCdocument>",
            "diagnosis",
        ),
        (b"<MIRCdocument><title>T</title><p>&bogus;</p></MIRCdocument>", "cannot be read"),
        (b'<?xml version="1.0" encoding="no-such-codec"?><MIRCdocument/>', "unknown encoding"),
        (b"", "empty"),
    ],
)
def test_bad_documents(xml: bytes, words: str) -> None:
    outcome = parse_mirc(xml, "doc.xml")
    assert isinstance(outcome, ImportFailure), outcome
    assert words in outcome.message


def test_dtd_refusal_names_the_line() -> None:
    outcome = parse_mirc(b'<?xml version="1.0"?>\n\n<!DOCTYPE x>\n<MIRCdocument/>', "doc.xml")
    assert isinstance(outcome, ImportFailure) and outcome.line == 3


def test_findings_without_images_join_the_next_stage() -> None:
    xml = (
        "<MIRCdocument><title>T</title>"
        "<section heading='Clinical Findings'><p>a</p></section>"
        "<image-section><image src='x.png'><image-caption>X</image-caption></image></image-section>"
        "<section heading='CT Findings'><p>b</p></section>"
        "<section heading='Diagnosis'><p>Extramedullary hematopoiesis (EMH)</p></section>"
        "</MIRCdocument>"
    )
    outcome = parse_mirc(xml.encode(), "doc.xml")
    assert isinstance(outcome, Imported)
    (stage,) = outcome.case.stages
    assert stage.findings == ("a", "b") and stage.title == "CT Findings"
    assert outcome.case.diagnosis.answer == "Extramedullary hematopoiesis"
    assert outcome.case.diagnosis.accepted[0] == "EMH"
