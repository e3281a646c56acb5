"""The result of grading one answer: plain data the tutor and the front ends read."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

Outcome = Literal["correct", "partial", "wrong"]
MARKS: dict[Outcome, str] = {"correct": "✅", "partial": "🟡", "wrong": "❌"}


@dataclass(frozen=True)
class Verdict:
    """How an answer was judged, what it matched, why, and what to tell the learner.

    ``empty`` marks an answer with nothing to grade (blank, punctuation only):
    it is ``wrong`` but uses no attempt.
    """

    answer: str
    verdict: Outcome
    score: float
    matched: str | None
    feedback: str
    why: tuple[str, ...] = ()
    empty: bool = False

    @property
    def mark(self) -> str:
        return MARKS[self.verdict]

    def to_json(self) -> dict[str, Any]:
        return {
            "answer": self.answer,
            "verdict": self.verdict,
            "score": round(self.score, 3),
            "matched": self.matched,
            "feedback": self.feedback,
            "why": list(self.why),
            "empty": self.empty,
        }
