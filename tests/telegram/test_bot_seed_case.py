"""The seed case through the real Application and the Bot API emulator, over HTTP."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from tests.auxil.botapi import BotApiEmulator
from tests.auxil.postgres import RunDatabase, fresh_schema
from tests.telegram.botflow import SEED, play_the_seed_case, running, settings_for
from tutorbot.storage import Store, open_store
from tutorbot.tutor.progress import stats_from


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
async def test_seed_case_from_start_to_teaching_points(
    botapi: BotApiEmulator,
    tmp_path: Path,
    postgres_database: RunDatabase | str,
    backend: str,
) -> None:
    """On SQLite the application opens its own store; on PostgreSQL one is passed in
    (``build_application(store=...)``) and stays open after the bot stops."""
    settings = settings_for(botapi, tmp_path / "bot.db")
    alice = botapi.user("Alice")
    given: Store | None = None
    if backend == "postgresql":
        url = await fresh_schema(postgres_database)
        settings = replace(settings, database=url)
        given = await open_store(url)
    async with running(botapi, settings, store=given):
        await play_the_seed_case(botapi, alice)

    assert botapi.calls("setMyCommands")
    store = given or await open_store(settings.database)
    try:
        answers = await store.answers.list(user_id=alice.id)
        assert [a.verdict for a in answers] == ["wrong", "correct"]
        assert all(a.case_id == SEED and a.case_version for a in answers)
        stats = stats_from((f.case_id, f.outcome) for f in await store.progress.finished(alice.id))
        assert (stats.cases_done, stats.correct, stats.streak) == (1, 1, 1)
        assert await store.outbox.owners() == []  # every reply went out and was recorded
    finally:
        await store.close()
