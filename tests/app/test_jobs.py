"""The jobs runner on real SQLite files: runs, retries, leases, restarts, recurring jobs, stop."""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.app.job_helpers import T0, MovableClock
from tutorbot.app.jobs import JobHandler, JobRunner
from tutorbot.storage import Job, NewJob, Store, open_store

LEASE = timedelta(seconds=2)
HOLD_A_LEASE = Path(__file__).parent / "hold_a_lease.py"


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'jobs.db'}"


@pytest.fixture
async def store(url: str) -> AsyncIterator[Store]:
    store = await open_store(url)
    yield store
    await store.close()


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock()


class Recorder:
    """A handler that records the jobs it ran and fails its first ``failures`` calls."""

    def __init__(self, failures: int = 0, next_due: datetime | None = None) -> None:
        self.ran: list[Job] = []
        self.failures = failures
        self.next_due = next_due

    async def __call__(self, job: Job) -> datetime | None:
        self.ran.append(job)
        if len(self.ran) <= self.failures:
            raise ValueError(f"boom {len(self.ran)}")
        return self.next_due


def runner(
    store: Store, handlers: dict[str, JobHandler], clock: MovableClock, **options: Any
) -> JobRunner:
    options.setdefault("lease", LEASE)
    return JobRunner(store.jobs, handlers, owner="test-runner", clock=clock, **options)


async def test_a_due_job_runs_once(store: Store, clock: MovableClock) -> None:
    job_id = await store.jobs.add(NewJob("test.work", {"chat": 5}, T0))
    not_yet = await store.jobs.add(NewJob("test.work", {"chat": 6}, T0 + timedelta(hours=1)))
    work = Recorder()
    jobs = runner(store, {"test.work": work}, clock)
    assert await jobs.run_due() == 1
    assert [(job.id, job.payload) for job in work.ran] == [(job_id, {"chat": 5})]
    done = await store.jobs.get(job_id)
    assert done is not None and done.status == "done"
    assert await jobs.run_due() == 0
    clock.move(timedelta(hours=1))
    assert await jobs.run_due() == 1
    assert [job.id for job in work.ran] == [job_id, not_yet]
    clock.move(timedelta(days=30))
    assert await jobs.run_due() == 0


async def test_a_failing_job_is_retried_with_backoff_then_given_up(
    store: Store, clock: MovableClock
) -> None:
    job_id = await store.jobs.add(NewJob("test.flaky", {}, T0))
    flaky = Recorder(failures=99)
    jobs = runner(store, {"test.flaky": flaky}, clock, backoff=timedelta(seconds=5), max_attempts=3)
    assert await jobs.run_due() == 1
    first = await store.jobs.get(job_id)
    assert first is not None
    assert (first.status, first.due, first.attempts, first.last_error) == (
        "pending",
        T0 + timedelta(seconds=5),
        1,
        "ValueError: boom 1",
    )
    clock.move(timedelta(seconds=4))
    assert await jobs.run_due() == 0  # not due yet
    clock.move(timedelta(seconds=1))
    assert await jobs.run_due() == 1
    second = await store.jobs.get(job_id)
    assert second is not None and second.due == clock.now() + timedelta(seconds=10)  # doubled
    clock.set(second.due)
    assert await jobs.run_due() == 1
    gave_up = await store.jobs.get(job_id)
    assert gave_up is not None
    assert (gave_up.status, gave_up.attempts, gave_up.last_error) == (
        "failed",
        3,
        "ValueError: boom 3",
    )
    clock.move(timedelta(days=1))
    assert await jobs.run_due() == 0
    assert len(flaky.ran) == 3


async def test_a_retried_job_that_then_succeeds_is_done(store: Store, clock: MovableClock) -> None:
    job_id = await store.jobs.add(NewJob("test.flaky", {}, T0))
    flaky = Recorder(failures=1)
    jobs = runner(store, {"test.flaky": flaky}, clock, backoff=timedelta(seconds=5))
    await jobs.run_due()
    clock.move(timedelta(seconds=5))
    assert await jobs.run_due() == 1
    done = await store.jobs.get(job_id)
    assert done is not None and (done.status, done.attempts) == ("done", 2)


