"""Answers, their regrades and finished cases in PostgreSQL: appended by :meth:`Store.apply`
and by regrades, read here; the first grading is never overwritten."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from datetime import datetime
from typing import cast

import asyncpg

from tutorbot.storage.interfaces import Answers, Progress
from tutorbot.storage.postgres.connection import Connection, Database
from tutorbot.storage.records import AnswerRecord, FinishedCase, OutcomeRegrade, Regrade
from tutorbot.tutor.progress import CaseOutcome


async def add_answers(
    conn: Connection,
    answers: Sequence[AnswerRecord],
    at: datetime,
    *,
    opened_at: datetime | None = None,
    source: str = "",
) -> None:
    """Append answers inside the caller's transaction (``at`` for those without a time;
    their seconds counted from ``opened_at``, their source ``source`` when they name none)."""
    if not answers:
        return
    rows = []
    for a in answers:
        when = a.at or at
        seconds = a.seconds
        if seconds is None and opened_at is not None:
            seconds = max(0.0, (when - opened_at).total_seconds())
        rows.append(
            (
                a.chat_id,
                a.user_id,
                a.case_id,
                a.case_version,
                a.answer,
                a.verdict,
                a.score,
                a.matched,
                when,
                a.name,
                a.attempt,
                a.hints,
                seconds,
                a.source or source,
            )
        )
    await conn.executemany(
        "INSERT INTO answers (chat_id, user_id, case_id, case_version, answer, verdict, "
        "score, matched, at, name, attempt, hints, seconds, source) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
        rows,
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


# The current grading of each answer: its latest regrade's, else the first one.
_ANSWERS = """
SELECT a.id, a.chat_id, a.user_id, a.case_id, a.case_version, a.answer,
       COALESCE(r.after, a.verdict), COALESCE(r.score, a.score),
       CASE WHEN r.id IS NULL THEN a.matched ELSE r.matched END,
       a.at, a.name, a.attempt, a.hints, a.seconds, a.source,
       CASE WHEN r.id IS NOT NULL AND r.after <> a.verdict THEN a.verdict END
FROM answers a
LEFT JOIN LATERAL (
    SELECT id, after, score, matched FROM regrades
    WHERE answer_id = a.id ORDER BY id DESC LIMIT 1
) r ON true
WHERE ($1::bigint IS NULL OR a.user_id = $1) AND ($2::text IS NULL OR a.case_id = $2)
ORDER BY a.id
"""


def _answer(row: asyncpg.Record) -> AnswerRecord:
    return AnswerRecord(
        chat_id=row[1],
        user_id=row[2],
        case_id=row[3],
        case_version=row[4],
        answer=row[5],
        verdict=row[6],
        score=row[7],
        matched=row[8],
        at=row[9],
        name=row[10],
        attempt=row[11],
        hints=row[12],
        seconds=row[13],
        source=row[14],
        id=row[0],
        first_verdict=row[15],
    )


async def _answers(
    conn: Connection, user_id: int | None, case_id: str | None
) -> list[AnswerRecord]:
    return [_answer(r) for r in await conn.fetch(_ANSWERS, user_id, case_id)]


async def _regrade(
    conn: Connection, regrades: Sequence[Regrade], outcomes: Sequence[OutcomeRegrade]
) -> int:
    async with conn.transaction():
        if regrades:
            await conn.executemany(
                "INSERT INTO regrades (answer_id, case_version, before, after, score, matched, "
                "who, at) VALUES ($1, $2, $3, $4, $5, $6, $7, now())",
                [
                    (r.answer_id, r.case_version, r.before, r.after, r.score, r.matched, r.by)
                    for r in regrades
                ],
            )
        if outcomes:
            await conn.executemany(
                "UPDATE finished_cases SET outcome_now = "
                "CASE WHEN $1 = outcome THEN NULL ELSE $1 END WHERE id = $2",
                [(o.after, o.finish_id) for o in outcomes],
            )
    return len(regrades)


async def _regrades(conn: Connection, case_id: str, unnotified: bool) -> list[Regrade]:
    rows = await conn.fetch(
        "SELECT r.id, r.answer_id, r.case_version, r.before, r.after, r.score, r.matched, "
        "r.who, r.at, a.chat_id, a.user_id, a.answer, r.notified "
        "FROM regrades r JOIN answers a ON a.id = r.answer_id "
        "WHERE a.case_id = $1 AND (NOT $2 OR NOT r.notified) ORDER BY r.id",
        case_id,
        unnotified,
    )
    return [
        Regrade(
            answer_id=r[1],
            case_version=r[2],
            before=r[3],
            after=r[4],
            score=r[5],
            matched=r[6],
            by=r[7],
            at=r[8],
            id=r[0],
            chat_id=r[9],
            user_id=r[10],
            answer=r[11],
            notified=r[12],
        )
        for r in rows
    ]


async def _notified(conn: Connection, ids: Sequence[int]) -> None:
    await conn.execute("UPDATE regrades SET notified = true WHERE id = ANY($1::bigint[])", ids)


async def _forget(conn: Connection, user_id: int) -> int:
    async with conn.transaction():
        await conn.execute(
            "DELETE FROM regrades WHERE answer_id IN (SELECT id FROM answers WHERE user_id = $1)",
            user_id,
        )
        removed = await conn.fetchval(
            "WITH gone AS (DELETE FROM answers WHERE user_id = $1 RETURNING 1) "
            "SELECT count(*) FROM gone",
            user_id,
        )
        await conn.execute("DELETE FROM finished_cases WHERE user_id = $1", user_id)
    return int(removed or 0)


async def _finished(
    conn: Connection, user_id: int | None, case_id: str | None
) -> list[FinishedCase]:
    rows = await conn.fetch(
        "SELECT id, user_id, case_id, case_version, COALESCE(outcome_now, outcome), at, "
        "CASE WHEN outcome_now IS NOT NULL THEN outcome END FROM finished_cases "
        "WHERE ($1::bigint IS NULL OR user_id = $1) AND ($2::text IS NULL OR case_id = $2) "
        "ORDER BY id",
        user_id,
        case_id,
    )
    return [
        FinishedCase(
            r[1],
            r[2],
            r[3],
            cast(CaseOutcome, r[4]),
            r[5],
            id=r[0],
            first_outcome=cast(CaseOutcome | None, r[6]),
        )
        for r in rows
    ]


class PostgresAnswers(Answers):
    """:class:`Answers` in the ``answers`` and ``regrades`` tables."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def list(
        self, *, user_id: int | None = None, case_id: str | None = None
    ) -> builtins.list[AnswerRecord]:
        return await self._db.run(_answers, user_id, case_id)

    async def regrade(
        self, regrades: Sequence[Regrade], outcomes: Sequence[OutcomeRegrade] = ()
    ) -> int:
        return await self._db.run(_regrade, regrades, outcomes)

    async def regrades(self, case_id: str, *, unnotified: bool = False) -> builtins.list[Regrade]:
        return await self._db.run(_regrades, case_id, unnotified)

    async def notified(self, regrade_ids: Sequence[int]) -> None:
        await self._db.run(_notified, list(regrade_ids))

    async def forget(self, user_id: int) -> int:
        return await self._db.run(_forget, user_id)


class PostgresProgress(Progress):
    """:class:`Progress` in the ``finished_cases`` table."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def finished(self, user_id: int) -> list[FinishedCase]:
        return await self._db.run(_finished, user_id, None)

    async def of_case(self, case_id: str) -> list[FinishedCase]:
        return await self._db.run(_finished, None, case_id)
