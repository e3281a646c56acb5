"""Housekeeping as a job: the processed-updates pruner, registered once, every 6 hours."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.app.job_helpers import MovableClock
from tutorbot.app import housekeeping
from tutorbot.app.jobs import JobRunner
from tutorbot.storage import Change, NewJob, SessionKey, Store, open_store


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    store = await open_store(f"sqlite:///{tmp_path / 'bot.db'}")
    yield store
    await store.close()


async def test_the_pruner_is_scheduled_once_and_comes_back_every_six_hours(store: Store) -> None:
    # Processed update ids are stamped by the real clock, so this test starts from it.
    clock = MovableClock(datetime.now(UTC))
    await store.apply(1, SessionKey(1, 0, 1), lambda _c: Change(result=None))
    await housekeeping.schedule_housekeeping(store, clock)
    await housekeeping.schedule_housekeeping(store, clock)  # a second start-up: same job
    runner = JobRunner(store.jobs, housekeeping.handlers(store, clock), owner="test", clock=clock)
    assert await runner.run_due() == 1  # due at once, and only one
    assert await store.updates.is_processed(1)  # not two days old yet

    clock.move(housekeeping.PRUNE_EVERY)
    await housekeeping.schedule_housekeeping(store, clock)  # a restart keeps the schedule
    assert await runner.run_due() == 1
    assert await store.updates.is_processed(1)

    clock.move(housekeeping.KEEP_PROCESSED)
    assert await runner.run_due() == 1
    assert not await store.updates.is_processed(1)
    job_id = await store.jobs.add(
        NewJob(housekeeping.PRUNE_UPDATES, {}, clock.now(), key=housekeeping.PRUNE_UPDATES)
    )
    job = await store.jobs.get(job_id)  # the same live job, due again in six hours
    assert job is not None and job.due == clock.now() + housekeeping.PRUNE_EVERY
    assert job.status == "pending"
    assert await runner.run_due() == 0
    clock.move(timedelta(hours=6))
    assert await runner.run_due() == 1
