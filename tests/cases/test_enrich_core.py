"""``add_core``: the core concept (``diagnosis.core``, and a required event) written into a
case file as text; ``cases new --diagnosis`` and ``cases enrich`` write it."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tutorbot.cases.authoring import new_case_text
from tutorbot.cases.enrich import EnrichError, add_core, enrich_case
from tutorbot.cases.loader import load_case
from tutorbot.grading.concept import Concept

CONCEPT = Concept(("Artery aneurysm", "SAA"), ("ruptured",))


@pytest.mark.parametrize(
    "before",
    [
        "id: x\ndiagnosis:\n  answer: Ruptured splenic artery aneurysm  # mine\n"
        "  accepted: [Ruptured SAA]\nteaching_points: []\n",
        "diagnosis: Ruptured splenic artery aneurysm\nteaching_points: []",
        "diagnosis:\r\n    answer: >\r\n      Ruptured splenic\r\n      artery aneurysm\r\n",
    ],
)
def test_the_core_and_the_required_event_are_added_and_nothing_else_changes(
    before: str,
) -> None:
    after = add_core(before, CONCEPT)
    data = yaml.safe_load(after)["diagnosis"]
    assert data["core"] == ["Artery aneurysm", "SAA"]
    assert data["required"] == ["ruptured"]
    added = [line for line in after.splitlines() if line not in before.splitlines()]
    assert len(added) == 2 or before.startswith("diagnosis: "), added


def test_a_case_that_says_what_is_required_keeps_it() -> None:
    before = "diagnosis:\n  answer: Ruptured splenic artery aneurysm\n  required: [splenic]\n"
    data = yaml.safe_load(add_core(before, CONCEPT))["diagnosis"]
    assert data["required"] == ["splenic"]
    assert data["core"] == ["Artery aneurysm", "SAA"]


def test_a_file_without_a_diagnosis_is_refused() -> None:
    with pytest.raises(EnrichError):
        add_core("id: x\n", CONCEPT)


def test_cases_new_writes_the_core(tmp_path: Path) -> None:
    text = new_case_text("x", tmp_path / "x", "Left posterior urethral valves")
    data = yaml.safe_load(text)["diagnosis"]
    assert data["core"] == ["Urethral valves"]
    assert "required" not in data


def test_cases_enrich_writes_the_core_of_an_existing_case(tmp_path: Path) -> None:
    source = Path(__file__).parents[2] / "cases" / "osteosarcoma"
    folder = tmp_path / "cases" / "osteosarcoma"
    folder.mkdir(parents=True)
    for item in source.rglob("*"):
        target = folder / item.relative_to(source)
        if item.is_dir():
            target.mkdir(exist_ok=True)
        else:
            target.write_bytes(item.read_bytes())
    case_file = folder / "case.yaml"
    text = case_file.read_text(encoding="utf-8")
    case_file.write_text(
        text.replace("answer: Osteosarcoma", "answer: Telangiectatic osteosarcoma of the femur"),
        encoding="utf-8",
    )
    done = enrich_case("osteosarcoma", tmp_path / "cases")
    assert done.concept is not None
    assert done.concept.core == ("Osteosarcoma", "Osteogenic sarcoma")
    loaded = load_case(case_file).case
    assert loaded is not None and loaded.diagnosis.core == done.concept.core
    # Run again: the case has its core, nothing more to write.
    again = enrich_case("osteosarcoma", tmp_path / "cases")
    assert again.concept is None
