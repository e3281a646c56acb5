"""The storage contract for attempts (what is kept per answer) and regrades.

Run against every backend through the public interface only.
"""

from __future__ import annotations

import asyncio

from tests.storage.storage_helpers import KEY
from tutorbot.storage import (
    AnswerRecord,
    Change,
    FinishedCase,
    OutcomeRegrade,
    Regrade,
    SessionRecord,
    Store,
)


def answer(
    text: str,
    verdict: str,
    *,
    name: str = "",
    attempt: int | None = None,
    hints: int | None = None,
    source: str = "",
) -> AnswerRecord:
    return AnswerRecord(
        KEY.chat_id,
        KEY.user_id,
        "case-a",
        "v1",
        text,
        verdict,
        0.5,
        None,
        name=name,
        attempt=attempt,
        hints=hints,
        source=source,
    )


async def open_case(store: Store, update_id: int, source: str | None = None) -> None:
    await store.apply(
        update_id,
        KEY,
        lambda _c: Change(
            None, state="s0", case_id="case-a", case_version="v1", opened=True, source=source
        ),
    )


async def test_an_attempt_keeps_name_attempt_hints_time_and_source(store: Store) -> None:
    await open_case(store, 1, source="push:7")
    await asyncio.sleep(0.05)

    def fn(_current: SessionRecord | None) -> Change[None]:
        return Change(
            None, state="s1", answers=[answer("EMH", "correct", name="Ann B", attempt=2, hints=1)]
        )

    await store.apply(2, KEY, fn)
    [kept] = await store.answers.list(case_id="case-a")
    assert (kept.name, kept.attempt, kept.hints, kept.source) == ("Ann B", 2, 1, "push:7")
    assert kept.seconds is not None and 0.04 <= kept.seconds < 30
    assert kept.id is not None and kept.first_verdict is None


async def test_an_answer_naming_its_own_source_keeps_it(store: Store) -> None:
    await open_case(store, 1, source="push:7")
    await store.apply(
        2, KEY, lambda _c: Change(None, answers=[answer("x", "wrong", source="round:3")])
    )
    [kept] = await store.answers.list(case_id="case-a")
    assert kept.source == "round:3"


async def test_an_answer_without_the_new_fields_reads_as_not_known(store: Store) -> None:
    # A session opened without an opening time (as older rows were): nothing is invented.
    await store.apply(
        1, KEY, lambda _c: Change(None, state="s", case_id="case-a", case_version="v1")
    )
    await store.apply(2, KEY, lambda _c: Change(None, answers=[answer("x", "wrong")]))
    [kept] = await store.answers.list()
    assert (kept.name, kept.attempt, kept.hints, kept.seconds, kept.source) == (
        "",
        None,
        None,
        None,
        "",
    )


async def test_reopening_restarts_the_clock_and_clears_the_source(store: Store) -> None:
    await open_case(store, 1, source="push:7")
    await asyncio.sleep(0.3)
    await open_case(store, 2)
    await store.apply(3, KEY, lambda _c: Change(None, answers=[answer("x", "wrong")]))
    [kept] = await store.answers.list()
    assert kept.seconds is not None and kept.seconds < 0.3
    assert kept.source == ""


async def test_a_regrade_is_kept_beside_the_first_grading(store: Store) -> None:
    await open_case(store, 1)
    await store.apply(
        2,
        KEY,
        lambda _c: Change(
            None,
            answers=[answer("emh", "wrong", attempt=1), answer("EMH!", "partial", attempt=2)],
            finished=[FinishedCase(KEY.user_id, "case-a", "v1", "partial")],
        ),
    )
    first, second = await store.answers.list(case_id="case-a")
    assert first.id is not None and second.id is not None
    [finish] = await store.progress.of_case("case-a")
    assert finish.id is not None
    kept = await store.answers.regrade(
        [
            Regrade(first.id, "v2", "wrong", "correct", 1.0, "emh", by="telegram:5"),
            Regrade(second.id, "v2", "partial", "correct", 1.0, "emh", by="telegram:5"),
        ],
        [OutcomeRegrade(finish.id, "correct")],
    )
    assert kept == 2
    now_first, now_second = await store.answers.list(case_id="case-a")
    assert (now_first.verdict, now_first.first_verdict, now_first.matched) == (
        "correct",
        "wrong",
        "emh",
    )
    assert (now_second.verdict, now_second.first_verdict) == ("correct", "partial")
    [finished] = await store.progress.finished(KEY.user_id)
    assert (finished.outcome, finished.first_outcome) == ("correct", "partial")
    history = await store.answers.regrades("case-a")
    assert [(r.before, r.after, r.by, r.user_id, r.answer) for r in history] == [
        ("wrong", "correct", "telegram:5", KEY.user_id, "emh"),
        ("partial", "correct", "telegram:5", KEY.user_id, "EMH!"),
    ]
    assert all(r.at is not None and not r.notified for r in history)
    # A second regrade back to the first verdict: the history keeps both, reads show the first.
    await store.answers.regrade(
        [Regrade(first.id, "v3", "correct", "wrong", 0.0, None, by="hand edit")],
        [OutcomeRegrade(finish.id, "partial")],
    )
    back, _ = await store.answers.list(case_id="case-a")
    assert (back.verdict, back.first_verdict, back.matched) == ("wrong", None, None)
    assert len(await store.answers.regrades("case-a")) == 3
    [finished] = await store.progress.finished(KEY.user_id)
    assert (finished.outcome, finished.first_outcome) == ("partial", None)


async def test_notified_regrades_are_not_listed_as_unnotified(store: Store) -> None:
    await open_case(store, 1)
    await store.apply(2, KEY, lambda _c: Change(None, answers=[answer("emh", "wrong")]))
    [first] = await store.answers.list()
    assert first.id is not None
    await store.answers.regrade([Regrade(first.id, "v2", "wrong", "correct", 1.0, None, by="t")])
    [pending] = await store.answers.regrades("case-a", unnotified=True)
    assert pending.id is not None
    await store.answers.notified([pending.id])
    assert await store.answers.regrades("case-a", unnotified=True) == []
    [told] = await store.answers.regrades("case-a")
    assert told.notified


async def test_forget_removes_one_learners_answers_regrades_and_finishes(store: Store) -> None:
    await open_case(store, 1)
    await store.apply(
        2,
        KEY,
        lambda _c: Change(
            None,
            answers=[answer("emh", "wrong")],
            finished=[FinishedCase(KEY.user_id, "case-a", "v1", "wrong")],
        ),
    )
    other = AnswerRecord(99, 99, "case-a", "v1", "emh", "wrong", 0.0, None)
    await store.apply(3, KEY, lambda _c: Change(None, answers=[other]))
    [mine, _] = await store.answers.list()
    assert mine.id is not None
    await store.answers.regrade([Regrade(mine.id, "v2", "wrong", "correct", 1.0, None, by="t")])
    assert await store.answers.forget(KEY.user_id) == 1
    assert [a.user_id for a in await store.answers.list()] == [99]
    assert await store.progress.finished(KEY.user_id) == []
    assert await store.answers.regrades("case-a") == []