def test_backoff_doubles_up_to_its_cap(store: Store, clock: MovableClock) -> None:
    jobs = runner(store, {}, clock, backoff=timedelta(seconds=5), max_backoff=timedelta(seconds=30))
    assert [jobs.retry_delay(n).total_seconds() for n in range(1, 6)] == [5, 10, 20, 30, 30]
    assert jobs.retry_delay(10_000) == timedelta(seconds=30)


async def test_an_unknown_kind_fails_with_a_clear_error(store: Store, clock: MovableClock) -> None:
    job_id = await store.jobs.add(NewJob("test.nobody", {}, T0))
    jobs = runner(store, {}, clock, max_attempts=1)
    assert await jobs.run_due() == 1
    failed = await store.jobs.get(job_id)
    assert failed is not None and failed.status == "failed"
    assert failed.last_error == "UnknownJobKind: no handler for job kind 'test.nobody'"


async def test_a_job_whose_runners_keep_dying_is_not_run_again(
    store: Store, clock: MovableClock
) -> None:
    job_id = await store.jobs.add(NewJob("test.work", {}, T0))
    for attempt in range(3):  # three runners claimed it and died in it
        await store.jobs.claim(f"dead-{attempt}", T0 + LEASE * 2 * attempt, LEASE)
    clock.set(T0 + LEASE * 7)
    work = Recorder()
    assert await runner(store, {"test.work": work}, clock, max_attempts=3).run_due() == 1
    assert work.ran == []
    failed = await store.jobs.get(job_id)
    assert failed is not None and failed.status == "failed"
    assert failed.last_error is not None and "claimed 4 times" in failed.last_error


async def test_a_process_killed_holding_a_lease_loses_the_job_after_expiry(
    url: str, store: Store, clock: MovableClock
) -> None:
    # The other process claims by the real clock.
    job_id = await store.jobs.add(NewJob("test.block", {}, datetime.now(UTC) - LEASE))
    doomed = await asyncio.create_subprocess_exec(
        sys.executable,
        str(HOLD_A_LEASE),
        url,
        "doomed",
        str(LEASE.total_seconds()),
        stdout=asyncio.subprocess.PIPE,
    )
    assert doomed.stdout is not None
    line = await asyncio.wait_for(doomed.stdout.readline(), timeout=60)
    assert line.decode().split() == ["running", str(job_id)]
    doomed.send_signal(signal.SIGKILL)
    assert await doomed.wait() == -signal.SIGKILL
    held = await store.jobs.get(job_id)
    assert held is not None and (held.status, held.lease_owner) == ("running", "doomed")
    assert held.lease_until is not None

    survived = Recorder()
    survivor = JobRunner(
        store.jobs, {"test.block": survived}, owner="survivor", clock=clock, lease=LEASE
    )
    clock.set(held.lease_until - timedelta(milliseconds=500))
    assert await survivor.run_due() == 0  # the dead process's lease still holds
    clock.set(held.lease_until + timedelta(milliseconds=1))
    assert await survivor.run_due() == 1
    assert [job.id for job in survived.ran] == [job_id]
    done = await store.jobs.get(job_id)
    assert done is not None and (done.status, done.attempts) == ("done", 2)


async def test_a_restart_finds_due_jobs(url: str, clock: MovableClock) -> None:
    before = await open_store(url)
    job_id = await before.jobs.add(NewJob("test.work", {"n": 1}, T0 + timedelta(minutes=1)))
    await before.close()
    after = await open_store(url)
    try:
        clock.move(timedelta(minutes=1))
        work = Recorder()
        assert await runner(after, {"test.work": work}, clock).run_due() == 1
        assert [(job.id, job.payload) for job in work.ran] == [(job_id, {"n": 1})]
    finally:
        await after.close()


