"""Benchmark many answers to one group round arriving at once.

A round keeps its answers as rows appended beside it (``store.rounds.add_answer``),
so answers never contend for one record. The baseline, in the same run and on the
same kind of database, is what a round kept as one record would cost: every answer a
read-modify-write of one shared record with compare-and-set (``store.apply`` on one
session key, the learners' unit of work), retried when another answer got in first.

Two stores on one SQLite file stand for two bot processes; ``ANSWERS`` answers are
started at once, half through each. Prints the median of ``RUNS`` runs of each, the
ratio, and how many answers the baseline lost to its retry limit; asserts nothing.

    .venv/bin/python bench/round_answers.py
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tutorbot.rounds import RoundAnswer
from tutorbot.storage import (
    ApplyFn,
    Change,
    ConflictError,
    NewRound,
    SessionKey,
    SessionRecord,
    Store,
    open_store,
)

ANSWERS = 200
RUNS = 5
T0 = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)


async def appended(stores: tuple[Store, Store], run: int) -> tuple[float, int]:
    """Seconds for ``ANSWERS`` appended answers at once, and how many were lost."""
    rnd = await stores[0].rounds.start(
        NewRound(-100 - run, 0, "case", "v1", 1, T0, T0 + timedelta(hours=1), 2)
    )
    assert rnd is not None

    async def one(n: int) -> bool:
        answer = RoundAnswer(rnd.id, 1000 + n, f"User {n}", "EMH", "correct", 1.0, T0)
        return await stores[n % 2].rounds.add_answer(answer, update_id=run * 10_000 + n)

    started = time.perf_counter()
    kept = await asyncio.gather(*(one(n) for n in range(ANSWERS)))
    took = time.perf_counter() - started
    assert await stores[0].rounds.answered(rnd.id) == sum(kept)
    return took, ANSWERS - sum(kept)


async def one_record(stores: tuple[Store, Store], run: int) -> tuple[float, int]:
    """The baseline: every answer rewrites one shared record under compare-and-set."""
    key = SessionKey(-200 - run, 0, 0)

    def add(n: int) -> ApplyFn[None]:
        def fn(current: SessionRecord | None) -> Change[None]:
            state = (current.state if current else "") + f"{n},"
            return Change(None, state=state, case_id="case", case_version="v1")

        return fn

    async def one(n: int) -> bool:
        try:
            await stores[n % 2].apply(run * 10_000 + n + 5_000, key, add(n), attempts=5)
        except ConflictError:
            return False
        return True

    started = time.perf_counter()
    kept = await asyncio.gather(*(one(n) for n in range(ANSWERS)))
    took = time.perf_counter() - started
    return took, ANSWERS - sum(kept)


async def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        stores = (await open_store(url), await open_store(url))
        try:
            ours, base = [], []
            lost_ours = lost_base = 0
            for run in range(RUNS):
                took, lost = await appended(stores, run)
                ours.append(took)
                lost_ours += lost
                took, lost = await one_record(stores, run)
                base.append(took)
                lost_base += lost
        finally:
            for store in stores:
                await store.close()
    ours_ms, base_ms = statistics.median(ours) * 1000, statistics.median(base) * 1000
    print(f"{ANSWERS} answers at once, two stores on one SQLite file, median of {RUNS} runs:")
    print(f"  appended rows (rounds.add_answer): {ours_ms:8.1f} ms, lost {lost_ours}")
    print(f"  one shared record (apply + CAS):   {base_ms:8.1f} ms, lost {lost_base}")
    print(f"  ratio baseline / appended: {base_ms / ours_ms:.2f}")


if __name__ == "__main__":
    asyncio.run(main())
