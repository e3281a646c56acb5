"""Grading free-text diagnoses: ``grade(answer, spec) -> Verdict``.

Pure and deterministic: no I/O once the lexicon is loaded.
"""

from __future__ import annotations

from rapidfuzz import fuzz

from tutorbot.cases.model import DiagnosisSpec
from tutorbot.grading.verdict import MARKS, Outcome, Verdict

__all__ = ["MARKS", "Outcome", "Verdict", "grade"]


def _norm(text: str) -> str:
    return " ".join("".join(c if c.isalnum() else " " for c in text.lower()).split())


def grade(answer: str, spec: DiagnosisSpec) -> Verdict:
    """A simple matcher (to be replaced by the full grader of issue 3)."""
    norm = _norm(answer)
    if not norm:
        return Verdict(answer, "wrong", 0.0, None, "Please type a diagnosis.", ("empty",), True)
    for known in spec.wrong:
        if _norm(known.answer) == norm:
            return Verdict(answer, "wrong", 0.0, known.answer, known.feedback, ("known wrong",))
    for known in spec.partial:
        if _norm(known.answer) == norm:
            return Verdict(answer, "partial", 0.5, known.answer, known.feedback, ("known partial",))
    best, form = 0.0, None
    for candidate in (spec.answer, *spec.accepted):
        score = fuzz.ratio(norm, _norm(candidate))
        if score > best:
            best, form = score, candidate
    if best >= 90:
        return Verdict(answer, "correct", best / 100, form, "Correct.", ("fuzzy match",))
    return Verdict(answer, "wrong", best / 100, None, "Not quite.", ("no match",))
