"""The storage contract for pushes and their deliveries, one row per (push, chat)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.storage.storage_helpers import Opener
from tutorbot.storage import DeliveryCounts, NewPush, Recipient, Store

T0 = datetime(2026, 12, 14, 8, 0, tzinfo=UTC)
KIND = "pushes.broadcast"
PEOPLE = [Recipient(101, "Ann"), Recipient(102, "Ben"), Recipient(-500, "Ward 4 group")]


def new_push(origin: str | None = None, token: str = "tok-1", class_id: int = 7) -> NewPush:
    return NewPush(
        class_id=class_id,
        case_id="pneumothorax",
        title="A breathless climber",
        class_name="Radiology 101",
        token=token,
        by=900,
        origin=origin,
    )


async def test_a_push_is_created_with_its_deliveries_and_its_job(store: Store) -> None:
    push, created = await store.pushes.create(new_push(), PEOPLE, KIND, T0)
    assert created
    assert (push.class_id, push.case_id, push.title, push.class_name, push.by) == (
        7,
        "pneumothorax",
        "A breathless climber",
        "Radiology 101",
        900,
    )
    assert (push.status, push.progress_message, push.created_at, push.finished_at) == (
        "sending",
        None,
        T0,
        None,
    )
    assert await store.pushes.get(push.id) == push
    assert await store.pushes.by_token("tok-1") == push
    assert await store.pushes.by_token("tok-2") is None
    rows = await store.deliveries.list(push.id)
    assert [(r.chat_id, r.name, r.status, r.attempts, r.due) for r in rows] == [
        (-500, "Ward 4 group", "pending", 0, T0),
        (101, "Ann", "pending", 0, T0),
        (102, "Ben", "pending", 0, T0),
    ]
    assert await store.deliveries.counts(push.id) == DeliveryCounts(pending=3)
    claimed = await store.jobs.claim("runner", T0, timedelta(minutes=1))
    assert [(j.kind, j.payload) for j in claimed] == [(KIND, {"push": push.id})]


async def test_the_same_origin_pushes_once(backend: Opener) -> None:
    one, two = await backend(), await backend()
    first, created = await one.pushes.create(new_push("slot:1"), PEOPLE, KIND, T0)
    again, created_again = await two.pushes.create(
        new_push("slot:1", token="tok-2"), PEOPLE, KIND, T0
    )
    assert created and not created_again
    assert again == first
    assert len(await one.pushes.of_class(7)) == 1
    assert len(await one.jobs.claim("runner", T0, timedelta(minutes=1), limit=5)) == 1


async def test_pushes_of_a_class_oldest_first(store: Store) -> None:
    a, _ = await store.pushes.create(new_push(token="a"), PEOPLE, KIND, T0)
    await store.pushes.create(new_push(token="other", class_id=8), PEOPLE, KIND, T0)
    b, _ = await store.pushes.create(new_push(token="b"), [], KIND, T0)
    assert [p.id for p in await store.pushes.of_class(7)] == [a.id, b.id]
    assert await store.pushes.of_class(9) == []


async def test_progress_message_and_finish(store: Store) -> None:
    push, _ = await store.pushes.create(new_push(), PEOPLE, KIND, T0)
    await store.pushes.set_progress_message(push.id, 4242)
    assert await store.pushes.finish(push.id, T0 + timedelta(minutes=5))
    assert not await store.pushes.finish(push.id, T0 + timedelta(minutes=6))
    done = await store.pushes.get(push.id)
    assert done is not None
    assert (done.progress_message, done.status, done.finished_at) == (
        4242,
        "done",
        T0 + timedelta(minutes=5),
    )


async def test_a_delivery_goes_through_sending_to_settled(store: Store) -> None:
    push, _ = await store.pushes.create(new_push(), PEOPLE, KIND, T0)
    due = await store.deliveries.due(push.id, T0, 10)
    assert [d.chat_id for d in due] == [-500, 101, 102]
    assert await store.deliveries.start(push.id, 101)
    assert not await store.deliveries.start(push.id, 101)  # not pending any more
    assert [d.chat_id for d in await store.deliveries.due(push.id, T0, 10)] == [-500, 102]
    await store.deliveries.settle(push.id, 101, "sent", T0 + timedelta(seconds=1))
    await store.deliveries.start(push.id, 102)
    await store.deliveries.settle(push.id, 102, "blocked", T0, "Forbidden: bot was blocked")
    sent = await store.deliveries.list(push.id, "sent")
    assert [(d.chat_id, d.sent_at) for d in sent] == [(101, T0 + timedelta(seconds=1))]
    blocked = await store.deliveries.list(push.id, "blocked")
    assert [(d.chat_id, d.last_error, d.sent_at) for d in blocked] == [
        (102, "Forbidden: bot was blocked", None)
    ]
    assert await store.deliveries.counts(push.id) == DeliveryCounts(pending=1, sent=1, blocked=1)


async def test_a_failed_try_is_retried_later(store: Store) -> None:
    push, _ = await store.pushes.create(new_push(), PEOPLE, KIND, T0)
    await store.deliveries.start(push.id, 101)
    later = T0 + timedelta(seconds=30)
    await store.deliveries.retry(push.id, 101, later, "NetworkError: down")
    assert [d.chat_id for d in await store.deliveries.due(push.id, T0, 10)] == [-500, 102]
    assert await store.deliveries.next_due(push.id) == T0
    for chat in (-500, 102):
        await store.deliveries.settle(push.id, chat, "sent", T0)
    assert await store.deliveries.next_due(push.id) == later
    (row,) = await store.deliveries.due(push.id, later, 10)
    assert (row.chat_id, row.status, row.attempts, row.last_error) == (
        101,
        "pending",
        1,
        "NetworkError: down",
    )
    await store.deliveries.start(push.id, 101)
    await store.deliveries.settle(push.id, 101, "failed", later, "BadRequest: chat not found")
    assert await store.deliveries.next_due(push.id) is None
    assert await store.deliveries.counts(push.id) == DeliveryCounts(sent=2, failed=1)


async def test_deliveries_in_flight_at_a_crash_are_pending_again(backend: Opener) -> None:
    crashed = await backend()
    push, _ = await crashed.pushes.create(new_push(), PEOPLE, KIND, T0)
    await crashed.deliveries.start(push.id, 101)
    await crashed.deliveries.start(push.id, 102)
    await crashed.deliveries.settle(push.id, 102, "sent", T0)
    assert await crashed.deliveries.counts(push.id) == DeliveryCounts(pending=1, sending=1, sent=1)
    restarted = await backend()
    assert await restarted.deliveries.requeue_interrupted(push.id) == 1
    assert await restarted.deliveries.requeue_interrupted(push.id) == 0
    assert [d.chat_id for d in await restarted.deliveries.due(push.id, T0, 10)] == [-500, 101]


async def test_a_held_delivery_keeps_when_it_was_first_held(store: Store) -> None:
    push, _ = await store.pushes.create(new_push(), PEOPLE, KIND, T0)
    await store.deliveries.hold(push.id, 101, T0 + timedelta(minutes=2), T0)
    await store.deliveries.hold(push.id, 101, T0 + timedelta(minutes=4), T0 + timedelta(minutes=2))
    (row,) = [d for d in await store.deliveries.list(push.id) if d.chat_id == 101]
    assert (row.status, row.attempts, row.due, row.held_since) == (
        "pending",
        0,
        T0 + timedelta(minutes=4),
        T0,
    )
    assert await store.deliveries.counts(push.id) == DeliveryCounts(pending=3, held=1)


async def test_due_takes_at_most_limit_oldest_due_first(store: Store) -> None:
    people = [Recipient(1000 + n, f"S{n}") for n in range(25)]
    push, _ = await store.pushes.create(new_push(), people, KIND, T0)
    await store.deliveries.retry(push.id, 1000, T0 - timedelta(seconds=1), "e")
    first = await store.deliveries.due(push.id, T0, 10)
    assert len(first) == 10
    assert first[0].chat_id == 1000
    assert await store.deliveries.due(push.id, T0 - timedelta(days=1), 10) == []
