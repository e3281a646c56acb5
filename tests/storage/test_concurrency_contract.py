"""Two processes on one database, at the same moment: what each backend guarantees.

Each "process" is a store on a thread and event loop of its own
(:func:`elsewhere`), so their transactions really overlap: one update is
applied once, every change to one session survives (none lost to a race),
and a session's kept replies go to one sender. Jobs claimed once:
test_jobs_contract.py.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from tests.storage.storage_helpers import KEY, Opener, Run, elsewhere, keeping
from tutorbot.storage import Applied, Change, OutboxEntry, SessionKey, SessionRecord, Store

T = TypeVar("T")
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
LEASE = timedelta(seconds=30)
#: Enough tries that a backend that retries on conflict never gives up in these races.
PATIENT = 1000


def appending(name: str) -> Callable[[SessionRecord | None], Change[str]]:
    """A change that adds ``name`` to the list the session's state holds."""

    def fn(current: SessionRecord | None) -> Change[str]:
        names = json.loads(current.state) if current else []
        return Change(result=name, state=json.dumps([*names, name]), case_id="c", case_version="v")

    return fn


async def in_two_processes(
    backend: Opener, work: Callable[[Store, Run[Any], str], T]
) -> tuple[T, T]:
    """``work(store, run, name)`` in two processes at once; what each returned."""
    await backend()  # migrated before the race starts
    with elsewhere(backend.url) as (one, run_one), elsewhere(backend.url) as (two, run_two):
        first, second = await asyncio.gather(
            asyncio.to_thread(work, one, run_one, "one"),
            asyncio.to_thread(work, two, run_two, "two"),
        )
    return first, second


async def test_an_update_delivered_to_two_processes_is_applied_once(backend: Opener) -> None:
    def deliver_all(store: Store, run: Run[Applied[str]], name: str) -> list[Applied[str]]:
        return [
            run(store.apply(update_id, KEY, appending(f"u{update_id}"), attempts=PATIENT))
            for update_id in range(1, 31)
        ]

    first, second = await in_two_processes(backend, deliver_all)
    for mine, theirs in zip(first, second, strict=True):
        assert [mine.duplicate, theirs.duplicate].count(False) == 1
    store = await backend()
    session = await store.sessions.get(KEY)
    assert session is not None and session.version == 30
    assert json.loads(session.state) == [f"u{n}" for n in range(1, 31)]


async def test_no_change_to_one_session_is_lost_between_two_processes(backend: Opener) -> None:
    def write_own(store: Store, run: Run[Applied[str]], name: str) -> list[Applied[str]]:
        offset = 0 if name == "one" else 1000
        return [
            run(store.apply(offset + n, KEY, appending(f"{name}{n}"), attempts=PATIENT))
            for n in range(25)
        ]

    first, second = await in_two_processes(backend, write_own)
    assert not any(applied.duplicate for applied in first + second)
    store = await backend()
    session = await store.sessions.get(KEY)
    assert session is not None and session.version == 50
    names = json.loads(session.state)
    # Each process's changes all there, in the order it made them.
    assert [n for n in names if n.startswith("one")] == [f"one{n}" for n in range(25)]
    assert [n for n in names if n.startswith("two")] == [f"two{n}" for n in range(25)]


async def test_two_processes_never_both_claim_a_sessions_replies(backend: Opener) -> None:
    store = await backend()
    keys = [SessionKey(chat_id=100 + n, thread_id=0, user_id=n) for n in range(20)]
    for number, key in enumerate(keys, 1):
        await store.apply(number, key, keeping(f"reply {number}", state="s"))
        await store.apply(number + 100, key, keeping(f"more {number}", state="t"))

    def claim_all(runner: Store, run: Run[list[OutboxEntry]], owner: str) -> list[list[int]]:
        return [[e.id for e in run(runner.outbox.claim(key, owner, T0, LEASE))] for key in keys]

    first, second = await in_two_processes(backend, claim_all)
    for key, mine, theirs in zip(keys, first, second, strict=True):
        pending = [entry.id for entry in await store.outbox.pending(key)]
        assert len(pending) == 2
        assert sorted([mine, theirs], key=len) == [[], pending], key
