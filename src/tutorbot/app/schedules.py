"""Schedules: a class's weekly slot (or one-off time) that pushes the next case of a playlist.

A schedule is data (:class:`~tutorbot.storage.Schedules`) fired by a durable job of
kind :data:`FIRE`, due at its next slot, so it survives restarts and is shared by
every process on the database. When the job comes due, :func:`tutorbot.schedules.catch_up`
decides: only the latest missed slot fires, and only if it is less than six hours
late; the slots skipped are reported to the instructor. Each slot pushes at most
once, also when two processes run the job (a lease expired, a process stalled): the
push's origin names the schedule and the slot, and the store creates one push per
origin.

A slot pushes the first playlist case not yet pushed to the class (by hand or by a
schedule). When the playlist has run out, or its next case is no longer published,
or the class is archived, the instructor is told and the schedule pauses.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from tutorbot.app.classes import Classroom
from tutorbot.app.instructors import Refusal
from tutorbot.app.jobs import JobHandler
from tutorbot.app.ports import Clock, Notifier
from tutorbot.app.pushes import push_case
from tutorbot.app.replies import Choice, Say, ScheduleAction
from tutorbot.cases import Case, Library
from tutorbot.schedules import (
    OneOff,
    PlaylistBlocked,
    PlaylistDone,
    Rule,
    ScheduleError,
    catch_up,
    join_ampm,
    local_time,
    next_fire,
    parse_one_off,
    parse_weekly,
    playlist_next,
    read_rule,
    rule_text,
)
from tutorbot.storage import ClassRecord, Job, NewJob, NewSchedule, ScheduleRecord, Store

log = logging.getLogger(__name__)

#: The job kind that fires a schedule's slots.
FIRE = "schedules.fire"

NO_SCHEDULE = "There is no such schedule (any more)."
NO_PLAYLIST = "Name the cases to push, in order, after the time zone."
USAGE = (
    "Write /schedule Monday 08:00 Europe/London case-a case-b (every week, the next case "
    "of the list each time) or /schedule 2026-12-14 08:00 Europe/London case-a (once)."
)


@dataclass(frozen=True)
class Listed:
    """A schedule as its instructor sees it: its class and its next slot (``None``: none)."""

    schedule: ScheduleRecord
    cls: ClassRecord
    next_run: datetime | None


class Scheduler:
    """Instructors' schedule use cases, and the handler of :data:`FIRE` jobs."""

    def __init__(
        self,
        store: Store,
        classroom: Classroom,
        library: Library,
        clock: Clock,
        notifier: Notifier | None = None,
        *,
        title: Callable[[Case], str] | None = None,
    ) -> None:
        self.store = store
        self.classroom = classroom
        self.library = library
        self.clock = clock
        self.notifier = notifier
        self.title = title or (lambda case: case.title)

    def handlers(self) -> dict[str, JobHandler]:
        """The job handlers by kind, for :class:`tutorbot.app.jobs.JobRunner`."""
        return {FIRE: self.fire}

    # -- instructors ------------------------------------------------------------------------

    async def create(
        self, user: int | None, class_id: int, when: list[str], playlist: list[str]
    ) -> tuple[ScheduleRecord, datetime]:
        """A schedule for a class ``user`` teaches: ``when`` is a weekly slot (``Monday 08:00
        Europe/London``) or a one-off (``2026-12-14 08:00 Europe/London``); ``playlist``
        the published cases to push, in order. The schedule and its first slot; or
        :class:`Refusal` with one line saying what is wrong."""
        cls = await self.classroom.mine(user, class_id)
        if cls.archived:
            raise Refusal(f"{cls.name} is archived: bring it back before scheduling pushes.")
        rule = self._rule(when)
        if not playlist:
            raise Refusal(NO_PLAYLIST)
        for case_id in playlist:
            self._publishable(case_id)
        first = next_fire(rule, self.clock.now())
        if first is None:
            raise Refusal(f"{rule.describe()} has already passed; pick a time to come.")
        new = NewSchedule(cls.id, user or 0, rule_text(rule), tuple(playlist))
        record = await self.store.schedules.add(new, FIRE, first, self.clock.now())
        return record, first

    async def create_typed(self, user: int, words: list[str]) -> tuple[ScheduleRecord, datetime]:
        """/schedule as typed: ``[class number] <when> <case-id> ...``; the class number
        only when ``user`` teaches several classes (their order in the usage line)."""
        await self.classroom.roster.require(user)
        classes = await self.classroom.classes_of(user)
        if not classes:
            raise Refusal("You have no classes yet: /newclass <name> makes one.")
        words = join_ampm(words)
        if words and words[0].isdigit() and len(words[0]) <= 3:
            number = int(words.pop(0))
            if not 1 <= number <= len(classes):
                raise Refusal(f"You have {len(classes)} classes: {_numbered(classes)}.")
            cls = classes[number - 1]
        elif len(classes) > 1:
            raise Refusal(f"Start with the class's number: {_numbered(classes)}. {USAGE}")
        else:
            cls = classes[0]
        if len(words) < 3:
            raise Refusal(USAGE)
        return await self.create(user, cls.id, words[:3], words[3:])

    async def of_instructor(self, user: int) -> list[Listed]:
        """The schedules of every class ``user`` teaches, with their next slot."""
        listed = []
        for cls in await self.classroom.classes_of(user):
            for schedule in await self.store.schedules.of_class(cls.id):
                listed.append(Listed(schedule, cls, self.next_run(schedule)))
        return listed

    def next_run(self, schedule: ScheduleRecord) -> datetime | None:
        """When the schedule fires next (``None``: paused, or over)."""
        if schedule.status != "active":
            return None
        return next_fire(read_rule(schedule.rule), self.clock.now())

    async def pause(self, user: int | None, schedule_id: int) -> ScheduleRecord:
        """Pause: no slot fires until :meth:`resume`."""
        await self._mine(user, schedule_id)
        await self.store.schedules.set_status(schedule_id, "paused")
        return await self._mine(user, schedule_id)

    async def resume(self, user: int | None, schedule_id: int) -> ScheduleRecord:
        """Resume from the next slot to come (the slots missed while paused do not fire)."""
        schedule = await self._mine(user, schedule_id)
        first = next_fire(read_rule(schedule.rule), self.clock.now())
        if first is None:
            raise Refusal("That one-off push's time has passed; make a new one with /schedule.")
        await self.store.schedules.set_status(schedule_id, "active")
        # Keyed: while the schedule's job is still live (paused before its slot) this adds
        # nothing, and that job fires at its slot as before.
        await self.store.jobs.add(
            NewJob(FIRE, {"schedule": schedule_id}, first, key=f"{FIRE}:{schedule_id}")
        )
        return await self._mine(user, schedule_id)

    async def skip_next(self, user: int | None, schedule_id: int) -> ScheduleRecord:
        """The next slot pushes nothing (the one after it goes on as usual)."""
        await self._mine(user, schedule_id)
        await self.store.schedules.set_skip_next(schedule_id, True)
        return await self._mine(user, schedule_id)

    async def delete(self, user: int | None, schedule_id: int) -> ScheduleRecord:
        """Delete: it never fires again (its pushes so far stay)."""
        schedule = await self._mine(user, schedule_id)
        await self.store.schedules.set_status(schedule_id, "deleted")
        return schedule

    # -- the job ----------------------------------------------------------------------------

    async def fire(self, job: Job) -> datetime | None:
        """The schedule's slot came: push (or skip, or pause); the next slot, or ``None``."""
        schedule = await self.store.schedules.get(int(job.payload["schedule"]))
        if schedule is None or schedule.status != "active":
            return None  # resuming adds the job again
        rule = read_rule(schedule.rule)
        outcome = catch_up(rule, job.due, self.clock.now())
        notes: list[str] = []
        if outcome.skipped:
            missed = ", ".join(_local(rule, moment) for moment in outcome.skipped)
            notes.append(
                f"I was not running at {missed}, more than six hours ago, so "
                "nothing was pushed then."
            )
        next_due = outcome.next_due
        if outcome.fire is not None:
            if schedule.skip_next:
                await self.store.schedules.set_skip_next(schedule.id, False)
                notes.append(f"Skipped the push of {_local(rule, outcome.fire)}, as you asked.")
            elif not await self._push(schedule, rule, outcome.fire, notes):
                await self.store.schedules.set_status(schedule.id, "paused")
                notes.append("The schedule is paused: /schedules to resume it.")
                next_due = None
        if next_due is None and isinstance(rule, OneOff):
            await self.store.schedules.set_status(schedule.id, "done")
        await self._tell(schedule.by, notes)
        return next_due

    async def _push(
        self, schedule: ScheduleRecord, rule: Rule, slot: datetime, notes: list[str]
    ) -> bool:
        """Push the playlist's next case for ``slot``; ``False`` when the schedule must pause."""
        cls = await self.store.classes.get(schedule.class_id)
        if cls is None or cls.archived:
            notes.append("The class of this schedule is archived, so nothing was pushed.")
            return False
        pushed = {push.case_id for push in await self.store.pushes.of_class(cls.id)}
        published = {case.id for case in self.library.published()}
        following = playlist_next(schedule.playlist, pushed, published)
        if isinstance(following, PlaylistDone):
            notes.append(f"Every case on the playlist of {cls.name} has been pushed.")
            return False
        if isinstance(following, PlaylistBlocked):
            case = self.library.cases.get(following.case_id)
            name = self.title(case) if case else following.case_id
            notes.append(
                f"The next case on the playlist of {cls.name}, {name}, is no longer "
                "published, so nothing was pushed."
            )
            return False
        case = self.library.cases[following.case_id]
        origin = f"schedule:{schedule.id}:{slot.isoformat()}"
        try:
            push, created = await push_case(
                self.store,
                self.classroom,
                cls,
                case,
                self.title(case),
                schedule.by,
                self.clock.now(),
                origin=origin,
                schedule_id=schedule.id,
            )
        except Refusal as refusal:  # an empty class: the playlist waits for students
            notes.append(f"{refusal} Nothing was pushed at {_local(rule, slot)}.")
            return True
        if created:
            log.info(
                "schedule %d pushed %s to class %d (push %d)", schedule.id, case.id, cls.id, push.id
            )
        return True

    async def _tell(self, user: int, notes: list[str]) -> None:
        if not notes or self.notifier is None or user <= 0:
            return
        try:
            await self.notifier.notify(user, 0, [Say("schedule_note", tuple(notes))])
        except Exception:  # the schedule goes on; the note is in the log
            log.exception("could not tell instructor %d: %s", user, " ".join(notes))

    # -- helpers ----------------------------------------------------------------------------

    def _rule(self, when: list[str]) -> Rule:
        try:
            if when and when[0][:1].isdigit():
                return parse_one_off(when, self.clock.now())
            return parse_weekly(when)
        except ScheduleError as error:
            raise Refusal(str(error)) from None

    def _publishable(self, case_id: str) -> Case:
        case = self.library.cases.get(case_id)
        if case is None:
            raise Refusal(f"I have no case called {case_id!r}; tutorbot cases list shows them.")
        if not case.published:
            raise Refusal(f"{case_id} is a draft: publish it before scheduling it.")
        return case

    async def _mine(self, user: int | None, schedule_id: int) -> ScheduleRecord:
        schedule = await self.store.schedules.get(schedule_id)
        if schedule is None or schedule.status == "deleted":
            raise Refusal(NO_SCHEDULE)
        await self.classroom.mine(user, schedule.class_id)
        return schedule


