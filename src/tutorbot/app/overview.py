"""A class over time: per case its facility index and spread of answers, per student the cases
done and first-attempt accuracy, and flags for cases too easy or too hard.

Over the attempts that count for the class (:mod:`tutorbot.app.attempts`), with
current verdicts. The *facility index* of a case is the share of the learners
who answered it whose first attempt was correct; the *spread* is how many
different answers (after normalisation) were given, and the share of the most
common one. A case is flagged too easy above 90% and too hard below 20%.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from tutorbot.app.attempts import ClassScope, counts_for_class
from tutorbot.grading.curation import answer_key
from tutorbot.storage import AnswerRecord, Member

#: Characters a spreadsheet would take as the start of a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
TOO_EASY = 0.9
TOO_HARD = 0.2


@dataclass(frozen=True)
class CaseRow:
    """One case's figures for the class."""

    case_id: str
    title: str
    learners: int
    facility: float
    different: int
    top_share: float

    @property
    def flag(self) -> str:
        if self.facility > TOO_EASY:
            return "too easy?"
        if self.facility < TOO_HARD:
            return "too hard?"
        return ""


@dataclass(frozen=True)
class StudentRow:
    """One student's figures: cases answered, and the share right at the first attempt."""

    user_id: int
    name: str
    cases: int
    first_correct: int

    @property
    def accuracy(self) -> float:
        return self.first_correct / self.cases if self.cases else 0.0


def overview(
    attempts: Sequence[AnswerRecord],
    scope: ClassScope,
    titles: Mapping[str, str],
    pushed: Mapping[str, datetime] | None = None,
) -> tuple[list[CaseRow], list[StudentRow]]:
    """The class's case rows (most answered first) and student rows (current members, by
    name) from every stored attempt (those that count are picked here; ``pushed``: the
    first push of each case pushed to the class)."""
    since = pushed or {}
    counted = [
        a for a in attempts if counts_for_class(a, replace(scope, pushed_at=since.get(a.case_id)))
    ]
    first: dict[tuple[str, int], AnswerRecord] = {}
    by_case: dict[str, list[AnswerRecord]] = defaultdict(list)
    for attempt in counted:
        first.setdefault((attempt.case_id, attempt.user_id), attempt)
        by_case[attempt.case_id].append(attempt)
    cases = []
    for case_id, answers in by_case.items():
        firsts = [a for (c, _), a in first.items() if c == case_id]
        keys: dict[str, int] = defaultdict(int)
        for answer in answers:
            keys[answer_key(answer.answer)] += 1
        right = sum(1 for a in firsts if a.verdict == "correct")
        cases.append(
            CaseRow(
                case_id,
                titles.get(case_id, case_id),
                len(firsts),
                right / len(firsts),
                len(keys),
                max(keys.values()) / len(answers),
            )
        )
    cases.sort(key=lambda row: (-row.learners, row.case_id))
    students = []
    members: list[Member] = [m for m in scope.members.values() if m.current]
    for member in members:
        mine = [a for (_, u), a in first.items() if u == member.user_id]
        right = sum(1 for a in mine if a.verdict == "correct")
        students.append(StudentRow(member.user_id, member.name, len(mine), right))
    students.sort(key=lambda row: (row.name.casefold(), row.user_id))
    return cases, students


def overview_lines(
    class_name: str, cases: Sequence[CaseRow], students: Sequence[StudentRow]
) -> list[str]:
    """The class over time as plain lines."""
    out = [f"Class {class_name} over time"]
    if not cases:
        return [*out, "Nobody in this class has answered a case yet."]
    out.append("Cases (facility = right at the first attempt; spread = different answers):")
    for row in cases:
        flag = f"  ⚠ {row.flag}" if row.flag else ""
        out.append(
            f"- {row.title[:60]}: {row.learners} learners, facility {row.facility:.0%}, "
            f"{row.different} different answers (top {row.top_share:.0%}){flag}"
        )
    out.append("Students (cases answered, right at the first attempt):")
    for student in students:
        out.append(
            f"- {student.name}: {student.cases} cases, "
            f"{student.first_correct} right first time ({student.accuracy:.0%})"
        )
    return out


def overview_csv(cases: Sequence[CaseRow], students: Sequence[StudentRow]) -> list[list[str]]:
    """Both tables in one CSV: a ``kind`` column says which (cells made spreadsheet-safe)."""
    rows = [
        [
            "kind",
            "id",
            "name",
            "learners_or_cases",
            "facility_or_accuracy",
            "different",
            "top_share",
            "flag",
        ]
    ]
    for c in cases:
        rows.append(
            [
                safe_cell(v)
                for v in (
                    "case",
                    c.case_id,
                    c.title,
                    c.learners,
                    f"{c.facility:.3f}",
                    c.different,
                    f"{c.top_share:.3f}",
                    c.flag,
                )
            ]
        )
    for s in students:
        rows.append(
            [
                safe_cell(v)
                for v in ("student", s.user_id, s.name, s.cases, f"{s.accuracy:.3f}", "", "", "")
            ]
        )
    return rows


def safe_cell(value: object) -> str:
    """A CSV cell a spreadsheet shows as text: one starting like a formula gets a quote."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text
