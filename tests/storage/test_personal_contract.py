"""The storage contract for a person's data: every row naming a user, and only theirs.

Also the rule that keeps it complete: every column that holds a user id (named
``user_id`` or ``..._by``) is listed in ``storage/personal.py``.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from tests.storage.storage_helpers import KEY, put
from tutorbot.storage import AnswerRecord, Change, FinishedCase, SessionKey, Store, open_store
from tutorbot.storage.personal import PERSONAL_DATA, is_personal

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
OTHER = SessionKey(chat_id=11, thread_id=0, user_id=21)


def answered(user_id: int, text: str) -> Change[None]:
    return Change(
        result=None,
        state="s",
        case_id="case-a",
        case_version="v1",
        answers=[AnswerRecord(user_id, user_id, "case-a", "v1", text, "wrong", 0.0, None)],
        finished=[FinishedCase(user_id, "case-a", "v1", "revealed")],
        outbox=f"reply to {user_id}",
    )


async def test_rows_about_a_user_are_theirs_and_all_of_theirs(store: Store) -> None:
    await store.apply(1, KEY, lambda _c: answered(KEY.user_id, "lymphoma"))
    await store.apply(2, OTHER, lambda _c: answered(OTHER.user_id, "someone else's"))
    klass = await store.classes.create("Radiology 1", instructor=99, now=NOW)
    await store.members.join(klass.id, KEY.user_id, "Alice", NOW)
    await store.members.join(klass.id, OTHER.user_id, "Bob", NOW)
    rows = await store.rows_about(KEY.user_id)
    assert set(rows) == {f"{table}.{column}" for table, column in PERSONAL_DATA}
    assert [r["answer"] for r in rows["answers.user_id"]] == ["lymphoma"]
    assert [r["outcome"] for r in rows["finished_cases.user_id"]] == ["revealed"]
    assert [r["state"] for r in rows["sessions.user_id"]] == ["s"]
    assert [r["body"] for r in rows["outbox.user_id"]] == [f"reply to {KEY.user_id}"]
    assert [r["name"] for r in rows["class_members.user_id"]] == ["Alice"]
    assert len(rows["users.user_id"]) == 1
    assert all(isinstance(r["at"], str) for r in rows["answers.user_id"])  # JSON-ready
    teacher = await store.rows_about(99)
    assert [r["class_id"] for r in teacher["class_instructors.user_id"]] == [klass.id]
    assert sum(map(len, (await store.rows_about(12345)).values())) == 0


async def test_every_column_holding_a_user_id_is_listed(tmp_path: Path) -> None:
    path = tmp_path / "schema.db"
    store = await open_store(f"sqlite:///{path}")
    await store.apply(1, KEY, put("x"))
    await store.close()
    conn = sqlite3.connect(path)
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    columns = {(t, r[1]) for t in tables for r in conn.execute(f"PRAGMA table_info({t})")}
    conn.close()
    holding = {(table, column) for table, column in columns if is_personal(column)}
    assert holding, "the rule finds user ids at all"
    missing = holding - set(PERSONAL_DATA)
    assert not missing, f"add these to PERSONAL_DATA in storage/personal.py: {sorted(missing)}"
    assert set(PERSONAL_DATA) <= columns, "PERSONAL_DATA names a column no table has"
