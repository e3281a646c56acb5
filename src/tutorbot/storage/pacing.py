"""Send pacing shared by every process of one bot: one timeline per bucket.

Telegram's limits are the bot's, however many processes send for it (about 30
messages a second overall, about one a second per private chat, 20 a minute
per group). A process alone paces its sends in memory
(:mod:`tutorbot.telegram.budget`); several processes reserve each send here,
in every bucket it falls under (say ``"bot"``, and ``"chat:<id>"``), and
wait until the latest moment the reservations give.

The rule is GCRA, the generic cell rate algorithm (a leaky bucket kept as one
time per bucket, the "theoretical arrival time"): sends are spaced
``interval`` apart on average, and after a quiet spell up to ``burst`` may go
at once. One row per bucket, one short transaction per reservation.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import datetime, timedelta


class Pacing(ABC):
    """Reservations of send moments, per bucket, shared through the database.

    Times are timezone-aware and passed in by the caller (its clock).
    """

    @abstractmethod
    async def reserve(
        self, bucket: str, now: datetime, interval: timedelta, burst: int = 1
    ) -> datetime:
        """Reserve the next send in ``bucket``; the moment it may go (``now`` or later).

        Atomic across processes: however many reserve at once, the moments
        given keep the rate (``burst`` at once at most, then one per
        ``interval``). A reservation is never given back: a send that does not
        happen leaves a gap, which errs on the safe side.
        """

    @abstractmethod
    async def forget(self, older_than: datetime) -> int:
        """Drop the buckets whose timeline ended before ``older_than`` (a forgotten bucket
        behaves as a fresh one, so nothing changes); how many."""


def next_moments(
    tat: datetime | None, now: datetime, interval: timedelta, burst: int
) -> tuple[datetime, datetime]:
    """GCRA: the bucket's new theoretical arrival time and when this send may go.

    ``tat`` is the bucket's time (``None`` for a fresh bucket): the moment its
    reserved sends are paid off. This send adds ``interval`` to it (from ``now``
    if it lies in the past) and may go ``burst`` intervals before the new time.
    """
    if now.tzinfo is None:
        raise ValueError(f"now must be timezone-aware, not {now}")
    if interval <= timedelta(0) or burst < 1:
        raise ValueError("a bucket needs a positive interval and a burst of at least 1")
    new_tat = max(tat or now, now) + interval
    return new_tat, max(now, new_tat - burst * interval)
