"""Answers, their regrades and finished cases in SQLite: appended by :meth:`Store.apply`
and by regrades, read here; the first grading is never overwritten."""

from __future__ import annotations

import builtins
import sqlite3
from collections.abc import Sequence
from typing import Any, cast

from tutorbot.storage.interfaces import Answers, Progress
from tutorbot.storage.records import AnswerRecord, FinishedCase, OutcomeRegrade, Regrade
from tutorbot.storage.sqlite.connection import Database, from_ts, transaction, ts
from tutorbot.tutor.progress import CaseOutcome


def add_answers(
    conn: sqlite3.Connection,
    answers: Sequence[AnswerRecord],
    at: str,
    *,
    opened_at: str | None = None,
    source: str = "",
) -> None:
    """Append answers inside the caller's transaction (``at`` for those without a time;
    their seconds counted from ``opened_at``, their source ``source`` when they name none)."""
    opened = from_ts(opened_at) if opened_at else None
    rows = []
    for a in answers:
        when = ts(a.at) if a.at else at
        seconds = a.seconds
        if seconds is None and opened is not None:
            seconds = max(0.0, (from_ts(when) - opened).total_seconds())
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
    conn.executemany(
        "INSERT INTO answers (chat_id, user_id, case_id, case_version, answer, verdict, "
        "score, matched, at, name, attempt, hints, seconds, source) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
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


# The current grading of each answer: its latest regrade's, else the first one.
_ANSWERS = """
SELECT a.id, a.chat_id, a.user_id, a.case_id, a.case_version, a.answer,
       COALESCE(r.after, a.verdict), COALESCE(r.score, a.score),
       CASE WHEN r.id IS NULL THEN a.matched ELSE r.matched END,
       a.at, a.name, a.attempt, a.hints, a.seconds, a.source,
       CASE WHEN r.id IS NOT NULL AND r.after != a.verdict THEN a.verdict END
FROM answers a
LEFT JOIN regrades r ON r.id = (SELECT MAX(id) FROM regrades WHERE answer_id = a.id)
WHERE (? IS NULL OR a.user_id = ?) AND (? IS NULL OR a.case_id = ?)
ORDER BY a.id
"""


def _answer(row: Sequence[Any]) -> AnswerRecord:
    return AnswerRecord(
        chat_id=row[1],
        user_id=row[2],
        case_id=row[3],
        case_version=row[4],
        answer=row[5],
        verdict=row[6],
        score=row[7],
        matched=row[8],
        at=from_ts(row[9]),
        name=row[10],
        attempt=row[11],
        hints=row[12],
        seconds=row[13],
        source=row[14],
        id=row[0],
        first_verdict=row[15],
    )


def _answers(
    conn: sqlite3.Connection, user_id: int | None, case_id: str | None
) -> list[AnswerRecord]:
    rows = conn.execute(_ANSWERS, (user_id, user_id, case_id, case_id)).fetchall()
    return [_answer(r) for r in rows]


def _regrade(
    conn: sqlite3.Connection, regrades: Sequence[Regrade], outcomes: Sequence[OutcomeRegrade]
) -> int:
    at = ts()
    with transaction(conn):
        conn.executemany(
            "INSERT INTO regrades (answer_id, case_version, before, after, score, matched, "
            "who, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (r.answer_id, r.case_version, r.before, r.after, r.score, r.matched, r.by, at)
                for r in regrades
            ],
        )
        conn.executemany(
            "UPDATE finished_cases SET outcome_now = "
            "CASE WHEN ? = outcome THEN NULL ELSE ? END WHERE id = ?",
            [(o.after, o.after, o.finish_id) for o in outcomes],
        )
    return len(regrades)


def _regrades(conn: sqlite3.Connection, case_id: str, unnotified: bool) -> list[Regrade]:
    rows = conn.execute(
        "SELECT r.id, r.answer_id, r.case_version, r.before, r.after, r.score, r.matched, "
        "r.who, r.at, a.chat_id, a.user_id, a.answer, r.notified "
        "FROM regrades r JOIN answers a ON a.id = r.answer_id "
        "WHERE a.case_id = ? AND (? = 0 OR r.notified = 0) ORDER BY r.id",
        (case_id, int(unnotified)),
    ).fetchall()
    return [
        Regrade(
            answer_id=r[1],
            case_version=r[2],
            before=r[3],
            after=r[4],
            score=r[5],
            matched=r[6],
            by=r[7],
            at=from_ts(r[8]),
            id=r[0],
            chat_id=r[9],
            user_id=r[10],
            answer=r[11],
            notified=bool(r[12]),
        )
        for r in rows
    ]


def _notified(conn: sqlite3.Connection, ids: Sequence[int]) -> None:
    with transaction(conn):
        conn.executemany("UPDATE regrades SET notified = 1 WHERE id = ?", [(i,) for i in ids])


def _forget(conn: sqlite3.Connection, user_id: int) -> int:
    with transaction(conn):
        conn.execute(
            "DELETE FROM regrades WHERE answer_id IN (SELECT id FROM answers WHERE user_id = ?)",
            (user_id,),
        )
        removed = conn.execute("DELETE FROM answers WHERE user_id = ?", (user_id,)).rowcount
        conn.execute("DELETE FROM finished_cases WHERE user_id = ?", (user_id,))
    return removed


def _finished(
    conn: sqlite3.Connection, user_id: int | None, case_id: str | None
) -> list[FinishedCase]:
    rows = conn.execute(
        "SELECT id, user_id, case_id, case_version, COALESCE(outcome_now, outcome), at, "
        "CASE WHEN outcome_now IS NOT NULL THEN outcome END FROM finished_cases "
        "WHERE (? IS NULL OR user_id = ?) AND (? IS NULL OR case_id = ?) ORDER BY id",
        (user_id, user_id, case_id, case_id),
    ).fetchall()
    return [
        FinishedCase(
            r[1],
            r[2],
            r[3],
            cast(CaseOutcome, r[4]),
            from_ts(r[5]),
            id=r[0],
            first_outcome=cast(CaseOutcome | None, r[6]),
        )
        for r in rows
    ]


class SQLiteAnswers(Answers):
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
        await self._db.run(_notified, regrade_ids)

    async def forget(self, user_id: int) -> int:
        return await self._db.run(_forget, user_id)


class SQLiteProgress(Progress):
    """:class:`Progress` in the ``finished_cases`` table."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def finished(self, user_id: int) -> list[FinishedCase]:
        return await self._db.run(_finished, user_id, None)

    async def of_case(self, case_id: str) -> list[FinishedCase]:
        return await self._db.run(_finished, None, case_id)
