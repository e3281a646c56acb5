"""The importer writes the diagnosis's core concept (``diagnosis.core``) and an event
it names as required, and an abbreviation keeps the diagnosis's other words."""

from __future__ import annotations

from tutorbot.cases.importers.common import accepted_answers, diagnosis_concept, split_abbreviation


def test_an_abbreviation_of_part_of_the_line_keeps_the_other_words() -> None:
    line = "Ruptured splenic artery aneurysm (SAA)"
    assert split_abbreviation(line) == ("Ruptured splenic artery aneurysm", ["Ruptured SAA"])
    # Only a side or a timing before it: the abbreviation alone, as before.
    assert split_abbreviation("Acute subdural haematoma (SDH)") == (
        "Acute subdural haematoma",
        ["SDH"],
    )


def test_the_core_and_a_required_event_are_proposed_with_a_note() -> None:
    line = "Ruptured splenic artery aneurysm (SAA)"
    answer, accepted, _ = accepted_answers(line)
    concept, notes = diagnosis_concept(line)
    assert answer == "Ruptured splenic artery aneurysm"
    assert "Ruptured SAA" in accepted
    assert concept is not None
    assert concept.core == ("Artery aneurysm", "SAA")
    assert concept.required == ("ruptured",)
    assert any("diagnosis.core" in n for n in notes)
    assert any("diagnosis.required" in n for n in notes)


def test_a_line_that_is_its_own_concept_gets_no_core() -> None:
    assert diagnosis_concept("Extramedullary haematopoiesis (EMH)") == (None, [])


def test_the_vocabulary_adds_other_names_of_the_core_itself() -> None:
    concept, _ = diagnosis_concept("Telangiectatic osteosarcoma of the left femur")
    assert concept is not None
    assert concept.core == ("Osteosarcoma", "Osteogenic sarcoma")
