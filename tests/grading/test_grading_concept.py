"""The core concept of a diagnosis line (``diagnosis.core``) and the optional
qualifiers around it: how the importer finds the core, and how the grader
judges an answer against a case that names one (docs/grading.md, "Concept and
qualifiers")."""

from __future__ import annotations

import pytest

from tutorbot.cases.model import AnswerFeedback, CaseText, DiagnosisSpec
from tutorbot.grading import grade, shipped_lexicon
from tutorbot.grading.concept import Concept, concept_of


@pytest.mark.parametrize(
    ("line", "defined", "core", "required"),
    [
        # Known role words (side, timing, organ, describing words) are qualifiers.
        ("Acute pulmonary embolism with right heart strain", (), ("Pulmonary embolism",), ()),
        ("Left tension pneumothorax", (), ("Tension pneumothorax",), ()),
        # A head word with a disease ending names the concept alone.
        ("Emphysematous cholecystitis", (), ("Cholecystitis",), ()),
        ("Tuberculous spondylitis of T11 and T12", (), ("Spondylitis",), ()),
        # Otherwise the head noun and the word before it; a site phrase is qualifiers.
        ("Left posterior urethral valves", (), ("Urethral valves",), ()),
        ("Stress fracture of the second metatarsal, left", (), ("Stress fracture",), ()),
        # An event of the condition is required.
        ("Perforated appendicitis", (), ("Appendicitis",), ("perforated",)),
        # A long form the text defines is a name; its abbreviation names the core too.
        (
            "Ruptured splenic artery aneurysm (SAA)",
            (("splenic artery aneurysm", "SAA"),),
            ("Artery aneurysm", "SAA"),
            ("ruptured",),
        ),
        (
            "Hypertrophic pyloric stenosis in a 5-week-old",
            (("hypertrophic pyloric stenosis", "HPS"),),
            ("Hypertrophic pyloric stenosis", "HPS"),
            (),
        ),
    ],
)
def test_the_core_of_a_diagnosis_line(
    line: str,
    defined: tuple[tuple[str, str], ...],
    core: tuple[str, ...],
    required: tuple[str, ...],
) -> None:
    assert concept_of(line, shipped_lexicon(), defined) == Concept(core, required)


@pytest.mark.parametrize(
    "line",
    [
        "Extramedullary hematopoiesis",  # the whole line is the concept
        "Developmental dysplasia of the hip",  # a name with "of" stays whole
        "Tetralogy of Fallot",
        "Splenic laceration, AAST grade III",  # a process alone is no concept
        "Complete Achilles tendon rupture",
    ],
)
def test_no_core_when_the_whole_line_is_the_concept(line: str) -> None:
    assert concept_of(line, shipped_lexicon()) is None


FINDINGS = CaseText(
    history=("Nine-year-old boy with a painful right groin", "Known sickle cell disease"),
    findings=("Flattening of the right femoral head with a crescent sign",),
    teaching_points=("Septic arthritis and transient synovitis are the main differentials.",),
)
# A made-up teaching case: the line's words around the core are qualifiers.
AVN = DiagnosisSpec(
    "Right femoral head osteonecrosis, Ficat stage III, secondary to sickle cell disease",
    core=("Osteonecrosis",),
    context=FINDINGS,
)
SPONDYLITIS = DiagnosisSpec(
    "Tuberculous spondylitis of T11 on T12",
    core=("Spondylitis",),
    wrong=(AnswerFeedback("Metastases", "The disc is destroyed."),),
)
CAPSULE = DiagnosisSpec(
    "Intracapsular fracture of the neck of femur", core=("Neck of femur fracture",)
)
ANEURYSM = DiagnosisSpec(
    "Ruptured splenic artery aneurysm",
    core=("Splenic artery aneurysm",),
    required=("ruptured",),
)
AMYLOID = DiagnosisSpec("Cardiac amyloidosis", core=("Amyloidosis",))
BRUISE = DiagnosisSpec("Bone bruise of the lateral tibial plateau", core=("Bone bruise",))
MONTEGGIA = DiagnosisSpec("Monteggia fracture-dislocation, Bado type I", core=("Monteggia",))


@pytest.mark.parametrize(
    ("spec", "answer"),
    [
        # The core alone, and the core with the line's own qualifiers.
        (AVN, "osteonecrosis"),
        (AVN, "AVN"),
        (AVN, "right femoral head AVN"),
        (AVN, "Ficat 3 osteonecrosis of the right hip"),
        # Words of the findings and describing words contradict nothing.
        (AVN, "crescent sign osteonecrosis"),
        (AVN, "extensive osteonecrosis"),
        (SPONDYLITIS, "spondylitis"),
        (SPONDYLITIS, "T11/12 spondylitis"),
        (SPONDYLITIS, "tuberculous spondylitis T11-T12"),
        (ANEURYSM, "ruptured splenic artery aneurysm"),
        # "-oid" for "-oidosis", the initials of the line's qualifier words.
        (AMYLOID, "amyloid"),
        (BRUISE, "LTP bone bruise"),
    ],
)
def test_the_core_concept_alone_or_with_its_own_qualifiers_is_correct(
    spec: DiagnosisSpec, answer: str
) -> None:
    assert grade(answer, spec).verdict == "correct", grade(answer, spec)


