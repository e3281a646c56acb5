"""`tutorbot db backup` and `restore` on SQLite: a backup while the bot's store is open, a
restore that a running store sees, and every bad file refused before anything changes."""

from __future__ import annotations

import sqlite3
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from tutorbot.cli import main
from tutorbot.storage import Change, SessionKey, Store, open_store
from tutorbot.storage.migrations import MIGRATIONS

KEY = SessionKey(chat_id=10, thread_id=0, user_id=20)


def put(state: str) -> Change[None]:
    return Change(result=None, state=state, case_id="case-a", case_version="v1")


async def state_of(store: Store) -> str | None:
    session = await store.sessions.get(KEY)
    return None if session is None else session.state


@pytest.fixture
async def live(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    """The bot's database, open, with a session in state "before"."""
    url = f"sqlite:///{tmp_path / 'data' / 'bot.db'}"
    monkeypatch.setenv("TUTORBOT_DATABASE", url)
    store = await open_store(url)
    await store.apply(1, KEY, lambda _c: put("before"))
    return store


async def test_a_backup_taken_while_the_store_is_open_restores_it(
    live: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = tmp_path / "backups" / "monday.db"
    copy.parent.mkdir()
    assert main(["db", "backup", str(copy)]) == 0
    assert f"(schema version {len(MIGRATIONS)}) to {copy}" in capsys.readouterr().out
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600
    assert not list(copy.parent.glob(".*partial"))

    await live.apply(2, KEY, lambda _c: put("after"))
    assert main(["db", "restore", str(copy)]) == 0
    out = capsys.readouterr().out
    assert "saved the database as it was to" in out and "restored" in out
    assert await state_of(live) == "before"  # the open store sees the restored database

    [saved] = (tmp_path / "data").glob("bot.db.before-restore-*")
    kept = await open_store(f"sqlite:///{saved}")
    try:
        assert await state_of(kept) == "after"  # nothing lost by restoring
    finally:
        await kept.close()
    await live.close()


async def test_a_backup_never_overwrites_a_file(
    live: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    taken = tmp_path / "taken.db"
    taken.write_text("precious")
    assert main(["db", "backup", str(taken)]) == 1
    assert "exists already" in capsys.readouterr().err
    assert taken.read_text() == "precious"
    await live.close()


def damaged(good: Path, where: Path) -> Path:
    """A copy of ``good`` with a stretch of its pages overwritten."""
    data = bytearray(good.read_bytes())
    data[4096 : 4096 * 3] = b"\xff" * (4096 * 2)
    where.write_bytes(bytes(data))
    return where


def text(good: Path, where: Path) -> Path:
    where.write_text("name,answer\n")
    return where


def missing(good: Path, where: Path) -> Path:
    return where / "missing.db"


def foreign(good: Path, where: Path) -> Path:
    conn = sqlite3.connect(where)
    conn.execute("CREATE TABLE recipes (name TEXT)")
    conn.commit()
    conn.close()
    return where


def newer(good: Path, where: Path) -> Path:
    where.write_bytes(good.read_bytes())
    conn = sqlite3.connect(where)
    conn.execute("INSERT INTO schema_version VALUES (?)", (len(MIGRATIONS) + 1,))
    conn.commit()
    conn.close()
    return where


@pytest.mark.parametrize(
    ("make", "sentence"),
    [
        (text, "is not a SQLite database"),
        (damaged, "is damaged"),
        (foreign, "is not a tutorbot database"),
        (newer, "newer than this tutorbot knows"),
        (missing, "cannot read"),
    ],
)
async def test_a_bad_backup_is_refused_before_anything_changes(
    live: Store,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    make: Callable[[Path, Path], Path],
    sentence: str,
) -> None:
    good = tmp_path / "good.db"
    assert main(["db", "backup", str(good)]) == 0
    await live.apply(2, KEY, lambda _c: put("current"))
    bad = make(good, tmp_path / "bad.db")
    capsys.readouterr()
    assert main(["db", "restore", str(bad)]) == 1
    err = capsys.readouterr().err
    assert sentence in err and err.count("\n") == 1 and "Traceback" not in err
    assert await state_of(live) == "current"
    assert not list((tmp_path / "data").glob("*before-restore*"))
    await live.close()


def test_postgresql_is_pointed_to_pg_dump(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TUTORBOT_DATABASE", "postgresql://tutor@db/tutor")
    assert main(["db", "backup", "x.db"]) == 1
    assert "use pg_dump and pg_restore (docs/storage.md)" in capsys.readouterr().err