def _numbered(classes: list[ClassRecord]) -> str:
    return ", ".join(f"{n} {cls.name}" for n, cls in enumerate(classes, 1))


def listing(listed: list[Listed]) -> Say:
    """/schedules: every schedule with its next run and its buttons."""
    if not listed:
        return Say("schedules", ("No schedules yet. " + USAGE,))
    lines, choices = [], []
    for n, item in enumerate(listed, 1):
        schedule, rule = item.schedule, read_rule(item.schedule.rule)
        if item.next_run is not None:
            when = f"next {_local(rule, item.next_run)}"
            if schedule.skip_next:
                when += " (skipped)"
        else:
            when = schedule.status
        cases = ", ".join(schedule.playlist)
        lines.append(f"{n}. {item.cls.name}: {rule.describe()} · {when} · {cases}")
        row = f"s{schedule.id}"
        toggle = "pause" if schedule.status == "active" else "resume"
        choices += [
            Choice(f"{n} {toggle.capitalize()}", ScheduleAction(toggle, schedule.id), row=row),
            Choice(f"{n} Skip next", ScheduleAction("skip", schedule.id), row=row),
            Choice(f"{n} Delete", ScheduleAction("delete", schedule.id), row=row),
        ]
    return Say("schedules", tuple(lines), tuple(choices))


def _local(rule: Rule, moment: datetime) -> str:
    """``Mon 14 Dec 08:00`` in the rule's own zone."""
    return f"{local_time(rule, moment):%a %d %b %H:%M}"
