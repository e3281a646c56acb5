"""Curation: an instructor turns stored answers into accepted, partial or wrong forms of a case,
and every stored answer of that case is graded again (a durable job), learners told once.

The front ends (``/review`` in Telegram, ``tutorbot review`` and ``tutorbot
regrade`` in the terminal) call :class:`Curation`; the pure rules are
:mod:`tutorbot.grading.curation`, the file edit :mod:`tutorbot.cases.editing`.

**Regrading** (:meth:`Curation.regrade`): every stored answer of the case is
graded against the case as its file is now; each changed verdict is kept
beside the old one (who changed the case, when, before → after), never
overwriting it, and each finished play's outcome follows (the first outcome
stays stored). Idempotent: an answer already graded as the case now says
changes nothing, so a job run twice regrades once. **Telling learners**
(:meth:`Curation.tell`): each learner with a changed verdict not yet told gets
one short message about their latest changed answer, at bulk priority, and
their regrades are marked told.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from tutorbot.app.jobs import JobHandler
from tutorbot.app.ports import Clock, Notifier
from tutorbot.app.replies import Say
from tutorbot.cases import Case, Library
from tutorbot.cases.editing import ListName, add_form
from tutorbot.grading.curation import (
    KIND_VERDICT,
    Edit,
    Effect,
    Graded,
    Grader,
    answer_key,
    curated,
    effect,
    refusal,
)
from tutorbot.storage import AnswerRecord, FinishedCase, Job, NewJob, OutcomeRegrade, Regrade, Store
from tutorbot.tutor import Tutor
from tutorbot.tutor.progress import replayed_outcome

log = logging.getLogger(__name__)

#: The job kind (and, with the case id, the key) of a regrade.
REGRADE = "curation.regrade"
LISTS: dict[str, ListName] = {"accept": "accepted", "partial": "partial", "wrong": "wrong"}


class CurationError(Exception):
    """A curation that cannot be done; the message is the one line to show."""


class UnknownCase(CurationError):
    """No case has that id."""


class Refused(CurationError):
    """The form would make one of the case's listed wrong answers correct."""


@dataclass(frozen=True)
class Preview:
    """What an edit would do, before it is applied: the case as it is (``version`` is what
    the edit is checked against), and the effect on the stored answers."""

    case: Case
    edit: Edit
    effect: Effect
    refused: tuple[str, ...]


@dataclass(frozen=True)
class Regraded:
    """What a regrade did: answers graded, verdicts and outcomes changed."""

    case_id: str
    version: str
    graded: int
    changed: int
    outcomes: int
    summary: str


def graded(answers: Sequence[AnswerRecord]) -> list[Graded]:
    return [Graded(a.id or 0, a.answer, a.verdict) for a in answers if a.id is not None]


def _outcomes(
    finishes: Sequence[FinishedCase], answers: Sequence[AnswerRecord], now: Mapping[int, str]
) -> list[OutcomeRegrade]:
    """Each finished play's outcome with its answers' verdicts as ``now`` has them.

    A play's answers are the learner's answers to the case after their previous finish,
    up to and including this one (an answer and the finish it caused share a time)."""
    by_user: dict[int, list[AnswerRecord]] = defaultdict(list)
    for answer in answers:
        by_user[answer.user_id].append(answer)
    changed = []
    last: dict[int, datetime | None] = {}
    for finish in finishes:
        if finish.id is None or finish.at is None:
            continue
        since = last.get(finish.user_id)
        last[finish.user_id] = finish.at
        play = [
            a
            for a in by_user[finish.user_id]
            if a.at is not None and a.at <= finish.at and (since is None or a.at > since)
        ]
        verdicts = [now.get(a.id or 0, a.verdict) for a in play]
        first = finish.first_outcome or finish.outcome
        after = replayed_outcome(first, verdicts)
        if after != finish.outcome:
            changed.append(OutcomeRegrade(finish.id, after))
    return changed


