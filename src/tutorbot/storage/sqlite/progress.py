"""Answers and finished cases in SQLite: appended by :meth:`Store.apply`, read here."""

from __future__ import annotations

import builtins
import sqlite3
from collections.abc import Sequence

from tutorbot.storage.interfaces import Answers, Progress
from tutorbot.storage.records import AnswerRecord, FinishedCase
from tutorbot.storage.sqlite.connection import Database, from_ts, ts


def add_answers(conn: sqlite3.Connection, answers: Sequence[AnswerRecord], at: str) -> None:
    """Append answers inside the caller's transaction (``at`` for those without a time)."""
    conn.executemany(
        "INSERT INTO answers (chat_id, user_id, case_id, case_version, answer, "
        "verdict, score, matched, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                a.chat_id,
                a.user_id,
                a.case_id,
                a.case_version,
                a.answer,
                a.verdict,
                a.score,
                a.matched,
                ts(a.at) if a.at else at,
            )
            for a in answers
        ],
    )


def add_finished(conn: sqlite3.Connection, finished: Sequence[FinishedCase], at: str) -> None:
    """Append finished cases inside the caller's transaction (``at`` for those without a time)."""
    conn.executemany(
        "INSERT INTO finished_cases (user_id, case_id, case_version, outcome, at) "
        "VALUES (?, ?, ?, ?, ?)",
        [
            (f.user_id, f.case_id, f.case_version, f.outcome, ts(f.at) if f.at else at)
            for f in finished
        ],
    )


def _answers(
    conn: sqlite3.Connection, user_id: int | None, case_id: str | None
) -> list[AnswerRecord]:
    rows = conn.execute(
        "SELECT chat_id, user_id, case_id, case_version, answer, verdict, score, "
        "matched, at FROM answers WHERE (? IS NULL OR user_id = ?) "
        "AND (? IS NULL OR case_id = ?) ORDER BY id",
        (user_id, user_id, case_id, case_id),
    ).fetchall()
    return [
        AnswerRecord(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], from_ts(r[8])) for r in rows
    ]


def _finished(conn: sqlite3.Connection, user_id: int) -> list[FinishedCase]:
    rows = conn.execute(
        "SELECT case_id, case_version, outcome, at FROM finished_cases "
        "WHERE user_id = ? ORDER BY id",
        (user_id,),
    ).fetchall()
    return [FinishedCase(user_id, r[0], r[1], r[2], from_ts(r[3])) for r in rows]


class SQLiteAnswers(Answers):
    """:class:`Answers` in the ``answers`` table."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def list(
        self, *, user_id: int | None = None, case_id: str | None = None
    ) -> builtins.list[AnswerRecord]:
        return await self._db.run(_answers, user_id, case_id)


class SQLiteProgress(Progress):
    """:class:`Progress` in the ``finished_cases`` table."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def finished(self, user_id: int) -> list[FinishedCase]:
        return await self._db.run(_finished, user_id)
