"""Details that contradict the case, read by general rules (docs/grading.md,
"Concept and qualifiers"): another step of a sub-stepped scale, a word in the
place of the line's words around its core, another ordinal, a spinal region or
place the findings do not give, a feature the findings rule out, and unnamed
alternatives in an explicit differential."""

from __future__ import annotations

import pytest

from tutorbot.cases.model import CaseText, DiagnosisSpec
from tutorbot.grading import grade
from tutorbot.grading.normalise import words


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("stage IIB", ("stage_2b",)),
        ("stage 2b", ("stage_2b",)),
        ("stage two B", ("stage_2b",)),
        ("type IIIa", ("type_3a",)),
        ("grade 2 a fracture", ("type_2", "a", "fracture")),  # "a" is an article
        ("5th metatarsal", ("fifth", "metatarsal")),
    ],
)
def test_sub_steps_and_ordinals_are_read_as_one_word(typed: str, read: tuple[str, ...]) -> None:
    assert words(typed) == read


ZARGAR = DiagnosisSpec(
    "Caustic oesophageal injury, Zargar grade 2b", core=("Caustic oesophageal injury",)
)


@pytest.mark.parametrize(
    ("typed", "verdict"),
    [
        ("caustic oesophageal injury", "correct"),
        ("caustic oesophageal injury grade 2b", "correct"),
        ("caustic oesophageal injury grade II", "correct"),  # less precise, not contrary
        ("caustic oesophageal injury grade two B", "correct"),
        ("caustic oesophageal injury grade 3", "partial"),
        ("caustic oesophageal injury grade IIA", "partial"),
        ("caustic oesophageal injury IIIb", "partial"),  # a sub-step without its classifier
    ],
)
def test_another_step_of_a_sub_stepped_scale_is_partial(typed: str, verdict: str) -> None:
    assert grade(typed, ZARGAR).verdict == verdict, grade(typed, ZARGAR)


THYROID = DiagnosisSpec(
    "Papillary thyroid carcinoma of the left lobe",
    core=("Thyroid carcinoma",),
    context=CaseText(findings=("A solid hypoechoic nodule with microcalcifications",)),
)


@pytest.mark.parametrize(
    ("typed", "verdict"),
    [
        ("thyroid carcinoma", "correct"),
        ("papillary thyroid carcinoma", "correct"),
        ("papill thyroid carcinoma", "correct"),  # a truncation of the line's word
        ("hypoechoic thyroid carcinoma", "correct"),  # a word of the findings
        ("thyroid carcinoma of the left lobe", "correct"),
        ("follicular thyroid carcinoma", "partial"),  # in the place of "papillary"
        ("medullary left thyroid carcinoma", "partial"),  # not only the word next to it
        ("thyroid carcinoma of the isthmus", "partial"),  # in the place of "left lobe"
        ("thyroid carcinoma with lymph node spread", "correct"),  # context after "with"
    ],
)
def test_a_word_in_the_place_of_the_lines_words_is_partial(typed: str, verdict: str) -> None:
    assert grade(typed, THYROID).verdict == verdict, grade(typed, THYROID)


def test_another_ordinal_is_partial() -> None:
    spec = DiagnosisSpec(
        "Stress fracture of the second metatarsal, left", core=("Stress fracture",)
    )
    assert grade("stress fracture of the 2nd metatarsal", spec).verdict == "correct"
    verdict = grade("stress fracture of the 3rd metatarsal", spec)
    assert verdict.verdict == "partial" and "'3rd'" in verdict.feedback, verdict
    assert grade("stress fracture of the third metatarsal", spec).verdict == "partial"


def test_a_spinal_region_the_findings_do_not_give_is_partial() -> None:
    spec = DiagnosisSpec(
        "Spinal epidural abscess",
        context=CaseText(findings=("A rim-enhancing epidural collection from C5 to C7",)),
    )
    assert grade("spinal epidural abscess", spec).verdict == "correct"
    assert grade("cervical spinal epidural abscess", spec).verdict == "correct"
    verdict = grade("spinal epidural abscess, lumbar", spec)
    assert verdict.verdict == "partial" and "level" in verdict.feedback, verdict
    # Without levels in the case, a region contradicts nothing.
    bare = DiagnosisSpec("Spinal epidural abscess")
    assert grade("lumbar spinal epidural abscess", bare).verdict == "correct"


MECKEL = DiagnosisSpec(
    "Meckel diverticulitis",
    context=CaseText(findings=("An inflamed blind-ending diverticulitis in the distal ileum",)),
)


@pytest.mark.parametrize(
    ("typed", "verdict"),
    [
        ("meckel diverticulitis", "correct"),
        ("meckel diverticulitis in the distal ileum", "correct"),
        ("meckel diverticulitis in the jejunum", "partial"),
        ("meckel diverticulitis, in the jejunum", "partial"),  # after a comma too
    ],
)
def test_a_place_the_findings_do_not_give_is_partial(typed: str, verdict: str) -> None:
    assert grade(typed, MECKEL).verdict == verdict, grade(typed, MECKEL)


def test_a_place_is_not_judged_when_no_finding_places_the_lesion() -> None:
    spec = DiagnosisSpec("Emphysematous pyelonephritis")
    assert grade("emphysematous pyelonephritis in a diabetic", spec).verdict == "correct"


def test_a_feature_the_findings_rule_out_is_partial() -> None:
    spec = DiagnosisSpec(
        "Acute cholecystitis",
        context=CaseText(
            findings=("Thick gallbladder wall and pericholecystic fluid", "No perforation")
        ),
    )
    assert grade("acute cholecystitis with pericholecystic fluid", spec).verdict == "correct"
    verdict = grade("acute cholecystitis with perforation", spec)
    assert verdict.verdict == "partial" and "perforation" in verdict.feedback, verdict


def test_unnamed_alternatives_in_an_explicit_differential_are_not_correct() -> None:
    spec = DiagnosisSpec("Osteoid osteoma")
    assert grade("osteoid osteoma", spec).verdict == "correct"
    # (One name the grader does not know: still an alternative offered.)
    assert grade("ddx: osteoid osteoma, glomangioma", spec).verdict == "partial"
