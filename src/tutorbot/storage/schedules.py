"""Schedules: a class's weekly slot (or one-off time) and the playlist it pushes from.

A schedule keeps its rule as the instructor typed it (see :mod:`tutorbot.schedules`);
the job that fires it (one per schedule, keyed so it is never doubled) is added with
it in one transaction, due at its first slot. The store never computes a slot: the
caller passes every due time. ``store.schedules`` carries it.
"""

from __future__ import annotations

import builtins
from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

#: ``active`` fires at its slots; ``paused`` does not until resumed; ``done`` (a one-off
#: that fired) and ``deleted`` never fire again.
ScheduleStatus = Literal["active", "paused", "done", "deleted"]


@dataclass(frozen=True)
class NewSchedule:
    """A schedule to add: ``rule`` as :func:`tutorbot.schedules.rule_text` writes it."""

    class_id: int
    by: int
    rule: str
    playlist: tuple[str, ...]


@dataclass(frozen=True)
class ScheduleRecord:
    """A stored schedule. ``skip_next``: the next slot pushes nothing (the instructor asked)."""

    id: int
    class_id: int
    by: int
    rule: str
    playlist: tuple[str, ...]
    status: ScheduleStatus
    skip_next: bool
    created_at: datetime


class Schedules(ABC):
    """Schedules, each with the job that fires it."""

    @abstractmethod
    async def add(
        self, schedule: NewSchedule, job_kind: str, first_due: datetime, now: datetime
    ) -> ScheduleRecord:
        """Add a schedule and its job (``job_kind``, payload ``{"schedule": id}``, key
        ``<job_kind>:<id>``, due ``first_due``) in one transaction."""

    @abstractmethod
    async def get(self, schedule_id: int) -> ScheduleRecord | None:
        """The schedule, or ``None``."""

    @abstractmethod
    async def of_class(self, class_id: int) -> builtins.list[ScheduleRecord]:
        """The class's schedules that are not deleted, oldest first."""

    @abstractmethod
    async def set_status(self, schedule_id: int, status: ScheduleStatus) -> bool:
        """Change a schedule's status; ``False`` if there is no such schedule or it is deleted."""

    @abstractmethod
    async def set_skip_next(self, schedule_id: int, skip: bool) -> bool:
        """Skip (or no longer skip) the next slot; ``False`` if there is no such schedule."""