async def test_a_recurring_job_comes_back_with_its_next_due_time(
    store: Store, clock: MovableClock
) -> None:
    job_id = await store.jobs.add(NewJob("test.every", {}, T0, key="every-hour"))
    every = Recorder(next_due=T0 + timedelta(hours=1))
    jobs = runner(store, {"test.every": every}, clock)
    assert await jobs.run_due() == 1
    again = await store.jobs.get(job_id)
    assert again is not None
    assert (again.status, again.due, again.attempts) == ("pending", T0 + timedelta(hours=1), 0)
    assert await jobs.run_due() == 0
    every.next_due = T0 + timedelta(hours=2)
    clock.set(T0 + timedelta(hours=1))
    assert await jobs.run_due() == 1
    assert [job.id for job in every.ran] == [job_id, job_id]


async def test_a_handler_outliving_its_lease_does_not_run_twice_at_once(
    store: Store, clock: MovableClock
) -> None:
    await store.jobs.add(NewJob("test.slow", {}, T0))
    running = 0
    most = 0
    started, release = asyncio.Event(), asyncio.Event()

    async def slow(job: Job) -> None:
        nonlocal running, most
        running += 1
        most = max(most, running)
        started.set()
        await release.wait()
        running -= 1

    jobs = runner(store, {"test.slow": slow}, clock)
    first = asyncio.create_task(jobs.run_due())
    await asyncio.wait_for(started.wait(), 10)
    clock.move(LEASE * 3)  # the lease is long gone
    second = asyncio.create_task(jobs.run_due())
    await asyncio.sleep(0.05)
    release.set()
    assert await first == 1
    assert await second == 0  # the first pass completed it
    assert most == 1


async def test_stop_waits_for_the_job_in_flight_and_releases_leases(
    store: Store, clock: MovableClock
) -> None:
    in_flight = await store.jobs.add(NewJob("test.slow", {}, T0))
    started, finish = asyncio.Event(), asyncio.Event()

    async def slow(job: Job) -> None:
        started.set()
        await finish.wait()

    jobs = runner(store, {"test.slow": slow}, clock, poll=0.01)
    running = asyncio.create_task(jobs.run())
    await asyncio.wait_for(started.wait(), 10)
    # A job this runner claimed but had not started when told to stop.
    claimed_only = await store.jobs.add(NewJob("test.slow", {}, T0))
    assert [job.id for job in await store.jobs.claim("test-runner", T0, LEASE)] == [claimed_only]
    stopping = asyncio.create_task(jobs.stop())
    await asyncio.sleep(0.05)
    assert not stopping.done()  # waiting for the job in flight
    finish.set()
    await asyncio.wait_for(stopping, 10)
    await asyncio.wait_for(running, 10)
    done, released = await store.jobs.get(in_flight), await store.jobs.get(claimed_only)
    assert done is not None and done.status == "done"
    assert released is not None
    assert (released.status, released.lease_owner) == ("pending", None)


async def test_run_keeps_running_due_jobs_until_stopped(store: Store, clock: MovableClock) -> None:
    work = Recorder()
    jobs = runner(store, {"test.work": work}, clock, poll=0.01)
    running = asyncio.create_task(jobs.run())
    job_id = await store.jobs.add(NewJob("test.work", {}, T0))
    for _ in range(1000):
        if work.ran:
            break
        await asyncio.sleep(0.01)
    await jobs.stop()
    await asyncio.wait_for(running, 10)
    assert [job.id for job in work.ran] == [job_id]


async def test_a_runner_stopped_before_it_ran_claims_nothing(
    store: Store, clock: MovableClock
) -> None:
    job_id = await store.jobs.add(NewJob("test.work", {}, T0))
    work = Recorder()
    jobs = runner(store, {"test.work": work}, clock)
    await jobs.stop()
    await asyncio.wait_for(jobs.run(), 10)
    assert work.ran == []
    pending = await store.jobs.get(job_id)
    assert pending is not None and pending.status == "pending"
