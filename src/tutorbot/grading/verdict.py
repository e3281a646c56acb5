"""The result of grading one answer: plain data the tutor and the front ends read."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

Outcome = Literal["correct", "partial", "wrong"]
MARKS: dict[Outcome, str] = {"correct": "✅", "partial": "🟡", "wrong": "❌"}


@dataclass(frozen=True)
class Verdict:
    """How an answer was judged, what it matched, why, and what to tell the learner.

    ``empty`` marks an answer with nothing to grade (blank, punctuation only,
    or a non-answer): it is ``wrong`` but uses no attempt. ``non_answer``
    marks "I don't know" and its kin: the tutor offers a hint or the answer.
    """

    answer: str
    verdict: Outcome
    score: float
    matched: str | None
    feedback: str
    why: tuple[str, ...] = ()
    empty: bool = False
    # The accepted form's spelling, when a typo-level slip was forgiven.
    spelling_note: str | None = None
    non_answer: bool = False

    @property
    def mark(self) -> str:
        """The emoji mark of the verdict (✅ 🟡 ❌)."""
        return MARKS[self.verdict]

    def to_json(self) -> dict[str, Any]:
        """The verdict as plain JSON data (``tutorbot grade`` prints one per line)."""
        return {
            "answer": self.answer,
            "verdict": self.verdict,
            "score": round(self.score, 3),
            "matched": self.matched,
            "feedback": self.feedback,
            "why": list(self.why),
            "empty": self.empty,
            "spelling_note": self.spelling_note,
            "non_answer": self.non_answer,
        }
