"""Grading free-text diagnoses: ``grade(answer, spec) -> Verdict``.

Pure and deterministic: no I/O once the lexicon is loaded. See
docs/grading.md for how answers are judged.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tutorbot.cases.model import DiagnosisSpec
from tutorbot.grading.grader import compiled, grade, qualifiers_of
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
    "grader_for",
    "load_lexicon",
    "qualifiers_of",
    "shipped_lexicon",
]


def grader_for(cases_dir: Path | None) -> Callable[[str, DiagnosisSpec], Verdict]:
    """``grade`` bound to the lexicon of a cases folder (shipped plus its lexicon.yaml).

    Raises :class:`LexiconError` when that lexicon.yaml is broken.
    """
    lexicon = load_lexicon(cases_dir)

    def grade_with_lexicon(answer: str, spec: DiagnosisSpec) -> Verdict:
        return grade(answer, spec, lexicon)

    return grade_with_lexicon
