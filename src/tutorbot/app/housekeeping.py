"""Housekeeping as jobs: the processed-updates pruner, every 6 hours.

:func:`schedule_housekeeping` runs at every start-up; the job's stable key
means it adds the job once (due at once) and finds it there afterwards, so
several processes and restarts share one schedule.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from tutorbot.app.jobs import JobHandler
from tutorbot.app.ports import Clock
from tutorbot.storage import Job, NewJob, Store

log = logging.getLogger(__name__)

#: The kind (and the stable key) of the processed-updates pruner.
PRUNE_UPDATES = "housekeeping.prune_updates"
#: Telegram redelivers an update for at most 24 hours
#: (https://core.telegram.org/bots/api#getting-updates); two days leave room for clock skew.
KEEP_PROCESSED = timedelta(days=2)
#: How often processed update ids are pruned.
PRUNE_EVERY = timedelta(hours=6)


async def schedule_housekeeping(store: Store, clock: Clock) -> None:
    """Register the housekeeping jobs (once: they are keyed), the first run due now."""
    await store.jobs.add(NewJob(PRUNE_UPDATES, {}, clock.now(), key=PRUNE_UPDATES))


def handlers(store: Store, clock: Clock) -> dict[str, JobHandler]:
    """The housekeeping handlers by kind, for :class:`tutorbot.app.jobs.JobRunner`."""

    async def prune_updates(job: Job) -> datetime:
        # Idempotent: pruning twice forgets nothing more than pruning once.
        now = clock.now()
        pruned = await store.updates.prune(now, KEEP_PROCESSED)
        log.info("forgot %d processed update id(s) older than %s", pruned, KEEP_PROCESSED)
        return now + PRUNE_EVERY

    return {PRUNE_UPDATES: prune_updates}
