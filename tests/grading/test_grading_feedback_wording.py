"""Feedback speaks the learner's words and prefers what the case author wrote."""

from __future__ import annotations

from tutorbot.cases.model import AnswerFeedback, DiagnosisSpec
from tutorbot.grading import grade

EMH = DiagnosisSpec("Extramedullary hematopoiesis", accepted=("EMH",))
LEFT_EFFUSION = DiagnosisSpec(
    "Left pleural effusion",
    partial=(AnswerFeedback("pleural effusion", "Yes, but which side?"),),
    required=("left",),
)


def test_feedback_quotes_the_answer_as_typed() -> None:
    assert grade("not EMH", EMH).feedback.startswith("You ruled out EMH,")
    assert "(EMH, Lymphoma)" in grade("EMH or Lymphoma", EMH).feedback


def test_authored_partial_feedback_wins_over_a_missing_required_qualifier() -> None:
    verdict = grade("pleural effusion", LEFT_EFFUSION)
    assert (verdict.verdict, verdict.feedback) == ("partial", "Yes, but which side?")
    assert verdict.matched == "pleural effusion"


def test_without_authored_feedback_the_missing_qualifier_is_asked_for() -> None:
    spec = DiagnosisSpec("Left pleural effusion", required=("left",))
    verdict = grade("pleural effusion", spec)
    assert verdict.verdict == "partial" and "left" in verdict.feedback
