"""Grading free-text diagnoses: ``grade(answer, spec) -> Verdict``.

Pure and deterministic: no I/O once the lexicon is loaded. See
docs/grading.md for how answers are judged.
"""

from __future__ import annotations

from tutorbot.grading.grader import compiled, grade
from tutorbot.grading.lexicon import Lexicon, LexiconError, load_lexicon, shipped_lexicon
from tutorbot.grading.verdict import MARKS, Outcome, Verdict

__all__ = [
    "MARKS",
    "Lexicon",
    "LexiconError",
    "Outcome",
    "Verdict",
    "compiled",
    "grade",
    "load_lexicon",
    "shipped_lexicon",
]