class Curation:
    """The curation use cases, shared by every front end and the regrade job."""

    def __init__(
        self,
        store: Store,
        library: Library,
        grader: Grader,
        clock: Clock,
        notifier: Notifier | None = None,
    ) -> None:
        self.store = store
        self.library = library
        self.grader = grader
        self.clock = clock
        self.notifier = notifier

    def case(self, case_id: str) -> Case:
        """The case as its file is now."""
        case = self.library.current(case_id)
        if case is None:
            raise UnknownCase(f"I have no case called “{case_id}”.")
        return case

    async def answers(self, case_id: str) -> list[AnswerRecord]:
        """Every stored answer of the case, with its current verdict."""
        return await self.store.answers.list(case_id=case_id)

    async def preview(self, case_id: str, edit: Edit) -> Preview:
        """What ``edit`` would change, and whether it is refused."""
        case = self.case(case_id)
        spec = curated(case.diagnosis, edit)
        refused = refusal(case.diagnosis, spec, self.grader)
        found = effect(graded(await self.answers(case_id)), spec, self.grader)
        return Preview(case, edit, found, tuple(refused))

    async def apply(self, case_id: str, edit: Edit, *, expected_version: str, by: str) -> Preview:
        """Write ``edit`` into the case file if it is still at ``expected_version``, and
        queue the regrade of every stored answer. Raises :class:`Refused`,
        :class:`~tutorbot.cases.editing.CaseChanged`,
        :class:`~tutorbot.cases.editing.CaseNotWritable` or
        :class:`~tutorbot.cases.editing.EditError`."""
        preview = await self.preview(case_id, edit)
        if preview.refused:
            listed = ", ".join(f"“{w}”" for w in preview.refused)
            raise Refused(
                f"Refused: the case lists {listed} as wrong, and this form would accept it."
            )
        key = answer_key(edit.form)
        written = add_form(
            preview.case.folder,
            LISTS[edit.kind],
            edit.form.strip(),
            edit.feedback.strip(),
            expected_version=expected_version,
            same=lambda text: answer_key(text) == key,
            root=self.library.roots.get(case_id),
        )
        self.library.current(case_id)  # this process serves the new version at once
        log.info(
            "case %s: %s form %r by %s; version %s",
            case_id,
            edit.kind,
            edit.form,
            by,
            written.case.version,
        )
        await self.schedule_regrade(case_id, by)
        return preview

    async def schedule_regrade(self, case_id: str, by: str) -> int:
        """Queue the regrade job of ``case_id`` (once while one is waiting)."""
        payload = {"case_id": case_id, "by": by}
        return await self.store.jobs.add(
            NewJob(REGRADE, payload, self.clock.now(), key=f"{REGRADE}:{case_id}")
        )

    async def regrade(self, case_id: str, by: str) -> Regraded:
        """Grade every stored answer of the case again against the case as it is now."""
        case = self.case(case_id)
        answers = await self.answers(case_id)
        found = effect(graded(answers), case.diagnosis, self.grader)
        regrades = [
            Regrade(
                c.id, case.version, c.before, c.after.verdict, c.after.score, c.after.matched, by
            )
            for c in found.changes
        ]
        now = {c.id: c.after.verdict for c in found.changes}
        finishes = await self.store.progress.of_case(case_id)
        outcomes = _outcomes(finishes, answers, now)
        if regrades or outcomes:
            await self.store.answers.regrade(regrades, outcomes)
        log.info("case %s regraded: %s", case_id, found.summary())
        return Regraded(
            case_id, case.version, found.graded, len(regrades), len(outcomes), found.summary()
        )

    async def tell(self, case_id: str) -> int:
        """Tell each learner whose verdict changed and who was not told yet, once; how many
        were told (or found to have blocked the bot)."""
        if self.notifier is None:
            return 0
        pending = await self.store.answers.regrades(case_id, unnotified=True)
        by_user: dict[int, list[Regrade]] = defaultdict(list)
        for regrade in pending:
            by_user[regrade.user_id].append(regrade)
        case = self.library.current(case_id)
        title = Tutor(case, self.grader).title if case else case_id
        told = 0
        for user_id, regrades in by_user.items():
            latest = regrades[-1]
            if latest.before != latest.after:
                await self.notifier.notify(user_id, 0, [news(latest, title)])
                told += 1
            await self.store.answers.notified([r.id for r in regrades if r.id is not None])
        return told


def news(regrade: Regrade, title: str) -> Say:
    """The one short, kind message a learner gets when a regrade changed their verdict."""
    answer = regrade.answer if len(regrade.answer) <= 200 else regrade.answer[:199] + "…"
    if regrade.after == "correct":
        line = f"Good news: your answer “{answer}” to {title} is now accepted ✅."
    elif regrade.after == "partial":
        line = f"Your answer “{answer}” to {title} now counts as partly right 🟡."
    else:
        line = (
            f"A note on {title}: after your instructor reviewed the case, your answer "
            f"“{answer}” no longer counts as {'right' if regrade.before == 'correct' else 'partly right'}. "
            "The case's teaching points explain why."
        )
    return Say("regraded", (line,))


def handlers(curation: Curation) -> dict[str, JobHandler]:
    """The regrade job's handler by kind, for :class:`tutorbot.app.jobs.JobRunner`."""

    async def regrade(job: Job) -> None:
        case_id = str(job.payload["case_id"])
        await curation.regrade(case_id, str(job.payload.get("by", "")))
        await curation.tell(case_id)
        return None

    return {REGRADE: regrade}


__all__ = [
    "KIND_VERDICT",
    "REGRADE",
    "Curation",
    "CurationError",
    "Edit",
    "Preview",
    "Refused",
    "Regraded",
    "UnknownCase",
    "handlers",
    "news",
]
