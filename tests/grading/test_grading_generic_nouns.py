"""A generic head noun may be left out, but not swapped for its opposite."""

from __future__ import annotations

import pytest

from tutorbot.cases.model import DiagnosisSpec
from tutorbot.grading import grade


@pytest.mark.parametrize(
    ("answer", "typed", "verdict"),
    [
        ("Perthes disease", "Perthes", "correct"),
        ("Perthes disease", "Legg-Calve-Perthes disease", "correct"),
        ("Crohn disease", "Crohn's", "correct"),
        ("Cushing disease", "Cushing's disease", "correct"),
        ("Cushing disease", "Cushing syndrome", "wrong"),  # the syndrome, not its pituitary cause
        ("Cushing syndrome", "Cushing disease", "wrong"),
        ("Cushing syndrome", "cushings syndrome", "correct"),
    ],
)
def test_disease_and_syndrome(answer: str, typed: str, verdict: str) -> None:
    assert grade(typed, DiagnosisSpec(answer)).verdict == verdict


@pytest.mark.parametrize(
    ("typed", "verdict"),
    [
        ("ACL tear", "correct"),  # the extent left out
        ("complete ACL tear", "correct"),
        ("anterior cruciate ligament tear", "correct"),
        ("partial ACL tear", "partial"),  # the other extent (issue 10: partial)
        ("PCL tear", "partial"),  # another ligament (issue 10: partial)
    ],
)
def test_a_tears_extent(typed: str, verdict: str) -> None:
    assert (
        grade(typed, DiagnosisSpec("Complete anterior cruciate ligament tear")).verdict == verdict
    )


@pytest.mark.parametrize(
    ("answer", "typed", "verdict"),
    [
        ("Complete anterior cruciate ligament tear", "torn ACL", "correct"),
        ("Complete anterior cruciate ligament tear", "tear of the ACL", "correct"),
        ("Complete anterior cruciate ligament tear", "tear of the PCL", "wrong"),
        ("Distal radius fracture", "fracture of the distal radius", "correct"),
        ("Distal radius fracture", "fracture of the proximal radius", "partial"),
        ("Left tension pneumothorax", "tension pneumothorax right", "partial"),
    ],
)
def test_reordered_words_with_the_forms_own_qualifiers_among_them(
    answer: str, typed: str, verdict: str
) -> None:
    assert grade(typed, DiagnosisSpec(answer)).verdict == verdict
