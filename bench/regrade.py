"""Benchmark regrading: 10,000 stored answers of one case graded again after an accepted form.

A copy of the bundled extramedullary haematopoiesis case and a fresh SQLite
file per run; 10,000 answers from 500 learners are stored through the real
unit of work (20 attempts each, the texts drawn from a mix of correct
forms, misspellings, partial and wrong answers, with about a third of the
texts distinct, as a large class's answers are). Then one accepted form is
written into the case file (``Curation.apply``) and the regrade runs
(``Curation.regrade``): read every answer, grade each distinct text once,
keep each changed verdict and outcome. Beside it in the same run, the
baseline: reading the same 10,000 answers back (``answers.list``) and
grading them one by one with no reuse of a text's verdict. Medians of 3
runs. Prints figures; asserts nothing.

    .venv/bin/python bench/regrade.py
"""

from __future__ import annotations

import asyncio
import random
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from tutorbot.app.curation import Curation
from tutorbot.app.ports import SystemClock
from tutorbot.cases import load_library
from tutorbot.grading import grader_for
from tutorbot.grading.curation import Edit
from tutorbot.storage import (
    AnswerRecord,
    ApplyFn,
    Change,
    FinishedCase,
    SessionKey,
    Store,
    open_store,
)

BUNDLED = Path(__file__).resolve().parents[1] / "cases"
CASE = "extramedullary-hematopoiesis"
ANSWERS = 10_000
LEARNERS = 500
RUNS = 3
STEMS = [
    "extramedullary hematopoiesis",
    "extramedullary haemopoiesis",
    "EMH",
    "extramedullary blood formation",
    "paraspinal mass",
    "posterior mediastinal mass",
    "thalassaemia",
    "lymphoma",
    "neurogenic tumour",
    "schwannoma",
    "metastases",
    "myeloma",
    "marrow expansion",
    "haematoma",
]


def texts(rng: random.Random) -> list[str]:
    """10,000 answers, about a third distinct: stems with slips, suffixes and cases."""
    pool = []
    for _ in range(ANSWERS // 3):
        stem = rng.choice(STEMS)
        if rng.random() < 0.5 and len(stem) > 5:
            at = rng.randrange(len(stem) - 1)
            stem = stem[:at] + stem[at + 1] + stem[at] + stem[at + 2 :]
        suffix = rng.choice(["", " ?", " probably", " of the spine", f" {rng.randrange(99)}"])
        pool.append((stem + suffix).capitalize() if rng.random() < 0.3 else stem + suffix)
    return [rng.choice(pool) for _ in range(ANSWERS)]


async def fill(store: Store, curation: Curation, answers: list[str]) -> None:
    grader, case = curation.grader, curation.case(CASE)
    per = ANSWERS // LEARNERS
    for learner in range(LEARNERS):
        key = SessionKey(learner + 1, 0, learner + 1)
        mine = answers[learner * per : (learner + 1) * per]
        records = [
            AnswerRecord(
                key.chat_id,
                key.user_id,
                CASE,
                case.version,
                text,
                grader(text, case.diagnosis).verdict,
                0.0,
                None,
                attempt=n % 2 + 1,
            )
            for n, text in enumerate(mine)
        ]
        finished = [FinishedCase(key.user_id, CASE, case.version, "wrong")]
        await store.apply(None, key, kept(Change(None, answers=records, finished=finished)))


async def one_run(seed: int) -> tuple[float, float, float, str]:
    with tempfile.TemporaryDirectory() as tmp:
        cases = Path(tmp) / "cases"
        cases.mkdir()
        shutil.copytree(BUNDLED / CASE, cases / CASE)
        shutil.copy(BUNDLED / "lexicon.yaml", cases / "lexicon.yaml")
        store = await open_store(f"sqlite:///{Path(tmp) / 'bench.db'}")
        try:
            grader = grader_for(cases)
            curation = Curation(store, load_library([cases]), grader, SystemClock())
            await fill(store, curation, texts(random.Random(seed)))
            started = time.perf_counter()
            stored = await store.answers.list(case_id=CASE)
            read = time.perf_counter() - started
            case = curation.case(CASE)
            started = time.perf_counter()
            for answer in stored:
                grader(answer.answer, case.diagnosis)
            one_by_one = time.perf_counter() - started
            edit = Edit("accept", "extramedullary blood formation")
            await curation.apply(CASE, edit, expected_version=case.version, by="bench")
            started = time.perf_counter()
            done = await curation.regrade(CASE, "bench")
            regrade = time.perf_counter() - started
            assert done.graded == ANSWERS
            return read, one_by_one, regrade, done.summary
        finally:
            await store.close()


async def main() -> None:
    runs = [await one_run(seed) for seed in range(RUNS)]
    read = statistics.median(r[0] for r in runs)
    one_by_one = statistics.median(r[1] for r in runs)
    regrade = statistics.median(r[2] for r in runs)
    print(f"{ANSWERS} stored answers of {CASE}, {LEARNERS} learners; medians of {RUNS} runs")
    print(f"  read back (answers.list)              {read:7.3f} s")
    print(f"  graded one by one, no reuse (baseline) {one_by_one:7.3f} s")
    print(
        f"  regrade (read, grade, keep changes)   {regrade:7.3f} s  ({regrade / one_by_one:.2f}x the baseline)"
    )
    print(f"  last run: {runs[-1][3]}")


if __name__ == "__main__":
    asyncio.run(main())


def kept(change: Change[None]) -> ApplyFn[None]:
    """A function for ``Store.apply`` that writes ``change`` whatever the session is."""
    return lambda _current: change
