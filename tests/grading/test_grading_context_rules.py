"""Rules added after the blind set (tests/grading/blind): each with its false-accept guard."""

from __future__ import annotations

import pytest

from tutorbot.cases.model import AnswerFeedback, DiagnosisSpec
from tutorbot.grading import grade

DISSECTION = DiagnosisSpec(
    answer="Stanford type A aortic dissection",
    accepted=("Type A aortic dissection", "Type A dissection", "DeBakey type I aortic dissection"),
    partial=(AnswerFeedback("aortic dissection", "Which type?"),),
    wrong=(
        AnswerFeedback("Stanford type B aortic dissection", "The ascending aorta is involved."),
    ),
)
PERTHES = DiagnosisSpec(
    answer="Perthes disease",
    accepted=("Legg-Calve-Perthes disease",),
    wrong=(AnswerFeedback("slipped capital femoral epiphysis", "Older children."),),
)
HYDATID = DiagnosisSpec(
    answer="Hydatid cyst",
    accepted=("Hydatid disease",),
    wrong=(AnswerFeedback("simple liver cyst", "No wall or daughter cysts."),),
)
RCC = DiagnosisSpec(
    answer="Renal cell carcinoma",
    wrong=(AnswerFeedback("transitional cell carcinoma", "Collecting system."),),
)
EFFUSION = DiagnosisSpec(answer="Left pleural effusion")
SCFE = DiagnosisSpec(
    answer="Left slipped capital femoral epiphysis",
    accepted=("Left slipped upper femoral epiphysis",),
    required=("left",),
)


@pytest.mark.parametrize(
    ("spec", "answer", "verdict"),
    [
        # Classes: "Stanford A" = "type A"; roman numerals = digits; never a stopword "a".
        (DISSECTION, "Stanford A dissection", "correct"),
        (DISSECTION, "debakey type 1 aortic dissection", "correct"),
        (DISSECTION, "Stanford B dissection", "wrong"),
        (DISSECTION, "type B aortic dissection", "wrong"),
        (DISSECTION, "type A vs type B dissection", "partial"),
        # aortic = aorta.
        (DISSECTION, "dissection of the aorta, type A", "correct"),
        # Detail after a comma or in brackets that completes a form.
        (DISSECTION, "Aortic dissection, Stanford type A", "correct"),
        (DISSECTION, "aortic dissection (type A) - needs surgery", "correct"),
        (DISSECTION, "aortic dissection, type B", "wrong"),
        (DISSECTION, "aortic dissection, not type A", "partial"),
        # An ambiguous abbreviation read in context: AD is also Alzheimer disease.
        (DISSECTION, "type A AD", "correct"),
        (DISSECTION, "AD", "wrong"),
        # "disease" is a generic head noun; "no disease" still rules out.
        (PERTHES, "perthes", "correct"),
        (PERTHES, "Legg Calve Perthes dz", "correct"),
        (PERTHES, "no disease", "wrong"),
        (PERTHES, "disease", "wrong"),
        (PERTHES, "not perthes", "wrong"),
        # hydatid = echinococcosis; alveolar echinococcosis is another disease.
        (HYDATID, "echinococcus", "correct"),
        (HYDATID, "alveolar echinococcosis", "wrong"),
        # Words in the order written beat a reordered match of the same length.
        (HYDATID, "hydatid cyst of liver", "correct"),
        (HYDATID, "cyst of liver", "wrong"),
        # cancer = carcinoma; "ca" and short slips read in context only.
        (RCC, "renal cell cancer", "correct"),
        (RCC, "renal cell ca", "correct"),
        (RCC, "renal cel carcinoma", "correct"),
        (RCC, "ca", "wrong"),
        (RCC, "transitional cel carcinoma", "wrong"),
        # PE stays ambiguous when nothing around it spells out a form.
        (EFFUSION, "left PE", "wrong"),
        # The form's own qualifier between its words.
        (SCFE, "left slipped upper femoral epiphysis", "correct"),
        (SCFE, "slipped upper femoral epiphysis", "partial"),
        (SCFE, "right slipped upper femoral epiphysis", "partial"),  # issue 10: other side
        (SCFE, "slipped capital femoral epiphysis, left hip", "correct"),
    ],
)
def test_rule(spec: DiagnosisSpec, answer: str, verdict: str) -> None:
    got = grade(answer, spec)
    assert got.verdict == verdict, (answer, got.why)
