"""The storage contract for sessions, the unit of work, answers, progress, users and media.

One suite, run against every backend (the ``backend`` fixture in conftest.py),
through the public interface only. Jobs and tokens have files of their own;
what is only about SQLite is in ``sqlite/test_sqlite_backend.py``.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.storage.storage_helpers import KEY, Opener, elsewhere, put
from tutorbot.storage import (
    AnswerRecord,
    ApplyFn,
    Change,
    ConflictError,
    FinishedCase,
    SessionKey,
    SessionRecord,
    Store,
    UnsupportedDatabase,
    open_store,
)
from tutorbot.tutor.progress import CaseOutcome, stats_from


async def test_apply_creates_then_advances_session(store: Store) -> None:
    first = await store.apply(1, KEY, put('{"step": 1}'))
    assert not first.duplicate and first.result == "ok"
    assert first.session is not None and first.session.version == 1
    second = await store.apply(2, KEY, put('{"step": 2}'))
    assert second.session is not None and second.session.version == 2
    session = await store.sessions.get(KEY)
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
    assert await store.updates.is_processed(7)
    session = await store.sessions.get(KEY)
    assert session is not None and session.state == "s1" and session.version == 1


async def test_failed_function_marks_nothing(store: Store) -> None:
    def boom(current: SessionRecord | None) -> Change[None]:
        raise RuntimeError("engine bug")

    with pytest.raises(RuntimeError):
        await store.apply(3, KEY, boom)
    assert not await store.updates.is_processed(3)
    assert await store.sessions.get(KEY) is None


async def test_cas_conflict_detected(backend: Opener) -> None:
    one, two = await backend(), await backend()  # two "processes" on one database
    await one.apply(1, KEY, put("start"))
    read = await one.sessions.get(KEY)
    assert read is not None
    await two.apply(2, KEY, put("advanced by two"))
    with pytest.raises(ConflictError):
        await one.sessions.write(
            KEY, case_id="case-a", case_version="v1", state="stale", expected_version=read.version
        )
    with pytest.raises(ConflictError):
        await one.sessions.write(
            KEY, case_id="case-a", case_version="v1", state="new?", expected_version=0
        )
    session = await one.sessions.get(KEY)
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
                    two.sessions.write(
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
    session = await one.sessions.get(KEY)
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
    kept = await store.answers.list(user_id=20)
    assert [(a.answer, a.verdict, a.case_version, a.matched) for a in kept] == [
        ("lymphoma", "wrong", "v1", None),
        ("EMH", "correct", "v1", "extramedullary haematopoiesis"),
    ]
    assert all(a.at is not None for a in kept)
    assert await store.answers.list(case_id="other") == []
    finished = await store.progress.finished(20)
    assert [(f.user_id, f.case_id, f.case_version, f.outcome) for f in finished] == [
        (20, "case-a", "v1", "correct")
    ]
    assert all(f.at is not None for f in finished)


def finish(finished: FinishedCase) -> ApplyFn[None]:
    """A change that records one finished case and nothing else."""
    return lambda _current: Change(result=None, finished=[finished])


async def test_finished_cases_kept_per_user_oldest_first(store: Store) -> None:
    outcomes: list[CaseOutcome] = ["correct", "wrong", "correct", "correct"]
    for number, outcome in enumerate(outcomes, 1):
        await store.apply(number, KEY, finish(FinishedCase(20, f"case-{number}", "v", outcome)))
    kept = await store.progress.finished(20)
    assert [(f.case_id, f.outcome) for f in kept] == [
        ("case-1", "correct"),
        ("case-2", "wrong"),
        ("case-3", "correct"),
        ("case-4", "correct"),
    ]
    assert await store.progress.finished(999) == []


async def test_finished_keeps_every_replay_for_the_domain_to_count(store: Store) -> None:
    outcomes: list[tuple[str, CaseOutcome]] = [
        ("case-a", "revealed"),
        ("case-a", "correct"),
        ("case-b", "correct"),
    ]
    for number, (case_id, outcome) in enumerate(outcomes, 1):
        await store.apply(number, KEY, finish(FinishedCase(21, case_id, "v", outcome)))
    kept = await store.progress.finished(21)
    assert [(f.case_id, f.outcome) for f in kept] == outcomes
    # What /stats shows: each case once, as it went the first time (the domain's rule).
    stats = stats_from((f.case_id, f.outcome) for f in kept)
    assert (stats.cases_done, stats.correct, stats.streak) == (2, 1, 1)
    assert stats.finished == ("case-a", "case-b")


async def test_survives_close_and_reopen(backend: Opener) -> None:
    first = await backend()
    await first.apply(1, KEY, put("mid-case"))
    await first.media.put(42, "ab" * 32, "FILE1")
    await first.close()
    second = await backend()
    session = await second.sessions.get(KEY)
    assert session is not None and session.state == "mid-case"
    assert (await second.apply(1, KEY, put("again"))).duplicate
    assert await second.media.get(42, "ab" * 32) == "FILE1"


async def test_concurrent_applies_on_different_keys(store: Store) -> None:
    keys = [SessionKey(chat_id=i, thread_id=0, user_id=i) for i in range(50)]

    async def play(key: SessionKey) -> None:
        for step in range(5):
            await store.apply(key.chat_id * 100 + step, key, put(f"{key.chat_id}:{step}"))

    await asyncio.gather(*(play(key) for key in keys))
    for key in keys:
        session = await store.sessions.get(key)
        assert session is not None and session.state == f"{key.chat_id}:4"
        assert session.version == 5


async def test_delete_session(store: Store) -> None:
    await store.apply(1, KEY, put("x"))
    applied = await store.apply(2, KEY, lambda _c: Change(result=None, delete=True))
    assert applied.session is None
    assert await store.sessions.get(KEY) is None


async def test_active_sessions_are_those_changed_since(store: Store) -> None:
    before = datetime.now(UTC) - timedelta(seconds=1)
    other = SessionKey(chat_id=-100, thread_id=0, user_id=7)
    await store.apply(1, KEY, put("x"))
    await store.apply(2, other, put("y"))
    assert await store.sessions.active(before) == 2
    await store.apply(3, KEY, lambda _c: Change(result=None, delete=True))
    assert await store.sessions.active(before) == 1  # an ended session is not active
    assert await store.sessions.active(datetime.now(UTC) + timedelta(minutes=1)) == 0


async def test_a_new_session_never_reuses_an_ended_sessions_version(store: Store) -> None:
    first = await store.apply(1, KEY, put("x"))
    assert first.session is not None
    await store.apply(2, KEY, lambda _c: Change(result=None, delete=True))
    seen: list[SessionRecord | None] = []

    def start_again(current: SessionRecord | None) -> Change[str]:
        seen.append(current)
        return put("y")(current)

    second = await store.apply(3, KEY, start_again)
    assert seen == [None]  # the ended session reads as absent
    assert second.session is not None and second.session.state == "y"
    assert second.session.version > first.session.version
    assert (await store.sessions.get(KEY)) == second.session


async def test_thread_ids_keep_sessions_apart(store: Store) -> None:
    topic = SessionKey(chat_id=KEY.chat_id, thread_id=5, user_id=KEY.user_id)
    await store.apply(1, KEY, put("main"))
    await store.apply(2, topic, put("topic"))
    main, other = await store.sessions.get(KEY), await store.sessions.get(topic)
    assert main is not None and other is not None
    assert (main.state, other.state) == ("main", "topic")


async def test_users_active_flag(store: Store) -> None:
    assert await store.users.active(20) is None
    await store.apply(1, KEY, put("x"))
    assert await store.users.active(20) is True
    await store.users.set_active(20, False)
    assert await store.users.active(20) is False
    await store.apply(2, KEY, put("y"))  # they came back
    assert await store.users.active(20) is True


async def test_media_cache(store: Store) -> None:
    digest = "cd" * 32
    assert await store.media.get(1, digest) is None
    await store.media.put(1, digest, "A")
    await store.media.put(1, digest, "B")
    assert await store.media.get(1, digest) == "B"
    assert await store.media.get(2, digest) is None  # file ids are per bot
    await store.media.forget(1, digest)
    assert await store.media.get(1, digest) is None


async def test_prune_processed(store: Store) -> None:
    keep = timedelta(days=2)
    start = datetime.now(UTC)
    assert await store.updates.prune(start, keep) == 0  # nothing processed: nothing noted
    await store.apply(1, KEY, put("x"))
    await store.apply(2, KEY, put("y"))
    assert await store.updates.prune(start, keep) == 0  # notes 2
    await store.apply(3, KEY, put("z"))
    assert await store.updates.prune(start + timedelta(hours=6), keep) == 0  # notes 3
    # Two days after the first note: 1 and 2 go, 3 was processed after it.
    assert await store.updates.prune(start + keep, keep) == 2
    assert not await store.updates.is_processed(2)
    assert await store.updates.is_processed(3)
    assert await store.updates.prune(start + keep, keep) == 0  # idempotent
    await store.apply(4, KEY, put("w"))
    assert await store.updates.prune(start + keep + timedelta(hours=6), keep) == 1  # 3
    assert [await store.updates.is_processed(i) for i in (1, 2, 3, 4)] == [False] * 3 + [True]
    # Two days without an update: the last one goes too.
    assert await store.updates.prune(start + 2 * keep + timedelta(hours=6), keep) == 1
    assert not await store.updates.is_processed(4)


async def test_open_store_urls(tmp_path: Path) -> None:
    memory = await open_store("sqlite:///:memory:")
    try:
        await memory.apply(1, KEY, put("x"))
        assert (await memory.sessions.get(KEY)) is not None
    finally:
        await memory.close()
    with pytest.raises(UnsupportedDatabase):
        await open_store("mysql://x")
