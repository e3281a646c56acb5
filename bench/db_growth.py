"""How much the SQLite database grows per finished case, and how much housekeeping takes back.

Run from the repository root::

    .venv/bin/python bench/db_growth.py               # 200 learners
    .venv/bin/python bench/db_growth.py --users 50    # quick

N learners play the whole seed case (8 updates each, as in ``bench/bot_load.py``:
the real Application over the Bot API emulator, a fresh SQLite file), so each
finishes one case. The live bytes of every table and index (``dbstat``: page
bytes in use, free space inside pages left out) are read before and after,
then again after the processed-updates pruner has run two days later (its
first run notes a watermark, the one two days on forgets what it covers). The
baseline is the same file before the learners come (schema, migrations,
housekeeping job). Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from bot_load import Remote, started, stopped, tutor_app
from tutorbot.app.housekeeping import KEEP_PROCESSED
from tutorbot.storage import open_store
from tutorbot.telegram import ChatOrderedProcessor

Sizes = dict[str, tuple[int, int]]  # table or index -> (rows or 0, live bytes)


def sizes(database: Path) -> Sizes:
    """Live bytes per table and index, and rows per table, of the file at rest."""
    conn = sqlite3.connect(database)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        live = dict(conn.execute("SELECT name, SUM(pgsize - unused) FROM dbstat GROUP BY name"))
        tables = {
            name for (name,) in conn.execute("SELECT name FROM sqlite_schema WHERE type = 'table'")
        }
        out: Sizes = {}
        for name, size in live.items():
            rows = (
                conn.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0]
                if name in tables
                else 0
            )
            out[name] = (int(rows), int(size))
        return out
    finally:
        conn.close()


def growth(before: Sizes, after: Sizes) -> Sizes:
    names = sorted(set(before) | set(after))
    return {
        name: (
            after.get(name, (0, 0))[0] - before.get(name, (0, 0))[0],
            after.get(name, (0, 0))[1] - before.get(name, (0, 0))[1],
        )
        for name in names
    }


def show(title: str, grown: Sizes, cases: int) -> None:
    print(f"\n{title}")
    print(f"  {'table or index':36} {'rows':>8} {'bytes':>10} {'bytes per case':>15}")
    total = 0
    for name, (rows, size) in grown.items():
        if rows or size:
            print(f"  {name:36} {rows:>8} {size:>10,} {size / cases:>15,.0f}")
            total += size
    print(f"  {'total':36} {'':>8} {total:>10,} {total / cases:>15,.0f}")


async def main(users: int) -> None:
    remote = Remote()
    try:
        with tempfile.TemporaryDirectory() as temp:
            database = Path(temp) / "growth.db"
            processor = ChatOrderedProcessor(8)
            app = tutor_app(remote, database, processor)
            await started(app)
            await stopped(app)
            empty = sizes(database)
            app = tutor_app(remote, database, ChatOrderedProcessor(8))
            await started(app)
            try:
                played = await remote.play("learner", users)
            finally:
                await stopped(app)
            full = sizes(database)
            store = await open_store(f"sqlite:///{database}")
            try:
                now = datetime.now(UTC)
                await store.updates.prune(now, KEEP_PROCESSED)
                pruned = await store.updates.prune(now + KEEP_PROCESSED, KEEP_PROCESSED)
            finally:
                await store.close()
            kept = sizes(database)
    finally:
        remote.close()
    print(f"{users} learners each finished the seed case ({played.updates} updates)")
    show("Growth per finished case, as played:", growth(empty, full), users)
    show(
        f"Growth per finished case after housekeeping ({pruned} update ids forgotten):",
        growth(empty, kept),
        users,
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=200, help="learners (200)")
    asyncio.run(main(parser.parse_args().users))
