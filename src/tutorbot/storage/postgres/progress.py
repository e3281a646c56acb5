"""Answers and finished cases in PostgreSQL: appended by :meth:`Store.apply`, read here."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from datetime import datetime

from tutorbot.storage.interfaces import Answers, Progress
from tutorbot.storage.postgres.connection import Connection, Database
from tutorbot.storage.records import AnswerRecord, FinishedCase


async def add_answers(conn: Connection, answers: Sequence[AnswerRecord], at: datetime) -> None:
    """Append answers inside the caller's transaction (``at`` for those without a time)."""
    if not answers:
        return
    await conn.executemany(
        "INSERT INTO answers (chat_id, user_id, case_id, case_version, answer, "
        "verdict, score, matched, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
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
                a.at or at,
            )
            for a in answers
        ],
    )


async def add_finished(conn: Connection, finished: Sequence[FinishedCase], at: datetime) -> None:
    """Append finished cases inside the caller's transaction (``at`` for those without a time)."""
    if not finished:
        return
    await conn.executemany(
        "INSERT INTO finished_cases (user_id, case_id, case_version, outcome, at) "
        "VALUES ($1, $2, $3, $4, $5)",
        [(f.user_id, f.case_id, f.case_version, f.outcome, f.at or at) for f in finished],
    )


async def _answers(
    conn: Connection, user_id: int | None, case_id: str | None
) -> list[AnswerRecord]:
    rows = await conn.fetch(
        "SELECT chat_id, user_id, case_id, case_version, answer, verdict, score, "
        "matched, at FROM answers WHERE ($1::bigint IS NULL OR user_id = $1) "
        "AND ($2::text IS NULL OR case_id = $2) ORDER BY id",
        user_id,
        case_id,
    )
    return [AnswerRecord(*row) for row in rows]


async def _finished(conn: Connection, user_id: int) -> list[FinishedCase]:
    rows = await conn.fetch(
        "SELECT case_id, case_version, outcome, at FROM finished_cases "
        "WHERE user_id = $1 ORDER BY id",
        user_id,
    )
    return [FinishedCase(user_id, r[0], r[1], r[2], r[3]) for r in rows]


class PostgresAnswers(Answers):
    """:class:`Answers` in the ``answers`` table."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def list(
        self, *, user_id: int | None = None, case_id: str | None = None
    ) -> builtins.list[AnswerRecord]:
        return await self._db.run(_answers, user_id, case_id)


class PostgresProgress(Progress):
    """:class:`Progress` in the ``finished_cases`` table."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def finished(self, user_id: int) -> list[FinishedCase]:
        return await self._db.run(_finished, user_id)
