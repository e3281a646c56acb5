"""A diagnosis is a core concept plus qualifiers (side, site, organ, bone, type
or grade, timing, extent): what is optional, what is required, and what a
contradicted one earns. Also causes and consequences beside the diagnosis."""

from __future__ import annotations

import pytest

from tutorbot.cases.model import AnswerFeedback, DiagnosisSpec
from tutorbot.grading import grade

SPLEEN = DiagnosisSpec("Splenic laceration, AAST grade III")
ACHILLES = DiagnosisSpec("Complete rupture of the right Achilles tendon")
PE = DiagnosisSpec(
    "Acute bilateral pulmonary embolism with right heart strain",
    accepted=("Acute bilateral PE with right heart strain",),
)
SALTER = DiagnosisSpec("Salter-Harris type II fracture of the left distal tibia")
CHOLE = DiagnosisSpec("Acute calculous cholecystitis")
LEFT_PTX = DiagnosisSpec("Left tension pneumothorax")
REQUIRED = DiagnosisSpec("Tension pneumothorax", required=("left",))
DISSECTION = DiagnosisSpec(
    "Stanford type A aortic dissection",
    accepted=("Type A dissection",),
    wrong=(AnswerFeedback("type B aortic dissection", "The ascending aorta is involved."),),
)


@pytest.mark.parametrize(
    ("spec", "answer"),
    [
        # The core without optional qualifiers (no `required:`) is correct.
        (SPLEEN, "splenic laceration"),
        (SPLEEN, "grade 3 splenic laceration"),
        (SPLEEN, "lacerated spleen"),
        (ACHILLES, "Achilles tendon rupture"),
        (ACHILLES, "torn achilles"),  # a common variant of the head noun
        (ACHILLES, "full thickness achilles tear"),
        (PE, "pulmonary embolism"),
        (PE, "PE"),
        (PE, "acute PE with RV strain"),
        (SALTER, "Salter-Harris II fracture"),
        (CHOLE, "cholecystitis"),
        (LEFT_PTX, "tension pneumothorax"),  # the side is never required unless asked
    ],
)
def test_the_core_without_optional_qualifiers_is_correct(spec: DiagnosisSpec, answer: str) -> None:
    assert grade(answer, spec).verdict == "correct", grade(answer, spec)


@pytest.mark.parametrize(
    ("spec", "answer", "named"),
    [
        (LEFT_PTX, "right tension pneumothorax", "side"),
        (ACHILLES, "left Achilles rupture", "side"),
        (PE, "left PE", "side"),  # one side where the case has both
        (SPLEEN, "liver laceration", "organ"),
        (SALTER, "Salter-Harris II fracture of the distal fibula", "bone"),
        (SPLEEN, "grade IV splenic laceration", "type or grade"),
        (SALTER, "Salter Harris 3", "type or grade"),
        (CHOLE, "acalculous cholecystitis", "type"),
        (CHOLE, "chronic cholecystitis", "timing"),
        (ACHILLES, "partial achilles tear", "extent"),
    ],
)
def test_a_contradicted_qualifier_is_partial_naming_it(
    spec: DiagnosisSpec, answer: str, named: str
) -> None:
    verdict = grade(answer, spec)
    assert verdict.verdict == "partial", verdict
    assert f"check the {named}" in verdict.feedback


def test_a_required_qualifier_missing_is_partial_and_named() -> None:
    missing = grade("tension pneumothorax", REQUIRED)
    assert missing.verdict == "partial" and "left" in missing.feedback
    assert grade("left tension pneumothorax", REQUIRED).verdict == "correct"
    assert grade("right tension pneumothorax", REQUIRED).verdict == "partial"


def test_a_process_needs_its_site_and_an_unknown_site_is_another_diagnosis() -> None:
    vague = grade("laceration", SPLEEN)
    assert vague.verdict == "partial" and "which organ" in vague.feedback
    assert grade("tendon rupture", ACHILLES).verdict == "partial"
    type_a = DiagnosisSpec("Type A dissection")
    assert grade("dissection", type_a).verdict == "partial"
    assert grade("carotid dissection", type_a).verdict == "wrong"


def test_a_contradiction_the_author_foresaw_gets_their_feedback() -> None:
    verdict = grade("Stanford B dissection", DISSECTION)
    assert (verdict.verdict, verdict.feedback) == ("wrong", "The ascending aorta is involved.")
    assert grade("aortic dissection, type B", DISSECTION).verdict == "wrong"
    assert grade("type A aortic dissection", DISSECTION).verdict == "correct"
    assert grade("debakey type 1 aortic dissection", DISSECTION).verdict == "correct"


def test_a_qualifier_that_names_another_entity_stays_wrong() -> None:
    assert grade("Cushing syndrome", DiagnosisSpec("Cushing disease")).verdict == "wrong"
    assert grade("malignant lesion", DiagnosisSpec("Benign lesion")).verdict == "wrong"


@pytest.mark.parametrize(
    ("spec", "answer"),
    [
        # "X due to Y", "Y causing X", "X with Y": the cause, the consequence or a
        # finding beside the diagnosis.
        (CHOLE, "acute cholecystitis due to gallstones"),
        (CHOLE, "cholecystitis secondary to an impacted gallstone"),
        (CHOLE, "gallstones causing acute cholecystitis"),
        (CHOLE, "acute cholecystitis with gallstones"),
        (PE, "PE due to DVT"),
        (PE, "DVT causing PE"),
        (PE, "DVT leading to bilateral pulmonary emboli"),
        (DiagnosisSpec("Ureteric calculus"), "hydronephrosis due to a ureteric calculus"),
        (DiagnosisSpec("Ureteric calculus"), "ureteric calculus causing hydronephrosis"),
    ],
)
def test_a_cause_or_consequence_beside_the_diagnosis_is_correct(
    spec: DiagnosisSpec, answer: str
) -> None:
    assert grade(answer, spec).verdict == "correct", grade(answer, spec)


def test_the_consequence_alone_is_a_finding() -> None:
    verdict = grade("right heart strain", PE)
    assert verdict.verdict == "partial" and "finding" in verdict.feedback
