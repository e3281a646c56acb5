# mypy: ignore-errors
# (It runs with the release before issue 8, whose Store API this code no longer has.)
"""Write ``release_0_1_0.sql``: a database as the release before issue 8 (schema 2) leaves it.

Run it with that release's code, not this one's, from a checkout of the commit
named in the dump's first line::

    git worktree add --detach /tmp/release f2af41a
    cd /tmp/release && PYTHONPATH=src /work/main/.venv/bin/python \\
        /work/main/tests/storage/data/make_release_dump.py /work/main/tests/storage/data

It plays a few updates through that release's ``Store`` (a session mid-case with
its reply pending, an ended session, answers, finished cases, a learner who
blocked the bot, a cached file id) and dumps the file with ``iterdump()``.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import tutorbot
from tutorbot.storage import AnswerRecord, Change, FinishedCase, SessionKey, open_store

ALICE = SessionKey(chat_id=101, thread_id=0, user_id=101)
BOB = SessionKey(chat_id=202, thread_id=0, user_id=202)
AT = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)


def state(
    case_id: str, phase: str, stage: int = 0, outcome: str | None = None, version: str = "3f2a9c"
) -> str:
    """A session state as that release's ``SessionState.to_json`` wrote it."""
    return json.dumps(
        {
            "v": 1,
            "case_id": case_id,
            "case_version": version,
            "phase": phase,
            "stage": stage,
            "attempts_used": 0,
            "hints_shown": 0,
            "outcome": outcome,
        }
    )


async def play(path: Path) -> None:
    store = await open_store(f"sqlite:///{path}")
    try:

        def open_case(case_id: str) -> Any:
            return lambda _c: Change(
                result=None, state=state(case_id, "history"), case_id=case_id, case_version="3f2a9c"
            )

        await store.apply(1001, ALICE, open_case("tension-pneumothorax"))
        await store.apply(
            1002,
            ALICE,
            lambda _c: Change(
                result=None,
                state=state("tension-pneumothorax", "done", outcome="partial"),
                answers=[
                    AnswerRecord(
                        101,
                        101,
                        "tension-pneumothorax",
                        "3f2a9c",
                        "pneumothorax",
                        "partial",
                        0.6,
                        "pneumothorax",
                        AT,
                    ),
                    AnswerRecord(
                        101,
                        101,
                        "tension-pneumothorax",
                        "3f2a9c",
                        "tension pneumothorax",
                        "correct",
                        1.0,
                        "tension pneumothorax",
                        AT,
                    ),
                ],
                finished=[FinishedCase(101, "tension-pneumothorax", "3f2a9c", "partial", AT)],
            ),
        )
        await store.apply(1003, ALICE, lambda _c: Change(result=None, delete=True))
        await store.apply(1004, ALICE, open_case("osteosarcoma"))
        await store.apply(
            1005,
            ALICE,
            lambda _c: Change(
                result=None, state=state("osteosarcoma", "images", 1), reply_pending=True
            ),
        )
        await store.apply(
            2001,
            BOB,
            lambda _c: Change(
                result=None,
                state=state("extradural-hematoma", "done", outcome="revealed", version="77b0e1"),
                case_id="extradural-hematoma",
                case_version="77b0e1",
                answers=[
                    AnswerRecord(
                        202,
                        202,
                        "extradural-hematoma",
                        "77b0e1",
                        "subdural",
                        "wrong",
                        0.0,
                        None,
                        AT,
                    )
                ],
                finished=[FinishedCase(202, "extradural-hematoma", "77b0e1", "revealed", AT)],
            ),
        )
        await store.set_user_active(BOB.user_id, False)
        await store.put_file_id(777, "ab" * 32, "AgACAgQAAxkDAAIBQ2")
    finally:
        await store.close()


def main() -> None:
    out = Path(sys.argv[1])
    commit = subprocess.run(
        ["git", "rev-parse", "HEAD"],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(tutorbot.__file__).parent,
    ).stdout.strip()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "release.db"
        asyncio.run(play(path))
        conn = sqlite3.connect(path)
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        lines = list(conn.iterdump())
        conn.close()
    header = (
        f"-- A tutorbot database written by commit {commit} (schema version 2, before issue 8),\n"
        "-- by tests/storage/data/make_release_dump.py run with that commit's code; see its\n"
        "-- docstring. tests/storage/sqlite/test_sqlite_backend.py upgrades it in place.\n"
    )
    (out / "release_0_1_0.sql").write_text(header + "\n".join(lines) + "\n", encoding="utf-8")
    print(f"dumped with tutorbot from {tutorbot.__file__}")


if __name__ == "__main__":
    main()
