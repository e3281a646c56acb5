"""The storage contract for the outbox (replies kept until sent, live buttons) and the inbox.

Public interface only, run against every backend (conftest.py).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.storage.storage_helpers import KEY, Opener, elsewhere, keeping, put
from tutorbot.storage import Change, SessionKey, SessionRecord, Store

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
LEASE = timedelta(seconds=30)
OTHER = SessionKey(chat_id=11, thread_id=0, user_id=21)


async def test_a_reply_is_kept_with_its_change_at_the_version_it_answers(store: Store) -> None:
    first = await store.apply(1, KEY, keeping("reply 1", "s1"))
    assert first.session is not None and first.outboxed is not None
    [entry] = await store.outbox.pending(KEY)
    assert (entry.id, entry.key, entry.version, entry.body) == (first.outboxed, KEY, 1, "reply 1")
    assert (entry.sent_parts, entry.attempts, entry.last_error) == (0, 0, None)
    # No state written: kept at the version the session is at.
    said = await store.apply(2, KEY, keeping("reply 2"))
    # The session ended: version 0, the version of "no session" buttons carry.
    ended = await store.apply(3, KEY, keeping("reply 3", delete=True))
    assert said.session == first.session and ended.session is None
    entries = await store.outbox.pending(KEY)
    assert [(e.body, e.version) for e in entries] == [
        ("reply 1", 1),
        ("reply 2", 1),
        ("reply 3", 0),
    ]
    assert [e.id for e in entries] == sorted(e.id for e in entries)
    # A change without a reply keeps nothing; a duplicate update neither.
    plain = await store.apply(4, KEY, put("s2"))
    again = await store.apply(1, KEY, keeping("reply 1 again", "s9"))
    assert plain.outboxed is None and again.duplicate and again.outboxed is None
    assert len(await store.outbox.pending(KEY)) == 3
    assert await store.outbox.pending(OTHER) == []


async def test_a_reply_kept_without_a_state_change_retries_when_the_session_moved(
    backend: Opener,
) -> None:
    one = await backend()
    await one.apply(1, KEY, put("0"))
    seen: list[int] = []
    with elsewhere(backend.url) as (two, run):

        def fn(current: SessionRecord | None) -> Change[str]:
            assert current is not None
            seen.append(current.version)
            if len(seen) == 1:
                # Another process moves the session while we compute: a bare write (a
                # backend may make another apply of this chat wait until ours is done).
                run(
                    two.sessions.write(
                        KEY, case_id="case-a", case_version="v1", state="1", expected_version=1
                    )
                )
            return Change("ok", outbox=f"said at {current.version}")

        applied = await one.apply(3, KEY, fn)
    assert seen == [1, 2] and applied.outboxed is not None
    [entry] = await one.outbox.pending(KEY)
    assert (entry.body, entry.version) == ("said at 2", 2)


async def test_one_owner_at_a_time_claims_a_sessions_entries_in_order(backend: Opener) -> None:
    one, two = await backend(), await backend()
    assert await one.outbox.claim(KEY, "one", T0, LEASE) == []  # nothing waiting
    await one.apply(1, KEY, keeping("a", "s1"))
    await one.apply(2, KEY, keeping("b", "s2"))
    claimed = await one.outbox.claim(KEY, "one", T0, LEASE)
    assert [e.body for e in claimed] == ["a", "b"]
    assert await two.outbox.claim(KEY, "two", T0 + LEASE / 2, LEASE) == []
    assert await two.outbox.owners() == ["one"]
    # The holder may claim again (it renews); a new entry joins the claim.
    await one.apply(3, KEY, keeping("c"))
    assert [e.body for e in await one.outbox.claim(KEY, "one", T0, LEASE)] == ["a", "b", "c"]
    # Only the holder records anything.
    first = claimed[0].id
    assert not await two.outbox.delivered(first, "two")
    assert not await two.outbox.progress(first, "two", 1)
    assert not await two.outbox.reschedule(first, "two", T0, "no")
    # Once the lease runs out, another owner takes over.
    taken = await two.outbox.claim(KEY, "two", T0 + LEASE + timedelta(seconds=1), LEASE)
    assert [e.body for e in taken] == ["a", "b", "c"]
    assert not await one.outbox.delivered(first, "one")
    assert await two.outbox.delivered(first, "two")
    assert [e.body for e in await one.outbox.pending(KEY)] == ["b", "c"]


async def test_progress_and_delivery_remember_the_live_buttons(store: Store) -> None:
    first = await store.apply(1, KEY, keeping("two messages", "s1"))
    [entry] = await store.outbox.claim(KEY, "me", T0, LEASE)
    assert await store.outbox.progress(entry.id, "me", 1, [501])
    [after] = await store.outbox.pending(KEY)
    assert after.sent_parts == 1
    assert await store.outbox.delivered(entry.id, "me", [502])
    assert await store.outbox.pending(KEY) == []
    assert first.session is not None
    live = await store.outbox.live_buttons(KEY)
    assert [(b.message_id, b.version, b.outbox_id) for b in live] == [
        (501, 1, entry.id),
        (502, 1, entry.id),
    ]
    await store.apply(2, KEY, keeping("next", "s2"))
    [later] = await store.outbox.claim(KEY, "me", T0, LEASE)
    assert await store.outbox.delivered(later.id, "me", [503])
    live = await store.outbox.live_buttons(KEY)
    assert [(b.message_id, b.version) for b in live] == [(501, 1), (502, 1), (503, 2)]
    await store.outbox.buttons_removed(KEY, [501, 502])
    assert [b.message_id for b in await store.outbox.live_buttons(KEY)] == [503]
    assert await store.outbox.live_buttons(OTHER) == []


async def test_a_failed_try_is_rescheduled_or_replaced(store: Store) -> None:
    await store.apply(1, KEY, keeping("a reply", "s1"))
    [entry] = await store.outbox.claim(KEY, "me", T0, LEASE)
    await store.outbox.progress(entry.id, "me", 2)
    later = T0 + timedelta(seconds=5)
    assert await store.outbox.reschedule(entry.id, "me", later, "NetworkError: down")
    [retry] = await store.outbox.pending(KEY)
    assert (retry.attempts, retry.due, retry.last_error, retry.sent_parts) == (
        1,
        later,
        "NetworkError: down",
        2,
    )
    assert await store.outbox.owners() == []  # released
    [again] = await store.outbox.claim(KEY, "other", T0, LEASE)
    assert await store.outbox.reschedule(again.id, "other", T0, "gave up", body="a notice")
    [notice] = await store.outbox.pending(KEY)
    assert (notice.body, notice.sent_parts, notice.attempts) == ("a notice", 0, 2)


async def test_due_sessions_by_their_oldest_entry(store: Store) -> None:
    await store.apply(1, KEY, keeping("a", "s1"))
    await store.apply(2, KEY, keeping("b", "s2"))
    await store.apply(3, OTHER, keeping("c", "s1"))
    now = datetime.now(UTC) + timedelta(seconds=1)
    assert set(await store.outbox.due(now)) == {KEY, OTHER}
    assert await store.outbox.due(now, limit=1) in ([KEY], [OTHER])
    # KEY's oldest entry waits for its retry; OTHER is held by a sender.
    [head, _] = await store.outbox.claim(KEY, "me", now, LEASE)
    await store.outbox.reschedule(head.id, "me", now + timedelta(minutes=1), "down")
    await store.outbox.claim(OTHER, "me", now, LEASE)
    assert await store.outbox.due(now) == []
    # Oldest due first; OTHER's lease ran out meanwhile.
    assert await store.outbox.due(now + timedelta(minutes=1)) == [OTHER, KEY]
    # Due by a later time, not leased now: what a sender starting up delivers.
    assert await store.outbox.due(now, by=now + timedelta(minutes=1)) == [KEY]
    assert await store.outbox.release("me") == 1  # OTHER's (rescheduling released KEY's)
    assert await store.outbox.owners() == []


async def test_drop_forgets_a_chats_entries_and_buttons(store: Store) -> None:
    await store.apply(1, KEY, keeping("a", "s1"))
    [entry] = await store.outbox.claim(KEY, "me", T0, LEASE)
    await store.outbox.delivered(entry.id, "me", [9])
    await store.apply(2, KEY, keeping("b", "s2"))
    await store.apply(3, OTHER, keeping("c", "s1"))
    assert await store.outbox.drop(KEY) == 1
    assert await store.outbox.pending(KEY) == [] and await store.outbox.live_buttons(KEY) == []
    assert [e.body for e in await store.outbox.pending(OTHER)] == ["c"]


async def test_the_outbox_survives_a_reopen(backend: Opener) -> None:
    one = await backend()
    await one.apply(1, KEY, keeping("kept", "s1"))
    await one.close()
    two = await backend()
    assert [e.body for e in await two.outbox.pending(KEY)] == ["kept"]


async def test_inbox_keeps_updates_until_done(store: Store) -> None:
    assert await store.inbox.add(12, '{"update_id": 12}', "one", T0)
    assert await store.inbox.add(11, '{"update_id": 11}', "one", T0)
    assert not await store.inbox.add(12, '{"update_id": 12}', "two", T0)  # in hand already
    waiting = await store.inbox.waiting()
    assert [(e.update_id, e.owner, e.deliveries, e.received_at) for e in waiting] == [
        (11, "one", 1, T0),
        (12, "one", 1, T0),
    ]
    taken = await store.inbox.take(11, "two")
    assert taken is not None and (taken.owner, taken.deliveries) == ("two", 2)
    assert taken.body == '{"update_id": 11}'
    await store.inbox.done(11)
    await store.inbox.done(11)  # done twice is done
    assert await store.inbox.take(11, "two") is None
    assert [e.update_id for e in await store.inbox.waiting()] == [12]
