"""The general rules added after blind set 2, each with the traps it must keep."""

from __future__ import annotations

import pytest

from tutorbot.cases.model import AnswerFeedback, DiagnosisSpec
from tutorbot.grading import grade

SHOULDER = DiagnosisSpec(
    "Posterior shoulder dislocation",
    accepted=("posterior dislocation of the shoulder",),
    partial=(AnswerFeedback("shoulder dislocation", "Which direction?"),),
    wrong=(AnswerFeedback("anterior shoulder dislocation", "The head is behind the glenoid."),),
    required=("posterior",),
)
LEFT_PTX = DiagnosisSpec(
    "Tension pneumothorax",
    accepted=("Left tension pneumothorax",),
    partial=(AnswerFeedback("pneumothorax", "What makes it an emergency?"),),
    wrong=(AnswerFeedback("haemothorax", "Blood is white."),),
)
DIVERTICULOSIS = DiagnosisSpec(
    "Colonic diverticulosis",
    accepted=("sigmoid diverticulosis",),
    wrong=(AnswerFeedback("sigmoid diverticulitis", "No inflammation."),),
)
APPENDAGITIS = DiagnosisSpec(
    "Epiploic appendagitis",
    wrong=(AnswerFeedback("appendicitis", "The appendix is normal."),),
)
APICAL = DiagnosisSpec(
    "Superior sulcus tumour",
    partial=(AnswerFeedback("lung cancer", "Where exactly?"),),
    wrong=(AnswerFeedback("mesothelioma", "Pleural rind."),),
)


@pytest.mark.parametrize(
    ("spec", "answer", "verdict"),
    [
        # Forms with the same core words: the one whose qualifier is written wins,
        # a contradicted one comes last.
        (SHOULDER, "posterior shoulder dislocation", "correct"),
        (SHOULDER, "shoulder dislocation, posterior", "correct"),
        (SHOULDER, "anterior shoulder dislocation", "wrong"),
        (SHOULDER, "shoulder dislocation", "partial"),
        (SHOULDER, "anterior and posterior shoulder dislocation", "wrong"),
        # A qualifier between the words of a form is still checked.
        (SHOULDER, "posterior dislocation of the left shoulder", "correct"),
        (SHOULDER, "posterior dislocation of the anterior shoulder", "partial"),
        (LEFT_PTX, "tension left pneumothorax", "correct"),
        (LEFT_PTX, "tension right pneumothorax", "partial"),  # issue 10: other side
        (LEFT_PTX, "tension pneumothorax of the right lung", "partial"),
        # Detail standing first before a stop belongs to the diagnosis after it.
        (SHOULDER, "post. shoulder dislocation", "correct"),
        (SHOULDER, "ant. shoulder dislocation", "wrong"),
        (LEFT_PTX, "Right: tension pneumothorax", "partial"),
        # The longest shared tail of an alternative.
        (SHOULDER, "posterior vs anterior shoulder dislocation", "partial"),
        (LEFT_PTX, "left or right tension pneumothorax", "partial"),
        # A tied or length-limited typo read by the words around it.
        (APPENDAGITIS, "epiploic appendigitis", "correct"),
        (APPENDAGITIS, "appendigitis", "wrong"),
        # ... but not when the words around it fit both readings.
        (DIVERTICULOSIS, "sigmoid diverticulisis", "wrong"),
        # A name that only repeats the case's own right or partial words is detail.
        (APICAL, "superior sulcus tumour (likely squamous cell carcinoma)", "correct"),
        (APICAL, "superior sulcus tumour, lung cancer", "correct"),
        (APICAL, "superior sulcus tumour (mesothelioma)", "partial"),
        (APICAL, "superior sulcus tumour or carcinoma", "partial"),
        (APICAL, "DDx: superior sulcus tumour, carcinoma", "partial"),
        (APICAL, "superior sulcus tumour, lymphoma", "partial"),
    ],
)
def test_rule(spec: DiagnosisSpec, answer: str, verdict: str) -> None:
    assert grade(answer, spec).verdict == verdict, grade(answer, spec).why


@pytest.mark.parametrize(
    ("answer", "spec", "verdict"),
    [
        ("Wilms", DiagnosisSpec("Wilms tumour"), "correct"),
        ("nephroblastoma", DiagnosisSpec("Wilms tumour"), "correct"),
        ("Pancoast", DiagnosisSpec("Superior sulcus tumour"), "correct"),
        ("IHPS", DiagnosisSpec("Hypertrophic pyloric stenosis"), "correct"),
        ("epiploic appendicitis", DiagnosisSpec("Epiploic appendagitis"), "correct"),
        ("appendicitis", DiagnosisSpec("Epiploic appendagitis"), "wrong"),
        ("lunate AVN", DiagnosisSpec("Avascular necrosis of the lunate"), "correct"),
        ("scaphoid AVN", DiagnosisSpec("Avascular necrosis of the lunate"), "wrong"),
        ("HSV-1 encephalitis", DiagnosisSpec("Herpes simplex encephalitis"), "correct"),
        ("herpes encephalitis", DiagnosisSpec("Herpes simplex encephalitis"), "correct"),
        ("herpes zoster encephalitis", DiagnosisSpec("Herpes simplex encephalitis"), "wrong"),
        ("hsv enceph", DiagnosisSpec("Herpes simplex encephalitis"), "correct"),
        ("enceph", DiagnosisSpec("Herpes simplex encephalitis"), "wrong"),
        (
            "posterior GH dislocation",
            DiagnosisSpec("Posterior glenohumeral dislocation"),
            "correct",
        ),
        ("GH", DiagnosisSpec("Posterior glenohumeral dislocation"), "wrong"),
        ("oesophageal rupture", DiagnosisSpec("Oesophageal perforation"), "correct"),
        ("hamartoma", DiagnosisSpec("Hematoma"), "wrong"),
    ],
)
def test_shipped_lexicon_entries(answer: str, spec: DiagnosisSpec, verdict: str) -> None:
    assert grade(answer, spec).verdict == verdict, grade(answer, spec).why
