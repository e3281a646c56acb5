"""The storage contract for group rounds: one open round per topic, moves by
compare-and-set, append-only answers (many at once, none lost), settings, tokens,
bindings, anonymity, the leaderboard's reads and migration to a supergroup."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from tests.storage.storage_helpers import Opener
from tutorbot.rounds import RoundAnswer, RoundSettings
from tutorbot.storage import NewRound, Store

T0 = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)
GROUP = -1_001_000_000_001


def new_round(chat: int = GROUP, thread: int = 0, case: str = "emh") -> NewRound:
    return NewRound(chat, thread, case, "v1", 7, T0, T0 + timedelta(hours=24), 2)


def answer(round_id: int, user: int, text: str = "EMH", second: float = 0) -> RoundAnswer:
    return RoundAnswer(
        round_id, user, f"User {user}", text, "correct", 1.0, T0 + timedelta(seconds=second)
    )


async def test_one_open_round_per_chat_and_topic(store: Store) -> None:
    first = await store.rounds.start(new_round())
    assert first is not None and first.open and first.stage == 0 and first.version == 1
    assert first.deadline == T0 + timedelta(hours=24) and first.started_by == 7
    assert await store.rounds.start(new_round(case="other")) is None
    in_topic = await store.rounds.start(new_round(thread=42))
    assert in_topic is not None and in_topic.id != first.id
    assert await store.rounds.open_in(GROUP, 0) == first
    assert {r.id for r in await store.rounds.open_in_chat(GROUP)} == {first.id, in_topic.id}
    revealed = first.revealed(T0)
    assert await store.rounds.save(revealed, first.version)
    assert await store.rounds.open_in(GROUP, 0) is None
    again = await store.rounds.start(new_round())  # the topic is free again
    assert again is not None
    assert await store.rounds.played(GROUP) == {"emh"}


async def test_moves_are_compare_and_set(store: Store) -> None:
    rnd = await store.rounds.start(new_round())
    assert rnd is not None
    moved = rnd.advanced()
    assert await store.rounds.save(moved, rnd.version)
    assert not await store.rounds.save(rnd.advanced(), rnd.version)  # the second press
    stored = await store.rounds.get(rnd.id)
    assert stored is not None and stored.stage == 1 and stored.version == 2
    await store.rounds.set_messages(rnd.id, status=11, question=12)
    stored = await store.rounds.get(rnd.id)
    assert stored is not None and (stored.status_message, stored.question_message) == (11, 12)
    assert await store.rounds.get(rnd.id + 1000) is None


async def test_fifty_answers_in_the_same_second_all_land(backend: Opener) -> None:
    one, two = await backend(), await backend()  # two processes on one database
    rnd = await one.rounds.start(new_round())
    assert rnd is not None
    added = await asyncio.gather(
        *(
            (one if n % 2 else two).rounds.add_answer(answer(rnd.id, 1000 + n), update_id=n)
            for n in range(50)
        )
    )
    assert all(added)
    assert await one.rounds.answered(rnd.id) == 50
    assert len(await two.rounds.answers(rnd.id)) == 50


async def test_answers_are_appended_and_a_redelivered_update_adds_nothing(store: Store) -> None:
    rnd = await store.rounds.start(new_round())
    assert rnd is not None
    assert await store.rounds.add_answer(answer(rnd.id, 1, "lymphoma", 1), update_id=500)
    assert not await store.rounds.add_answer(answer(rnd.id, 1, "lymphoma", 1), update_id=500)
    assert await store.rounds.add_answer(answer(rnd.id, 1, "EMH", 2), update_id=501)
    assert await store.rounds.add_answer(answer(rnd.id, 2, "x" * 4096, 3))  # no update id
    kept = await store.rounds.answers(rnd.id)
    assert [(a.user_id, a.text[:8]) for a in kept] == [(1, "lymphoma"), (1, "EMH"), (2, "x" * 8)]
    assert kept[0] == answer(rnd.id, 1, "lymphoma", 1)
    assert await store.rounds.answered(rnd.id) == 2


async def test_revealed_rounds_for_the_leaderboard(store: Store) -> None:
    old = await store.rounds.start(new_round())
    assert old is not None
    await store.rounds.add_answer(answer(old.id, 1))
    await store.rounds.save(old.revealed(T0), old.version)
    new = await store.rounds.start(new_round(case="b"))
    assert new is not None
    await store.rounds.add_answer(answer(new.id, 2))
    await store.rounds.save(new.revealed(T0 + timedelta(days=7)), new.version)
    still_open = await store.rounds.start(new_round(case="c"))
    assert still_open is not None
    await store.rounds.add_answer(answer(still_open.id, 3))
    every = await store.rounds.revealed_since(GROUP, None)
    assert [[a.user_id for a in r] for r in every] == [[1], [2]]
    recent = await store.rounds.revealed_since(GROUP, T0 + timedelta(days=1))
    assert [[a.user_id for a in r] for r in recent] == [[2]]
    assert await store.rounds.revealed_since(-5, None) == []


async def test_settings_tokens_bindings_and_anonymity(store: Store) -> None:
    assert await store.rounds.settings(GROUP) == RoundSettings()
    custom = RoundSettings("everyone", "once", timedelta(minutes=30), "Europe/Berlin")
    await store.rounds.save_settings(GROUP, custom)
    await store.rounds.save_settings(GROUP, replace(custom, verdict_at="reveal"))
    assert await store.rounds.settings(GROUP) == replace(custom, verdict_at="reveal")
    await store.rounds.add_token("tok-abc_123", 5, T0)
    assert await store.rounds.round_of_token("tok-abc_123") == 5
    assert await store.rounds.round_of_token("nope") is None
    assert await store.rounds.token_of(5) == "tok-abc_123"
    assert await store.rounds.token_of(6) is None
    await store.rounds.bind(1, 5, T0)
    await store.rounds.bind(1, 6, T0)
    assert await store.rounds.bound(1) == 6 and await store.rounds.bound(2) is None
    await store.rounds.unbind(1)
    assert await store.rounds.bound(1) is None
    await store.rounds.set_anonymous(1, True)
    await store.rounds.set_anonymous(1, True)
    await store.rounds.set_anonymous(2, True)
    await store.rounds.set_anonymous(2, False)
    assert await store.rounds.anonymous() == frozenset({1})
    assert await store.rounds.anonymous({2, 3}) == frozenset()


async def test_a_group_that_becomes_a_supergroup_keeps_its_rounds(store: Store) -> None:
    basic, supergroup = -4_000_000_001, -1_001_000_000_009
    rnd = await store.rounds.start(new_round(chat=basic))
    assert rnd is not None
    await store.rounds.add_answer(answer(rnd.id, 1))
    await store.rounds.save_settings(basic, RoundSettings(starters="everyone"))
    assert await store.rounds.migrate(basic, supergroup) == 1
    assert await store.rounds.migrate(basic, supergroup) == 0  # safe to repeat
    moved = await store.rounds.open_in(supergroup, 0)
    assert moved is not None and moved.id == rnd.id
    assert await store.rounds.open_in(basic, 0) is None
    assert (await store.rounds.settings(supergroup)).starters == "everyone"
    assert await store.rounds.settings(basic) == RoundSettings()
    assert await store.rounds.answered(rnd.id) == 1
