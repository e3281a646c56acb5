"""Results of one case: what a class (or everyone) answered, as figures, lines, CSV rows.

Only the attempts that count for the class (:mod:`tutorbot.app.attempts`) are
used; without a class (owners only) every stored attempt counts. Each
learner's *first play* is their attempts up to their first finish of the case
(or all of them when they have not finished). Figures use the current
verdicts (after any regrade). The front ends decide who may ask
(:meth:`Results.allowed`): a class's instructors for that class, owners for
every class and for everyone.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from tutorbot.app.attempts import ClassScope, for_class, scope_of
from tutorbot.app.curation import graded
from tutorbot.app.instructors import Roster
from tutorbot.app.overview import CaseRow, StudentRow, overview, safe_cell
from tutorbot.cases import Library
from tutorbot.grading.curation import AnswerGroup, grouped, mark_of
from tutorbot.storage import AnswerRecord, ClassRecord, FinishedCase, Store

#: How many answer groups a results message lists (the CSV and the chart have them all).
SHOWN_GROUPS = 10
#: How many names of learners who have not started / finished a message lists.
SHOWN_NAMES = 30


class ResultsRefused(Exception):
    """Results the asker may not see, or of no such case or class; the one line to show."""


@dataclass(frozen=True)
class CaseResults:
    """The figures of one case for one class (``class_name`` ``None``: everyone)."""

    case_id: str
    title: str
    class_name: str | None
    sent_to: int | None
    started: int
    finished: int
    first: Counter[str]
    final: Counter[str]
    median_seconds: float | None
    hints_used: int
    groups: tuple[AnswerGroup, ...]
    not_started: tuple[str, ...] = ()
    not_finished: tuple[str, ...] = ()
    attempts: tuple[AnswerRecord, ...] = field(default=(), repr=False)

    @property
    def empty(self) -> bool:
        return not self.attempts and not self.finished


def _first_plays(
    attempts: Sequence[AnswerRecord], finishes: Sequence[FinishedCase]
) -> tuple[dict[int, list[AnswerRecord]], dict[int, FinishedCase]]:
    """Each learner's attempts up to their first finish, and that finish."""
    first_finish: dict[int, FinishedCase] = {}
    for finish in finishes:
        first_finish.setdefault(finish.user_id, finish)
    plays: dict[int, list[AnswerRecord]] = {}
    for attempt in attempts:
        ended = first_finish.get(attempt.user_id)
        if ended is None or ended.at is None or attempt.at is None or attempt.at <= ended.at:
            plays.setdefault(attempt.user_id, []).append(attempt)
    return plays, first_finish


def figures(
    case_id: str,
    title: str,
    attempts: Sequence[AnswerRecord],
    finishes: Sequence[FinishedCase],
    *,
    class_name: str | None = None,
    members: dict[int, str] | None = None,
) -> CaseResults:
    """The figures of ``attempts`` and ``finishes`` (already those that count)."""
    plays, first_finish = _first_plays(attempts, finishes)
    learners = set(plays) | set(first_finish)
    first = Counter(play[0].verdict for play in plays.values())
    final: Counter[str] = Counter(f.outcome for f in first_finish.values())
    seconds = [play[0].seconds for play in plays.values() if play[0].seconds is not None]
    hints = sum(1 for play in plays.values() if max((a.hints or 0) for a in play) > 0)
    not_started: tuple[str, ...] = ()
    not_finished: tuple[str, ...] = ()
    if members is not None:
        not_started = tuple(sorted(n for u, n in members.items() if u not in learners))
        not_finished = tuple(
            sorted(n for u, n in members.items() if u in learners and u not in first_finish)
        )
    return CaseResults(
        case_id=case_id,
        title=title,
        class_name=class_name,
        sent_to=len(members) if members is not None else None,
        started=len(learners),
        finished=len(first_finish),
        first=first,
        final=final,
        median_seconds=statistics.median(seconds) if seconds else None,
        hints_used=hints,
        groups=tuple(grouped(graded(attempts))),
        not_started=not_started,
        not_finished=not_finished,
        attempts=tuple(attempts),
    )


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "not known"
    if seconds < 90:
        return f"{round(seconds)} s"
    if seconds < 5400:
        return f"{round(seconds / 60)} min"
    return f"{seconds / 3600:.1f} h"


def lines(results: CaseResults, *, names: bool = True) -> list[str]:
    """The results as plain lines (a front end escapes them); ``names``: list who has not
    started or finished (the instructor's view)."""
    who = f"class {results.class_name}" if results.class_name else "everyone"
    head = f"Results: {results.title} ({who})"
    if results.empty:
        return [head, "Nobody has answered this case yet: there are no results to show."]
    sent = f"sent to {results.sent_to}, " if results.sent_to is not None else ""
    first = results.first
    final = results.final
    out = [
        head,
        f"{sent}started {results.started}, finished {results.finished}",
        f"First attempt: ✅ {first['correct']}  🟡 {first['partial']}  ❌ {first['wrong']}",
        f"In the end: ✅ {final['correct']} correct, 👁 {final['revealed']} revealed"
        + (f", 🟡 {final['partial']}" if final["partial"] else "")
        + (f", ❌ {final['wrong']}" if final["wrong"] else ""),
        f"Median time to first answer: {_duration(results.median_seconds)}",
        f"Used hints: {results.hints_used} of {results.started}",
        "",
        f"Answers ({len(results.attempts)}, {len(results.groups)} different):",
    ]
    for group in results.groups[:SHOWN_GROUPS]:
        out.append(f"{mark_of(group.verdict)} {group.count} × {group.text[:80]}")
    if len(results.groups) > SHOWN_GROUPS:
        out.append(f"… and {len(results.groups) - SHOWN_GROUPS} more (see the CSV)")
    if names and results.not_started:
        out += ["", f"Not started ({len(results.not_started)}): " + _names(results.not_started)]
    if names and results.not_finished:
        out += ["", f"Not finished ({len(results.not_finished)}): " + _names(results.not_finished)]
    return out


