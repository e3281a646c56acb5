"""A small two-stage case and a table-driven grader for the engine tests."""

from __future__ import annotations

from pathlib import Path

from tutorbot.cases.model import Case, DiagnosisSpec, Image, Stage
from tutorbot.grading.verdict import Verdict

VERDICTS = {"right": "correct", "close": "partial"}


def table_grader(answer: str, spec: DiagnosisSpec) -> Verdict:
    """Grades by a fixed table so engine tests do not depend on the real grader."""
    text = answer.strip()
    if not text:
        return Verdict(answer, "wrong", 0.0, None, "Please type a diagnosis.", empty=True)
    outcome = VERDICTS.get(text, "wrong")
    return Verdict(answer, outcome, 1.0 if outcome == "correct" else 0.0, None, f"graded {outcome}")  # type: ignore[arg-type]


def make_case(
    *, hints: tuple[str, ...] = ("first hint", "second hint"), question: str | None = None
) -> Case:
    return Case(
        id="two-stage",
        title="Two stages",
        history=("A patient", "With symptoms"),
        stages=(
            Stage(
                images=(Image("a.png", "plain A", "alt A", "a-marked.png", "marked A"),),
                findings=("finding A1", "finding A2"),
                title="First look",
                question=question,
            ),
            Stage(
                images=(
                    Image("b.png", "plain B"),
                    Image("c.png", "plain C", annotated="c-marked.png"),
                ),
                findings=("finding B",),
            ),
        ),
        diagnosis=DiagnosisSpec("The answer"),
        teaching_points=("point 1", "point 2"),
        status="published",
        hints=hints,
        folder=Path("/cases/two-stage"),
        version="v1",
    )
