"""The storage contract: one suite, run against every backend.

A backend joins by adding a param to the ``backend`` fixture that yields a
function opening a fresh :class:`Store` on one shared database (PostgreSQL
will skip unless a URL is configured).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest

from tutorbot.storage import (
    AnswerRecord,
    Change,
    ConflictError,
    FinishedCase,
    SessionKey,
    SessionRecord,
    SQLiteStore,
    Store,
    UnsupportedDatabase,
    open_store,
)

KEY = SessionKey(chat_id=10, thread_id=0, user_id=20)
T = TypeVar("T")


class Opener:
    """Opens stores on one database (``url``); every store opened is closed at the end."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.opened: list[Store] = []

    async def __call__(self) -> Store:
        store = await open_store(self.url)
        self.opened.append(store)
        return store


@pytest.fixture(params=["sqlite"])
async def backend(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Opener]:
    opener = Opener(f"sqlite:///{tmp_path / 'tutor.db'}")
    yield opener
    for store in opener.opened:
        await store.close()


Run = Callable[[Coroutine[Any, Any, T]], T]


@contextlib.contextmanager
def elsewhere(url: str) -> Iterator[tuple[Store, Run[Any]]]:
    """A store on a thread and event loop of its own: as far as the store knows, another
    process. ``run(coroutine)`` runs there and blocks until it is done, so a function
    passed to ``apply`` can make that other process write in the middle of it."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()

    def run(coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, loop).result(timeout=10)

    store = run(open_store(url))
    try:
        yield store, run
    finally:
        run(store.close())
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
        loop.close()


@pytest.fixture
async def store(backend: Opener) -> Store:
    return await backend()


def put(
    state: str, case_id: str = "case-a", result: str = "ok"
) -> Callable[[SessionRecord | None], Change[str]]:
    def fn(current: SessionRecord | None) -> Change[str]:
        return Change(result=result, state=state, case_id=case_id, case_version="v1")

    return fn


async def test_apply_creates_then_advances_session(store: Store) -> None:
    first = await store.apply(1, KEY, put('{"step": 1}'))
    assert not first.duplicate and first.result == "ok"
    assert first.session is not None and first.session.version == 1
    second = await store.apply(2, KEY, put('{"step": 2}'))
    assert second.session is not None and second.session.version == 2
    session = await store.get_session(KEY)
    assert session is not None
    assert (session.state, session.case_id, session.case_version) == ('{"step": 2}', "case-a", "v1")


async def test_function_sees_current_session(store: Store) -> None:
    await store.apply(1, KEY, put("one"))
    seen: list[SessionRecord | None] = []

    def fn(current: SessionRecord | None) -> Change[None]:
        seen.append(current)
        return Change(result=None)

    await store.apply(2, KEY, fn)
    assert seen[0] is not None and seen[0].state == "one" and seen[0].version == 1


async def test_duplicate_update_is_ignored(store: Store) -> None:
    calls = 0

    def fn(current: SessionRecord | None) -> Change[int]:
        nonlocal calls
        calls += 1
        return Change(result=calls, state=f"s{calls}", case_id="c", case_version="v")

    assert (await store.apply(7, KEY, fn)).result == 1
    again = await store.apply(7, KEY, fn)
    assert again.duplicate and again.result is None
    assert calls == 1
    assert await store.is_processed(7)
    session = await store.get_session(KEY)
    assert session is not None and session.state == "s1" and session.version == 1


async def test_failed_function_marks_nothing(store: Store) -> None:
    def boom(current: SessionRecord | None) -> Change[None]:
        raise RuntimeError("engine bug")

    with pytest.raises(RuntimeError):
        await store.apply(3, KEY, boom)
    assert not await store.is_processed(3)
    assert await store.get_session(KEY) is None


async def test_cas_conflict_detected(backend: Opener) -> None:
    one, two = await backend(), await backend()  # two "processes" on one database
    await one.apply(1, KEY, put("start"))
    read = await one.get_session(KEY)
    assert read is not None
    await two.apply(2, KEY, put("advanced by two"))
    with pytest.raises(ConflictError):
        await one.write_session(
            KEY, case_id="case-a", case_version="v1", state="stale", expected_version=read.version
        )
    with pytest.raises(ConflictError):
        await one.write_session(
            KEY, case_id="case-a", case_version="v1", state="new?", expected_version=0
        )
    session = await one.get_session(KEY)
    assert session is not None and session.state == "advanced by two" and session.version == 2


async def test_apply_retries_after_a_conflict(backend: Opener) -> None:
    one = await backend()
    await one.apply(1, KEY, put("0"))
    seen: list[str] = []
    interfered = False

    with elsewhere(backend.url) as (two, run):

        def fn(current: SessionRecord | None) -> Change[str]:
            nonlocal interfered
            assert current is not None
            seen.append(current.state)
            if not interfered:
                interfered = True
                # Another process advances the session while we compute.
                run(
                    two.write_session(
                        KEY,
                        case_id="case-a",
                        case_version="v1",
                        state="1",
                        expected_version=current.version,
                    )
                )
            return Change(result="done", state=current.state + "+")

        applied = await asyncio.wait_for(one.apply(2, KEY, fn), timeout=10)
    assert applied.result == "done"
    assert seen == ["0", "1"]
    session = await one.get_session(KEY)
    assert session is not None and session.state == "1+" and session.version == 3


async def test_answers_and_finished_cases_kept(store: Store) -> None:
    answers = [
        AnswerRecord(10, 20, "case-a", "v1", "lymphoma", "wrong", 0.1, None),
        AnswerRecord(
            10, 20, "case-a", "v1", "EMH", "correct", 1.0, "extramedullary haematopoiesis"
        ),
    ]

    def fn(current: SessionRecord | None) -> Change[None]:
        return Change(
            result=None,
            state="done",
            case_id="case-a",
            case_version="v1",
            answers=answers,
            finished=[FinishedCase(20, "case-a", "v1", "correct")],
        )

    await store.apply(1, KEY, fn)
    kept = await store.answers(user_id=20)
    assert [(a.answer, a.verdict, a.case_version, a.matched) for a in kept] == [
        ("lymphoma", "wrong", "v1", None),
        ("EMH", "correct", "v1", "extramedullary haematopoiesis"),
    ]
    assert all(a.at is not None for a in kept)
    assert await store.answers(case_id="other") == []
    stats = await store.stats(20)
    assert (stats.cases_done, stats.correct, stats.streak, stats.finished) == (1, 1, 1, ("case-a",))
    assert stats.accuracy == 1.0


async def test_stats_streak_counts_recent_correct_run(store: Store) -> None:
    outcomes = ["correct", "wrong", "correct", "correct"]
    for number, outcome in enumerate(outcomes, 1):
        finished = [FinishedCase(20, f"case-{number}", "v", outcome)]  # type: ignore[arg-type]
        await store.apply(number, KEY, lambda _c, f=finished: Change(result=None, finished=f))
    stats = await store.stats(20)
    assert (stats.cases_done, stats.correct, stats.streak) == (4, 3, 2)
    assert stats.accuracy == pytest.approx(0.75)
    empty = await store.stats(999)
    assert (empty.cases_done, empty.accuracy, empty.streak) == (0, 0.0, 0)


async def test_stats_count_each_case_once_as_it_went_first(store: Store) -> None:
    outcomes = [("case-a", "revealed"), ("case-a", "correct"), ("case-b", "correct")]
    for number, (case_id, outcome) in enumerate(outcomes, 1):
        finished = [FinishedCase(21, case_id, "v", outcome)]  # type: ignore[arg-type]
        await store.apply(number, KEY, lambda _c, f=finished: Change(result=None, finished=f))
    stats = await store.stats(21)
    assert (stats.cases_done, stats.correct, stats.streak) == (2, 1, 1)
    assert stats.finished == ("case-a", "case-b")


async def test_survives_close_and_reopen(backend: Opener) -> None:
    first = await backend()
    await first.apply(1, KEY, put("mid-case"))
    await first.put_file_id(42, "ab" * 32, "FILE1")
    await first.close()
    second = await backend()
    session = await second.get_session(KEY)
    assert session is not None and session.state == "mid-case"
    assert (await second.apply(1, KEY, put("again"))).duplicate
    assert await second.get_file_id(42, "ab" * 32) == "FILE1"


async def test_concurrent_applies_on_different_keys(store: Store) -> None:
    keys = [SessionKey(chat_id=i, thread_id=0, user_id=i) for i in range(50)]

    async def play(key: SessionKey) -> None:
        for step in range(5):
            await store.apply(key.chat_id * 100 + step, key, put(f"{key.chat_id}:{step}"))

    await asyncio.gather(*(play(key) for key in keys))
    for key in keys:
        session = await store.get_session(key)
        assert session is not None and session.state == f"{key.chat_id}:4"
        assert session.version == 5


async def test_delete_session(store: Store) -> None:
    await store.apply(1, KEY, put("x"))
    applied = await store.apply(2, KEY, lambda _c: Change(result=None, delete=True))
    assert applied.session is None
    assert await store.get_session(KEY) is None


async def test_a_new_session_never_reuses_an_ended_sessions_version(store: Store) -> None:
    first = await store.apply(1, KEY, put("x"))
    assert first.session is not None
    await store.apply(2, KEY, lambda _c: Change(result=None, delete=True))
    seen: list[object] = []
    second = await store.apply(3, KEY, lambda c: (seen.append(c), put("y")(c))[1])
    assert seen == [None]  # the ended session reads as absent
    assert second.session is not None and second.session.state == "y"
    assert second.session.version > first.session.version
    assert (await store.get_session(KEY)) == second.session


async def test_thread_ids_keep_sessions_apart(store: Store) -> None:
    topic = SessionKey(chat_id=KEY.chat_id, thread_id=5, user_id=KEY.user_id)
    await store.apply(1, KEY, put("main"))
    await store.apply(2, topic, put("topic"))
    main, other = await store.get_session(KEY), await store.get_session(topic)
    assert main is not None and other is not None
    assert (main.state, other.state) == ("main", "topic")


async def test_users_active_flag(store: Store) -> None:
    assert await store.user_active(20) is None
    await store.apply(1, KEY, put("x"))
    assert await store.user_active(20) is True
    await store.set_user_active(20, False)
    assert await store.user_active(20) is False
    await store.apply(2, KEY, put("y"))  # they came back
    assert await store.user_active(20) is True


async def test_media_cache(store: Store) -> None:
    digest = "cd" * 32
    assert await store.get_file_id(1, digest) is None
    await store.put_file_id(1, digest, "A")
    await store.put_file_id(1, digest, "B")
    assert await store.get_file_id(1, digest) == "B"
    assert await store.get_file_id(2, digest) is None  # file ids are per bot
    await store.forget_file_id(1, digest)
    assert await store.get_file_id(1, digest) is None


async def test_prune_processed(store: Store) -> None:
    await store.apply(1, KEY, put("x"))
    assert await store.prune_processed(datetime.now(UTC) - timedelta(days=1)) == 0
    assert await store.prune_processed(datetime.now(UTC) + timedelta(seconds=1)) == 1
    assert not await store.is_processed(1)


async def test_open_store_urls(tmp_path: Path) -> None:
    memory = await open_store("sqlite:///:memory:")
    try:
        await memory.apply(1, KEY, put("x"))
        assert (await memory.get_session(KEY)) is not None
    finally:
        await memory.close()
    with pytest.raises(UnsupportedDatabase, match="not yet supported"):
        await open_store("postgresql://tutor@localhost/tutor")
    with pytest.raises(UnsupportedDatabase):
        await open_store("mysql://x")


async def test_sqlite_wal_and_migrations(tmp_path: Path) -> None:
    store = await SQLiteStore(str(tmp_path / "a.db")).open()
    try:
        assert await store.schema_version() >= 1
    finally:
        await store.close()
    again = await SQLiteStore(str(tmp_path / "a.db")).open()  # migrations run once
    try:
        assert await again.schema_version() >= 1
    finally:
        await again.close()
    import sqlite3

    conn = sqlite3.connect(tmp_path / "a.db")
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()


def pending(state: str | None) -> Callable[[SessionRecord | None], Change[str]]:
    """A change that marks its reply pending (writing ``state`` unless ``None``)."""

    def fn(current: SessionRecord | None) -> Change[str]:
        return Change(
            result="ok", state=state, case_id="case-a", case_version="v1", reply_pending=True
        )

    return fn


async def test_outbox_flag_set_with_the_change_and_cleared_when_sent(store: Store) -> None:
    first = await store.apply(1, KEY, pending("s1"))
    assert first.session is not None and first.session.reply_pending
    assert (await store.get_session(KEY)) == first.session
    assert await store.reply_sent(KEY, first.session.version)
    cleared = await store.get_session(KEY)
    assert cleared is not None and not cleared.reply_pending
    assert cleared.version == first.session.version  # buttons carrying it stay valid
    # A change without the mark leaves the flag as it is.
    await store.apply(2, KEY, put("s2"))
    plain = await store.get_session(KEY)
    assert plain is not None and not plain.reply_pending
    # The flag alone (no state written): set without moving the version.
    flagged = await store.apply(3, KEY, pending(None))
    assert flagged.session is not None and flagged.session.reply_pending
    assert flagged.session.version == plain.version
    # Still pending after a write that does not mention it.
    await store.apply(4, KEY, put("s3"))
    kept = await store.get_session(KEY)
    assert kept is not None and kept.reply_pending


async def test_outbox_flag_not_cleared_for_a_moved_session(backend: Opener) -> None:
    one, two = await backend(), await backend()
    sent = await one.apply(1, KEY, pending("s1"))
    assert sent.session is not None
    await two.apply(2, KEY, pending("s2"))  # another process moved it on meanwhile
    assert not await one.reply_sent(KEY, sent.session.version)
    session = await one.get_session(KEY)
    assert session is not None and session.reply_pending and session.version == 2
    assert not await one.reply_sent(SessionKey(1, 0, 1), 1)  # no such session


async def test_duplicate_reports_the_session_and_its_flag(store: Store) -> None:
    await store.apply(1, KEY, pending("s1"))
    again = await store.apply(1, KEY, pending("s2"))
    assert again.duplicate and again.result is None
    assert again.session is not None and again.session.reply_pending
    assert again.session.state == "s1"
    await store.reply_sent(KEY, again.session.version)
    later = await store.apply(1, KEY, pending("s3"))
    assert later.session is not None and not later.session.reply_pending


async def test_sqlite_migrates_a_version_1_database(tmp_path: Path) -> None:
    import sqlite3

    from tutorbot.storage._sqlite import MIGRATIONS

    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    conn.executescript(MIGRATIONS[0])
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
        session = await store.get_session(KEY)
        assert session is not None and session.state == "old" and session.version == 3
        assert not session.reply_pending
    finally:
        await store.close()


async def test_sqlite_waits_for_another_writer_without_blocking_the_loop(tmp_path: Path) -> None:
    import sqlite3

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
        applying = asyncio.create_task(store.apply(1, KEY, put("waited")))
        await asyncio.sleep(0.2)
        assert not applying.done() and ticks >= 10  # waiting, and the loop runs on
        other.execute("COMMIT")
        applied = await asyncio.wait_for(applying, 5)
        ticking.cancel()
        assert applied.session is not None and applied.session.state == "waited"
    finally:
        other.close()
        await store.close()
