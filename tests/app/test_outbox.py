"""The outbox's use cases: every reply kept exactly, read back, retried, given up on plainly."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.app.job_helpers import MovableClock
from tests.auxil.tutor_helpers import make_case, table_grader
from tutorbot.app.outbox import (
    REFUSED,
    TOO_LATE,
    BodyError,
    Deliveries,
    decode_body,
    encode_reply,
    stale,
    step_body,
)
from tutorbot.app.play import Play, Result
from tutorbot.app.replies import NextStep, Reply, Say
from tutorbot.cases import Library
from tutorbot.storage import Change, LiveButtons, SessionKey, Store, open_store
from tutorbot.tutor import actions, events

KEY = SessionKey(chat_id=7, thread_id=0, user_id=7)


def library() -> Library:
    case = make_case(question="What do you see?")
    return Library(cases={case.id: case, "second": replace(case, id="second", title="Second")})


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    store = await open_store(f"sqlite:///{tmp_path / 'outbox.db'}")
    yield store
    await store.close()


@pytest.fixture
def play(store: Store) -> Play:
    return Play(store, library(), table_grader, attempts=2)


def deliveries(store: Store, play: Play, clock: MovableClock, owner: str = "me") -> Deliveries:
    return Deliveries(store, play.lost_step, clock, owner)


async def whole_case(play: Play) -> list[Result]:
    """Every use case's result through a whole case: hints, a wrong and a right answer."""
    results = [await play.open(KEY, 1, "two-stage")]
    presses = [NextStep()] * 4
    update = 2
    for press in presses:
        results.append(await play.press(KEY, update, press, results[-1].version))
        update += 1
    for event in (events.Hint(), events.Answer("nope"), events.Answer("right")):
        results.append(await play.step(KEY, update, event))
        update += 1
    results.append(await play.stats(KEY, update))
    results.append(await play.open(KEY, update + 1, "no-such-case"))
    return results


async def test_every_reply_reads_back_exactly_as_it_was_kept(play: Play, store: Store) -> None:
    results = await whole_case(play)
    kept = {entry.id: entry for entry in await store.outbox.pending(KEY)}
    assert len(kept) == len(results)
    for result in results:
        assert result.reply is not None and result.entry is not None
        entry = kept[result.entry]
        assert entry.version == result.version
        assert decode_body(entry.body) == result.reply  # verdicts, images, choices and all
    # The verdicts are there, with what the learner typed.
    bodies = " ".join(entry.body for entry in kept.values())
    assert '"answer": "nope"' in bodies and '"verdict": "wrong"' in bodies


def test_a_body_this_release_cannot_read_is_refused() -> None:
    with pytest.raises(BodyError):
        decode_body('{"v": 99, "reply": {}}')
    with pytest.raises(BodyError):
        decode_body('{"v": 1, "reply": {"@": "Reply", "says": [{"@": "Unknown"}]}}')
    with pytest.raises(BodyError):
        decode_body('{"v": 1, "reply": {"@": "Reply", "says": [], "actions": [], "new": 1}}')
    with pytest.raises(BodyError):
        decode_body("not json")
    assert decode_body(step_body("a-case", '{"v": 1}')) == ("a-case", '{"v": 1}')
    # The toast is answered at once, never kept.
    assert decode_body(encode_reply(Reply([Say("x", ("line",))], toast="t"))) == Reply(
        [Say("x", ("line",))]
    )


async def test_a_step_body_shows_the_step_its_session_was_at(play: Play, store: Store) -> None:
    opened = await play.open(KEY, 1, "two-stage")
    session = await store.sessions.get(KEY)
    assert session is not None
    await play.press(KEY, 2, NextStep(), opened.version)  # the session moves on
    await play.reply_sent(KEY, await play.stats(KEY, 3))  # nothing else waits
    # As the previous release's flag becomes (migration 4): the step at that state.
    await store.apply(None, KEY, lambda c: _keep(step_body(session.case_id, session.state)))
    clock = MovableClock()
    [parcel] = await deliveries(store, play, clock).claim(KEY)
    assert [type(a).__name__ for a in parcel.reply.actions] == ["ShowHistory"]
    # An unreadable body shows the step the session is at now.
    await deliveries(store, play, clock).delivered(parcel, ())
    await store.apply(None, KEY, lambda c: _keep('{"v": 7}'))
    [unreadable] = await deliveries(store, play, clock).claim(KEY)
    assert isinstance(unreadable.reply.actions[0], actions.ShowImages)


