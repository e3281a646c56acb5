"""Curation, pure: an instructor turns a learner's answer into an accepted, partial or wrong
form, and what that would change.

:func:`curated` gives the case's diagnosis spec with the form added (taken out
of the other lists, so one answer has one meaning); :func:`effect` grades the
stored answers again against it and counts what changes, by ``before → after``;
:func:`refusal` names the case's own listed wrong answers that the new spec
would accept (such a form is refused: it would teach the misconception as
right). :func:`answer_key` groups answers that differ only in spelling, case,
accents, punctuation or plural, for lists and charts.

No I/O: the application layer reads the case file and the stored answers,
and writes the file (:mod:`tutorbot.cases.editing`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Literal

from tutorbot.cases.model import AnswerFeedback, DiagnosisSpec
from tutorbot.grading.normalise import fold, respell
from tutorbot.grading.verdict import MARKS, Outcome, Verdict

Grader = Callable[[str, DiagnosisSpec], Verdict]
#: What an instructor makes of an answer.
Kind = Literal["accept", "partial", "wrong"]
KIND_VERDICT: dict[Kind, Outcome] = {"accept": "correct", "partial": "partial", "wrong": "wrong"}
_WORDS = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Edit:
    """One curation: ``form`` becomes an accepted answer, or a partial or wrong one with
    ``feedback`` (what the learner is told when they give it)."""

    kind: Kind
    form: str
    feedback: str = ""

    def __post_init__(self) -> None:
        if not self.form.strip():
            raise ValueError("a curated form cannot be empty")
        if self.kind != "accept" and not self.feedback.strip():
            raise ValueError(f"a {self.kind} form needs feedback for the learner")


@dataclass(frozen=True)
class Graded:
    """A stored answer to grade again: its id, its text and its current verdict."""

    id: int
    answer: str
    verdict: str


@dataclass(frozen=True)
class Change:
    """One answer whose verdict the new spec changes."""

    id: int
    answer: str
    before: str
    after: Verdict


@dataclass(frozen=True)
class Effect:
    """What grading the answers again against a new spec changes."""

    changes: tuple[Change, ...]
    graded: int

    def counts(self) -> Counter[tuple[str, str]]:
        """How many answers go from each verdict to each other."""
        return Counter((c.before, c.after.verdict) for c in self.changes)

    def summary(self) -> str:
        """ "changes 14 verdicts: 11 ❌→✅, 3 🟡→✅" (or "changes no verdict")."""
        if not self.changes:
            return f"changes no verdict (of {self.graded} stored answers)"
        parts = [
            f"{count} {mark_of(before)}→{mark_of(after)}"
            for (before, after), count in self.counts().most_common()
        ]
        noun = "verdict" if len(self.changes) == 1 else "verdicts"
        return f"changes {len(self.changes)} {noun}: " + ", ".join(parts)


def mark_of(verdict: str) -> str:
    """The emoji of a stored verdict (the verdict itself if it is not one we know)."""
    for outcome, mark in MARKS.items():
        if outcome == verdict:
            return mark
    return verdict


def answer_key(text: str) -> str:
    """The form answers are grouped by: folded, words only, singular, American spelling."""
    return " ".join(respell(word) for word in _WORDS.findall(fold(text)))


def curated(spec: DiagnosisSpec, edit: Edit) -> DiagnosisSpec:
    """``spec`` with ``edit``'s form in the list its kind names, and out of the others."""
    key = answer_key(edit.form)
    accepted = tuple(a for a in spec.accepted if answer_key(a) != key)
    partial = tuple(p for p in spec.partial if answer_key(p.answer) != key)
    wrong = tuple(w for w in spec.wrong if answer_key(w.answer) != key)
    form = edit.form.strip()
    feedback = edit.feedback.strip()
    if edit.kind == "accept":
        accepted += (form,)
    elif edit.kind == "partial":
        partial += (AnswerFeedback(form, feedback),)
    else:
        wrong += (AnswerFeedback(form, feedback),)
    return replace(spec, accepted=accepted, partial=partial, wrong=wrong)


def refusal(old: DiagnosisSpec, new: DiagnosisSpec, grader: Grader) -> list[str]:
    """The case's listed wrong answers (``old.wrong``) that ``new`` would accept:
    a form that does this is refused."""
    return [w.answer for w in old.wrong if grader(w.answer, new).verdict == "correct"]


def effect(answers: Iterable[Graded], new: DiagnosisSpec, grader: Grader) -> Effect:
    """Grade ``answers`` against ``new``; each distinct text is graded once."""
    verdicts: dict[str, Verdict] = {}
    changes: list[Change] = []
    graded = 0
    for answer in answers:
        graded += 1
        verdict = verdicts.get(answer.answer)
        if verdict is None:
            verdict = verdicts[answer.answer] = grader(answer.answer, new)
        if verdict.verdict != answer.verdict:
            changes.append(Change(answer.id, answer.answer, answer.verdict, verdict))
    return Effect(tuple(changes), graded)


@dataclass(frozen=True)
class AnswerGroup:
    """Answers that are one answer after normalisation: the most common spelling, how
    many gave it, its verdict (the most common one among them) and the stored ids."""

    text: str
    count: int
    verdict: str
    ids: tuple[int, ...]
    key: str


def grouped(answers: Sequence[Graded]) -> list[AnswerGroup]:
    """``answers`` grouped by :func:`answer_key`, most frequent first (ties: first seen)."""
    by_key: dict[str, list[Graded]] = {}
    for answer in answers:
        by_key.setdefault(answer_key(answer.answer), []).append(answer)
    groups = []
    for key, members in by_key.items():
        text = Counter(m.answer.strip() for m in members).most_common(1)[0][0]
        verdict = Counter(m.verdict for m in members).most_common(1)[0][0]
        groups.append(AnswerGroup(text, len(members), verdict, tuple(m.id for m in members), key))
    return sorted(groups, key=lambda g: -g.count)
