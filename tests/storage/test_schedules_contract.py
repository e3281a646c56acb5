"""The storage contract for schedules: added with their job, listed per class, paused,
skipped, deleted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tutorbot.storage import NewSchedule, Store

T0 = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)
FIRST = datetime(2026, 12, 14, 0, 0, tzinfo=UTC)
KIND = "schedules.fire"


def weekly(class_id: int = 7) -> NewSchedule:
    return NewSchedule(class_id, 900, "weekly Monday 08:00 Asia/Kuala_Lumpur", ("a", "b", "c"))


async def test_a_schedule_is_added_with_its_job(store: Store) -> None:
    added = await store.schedules.add(weekly(), KIND, FIRST, T0)
    assert (added.class_id, added.by, added.rule, added.playlist) == (
        7,
        900,
        "weekly Monday 08:00 Asia/Kuala_Lumpur",
        ("a", "b", "c"),
    )
    assert (added.status, added.skip_next, added.created_at) == ("active", False, T0)
    assert await store.schedules.get(added.id) == added
    assert await store.schedules.get(added.id + 1) is None
    assert await store.jobs.claim("runner", T0, timedelta(minutes=1)) == []  # not due yet
    (job,) = await store.jobs.claim("runner", FIRST, timedelta(minutes=1))
    assert (job.kind, job.payload, job.due, job.key) == (
        KIND,
        {"schedule": added.id},
        FIRST,
        f"{KIND}:{added.id}",
    )


async def test_schedules_of_a_class_leave_out_deleted_ones(store: Store) -> None:
    one = await store.schedules.add(weekly(), KIND, FIRST, T0)
    two = await store.schedules.add(weekly(), KIND, FIRST, T0)
    await store.schedules.add(weekly(class_id=8), KIND, FIRST, T0)
    assert [s.id for s in await store.schedules.of_class(7)] == [one.id, two.id]
    assert await store.schedules.set_status(one.id, "deleted")
    assert [s.id for s in await store.schedules.of_class(7)] == [two.id]
    assert not await store.schedules.set_status(one.id, "active")  # deleted stays deleted


async def test_pause_resume_and_skip_next(store: Store) -> None:
    added = await store.schedules.add(weekly(), KIND, FIRST, T0)
    assert await store.schedules.set_status(added.id, "paused")
    assert await store.schedules.set_skip_next(added.id, True)
    paused = await store.schedules.get(added.id)
    assert paused is not None and (paused.status, paused.skip_next) == ("paused", True)
    assert await store.schedules.set_status(added.id, "active")
    assert await store.schedules.set_skip_next(added.id, False)
    again = await store.schedules.get(added.id)
    assert again is not None and (again.status, again.skip_next) == ("active", False)
    assert not await store.schedules.set_skip_next(added.id + 99, True)
