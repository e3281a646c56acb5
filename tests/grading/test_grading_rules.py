"""Normalisation, lexicon, qualifiers and the rules of the grader, one by one."""

from __future__ import annotations

from pathlib import Path

import pytest

from tutorbot.cases.model import AnswerFeedback, DiagnosisSpec
from tutorbot.grading import LexiconError, grade, load_lexicon, shipped_lexicon
from tutorbot.grading.grader import compiled
from tutorbot.grading.normalise import contrasting, respell, words

EDH = DiagnosisSpec(
    "Extradural haematoma",
    accepted=("EDH",),
    partial=(AnswerFeedback("intracranial haemorrhage", "Which compartment?"),),
    wrong=(AnswerFeedback("subdural haematoma", "Crescent, crosses sutures."),),
)
LEFT_PTX = DiagnosisSpec(
    "Left tension pneumothorax",
    partial=(AnswerFeedback("pneumothorax", "What makes it an emergency?"),),
    required=("left",),
)
PE = DiagnosisSpec("Pulmonary embolism", accepted=("PE",))
EFFUSION = DiagnosisSpec("Pleural effusion")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Extra-medullary haemopoiesis", ("extramedullary", "hemopoiesis")),
        ("Ewing's sarcoma", ("ewing", "sarcoma")),
        ("oedematous tumours", ("edematous", "tumor")),
        ("centre", ("center",)),
        ("Ostéosarcome", ("osteosarcome",)),
        ("isn't", ("is", "not")),
    ],
)
def test_normalisation(raw: str, expected: tuple[str, ...]) -> None:
    assert words(raw) == expected


def test_rules_are_applied_alike_to_both_sides() -> None:
    assert respell("haemorrhages") == respell("hemorrhage") == "hemorrhage"
    assert contrasting("subdural", "extradural")
    assert not contrasting("extradural", "extradural")


def test_typo_is_correct_with_a_spelling_note() -> None:
    verdict = grade("extradural haematomma", EDH)
    assert verdict.verdict == "correct"
    assert verdict.spelling_note == "Extradural haematoma"
    assert "note the spelling" in verdict.feedback
    assert any(w.startswith("typo:") for w in verdict.why)


def test_known_wrong_answer_gets_its_feedback() -> None:
    verdict = grade("subdural hematoma", EDH)
    assert (verdict.verdict, verdict.matched) == ("wrong", "subdural haematoma")
    assert verdict.feedback == "Crescent, crosses sutures."


def test_partial_answer_gets_its_feedback() -> None:
    verdict = grade("intracranial hemorrhage", EDH)
    assert (verdict.verdict, verdict.feedback) == ("partial", "Which compartment?")


def test_required_laterality() -> None:
    assert grade("left tension pneumothorax", LEFT_PTX).verdict == "correct"
    missing = grade("tension pneumothorax", LEFT_PTX)
    assert missing.verdict == "partial" and "left" in missing.feedback
    # The right diagnosis on the other side is partial, naming the side (issue 10).
    other_side = grade("right tension pneumothorax", LEFT_PTX)
    assert other_side.verdict == "partial" and "check the side" in other_side.feedback
    assert grade("right pneumothorax", LEFT_PTX).verdict == "wrong"


def test_ambiguous_abbreviations_are_never_expanded() -> None:
    assert grade("PE", EFFUSION).verdict == "wrong"
    assert grade("PE", PE).verdict == "correct"  # the case lists it itself


def test_negation_and_differential() -> None:
    assert grade("not EDH", EDH).verdict == "wrong"
    assert grade("not SDH, EDH", EDH).verdict == "correct"
    verdict = grade("EDH or SDH", EDH)
    assert verdict.verdict == "partial" and "commit" in verdict.feedback
    assert any("differential of 2" in w for w in verdict.why)


@pytest.mark.parametrize("junk", ["", "   ", "?!.", "🙂🙂", "\x00\x07"])
def test_empty_input(junk: str) -> None:
    verdict = grade(junk, EDH)
    assert (verdict.verdict, verdict.empty, verdict.feedback) == (
        "wrong",
        True,
        "Please type a diagnosis.",
    )


def test_other_scripts_and_long_input() -> None:
    assert grade("硬膜外血肿", EDH).verdict == "wrong"
    long = grade("EDH " + "x" * 10_000, EDH)
    assert long.verdict == "correct"
    assert any("truncated" in w for w in long.why)


def test_compiled_specs_are_cached() -> None:
    lexicon = shipped_lexicon()
    assert compiled(EDH, lexicon) is compiled(EDH, lexicon)


def test_instructor_lexicon_extends_the_shipped_one(tmp_path: Path) -> None:
    (tmp_path / "lexicon.yaml").write_text(
        "synonyms:\n  - [extradural haematoma, blood lens]\n", encoding="utf-8"
    )
    lexicon = load_lexicon(tmp_path)
    assert grade("blood lens", EDH, lexicon).verdict == "correct"
    assert grade("blood lens", EDH).verdict == "wrong"
    assert load_lexicon(None) is shipped_lexicon()
    assert load_lexicon(tmp_path / "missing") is shipped_lexicon()


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("synonyms:\n  - [a, b]\n  - [lonely]\n", 3),
        ("synonyms: [\n", 2),
        ("terms:\n  - x\nbogus: 1\n", 3),
        ("opposites:\n  - [left, far right]\n", 2),
    ],
)
def test_broken_lexicon_names_file_and_line(tmp_path: Path, text: str, line: int) -> None:
    file = tmp_path / "lexicon.yaml"
    file.write_text(text, encoding="utf-8")
    with pytest.raises(LexiconError, match=rf"lexicon\.yaml:{line}: "):
        load_lexicon(tmp_path)


def test_shipped_lexicon_has_no_ambiguous_synonyms() -> None:
    lexicon = shipped_lexicon()
    assert not set(lexicon.synonyms) & lexicon.ambiguous
