"""Helpers for the jobs runner tests: a clock the test moves, and a store on a real file."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


class MovableClock:
    """A :class:`tutorbot.app.ports.Clock` that stands still until the test moves it."""

    def __init__(self, now: datetime = T0) -> None:
        self.moment = now

    def now(self) -> datetime:
        return self.moment

    def move(self, by: timedelta) -> None:
        self.moment += by

    def set(self, moment: datetime) -> None:
        self.moment = moment
