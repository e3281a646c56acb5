"""The storage contract for send pacing shared by processes (GCRA, one time per bucket)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from tests.storage.storage_helpers import Opener, Run, elsewhere
from tutorbot.storage import Store

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)


async def test_sends_in_one_bucket_are_spaced_by_the_interval(store: Store) -> None:
    moments = [await store.pacing.reserve("chat:7", T0, SECOND) for _ in range(3)]
    assert moments == [T0, T0 + SECOND, T0 + 2 * SECOND]
    assert await store.pacing.reserve("chat:8", T0, SECOND) == T0  # buckets are apart


async def test_a_burst_goes_at_once_then_the_rate_holds(store: Store) -> None:
    gap = timedelta(seconds=3)
    moments = [await store.pacing.reserve("group", T0, gap, burst=4) for _ in range(6)]
    assert moments == [T0, T0, T0, T0, T0 + gap, T0 + 2 * gap]


async def test_a_quiet_bucket_starts_afresh(store: Store) -> None:
    await store.pacing.reserve("chat:7", T0, SECOND)
    await store.pacing.reserve("chat:7", T0, SECOND)
    later = T0 + timedelta(minutes=5)
    assert await store.pacing.reserve("chat:7", later, SECOND) == later
    # Within the timeline, a later caller waits for its turn, not for the whole backlog.
    assert await store.pacing.reserve("chat:7", later + SECOND / 2, SECOND) == later + SECOND


async def test_forget_drops_only_ended_timelines(store: Store) -> None:
    await store.pacing.reserve("old", T0, SECOND)
    await store.pacing.reserve("busy", T0 + timedelta(minutes=1), SECOND)
    assert await store.pacing.forget(T0 + timedelta(seconds=30)) == 1
    assert await store.pacing.reserve("busy", T0 + timedelta(minutes=1), SECOND) == T0 + timedelta(
        minutes=1, seconds=1
    )


async def test_bad_reservations_are_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        await store.pacing.reserve("b", datetime(2026, 3, 1), SECOND)
    with pytest.raises(ValueError, match="positive interval"):
        await store.pacing.reserve("b", T0, timedelta(0))


async def test_two_processes_never_share_a_moment(backend: Opener) -> None:
    await backend()  # migrated before the race

    def reserve_many(store: Store, run: Run[datetime], _name: str) -> list[datetime]:
        return [run(store.pacing.reserve("bot", T0, SECOND / 30)) for _ in range(30)]

    with elsewhere(backend.url) as (one, run_one), elsewhere(backend.url) as (two, run_two):
        first, second = await asyncio.gather(
            asyncio.to_thread(reserve_many, one, run_one, "one"),
            asyncio.to_thread(reserve_many, two, run_two, "two"),
        )
    moments = sorted(first + second)
    assert moments == [T0 + n * (SECOND / 30) for n in range(60)]  # 30 a second, none twice
