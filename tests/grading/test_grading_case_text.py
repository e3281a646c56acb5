"""Partial credit from the case's own text, and the side of the lesion.

The cases are built as the loader builds them (``Case`` gives its diagnosis
the case's history, findings and teaching points), with made-up text.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tutorbot.cases.model import Case, DiagnosisSpec, Image, Stage
from tutorbot.grading import grade, qualifiers_of


def case(diagnosis: str, findings: tuple[str, ...], history: tuple[str, ...] = (),
         teaching: tuple[str, ...] = ()) -> DiagnosisSpec:  # fmt: skip
    return Case(
        id="made-up",
        title="A made-up case",
        history=history or ("An adult with pain",),
        stages=(Stage(images=(Image("a.png", "a view"),), findings=findings),),
        diagnosis=DiagnosisSpec(diagnosis),
        teaching_points=teaching or ("A teaching point",),
        folder=Path("/cases/made-up"),
    ).diagnosis


TORSION = case(
    "Testicular torsion",
    findings=(
        "The testis is enlarged and heterogeneous",
        "No colour Doppler flow in the testis",
        "Twisting of the spermatic cord above the testis (whirlpool sign)",
        "Small reactive hydrocele",
        "No testicular mass",
        "Normal epididymis",
    ),
    history=("Positive Prehn sign on examination",),
    teaching=("Differential diagnosis: epididymo-orchitis, torsion of the appendix testis.",),
)


@pytest.mark.parametrize(
    "answer", ["whirlpool sign", "hydrocele", "reactive hydrocele", "positive Prehn sign"]
)
def test_a_positive_finding_is_partial(answer: str) -> None:
    verdict = grade(answer, TORSION)
    assert verdict.verdict == "partial", verdict
    assert verdict.feedback == "That is a finding. What is the diagnosis?"


@pytest.mark.parametrize(
    "answer",
    [
        "testicular mass",  # the case says there is none
        "epididymitis",  # "Normal epididymis" is no finding of an epididymitis
        "epididymo-orchitis",  # a differential of the teaching points
        "enlarged",  # a generic word
        "spermatic cord tumour",
    ],
)
def test_negated_findings_differentials_and_generic_words_never_count(answer: str) -> None:
    assert grade(answer, TORSION).verdict == "wrong", grade(answer, TORSION)


def test_findings_need_no_authoring_but_an_authored_answer_wins() -> None:
    authored = DiagnosisSpec(
        "Testicular torsion",
        wrong=(),
        partial=(),
        context=TORSION.context,
    )
    assert grade("whirlpool sign", authored).verdict == "partial"
    assert grade("whirlpool sign", DiagnosisSpec("Testicular torsion")).verdict == "wrong"


@pytest.mark.parametrize(
    ("answer", "verdict"),
    [
        ("left pneumothorax", "partial"),  # the finding, not the diagnosis
        ("left tension pneumothorax", "correct"),
        ("right tension pneumothorax", "partial"),  # the lesion is on the left
        ("tension pneumothorax", "correct"),  # the side is still optional
    ],
)
def test_the_side_comes_from_the_lesion_not_from_a_shift(answer: str, verdict: str) -> None:
    spec = case(
        "Tension pneumothorax",
        findings=(
            "Large left pneumothorax with a visible pleural edge",
            "Mediastinal shift to the right",
            "Depression of the left hemidiaphragm",
        ),
    )
    got = grade(answer, spec)
    assert got.verdict == verdict, got
    if answer.startswith("right"):
        assert "check the side" in got.feedback


def test_no_side_is_taken_when_the_text_gives_both() -> None:
    spec = case("Pleural effusion", findings=("Left pleural effusion", "Right pleural effusion"))
    assert grade("right pleural effusion", spec).verdict == "correct"


@pytest.mark.parametrize(
    ("answer", "verdict"),
    [
        ("distal tibial fracture", "partial"),  # the category, in the case's words
        ("fracture", "partial"),
        ("tibial injury", "partial"),  # a broader term
        ("femoral fracture", "wrong"),  # neither its kind nor its bone
    ],
)
def test_the_category_is_partial(answer: str, verdict: str) -> None:
    spec = case("Salter-Harris type II fracture of the distal tibia", findings=("A fracture",))
    assert grade(answer, spec).verdict == verdict, grade(answer, spec)


def test_a_kind_the_case_names_apart_is_partial() -> None:
    spec = case(
        "Acute cholecystitis",
        findings=("Gallstones", "Thickened gallbladder wall"),
        teaching=("Gas in the wall means emphysematous cholecystitis, a surgical emergency.",),
    )
    verdict = grade("emphysematous cholecystitis", spec)
    assert verdict.verdict == "partial" and "check the type" in verdict.feedback
    assert grade("acute cholecystitis", spec).verdict == "correct"


def test_the_qualifiers_of_a_case_by_kind() -> None:
    spleen = case("Splenic laceration, AAST grade III", findings=("A laceration",))
    assert qualifiers_of(spleen) == {"organ": ("spleen",), "type or grade": ("type_3",)}
    pneumothorax = case(
        "Tension pneumothorax",
        findings=("Large left pneumothorax", "Mediastinal shift to the right"),
    )
    assert qualifiers_of(pneumothorax) == {"side": ("left",)}
