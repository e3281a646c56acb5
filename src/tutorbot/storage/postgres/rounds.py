"""Group rounds in PostgreSQL: the same tables as SQLite (migration 6). One open round
per chat and topic is the partial unique index's to keep, answers are plain inserts (no
row is read and written back), and a move is an ``UPDATE ... WHERE version = $n``."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from tutorbot.rounds import Round, RoundAnswer, RoundSettings
from tutorbot.storage.postgres.connection import Connection, Database, now, rows_changed
from tutorbot.storage.rounds import NewRound, Rounds

_COLUMNS = (
    "id, chat_id, thread_id, case_id, case_version, started_by, started_at, deadline, "
    "stages, stage, status, revealed_at, version, status_message, question_message"
)
_ANSWER_COLUMNS = "round_id, user_id, name, answer, verdict, score, at"


def _round(row: Any) -> Round:
    return Round(
        id=int(row["id"]),
        chat_id=int(row["chat_id"]),
        thread_id=int(row["thread_id"]),
        case_id=str(row["case_id"]),
        case_version=str(row["case_version"]),
        started_by=int(row["started_by"]),
        started_at=row["started_at"],
        deadline=row["deadline"],
        stages=int(row["stages"]),
        stage=int(row["stage"]),
        status=row["status"],
        revealed_at=row["revealed_at"],
        version=int(row["version"]),
        status_message=int(row["status_message"]),
        question_message=int(row["question_message"]),
    )


def _answer(row: Any) -> RoundAnswer:
    return RoundAnswer(
        int(row["round_id"]),
        int(row["user_id"]),
        str(row["name"]),
        str(row["answer"]),
        row["verdict"],
        float(row["score"]),
        row["at"],
    )


async def _start(conn: Connection, new: NewRound) -> Round | None:
    row = await conn.fetchrow(
        "INSERT INTO rounds (chat_id, thread_id, case_id, case_version, started_by, "
        "started_at, deadline, stages) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) "
        f"ON CONFLICT DO NOTHING RETURNING {_COLUMNS}",
        new.chat_id,
        new.thread_id,
        new.case_id,
        new.case_version,
        new.started_by,
        new.started_at,
        new.deadline,
        new.stages,
    )
    return None if row is None else _round(row)


async def _select(conn: Connection, where: str, *args: Any) -> list[Round]:
    rows = await conn.fetch(f"SELECT {_COLUMNS} FROM rounds WHERE {where} ORDER BY id", *args)
    return [_round(row) for row in rows]


async def _save(conn: Connection, changed: Round, expected: int) -> bool:
    status = await conn.execute(
        "UPDATE rounds SET stage = $1, status = $2, revealed_at = $3, version = $4 "
        "WHERE id = $5 AND version = $6",
        changed.stage,
        changed.status,
        changed.revealed_at,
        changed.version,
        changed.id,
        expected,
    )
    return rows_changed(status) == 1


async def _set_messages(
    conn: Connection, round_id: int, status: int | None, question: int | None
) -> None:
    if status is not None:
        await conn.execute("UPDATE rounds SET status_message = $1 WHERE id = $2", status, round_id)
    if question is not None:
        await conn.execute(
            "UPDATE rounds SET question_message = $1 WHERE id = $2", question, round_id
        )


async def _add_answer(conn: Connection, answer: RoundAnswer, update_id: int | None) -> bool:
    status = await conn.execute(
        "INSERT INTO round_answers (round_id, user_id, name, answer, verdict, score, at, "
        "update_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING",
        answer.round_id,
        answer.user_id,
        answer.name,
        answer.text,
        answer.verdict,
        answer.score,
        answer.at,
        update_id,
    )
    return rows_changed(status) == 1


async def _answers(conn: Connection, round_id: int) -> list[RoundAnswer]:
    rows = await conn.fetch(
        f"SELECT {_ANSWER_COLUMNS} FROM round_answers WHERE round_id = $1 ORDER BY id", round_id
    )
    return [_answer(row) for row in rows]


async def _revealed_since(
    conn: Connection, chat_id: int, since: datetime | None
) -> list[list[RoundAnswer]]:
    rows = await conn.fetch(
        "SELECT a.round_id, a.user_id, a.name, a.answer, a.verdict, a.score, a.at "
        "FROM round_answers a JOIN rounds r ON r.id = a.round_id "
        "WHERE r.chat_id = $1 AND r.status = 'revealed' "
        "AND ($2::timestamptz IS NULL OR r.revealed_at >= $2) ORDER BY a.round_id, a.id",
        chat_id,
        since,
    )
    by_round: dict[int, list[RoundAnswer]] = {}
    for row in rows:
        answer = _answer(row)
        by_round.setdefault(answer.round_id, []).append(answer)
    return list(by_round.values())


async def _settings(conn: Connection, chat_id: int) -> RoundSettings:
    row = await conn.fetchrow(
        "SELECT starters, verdict_at, deadline_seconds, zone FROM group_settings "
        "WHERE chat_id = $1",
        chat_id,
    )
    if row is None:
        return RoundSettings()
    return RoundSettings(
        row["starters"],
        row["verdict_at"],
        timedelta(seconds=int(row["deadline_seconds"])),
        row["zone"],
    )


async def _save_settings(conn: Connection, chat_id: int, settings: RoundSettings) -> None:
    await conn.execute(
        "INSERT INTO group_settings (chat_id, starters, verdict_at, deadline_seconds, zone) "
        "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (chat_id) DO UPDATE SET "
        "starters = excluded.starters, verdict_at = excluded.verdict_at, "
        "deadline_seconds = excluded.deadline_seconds, zone = excluded.zone",
        chat_id,
        settings.starters,
        settings.verdict_at,
        int(settings.deadline.total_seconds()),
        settings.zone,
    )


async def _anonymous(conn: Connection, user_ids: set[int] | None) -> frozenset[int]:
    if user_ids is None:
        rows = await conn.fetch("SELECT user_id FROM anonymous_users")
    else:
        rows = await conn.fetch(
            "SELECT user_id FROM anonymous_users WHERE user_id = ANY($1::bigint[])",
            list(user_ids),
        )
    return frozenset(int(row["user_id"]) for row in rows)


async def _migrate(conn: Connection, old: int, new: int) -> int:
    async with conn.transaction():
        moved = await conn.execute("UPDATE rounds SET chat_id = $1 WHERE chat_id = $2", new, old)
        await conn.execute(
            "INSERT INTO group_settings (chat_id, starters, verdict_at, deadline_seconds, zone) "
            "SELECT $1, starters, verdict_at, deadline_seconds, zone FROM group_settings "
            "WHERE chat_id = $2 ON CONFLICT (chat_id) DO NOTHING",
            new,
            old,
        )
        await conn.execute("DELETE FROM group_settings WHERE chat_id = $1", old)
    return rows_changed(moved)


async def _value(conn: Connection, sql: str, *args: Any) -> Any:
    return await conn.fetchval(sql, *args)


async def _execute(conn: Connection, sql: str, *args: Any) -> None:
    await conn.execute(sql, *args)


class PostgresRounds(Rounds):
    """:class:`Rounds` in PostgreSQL."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def start(self, new: NewRound) -> Round | None:
        return await self._db.run(_start, new)

    async def get(self, round_id: int) -> Round | None:
        found = await self._db.run(_select, "id = $1", round_id)
        return found[0] if found else None

    async def open_in(self, chat_id: int, thread_id: int) -> Round | None:
        where = "chat_id = $1 AND thread_id = $2 AND status = 'open'"
        found = await self._db.run(_select, where, chat_id, thread_id)
        return found[0] if found else None

    async def open_in_chat(self, chat_id: int) -> list[Round]:
        return await self._db.run(_select, "chat_id = $1 AND status = 'open'", chat_id)

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
        sql = "SELECT COUNT(DISTINCT user_id) FROM round_answers WHERE round_id = $1"
        return int(await self._db.run(_value, sql, round_id))

    async def played(self, chat_id: int) -> set[str]:
        rows = await self._db.run(
            lambda conn: conn.fetch(
                "SELECT DISTINCT case_id FROM rounds WHERE chat_id = $1", chat_id
            )
        )
        return {str(row["case_id"]) for row in rows}

    async def revealed_since(self, chat_id: int, since: datetime | None) -> list[list[RoundAnswer]]:
        return await self._db.run(_revealed_since, chat_id, since)

    async def settings(self, chat_id: int) -> RoundSettings:
        return await self._db.run(_settings, chat_id)

    async def save_settings(self, chat_id: int, settings: RoundSettings) -> None:
        await self._db.run(_save_settings, chat_id, settings)

    async def add_token(self, token: str, round_id: int, now_: datetime) -> None:
        sql = "INSERT INTO round_tokens (token, round_id, created_at) VALUES ($1, $2, $3)"
        await self._db.run(_execute, sql, token, round_id, now_)

    async def round_of_token(self, token: str) -> int | None:
        found = await self._db.run(
            _value, "SELECT round_id FROM round_tokens WHERE token = $1", token
        )
        return None if found is None else int(found)

    async def token_of(self, round_id: int) -> str | None:
        sql = "SELECT token FROM round_tokens WHERE round_id = $1 ORDER BY created_at LIMIT 1"
        found = await self._db.run(_value, sql, round_id)
        return None if found is None else str(found)

    async def bind(self, user_id: int, round_id: int, now_: datetime) -> None:
        sql = (
            "INSERT INTO round_bindings (user_id, round_id, at) VALUES ($1, $2, $3) "
            "ON CONFLICT (user_id) DO UPDATE SET round_id = excluded.round_id, at = excluded.at"
        )
        await self._db.run(_execute, sql, user_id, round_id, now_)

    async def bound(self, user_id: int) -> int | None:
        sql = "SELECT round_id FROM round_bindings WHERE user_id = $1"
        found = await self._db.run(_value, sql, user_id)
        return None if found is None else int(found)

    async def unbind(self, user_id: int) -> None:
        await self._db.run(_execute, "DELETE FROM round_bindings WHERE user_id = $1", user_id)

    async def set_anonymous(self, user_id: int, anonymous: bool) -> None:
        if anonymous:
            sql = "INSERT INTO anonymous_users (user_id, at) VALUES ($1, $2) ON CONFLICT DO NOTHING"
            await self._db.run(_execute, sql, user_id, now())
        else:
            await self._db.run(_execute, "DELETE FROM anonymous_users WHERE user_id = $1", user_id)

    async def anonymous(self, user_ids: set[int] | None = None) -> frozenset[int]:
        return await self._db.run(_anonymous, user_ids)

    async def migrate(self, old_chat_id: int, new_chat_id: int) -> int:
        return await self._db.run(_migrate, old_chat_id, new_chat_id)