def _names(names: Sequence[str]) -> str:
    shown = ", ".join(names[:SHOWN_NAMES])
    return shown + (f" and {len(names) - SHOWN_NAMES} more" if len(names) > SHOWN_NAMES else "")


CSV_HEADER = (
    "learner_id",
    "learner",
    "time",
    "answer",
    "verdict",
    "first_verdict",
    "attempt",
    "hints",
    "seconds",
    "case_version",
    "source",
)


def csv_rows(results: CaseResults) -> list[list[str]]:
    """One row per attempt (the header first), every cell safe to open in a spreadsheet."""
    rows = [list(CSV_HEADER)]
    for a in results.attempts:
        cells = (
            a.user_id,
            a.name,
            a.at.isoformat() if a.at else "",
            a.answer,
            a.verdict,
            a.first_verdict or "",
            a.attempt if a.attempt is not None else "",
            a.hints if a.hints is not None else "",
            f"{a.seconds:.1f}" if a.seconds is not None else "",
            a.case_version,
            a.source,
        )
        rows.append([safe_cell(c) for c in cells])
    return rows


class Results:
    """The results use cases, shared by ``/results`` and ``tutorbot results``."""

    def __init__(self, store: Store, library: Library, roster: Roster) -> None:
        self.store = store
        self.library = library
        self.roster = roster

    async def allowed(self, user: int | None, class_id: int | None) -> bool:
        """Whether ``user`` may see results of ``class_id`` (``None``: of everyone). The
        terminal (``user`` ``None``) may see all: it has the database already."""
        if user is None or self.roster.is_owner(user):
            return True
        if class_id is None:
            return False
        cls = await self.store.classes.get(class_id)
        return cls is not None and user in cls.instructors

    async def classes_of(self, user: int) -> list[ClassRecord]:
        """The classes whose results ``user`` may see."""
        if self.roster.is_owner(user):
            return await self.store.classes.list()
        return await self.store.classes.of_instructor(user)

    async def scope(
        self, class_id: int, case_id: str | None = None
    ) -> tuple[ClassRecord, ClassScope]:
        """The class, and what decides which attempts count for it (for ``case_id``: from
        the first push of that case to the class, if it was pushed)."""
        cls = await self.store.classes.get(class_id)
        if cls is None:
            raise ResultsRefused("That class is gone.")
        members = await self.store.members.of_class(class_id, former=True)
        groups = await self.store.groups.of_class(class_id, all=True)
        pushed = [
            p.created_at for p in await self.store.pushes.of_class(class_id) if p.case_id == case_id
        ]
        first_push = min(pushed) if pushed else None
        return cls, scope_of(members, [g.chat_id for g in groups], first_push)

    async def of_case(
        self, user: int | None, case_id: str, class_id: int | None = None
    ) -> CaseResults:
        """The results of ``case_id`` for ``class_id`` (``None``: everyone), if ``user`` may
        see them; raises :class:`ResultsRefused` otherwise."""
        if not await self.allowed(user, class_id):
            raise ResultsRefused("Those results are for the class's instructors only.")
        case = self.library.current(case_id)
        if case is None:
            raise ResultsRefused(f"I have no case called “{case_id}”.")
        title = case.title
        attempts = await self.store.answers.list(case_id=case_id)
        finishes = await self.store.progress.of_case(case_id)
        if class_id is None:
            return figures(case_id, title, attempts, finishes)
        cls, scope = await self.scope(class_id, case_id)
        counted = for_class(attempts, scope)
        counted_finishes = [f for f in finishes if _finish_counts(f, scope)]
        current = {m.user_id: m.name for m in scope.members.values() if m.current}
        return figures(
            case_id, title, counted, counted_finishes, class_name=cls.name, members=current
        )


async def class_overview(
    results: Results, user: int | None, class_id: int
) -> tuple[str, list[CaseRow], list[StudentRow]]:
    """The class over time (:mod:`tutorbot.app.overview`), if ``user`` may see it."""
    if not await results.allowed(user, class_id):
        raise ResultsRefused("Those results are for the class's instructors only.")
    cls, scope = await results.scope(class_id)
    titles = {case_id: case.title for case_id, case in results.library.cases.items()}
    pushed: dict[str, datetime] = {}
    for push in await results.store.pushes.of_class(class_id):
        pushed[push.case_id] = min(push.created_at, pushed.get(push.case_id, push.created_at))
    cases, students = overview(await results.store.answers.list(), scope, titles, pushed)
    return cls.name, cases, students


def _finish_counts(finish: FinishedCase, scope: ClassScope) -> bool:
    member = scope.members.get(finish.user_id)
    if member is None or finish.at is None or finish.at < member.joined_at:
        return False
    if member.left_at is not None and finish.at >= member.left_at:
        return False
    return scope.pushed_at is None or finish.at >= scope.pushed_at
