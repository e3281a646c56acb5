"""What is only about the SQLite backend: WAL, waiting for a busy writer, migrations, upgrades.

Everything else a backend does is in the contract suite one folder up.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tutorbot.storage import Change, NewJob, SessionKey, StoreError, open_store
from tutorbot.storage.migrations import MIGRATIONS
from tutorbot.storage.sqlite import SQLiteStore

KEY = SessionKey(chat_id=10, thread_id=0, user_id=20)
RELEASE_DUMP = Path(__file__).parent.parent / "data" / "release_0_1_0.sql"


def put(state: str) -> Change[None]:
    return Change(result=None, state=state, case_id="case-a", case_version="v1")


async def test_wal_and_migrations_run_once(tmp_path: Path) -> None:
    store = await SQLiteStore(str(tmp_path / "a.db")).open()
    try:
        assert await store.schema_version() == len(MIGRATIONS)
    finally:
        await store.close()
    again = await SQLiteStore(str(tmp_path / "a.db")).open()  # migrations run once
    try:
        assert await again.schema_version() == len(MIGRATIONS)
    finally:
        await again.close()
    conn = sqlite3.connect(tmp_path / "a.db")
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()


async def test_migrates_a_version_1_database(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    conn.executescript(MIGRATIONS[0].sqlite)
    conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    conn.execute("INSERT INTO schema_version VALUES (1)")
    conn.execute(
        "INSERT INTO sessions VALUES (10, 0, 20, 'case-a', 'v1', 'old', 3, "
        "'2026-01-01T00:00:00.000000+00:00')"
    )
    conn.commit()
    conn.close()
    store = await SQLiteStore(str(path)).open()
    try:
        assert await store.schema_version() == len(MIGRATIONS)
        session = await store.sessions.get(KEY)
        assert session is not None and session.state == "old" and session.version == 3
        assert await store.outbox.pending(KEY) == []
    finally:
        await store.close()


async def test_refuses_a_database_newer_than_it_knows(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    conn.execute("INSERT INTO schema_version VALUES (?)", (len(MIGRATIONS) + 1,))
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="newer than this tutorbot knows"):
        await SQLiteStore(str(path)).open()


async def test_upgrades_a_database_written_by_the_release_in_place(tmp_path: Path) -> None:
    path = tmp_path / "release.db"
    conn = sqlite3.connect(path)
    conn.executescript(RELEASE_DUMP.read_text(encoding="utf-8"))
    conn.close()
    alice, bob = SessionKey(101, 0, 101), SessionKey(202, 0, 202)
    store = await open_store(f"sqlite:///{path}")
    try:
        assert await store.schema_version() == len(MIGRATIONS)
        session = await store.sessions.get(alice)
        assert session is not None
        assert (session.case_id, session.case_version, session.version) == (
            "osteosarcoma",
            "3f2a9c",
            5,
        )
        assert json.loads(session.state)["phase"] == "images"
        # Migration 4: the reply the release left pending is an outbox entry that shows
        # the step the session was at, at its version; nothing else was pending.
        [entry] = await store.outbox.pending(alice)
        assert (entry.version, entry.sent_parts, entry.attempts) == (5, 0, 0)
        assert json.loads(entry.body) == {
            "v": 1,
            "step": {"case_id": "osteosarcoma", "state": session.state},
        }
        assert entry.due == entry.created_at == session.updated_at
        ended_and_done = await store.sessions.get(bob)
        assert ended_and_done is not None and ended_and_done.case_id == "extradural-hematoma"
        assert await store.outbox.pending(bob) == []
        assert await store.outbox.due(datetime.now(UTC)) == [alice]
        answers = await store.answers.list(user_id=101)
        assert [(a.answer, a.verdict, a.score, a.matched) for a in answers] == [
            ("pneumothorax", "partial", 0.6, "pneumothorax"),
            ("tension pneumothorax", "correct", 1.0, "tension pneumothorax"),
        ]
        assert answers[0].at == datetime(2026, 1, 5, 9, 30, tzinfo=UTC)
        assert [a.user_id for a in await store.answers.list(case_id="extradural-hematoma")] == [202]
        finished = await store.progress.finished(202)
        assert [(f.case_id, f.case_version, f.outcome) for f in finished] == [
            ("extradural-hematoma", "77b0e1", "revealed")
        ]
        assert [f.outcome for f in await store.progress.finished(101)] == ["partial"]
        assert (await store.users.active(101), await store.users.active(202)) == (True, False)
        assert await store.media.get(777, "ab" * 32) == "AgACAgQAAxkDAAIBQ2"
        assert await store.updates.is_processed(1005)
        assert (await store.apply(1005, alice, lambda _c: put("again"))).duplicate
        # The entry is sent and forgotten like any other, and sessions go on.
        [kept] = await store.outbox.claim(alice, "me", datetime.now(UTC), timedelta(seconds=5))
        assert await store.outbox.delivered(kept.id, "me", [41])
        assert await store.outbox.pending(alice) == []
        moved = await store.apply(1006, alice, lambda _c: put("next"))
        assert moved.session is not None and moved.session.version == 6
        # What migration 4 added works on the upgraded file: the inbox, live buttons.
        assert [b.message_id for b in await store.outbox.live_buttons(alice)] == [41]
        assert await store.inbox.add(1007, "{}", "me", datetime.now(UTC))
        assert [e.update_id for e in await store.inbox.waiting()] == [1007]
        # What migration 3 added works on the upgraded file.
        job_id = await store.jobs.add(NewJob("k", {}, datetime.now(UTC) - timedelta(seconds=1)))
        claimed = await store.jobs.claim("me", datetime.now(UTC), timedelta(seconds=5))
        assert [job.id for job in claimed] == [job_id]
        token = await store.tokens.put("v1:open:" + "x" * 80)
        assert await store.tokens.get(token) == "v1:open:" + "x" * 80
        # Migration 5: the release's ids (no time kept with them now) are pruned by id.
        now, keep = datetime.now(UTC), timedelta(days=2)
        assert await store.updates.prune(now, keep) == 0
        assert await store.updates.prune(now + keep, keep) >= 6  # 1001-1006 at least
        assert not await store.updates.is_processed(1001)
        assert not await store.updates.is_processed(1006)
    finally:
        await store.close()


async def test_waits_for_another_writer_without_blocking_the_loop(tmp_path: Path) -> None:
    store = await SQLiteStore(str(tmp_path / "busy.db")).open()
    other = sqlite3.connect(tmp_path / "busy.db", isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0.005)

        ticking = asyncio.create_task(ticker())
        applying = asyncio.create_task(store.apply(1, KEY, lambda _c: put("waited")))
        await asyncio.sleep(0.2)
        assert not applying.done() and ticks >= 10  # waiting, and the loop runs on
        other.execute("COMMIT")
        applied = await asyncio.wait_for(applying, 5)
        ticking.cancel()
        assert applied.session is not None and applied.session.state == "waited"
    finally:
        other.close()
        await store.close()