async def test_an_outage_is_retried_with_backoff_then_given_up_plainly(
    play: Play, store: Store
) -> None:
    clock = MovableClock(datetime.now(UTC))  # the store dates entries by the real clock
    sender = deliveries(store, play, clock)
    await play.open(KEY, 1, "two-stage")
    waits = []
    for _ in range(6):
        [parcel] = await sender.claim(KEY)
        await sender.failed(parcel, "NetworkError: down", refused=False)
        [entry] = await store.outbox.pending(KEY)
        waits.append(entry.due - clock.now())
        clock.set(entry.due)
    assert waits == [timedelta(seconds=s) for s in (5, 10, 20, 40, 60, 60)]
    assert entry.attempts == 6 and entry.last_error == "NetworkError: down"
    # A day of failures: the reply is replaced by a notice that says so ...
    clock.move(sender.give_up_after)
    [parcel] = await sender.claim(KEY)
    await sender.failed(parcel, "NetworkError: still down", refused=False)
    [notice] = await sender.claim(KEY)
    assert notice.reply == Reply([Say("undeliverable", (TOO_LATE,))])
    # ... which is itself retried through the outage (it is all the learner will get).
    await sender.failed(notice, "NetworkError: still down", refused=False)
    assert [e.body for e in await store.outbox.pending(KEY)] == [notice.entry.body]


async def test_a_refused_reply_is_replaced_by_a_notice_at_once(play: Play, store: Store) -> None:
    clock = MovableClock()
    sender = deliveries(store, play, clock)
    await play.open(KEY, 1, "two-stage")
    await play.step(KEY, 2, events.Hint())
    first, second = await sender.claim(KEY)
    await sender.failed(first, "BadRequest: can't parse entities", refused=True)
    notice, after = await sender.claim(KEY)  # in the refused reply's place, due now
    assert notice.reply == Reply([Say("undeliverable", (REFUSED,))])
    assert after.entry.id == second.entry.id
    # A notice refused too is dropped: nothing more to try.
    await sender.failed(notice, "BadRequest: no", refused=True)
    assert [e.id for e in await store.outbox.pending(KEY)] == [second.entry.id]


async def test_an_unreachable_chat_is_forgotten(play: Play, store: Store) -> None:
    await play.open(KEY, 1, "two-stage")
    await deliveries(store, play, MovableClock()).unreachable(KEY)
    assert await store.outbox.pending(KEY) == []


async def test_leases_of_dead_senders_are_released(play: Play, store: Store) -> None:
    await play.open(KEY, 1, "two-stage")
    clock = MovableClock()
    assert await deliveries(store, play, clock, "dead").claim(KEY)
    alive = deliveries(store, play, clock, "alive")
    assert await alive.claim(KEY) == []
    assert await alive.release_owners(lambda owner: owner == "dead") == 1
    assert await alive.claim(KEY)


def test_only_the_live_step_keeps_buttons() -> None:
    def live(*rows: tuple[int, int, int]) -> list[LiveButtons]:
        return [LiveButtons(KEY, message, version, entry) for message, version, entry in rows]

    # A step at version 3 (entry 30) after steps at 1 and 2: the older buttons go.
    rows = live((10, 1, 10), (20, 2, 20), (31, 3, 30))
    assert stale(rows, latest=30, version=3) == [10, 20]
    # A reply without buttons at the same version (/help mid-step): the step keeps its own.
    rows = live((31, 3, 30))
    assert stale(rows, latest=40, version=3) == []
    # ... at another version (the question after "Diagnosis ▶"): they go.
    assert stale(rows, latest=40, version=4) == [31]
    # A reply with buttons of its own at the same version ("Switch?"): the newest wins.
    rows = live((31, 3, 30), (41, 3, 40))
    assert stale(rows, latest=40, version=3) == [31]


def _keep(body: str) -> Change[None]:
    return Change(None, outbox=body)


def test_bodies_are_json_a_person_can_read() -> None:
    body = json.loads(encode_reply(Reply([Say("help", ("/case",))])))
    assert body == {
        "v": 1,
        "reply": {
            "@": "Reply",
            "says": [{"@": "Say", "code": "help", "lines": ["/case"], "choices": []}],
            "actions": [],
            "toast": None,
        },
    }
