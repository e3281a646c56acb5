"""`tutorbot db export-learner USER_ID`: everything kept about one person, as JSON."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tutorbot.cli import main
from tutorbot.storage import AnswerRecord, ApplyFn, Change, SessionKey, open_store

ALICE = SessionKey(chat_id=501, thread_id=0, user_id=501)
BOB = SessionKey(chat_id=502, thread_id=0, user_id=502)
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def update_from(user_id: int, update_id: int, text: str) -> str:
    sender = {"id": user_id, "is_bot": False, "first_name": "X"}
    message = {"message_id": 1, "date": 0, "chat": {"id": user_id, "type": "private"}}
    return json.dumps(
        {"update_id": update_id, "message": {**message, "from": sender, "text": text}}
    )


def keeping(record: AnswerRecord) -> ApplyFn[None]:
    return lambda _current: Change(None, state="s", case_id="case-a", answers=[record])


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
async def test_export_shows_one_learners_rows_and_pending_updates_only(
    backend: str,
    tmp_path: Path,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    if backend == "postgresql":
        from tests.auxil.postgres import fresh_schema

        url = await fresh_schema(request.getfixturevalue("postgres_database"))
    store = await open_store(url)
    for key, text in ((ALICE, "EMH"), (BOB, "Bob's answer")):
        record = AnswerRecord(key.chat_id, key.user_id, "case-a", "v1", text, "correct", 1, "EMH")
        await store.apply(key.user_id, key, keeping(record))
        await store.inbox.add(key.user_id + 1000, update_from(key.user_id, 9, text), "p", NOW)
    await store.close()
    monkeypatch.setenv("TUTORBOT_DATABASE", url)

    assert await_main(["db", "export-learner", str(ALICE.user_id)]) == 0
    found = json.loads(capsys.readouterr().out)
    assert found["user_id"] == ALICE.user_id
    assert [a["answer"] for a in found["rows"]["answers.user_id"]] == ["EMH"]
    assert [u["update_id"] for u in found["updates_not_yet_handled"]] == [ALICE.user_id + 1000]
    assert "Bob's answer" not in json.dumps(found)


def await_main(argv: list[str]) -> int:
    """``main`` from inside a test's event loop (it runs its own with asyncio.run)."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as aside:
        return aside.submit(main, argv).result()
