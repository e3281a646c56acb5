"""Group rounds in SQLite: ``rounds`` (one open per chat and topic, by a partial unique
index), append-only ``round_answers``, ``group_settings``, ``round_tokens``,
``round_bindings`` and ``anonymous_users``."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from typing import Any

from tutorbot.rounds import Round, RoundAnswer, RoundSettings
from tutorbot.storage.rounds import NewRound, Rounds
from tutorbot.storage.sqlite.connection import Database, from_ts, transaction, ts

_COLUMNS = (
    "id, chat_id, thread_id, case_id, case_version, started_by, started_at, deadline, "
    "stages, stage, status, revealed_at, version, status_message, question_message"
)


def _round(row: Any) -> Round:
    return Round(
        id=int(row[0]),
        chat_id=int(row[1]),
        thread_id=int(row[2]),
        case_id=str(row[3]),
        case_version=str(row[4]),
        started_by=int(row[5]),
        started_at=from_ts(row[6]),
        deadline=from_ts(row[7]),
        stages=int(row[8]),
        stage=int(row[9]),
        status=row[10],
        revealed_at=from_ts(row[11]) if row[11] else None,
        version=int(row[12]),
        status_message=int(row[13]),
        question_message=int(row[14]),
    )


def _answer(row: Any) -> RoundAnswer:
    return RoundAnswer(
        int(row[0]), int(row[1]), str(row[2]), str(row[3]), row[4], float(row[5]), from_ts(row[6])
    )


def _start(conn: sqlite3.Connection, new: NewRound) -> Round | None:
    with transaction(conn):
        cursor = conn.execute(
            "INSERT INTO rounds (chat_id, thread_id, case_id, case_version, started_by, "
            "started_at, deadline, stages) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT DO NOTHING",
            (
                new.chat_id,
                new.thread_id,
                new.case_id,
                new.case_version,
                new.started_by,
                ts(new.started_at),
                ts(new.deadline),
                new.stages,
            ),
        )
        if cursor.rowcount == 0:
            return None
        row = conn.execute(
            f"SELECT {_COLUMNS} FROM rounds WHERE id = ?", (cursor.lastrowid,)
        ).fetchone()
    return _round(row)


def _select(conn: sqlite3.Connection, where: str, args: tuple[Any, ...]) -> list[Round]:
    rows = conn.execute(f"SELECT {_COLUMNS} FROM rounds WHERE {where} ORDER BY id", args)
    return [_round(row) for row in rows]


def _save(conn: sqlite3.Connection, changed: Round, expected: int) -> bool:
    cursor = conn.execute(
        "UPDATE rounds SET stage = ?, status = ?, revealed_at = ?, version = ? "
        "WHERE id = ? AND version = ?",
        (
            changed.stage,
            changed.status,
            ts(changed.revealed_at) if changed.revealed_at else None,
            changed.version,
            changed.id,
            expected,
        ),
    )
    return cursor.rowcount == 1


def _set_messages(
    conn: sqlite3.Connection, round_id: int, status: int | None, question: int | None
) -> None:
    if status is not None:
        conn.execute("UPDATE rounds SET status_message = ? WHERE id = ?", (status, round_id))
    if question is not None:
        conn.execute("UPDATE rounds SET question_message = ? WHERE id = ?", (question, round_id))


def _add_answer(conn: sqlite3.Connection, answer: RoundAnswer, update_id: int | None) -> bool:
    cursor = conn.execute(
        "INSERT INTO round_answers (round_id, user_id, name, answer, verdict, score, at, "
        "update_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        (
            answer.round_id,
            answer.user_id,
            answer.name,
            answer.text,
            answer.verdict,
            answer.score,
            ts(answer.at),
            update_id,
        ),
    )
    return cursor.rowcount == 1


_ANSWER_COLUMNS = "round_id, user_id, name, answer, verdict, score, at"


def _answers(conn: sqlite3.Connection, round_id: int) -> list[RoundAnswer]:
    rows = conn.execute(
        f"SELECT {_ANSWER_COLUMNS} FROM round_answers WHERE round_id = ? ORDER BY id",
        (round_id,),
    )
    return [_answer(row) for row in rows]


def _answered(conn: sqlite3.Connection, round_id: int) -> int:
    row = conn.execute(
        "SELECT COUNT(DISTINCT user_id) FROM round_answers WHERE round_id = ?", (round_id,)
    ).fetchone()
    return int(row[0])


def _played(conn: sqlite3.Connection, chat_id: int) -> set[str]:
    rows = conn.execute("SELECT DISTINCT case_id FROM rounds WHERE chat_id = ?", (chat_id,))
    return {str(row[0]) for row in rows}


def _revealed_since(
    conn: sqlite3.Connection, chat_id: int, since: datetime | None
) -> list[list[RoundAnswer]]:
    rows = conn.execute(
        f"SELECT a.{_ANSWER_COLUMNS.replace(', ', ', a.')} FROM round_answers a "
        "JOIN rounds r ON r.id = a.round_id "
        "WHERE r.chat_id = ? AND r.status = 'revealed' AND r.revealed_at >= ? "
        "ORDER BY a.round_id, a.id",
        (chat_id, ts(since) if since else ""),
    )
    by_round: dict[int, list[RoundAnswer]] = {}
    for row in rows:
        answer = _answer(row)
        by_round.setdefault(answer.round_id, []).append(answer)
    return list(by_round.values())


def _settings(conn: sqlite3.Connection, chat_id: int) -> RoundSettings:
    row = conn.execute(
        "SELECT starters, verdict_at, deadline_seconds, zone FROM group_settings WHERE chat_id = ?",
        (chat_id,),
    ).fetchone()
    if row is None:
        return RoundSettings()
    return RoundSettings(row[0], row[1], timedelta(seconds=int(row[2])), str(row[3]))


def _save_settings(conn: sqlite3.Connection, chat_id: int, settings: RoundSettings) -> None:
    conn.execute(
        "INSERT INTO group_settings (chat_id, starters, verdict_at, deadline_seconds, zone) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT (chat_id) DO UPDATE SET starters = excluded.starters, "
        "verdict_at = excluded.verdict_at, deadline_seconds = excluded.deadline_seconds, "
        "zone = excluded.zone",
        (
            chat_id,
            settings.starters,
            settings.verdict_at,
            int(settings.deadline.total_seconds()),
            settings.zone,
        ),
    )


def _anonymous(conn: sqlite3.Connection, user_ids: set[int] | None) -> frozenset[int]:
    rows = conn.execute("SELECT user_id FROM anonymous_users")
    found = {int(row[0]) for row in rows}
    return frozenset(found if user_ids is None else found & user_ids)


def _migrate(conn: sqlite3.Connection, old: int, new: int) -> int:
    with transaction(conn):
        moved = conn.execute("UPDATE rounds SET chat_id = ? WHERE chat_id = ?", (new, old))
        conn.execute(
            "INSERT INTO group_settings (chat_id, starters, verdict_at, deadline_seconds, zone) "
            "SELECT ?, starters, verdict_at, deadline_seconds, zone FROM group_settings "
            "WHERE chat_id = ? ON CONFLICT (chat_id) DO NOTHING",
            (new, old),
        )
        conn.execute("DELETE FROM group_settings WHERE chat_id = ?", (old,))
    return moved.rowcount


class SQLiteRounds(Rounds):
    """:class:`Rounds` in SQLite."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def start(self, new: NewRound) -> Round | None:
        return await self._db.run(_start, new)

    async def get(self, round_id: int) -> Round | None:
        found = await self._db.run(_select, "id = ?", (round_id,))
        return found[0] if found else None

    async def open_in(self, chat_id: int, thread_id: int) -> Round | None:
        where = "chat_id = ? AND thread_id = ? AND status = 'open'"
        found = await self._db.run(_select, where, (chat_id, thread_id))
        return found[0] if found else None

    async def open_in_chat(self, chat_id: int) -> list[Round]:
        return await self._db.run(_select, "chat_id = ? AND status = 'open'", (chat_id,))

    async def save(self, changed: Round, expected_version: int) -> bool:
        return await self._db.run(_save, changed, expected_version)

    async def set_messages(
        self, round_id: int, *, status: int | None = None, question: int | None = None
    ) -> None:
        await self._db.run(_set_messages, round_id, status, question)

    async def add_answer(self, answer: RoundAnswer, update_id: int | None = None) -> bool:
        return await self._db.run(_add_answer, answer, update_id)

    async def answers(self, round_id: int) -> list[RoundAnswer]:
        return await self._db.run(_answers, round_id)

    async def answered(self, round_id: int) -> int:
        return await self._db.run(_answered, round_id)

    async def played(self, chat_id: int) -> set[str]:
        return await self._db.run(_played, chat_id)

    async def revealed_since(self, chat_id: int, since: datetime | None) -> list[list[RoundAnswer]]:
        return await self._db.run(_revealed_since, chat_id, since)

    async def settings(self, chat_id: int) -> RoundSettings:
        return await self._db.run(_settings, chat_id)

    async def save_settings(self, chat_id: int, settings: RoundSettings) -> None:
        await self._db.run(_save_settings, chat_id, settings)

    async def add_token(self, token: str, round_id: int, now: datetime) -> None:
        await self._db.run(
            lambda conn: conn.execute(
                "INSERT INTO round_tokens (token, round_id, created_at) VALUES (?, ?, ?)",
                (token, round_id, ts(now)),
            )
        )

    async def round_of_token(self, token: str) -> int | None:
        row = await self._db.run(
            lambda conn: conn.execute(
                "SELECT round_id FROM round_tokens WHERE token = ?", (token,)
            ).fetchone()
        )
        return None if row is None else int(row[0])

    async def token_of(self, round_id: int) -> str | None:
        row = await self._db.run(
            lambda conn: conn.execute(
                "SELECT token FROM round_tokens WHERE round_id = ? ORDER BY created_at LIMIT 1",
                (round_id,),
            ).fetchone()
        )
        return None if row is None else str(row[0])

    async def bind(self, user_id: int, round_id: int, now: datetime) -> None:
        await self._db.run(
            lambda conn: conn.execute(
                "INSERT INTO round_bindings (user_id, round_id, at) VALUES (?, ?, ?) "
                "ON CONFLICT (user_id) DO UPDATE SET round_id = excluded.round_id, at = excluded.at",
                (user_id, round_id, ts(now)),
            )
        )

    async def bound(self, user_id: int) -> int | None:
        row = await self._db.run(
            lambda conn: conn.execute(
                "SELECT round_id FROM round_bindings WHERE user_id = ?", (user_id,)
            ).fetchone()
        )
        return None if row is None else int(row[0])

    async def unbind(self, user_id: int) -> None:
        await self._db.run(
            lambda conn: conn.execute("DELETE FROM round_bindings WHERE user_id = ?", (user_id,))
        )

    async def set_anonymous(self, user_id: int, anonymous: bool) -> None:
        if anonymous:
            sql = "INSERT INTO anonymous_users (user_id, at) VALUES (?, ?) ON CONFLICT DO NOTHING"
            args: tuple[Any, ...] = (user_id, ts())
        else:
            sql, args = "DELETE FROM anonymous_users WHERE user_id = ?", (user_id,)
        await self._db.run(lambda conn: conn.execute(sql, args))

    async def anonymous(self, user_ids: set[int] | None = None) -> frozenset[int]:
        return await self._db.run(_anonymous, user_ids)

    async def migrate(self, old_chat_id: int, new_chat_id: int) -> int:
        return await self._db.run(_migrate, old_chat_id, new_chat_id)
