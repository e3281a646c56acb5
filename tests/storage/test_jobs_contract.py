"""The storage contract for durable jobs: add, claim under a lease, complete, fail, release.

Every time is passed in (the store never reads the clock to decide what is
due), so these tests move time by choosing ``now``.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from tests.storage.storage_helpers import KEY, Opener, Run, elsewhere
from tutorbot.storage import Change, Job, NewJob, SessionRecord, Store

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
LEASE = timedelta(seconds=30)


def job(due: datetime = T0, kind: str = "test.kind", key: str | None = None) -> NewJob:
    return NewJob(kind, {"n": 1, "names": ["a", "b"]}, due, key=key)


async def test_added_job_reads_back_pending(store: Store) -> None:
    job_id = await store.jobs.add(NewJob("push.send", {"class": 7, "ids": [1, 2]}, T0))
    got = await store.jobs.get(job_id)
    assert got is not None
    assert (got.id, got.kind, got.payload, got.due, got.status) == (
        job_id,
        "push.send",
        {"class": 7, "ids": [1, 2]},
        T0,
        "pending",
    )
    assert (got.attempts, got.lease_owner, got.lease_until, got.last_error, got.key) == (
        0,
        None,
        None,
        None,
        None,
    )
    assert await store.jobs.get(job_id + 1000) is None


async def test_claim_takes_due_jobs_oldest_first_under_a_lease(store: Store) -> None:
    later = await store.jobs.add(job(T0 - timedelta(minutes=1)))
    earlier = await store.jobs.add(job(T0 - timedelta(minutes=2)))
    not_yet = await store.jobs.add(job(T0 + timedelta(seconds=1)))
    claimed = await store.jobs.claim("runner-a", T0, LEASE, limit=5)
    assert [j.id for j in claimed] == [earlier, later]
    for j in claimed:
        assert (j.status, j.lease_owner, j.lease_until, j.attempts) == (
            "running",
            "runner-a",
            T0 + LEASE,
            1,
        )
    assert await store.jobs.claim("runner-b", T0, LEASE, limit=5) == []  # leases hold
    pending = await store.jobs.get(not_yet)
    assert pending is not None and pending.status == "pending"


async def test_claim_respects_the_limit(store: Store) -> None:
    ids = [await store.jobs.add(job(T0 - timedelta(seconds=n))) for n in range(3)]
    first = await store.jobs.claim("r", T0, LEASE)
    assert [j.id for j in first] == [ids[2]]  # limit 1 by default, oldest due first
    assert [j.id for j in await store.jobs.claim("r", T0, LEASE, limit=2)] == [ids[1], ids[0]]


async def test_an_expired_lease_passes_the_job_to_another_owner(store: Store) -> None:
    job_id = await store.jobs.add(job())
    await store.jobs.claim("dead", T0, LEASE)
    assert await store.jobs.claim("alive", T0 + LEASE / 2, LEASE) == []
    taken = await store.jobs.claim("alive", T0 + LEASE + timedelta(seconds=1), LEASE)
    assert [(j.id, j.lease_owner, j.attempts) for j in taken] == [(job_id, "alive", 2)]
    # The old owner lost it: nothing it does counts any more.
    assert not await store.jobs.complete(job_id, "dead")
    assert not await store.jobs.fail(job_id, "dead", "late", retry_at=None)
    assert await store.jobs.release("dead") == 0
    assert await store.jobs.complete(job_id, "alive")
    done = await store.jobs.get(job_id)
    assert done is not None and done.status == "done" and done.last_error is None


async def test_an_owner_whose_lease_expired_still_holds_the_job_until_it_is_claimed(
    store: Store,
) -> None:
    job_id = await store.jobs.add(job())
    await store.jobs.claim("slow", T0, LEASE)
    assert await store.jobs.complete(job_id, "slow")  # no one else claimed it meanwhile


async def test_a_completed_job_is_done_and_never_claimed_again(store: Store) -> None:
    job_id = await store.jobs.add(job())
    await store.jobs.claim("r", T0, LEASE)
    assert await store.jobs.complete(job_id, "r")
    assert not await store.jobs.complete(job_id, "r")  # only a running job completes
    done = await store.jobs.get(job_id)
    assert done is not None and (done.status, done.lease_owner, done.lease_until) == (
        "done",
        None,
        None,
    )
    assert await store.jobs.claim("r", T0 + timedelta(days=365), LEASE) == []


async def test_a_recurring_job_comes_back_at_its_next_due_time(store: Store) -> None:
    job_id = await store.jobs.add(job(key="every-6h"))
    await store.jobs.claim("r", T0, LEASE)
    await store.jobs.fail(job_id, "r", "flaky", retry_at=T0 + timedelta(seconds=5))
    await store.jobs.claim("r", T0 + timedelta(seconds=5), LEASE)
    next_due = T0 + timedelta(hours=6)
    assert await store.jobs.complete(job_id, "r", next_due=next_due)
    again = await store.jobs.get(job_id)
    assert again is not None
    assert (again.status, again.due, again.attempts, again.lease_owner) == (
        "pending",
        next_due,
        0,
        None,
    )
    assert await store.jobs.claim("r", next_due - timedelta(seconds=1), LEASE) == []
    assert [j.id for j in await store.jobs.claim("r", next_due, LEASE)] == [job_id]


async def test_failing_retries_at_the_given_time_or_gives_up(store: Store) -> None:
    job_id = await store.jobs.add(job())
    await store.jobs.claim("r", T0, LEASE)
    retry_at = T0 + timedelta(seconds=10)
    assert await store.jobs.fail(job_id, "r", "ValueError: bad", retry_at=retry_at)
    retrying = await store.jobs.get(job_id)
    assert retrying is not None
    assert (retrying.status, retrying.due, retrying.attempts, retrying.last_error) == (
        "pending",
        retry_at,
        1,
        "ValueError: bad",
    )
    assert await store.jobs.claim("r", retry_at - timedelta(microseconds=1), LEASE) == []
    assert [j.attempts for j in await store.jobs.claim("r", retry_at, LEASE)] == [2]
    assert await store.jobs.fail(job_id, "r", "still bad", retry_at=None)
    failed = await store.jobs.get(job_id)
    assert failed is not None and (failed.status, failed.last_error) == ("failed", "still bad")
    assert await store.jobs.claim("r", T0 + timedelta(days=365), LEASE) == []


async def test_release_hands_back_only_the_owners_running_jobs(store: Store) -> None:
    mine = [await store.jobs.add(job()) for _ in range(2)]
    theirs = await store.jobs.add(job())
    await store.jobs.claim("me", T0, LEASE, limit=2)
    await store.jobs.claim("them", T0, LEASE)
    assert await store.jobs.release("me") == 2
    for job_id in mine:
        released = await store.jobs.get(job_id)
        assert released is not None
        assert (released.status, released.lease_owner, released.lease_until) == (
            "pending",
            None,
            None,
        )
    other = await store.jobs.get(theirs)
    assert other is not None and other.lease_owner == "them"
    assert sorted(j.id for j in await store.jobs.claim("next", T0, LEASE, limit=5)) == mine


async def test_a_key_names_one_live_job(store: Store) -> None:
    first = await store.jobs.add(job(key="housekeeping"))
    assert await store.jobs.add(job(T0 + timedelta(hours=1), key="housekeeping")) == first
    await store.jobs.claim("r", T0, LEASE)
    assert await store.jobs.add(job(key="housekeeping")) == first  # running is live too
    assert await store.jobs.complete(first, "r", next_due=T0 + timedelta(hours=6))
    assert await store.jobs.add(job(key="housekeeping")) == first  # recurring: still live
    kept = await store.jobs.get(first)
    assert kept is not None and kept.due == T0 + timedelta(hours=6)
    assert len(await store.jobs.claim("r", T0 + timedelta(days=1), LEASE, limit=9)) == 1


async def test_a_key_is_free_again_once_its_job_is_done_or_failed(store: Store) -> None:
    first = await store.jobs.add(job(key="k"))
    await store.jobs.claim("r", T0, LEASE)
    await store.jobs.fail(first, "r", "gave up", retry_at=None)
    second = await store.jobs.add(job(key="k"))
    assert second != first
    await store.jobs.claim("r", T0, LEASE)
    await store.jobs.complete(second, "r")
    third = await store.jobs.add(job(key="k"))
    assert third not in (first, second)
    assert await store.jobs.add(job(key="other")) not in (first, second, third)


async def test_jobs_from_a_change_are_added_with_the_update_only(store: Store) -> None:
    def with_job(current: SessionRecord | None) -> Change[None]:
        return Change(
            result=None,
            state="s",
            case_id="c",
            case_version="v",
            jobs=[NewJob("round.reveal", {"round": 3}, T0, key="reveal:3")],
        )

    def boom(current: SessionRecord | None) -> Change[None]:
        raise RuntimeError("engine bug")

    with pytest.raises(RuntimeError):
        await store.apply(1, KEY, boom)
    assert await store.jobs.claim("r", T0, LEASE, limit=9) == []
    await store.apply(2, KEY, with_job)
    assert (await store.apply(2, KEY, with_job)).duplicate
    claimed = await store.jobs.claim("r", T0, LEASE, limit=9)
    assert [(j.kind, j.payload, j.key) for j in claimed] == [
        ("round.reveal", {"round": 3}, "reveal:3")
    ]


async def test_two_processes_never_claim_one_job(backend: Opener) -> None:
    store = await backend()
    ids = {await store.jobs.add(job(T0 - timedelta(seconds=n))) for n in range(40)}

    def drain(runner: Store, run: Run[list[Job]], owner: str) -> list[int]:
        claimed: list[int] = []
        while batch := run(runner.jobs.claim(owner, T0, LEASE, limit=3)):
            claimed.extend(j.id for j in batch)
        return claimed

    with elsewhere(backend.url) as (one, run_one), elsewhere(backend.url) as (two, run_two):
        first, second = await asyncio.gather(
            asyncio.to_thread(drain, one, run_one, "one"),
            asyncio.to_thread(drain, two, run_two, "two"),
        )
    assert not set(first) & set(second)
    assert set(first) | set(second) == ids


def test_a_job_needs_an_aware_due_time() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        NewJob("k", {}, datetime(2026, 1, 1))


async def test_counts_of_due_running_and_failed_jobs(store: Store) -> None:
    assert await store.jobs.counts(T0) == {"due": 0, "running": 0, "failed": 0}
    await store.jobs.add(job(T0 - timedelta(minutes=1)))
    await store.jobs.add(job(T0 + timedelta(minutes=1)))  # not due yet
    running = await store.jobs.add(job(T0 - timedelta(minutes=2)))
    failing = await store.jobs.add(job(T0 - timedelta(minutes=3)))
    claimed = await store.jobs.claim("runner-a", T0, LEASE, limit=2)
    assert {j.id for j in claimed} == {running, failing}
    assert await store.jobs.fail(failing, "runner-a", "broken", retry_at=None)
    assert await store.jobs.counts(T0) == {"due": 1, "running": 1, "failed": 1}
    assert await store.jobs.counts(T0 + timedelta(minutes=2)) == {
        "due": 2,
        "running": 1,
        "failed": 1,
    }