@pytest.mark.parametrize(
    ("spec", "answer", "named"),
    [
        (AVN, "left osteonecrosis", "side"),
        (AVN, "Ficat stage 2 osteonecrosis", "type or grade"),
        # Another word in the place of one of no known kind.
        (SPONDYLITIS, "pyogenic spondylitis", "pyogenic"),
        (SPONDYLITIS, "hepatic spondylitis", "hepatic"),
        # Another spinal level, the same stem with another prefix.
        (SPONDYLITIS, "L4/5 spondylitis", "level"),
        (CAPSULE, "extracapsular neck of femur fracture", "site"),
        # A type the line does not give.
        (MONTEGGIA, "extension type Monteggia", "type"),
        # A required event missing, or negated.
        (ANEURYSM, "splenic artery aneurysm", "happened"),
        (ANEURYSM, "splenic artery aneurysm with impending rupture", "happened"),
    ],
)
def test_a_contradicted_or_missing_qualifier_is_partial(
    spec: DiagnosisSpec, answer: str, named: str
) -> None:
    verdict = grade(answer, spec)
    assert verdict.verdict == "partial", verdict
    assert named in verdict.feedback.lower() or named in " ".join(verdict.why), verdict


def test_a_hedge_between_the_core_and_another_name_is_not_correct() -> None:
    # "CPAM" is a lexicon name (congenital pulmonary airway malformation).
    assert grade("osteonecrosis or CPAM", AVN).verdict == "partial"
    assert grade("spondylitis or metastases", SPONDYLITIS).verdict == "partial"


def test_a_consequence_before_due_to_is_not_a_competing_diagnosis() -> None:
    volvulus = DiagnosisSpec("Midgut volvulus due to malrotation", core=("Midgut volvulus",))
    assert grade("SBO due to midgut volvulus", volvulus).verdict == "correct"
    assert grade("small bowel obstruction secondary to midgut volvulus", volvulus).verdict == (
        "correct"
    )
    assert grade("SBO or midgut volvulus", volvulus).verdict == "partial"


def test_a_segment_opening_with_a_connector_belongs_to_the_candidate_before_it() -> None:
    answer = "femoral head osteonecrosis, right, with a crescent sign"
    assert grade(answer, AVN).verdict == "correct"


def test_the_head_noun_of_the_core_alone_is_its_category() -> None:
    valves = DiagnosisSpec("Left posterior urethral valves", core=("Urethral valves",))
    verdict = grade("valves", valves)
    assert verdict.verdict == "partial" and "category" in verdict.feedback, verdict


def test_without_a_core_every_word_of_the_line_stays_part_of_the_concept() -> None:
    # (Cases written before diagnosis.core: their verdicts do not change.)
    plain = DiagnosisSpec("Tuberculous spondylitis of T11 on T12")
    assert grade("spondylitis", plain).verdict != "correct"


def test_a_detail_the_teaching_points_tie_to_another_grade_is_partial() -> None:
    kidney = DiagnosisSpec(
        "Renal laceration, AAST grade II",
        context=CaseText(
            findings=("A 7 mm cortical laceration of the left kidney; no urine leak",),
            teaching_points=(
                "Grade II is a laceration under 1 cm deep; a collecting system injury with "
                "urinary extravasation makes grade IV.",
            ),
        ),
    )
    verdict = grade("renal laceration with urinary extravasation", kidney)
    assert verdict.verdict == "partial" and "grade" in verdict.feedback, verdict
    # A detail the findings give is no contradiction.
    assert grade("renal laceration with a cortical laceration", kidney).verdict == "correct"


def test_the_side_of_the_lesion_after_from_the_in_the_findings() -> None:
    aneurysm = DiagnosisSpec(
        "Ruptured popliteal artery aneurysm",
        core=("Popliteal artery aneurysm",),
        context=CaseText(
            findings=("Contrast leaks from the right posterior wall of the aneurysm",),
        ),
    )
    verdict = grade("ruptured left popliteal artery aneurysm", aneurysm)
    assert verdict.verdict == "partial" and "side" in verdict.feedback, verdict


def test_the_lines_own_qualifiers_after_a_comma_are_detail() -> None:
    assert grade("Osteonecrosis, Ficat stage three", AVN).verdict == "correct"


def test_a_sign_the_teaching_points_name_is_a_finding() -> None:
    spec = DiagnosisSpec(
        "Acute pancreatitis",
        context=CaseText(
            teaching_points=(
                "The colon cut-off sign is a distended transverse colon that stops at the "
                "splenic flexure.",
                "No double duct sign: the bile and pancreatic ducts are normal.",
            ),
        ),
    )
    verdict = grade("colon cut-off sign", spec)
    assert verdict.verdict == "partial" and "finding" in verdict.feedback, verdict
    assert grade("double duct sign", spec).verdict == "wrong"  # said not to be seen
    assert grade("sign", spec).verdict == "wrong"


def test_another_organ_after_the_core_is_partial_a_direction_is_not() -> None:
    tubal = DiagnosisSpec("Right tubal ectopic pregnancy", core=("Ectopic pregnancy",))
    verdict = grade("ectopic pregnancy in the ovary", tubal)
    assert verdict.verdict == "partial" and "organ" in verdict.feedback, verdict
    assert grade("ectopic pregnancy in the right tube", tubal).verdict == "correct"
    humerus = DiagnosisSpec(
        "Supracondylar fracture of the left humerus", core=("Supracondylar fracture",)
    )
    assert grade("supracondylar fracture with posterior angulation", humerus).verdict == ("correct")
    assert grade("supracondylar fracture of the femur", humerus).verdict == "partial"


def test_a_finding_beside_the_right_answer_is_detail() -> None:
    assert grade("osteonecrosis - crescent sign", AVN).verdict == "correct"


@pytest.mark.parametrize(
    "answer",
    [
        "prob osteonecrosis w a crescent sign",  # "prob", "w": typed on a phone
        "poss femoral head osteonecrosis",
    ],
)
def test_phone_shorthand_for_hedges_and_with(answer: str) -> None:
    assert grade(answer, AVN).verdict == "correct", grade(answer, AVN)
