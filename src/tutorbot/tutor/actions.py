"""What the tutor asks a front end to show. Plain data; each front end renders it its own way."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from tutorbot.cases.model import Source
from tutorbot.grading.verdict import Verdict
from tutorbot.tutor.progress import CaseOutcome


@dataclass(frozen=True)
class ImageView:
    """An image file ready to show, with its caption and alt text."""

    path: Path
    caption: str
    alt: str = ""


@dataclass(frozen=True)
class ShowHistory:
    title: str
    history: tuple[str, ...]
    stages: int


@dataclass(frozen=True)
class ShowImages:
    """A stage's plain images (``stage`` counts from 1)."""

    stage: int
    stages: int
    title: str
    images: tuple[ImageView, ...]
    question: str | None = None


@dataclass(frozen=True)
class ShowFindings:
    """A stage's findings, with the annotated versions of its images (if any).

    ``review``: shown after the case ended (a stage the learner skipped), so
    there is no way on from it but the next case.
    """

    stage: int
    stages: int
    title: str
    findings: tuple[str, ...]
    images: tuple[ImageView, ...]
    review: bool = False


@dataclass(frozen=True)
class AskDiagnosis:
    """Ask for the diagnosis; ``again`` after an answer that was not right yet."""

    question: str
    attempt: int
    attempts: int
    again: bool = False


@dataclass(frozen=True)
class Continue:
    """A reply that did not move the learner (a hint, a notice): remind them how to go on
    from where they are. ``then`` is what moving on shows next."""

    then: Literal["images", "findings", "next stage", "diagnosis"]


VERDICT_WORDS = {"correct": "Correct.", "partial": "Partly right.", "wrong": "Not right."}


@dataclass(frozen=True)
class ShowVerdict:
    verdict: Verdict
    attempts_left: int

    @property
    def line(self) -> str:
        """The verdict as one line that starts with its mark (✅, 🟡 or ❌)."""
        verdict = self.verdict
        said = " ".join(verdict.feedback.split()) or VERDICT_WORDS[verdict.verdict]
        text = f"{verdict.mark} {said}"
        left = self.attempts_left
        if verdict.verdict != "correct" and left:
            text += f" ({left} attempt{'s' if left != 1 else ''} left)"
        return text


@dataclass(frozen=True)
class ShowHint:
    text: str
    number: int
    total: int


NoticeCode = Literal[
    "no_hints",
    "not_now",
    "already_asked",
    "finished",
    "observation",
    "unknown_state",
    "nothing_skipped",
]


@dataclass(frozen=True)
class Notice:
    """A short message that changes nothing; ``code`` lets a front end word it its own way."""

    code: NoticeCode
    text: str


@dataclass(frozen=True)
class RevealDiagnosis:
    """The answer and the teaching points; ``outcome`` is how the learner did."""

    diagnosis: str
    explanation: str
    teaching_points: tuple[str, ...]
    outcome: CaseOutcome
    source: Source


@dataclass(frozen=True)
class OfferNextCase:
    """The case is over; offer another. ``skipped_stages``: how many stages' findings the
    learner skipped, which a front end offers to show (:class:`~tutorbot.tutor.events.SkippedFindings`)."""

    skipped_stages: int = 0


@dataclass(frozen=True)
class StartNextCase:
    """The learner asked for the next case; the front end picks and starts it."""


Action = (
    ShowHistory
    | ShowImages
    | ShowFindings
    | AskDiagnosis
    | Continue
    | ShowVerdict
    | ShowHint
    | Notice
    | RevealDiagnosis
    | OfferNextCase
    | StartNextCase
)
