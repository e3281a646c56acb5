"""The learner's use cases over a real SQLite file, with no front end at all."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest

from tests.auxil.tutor_helpers import make_case, table_grader
from tutorbot.app.play import STALE, Play, Result
from tutorbot.app.replies import KeepGoing, NextCase, NextStep, OpenCase, Say, SwitchCase
from tutorbot.cases import Library
from tutorbot.storage import SessionKey, Store, open_store
from tutorbot.tutor import actions, events

KEY = SessionKey(chat_id=7, thread_id=0, user_id=7)


def library() -> Library:
    first = make_case()
    second = replace(make_case(), id="second", title="Second")
    draft = replace(make_case(), id="draft", title="Draft", status="draft")
    return Library(cases={case.id: case for case in (first, second, draft)})


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    store = await open_store(f"sqlite:///{tmp_path / 'play.db'}")
    yield store
    await store.close()


@pytest.fixture
def play(store: Store) -> Play:
    return Play(store, library(), table_grader, attempts=2)


def kinds(result: Result) -> list[str]:
    assert result.reply is not None
    return [type(action).__name__ for action in result.reply.actions]


def codes(result: Result) -> list[str]:
    assert result.reply is not None
    return [message.code for message in result.reply.says]


async def test_a_whole_case_records_answers_and_progress(play: Play, store: Store) -> None:
    opened = await play.open(KEY, 1, "two-stage")
    assert kinds(opened) == ["ShowHistory"] and opened.pending
    await play.reply_sent(KEY, opened)
    update = 2
    for _ in range(4):  # images, findings, images, findings
        await play.step(KEY, update, events.Next())
        update += 1
    wrong = await play.step(KEY, update, events.Answer("nope"))
    assert kinds(wrong)[0] == "ShowVerdict"
    right = await play.step(KEY, update + 1, events.Answer("right"))
    assert kinds(right) == ["ShowVerdict", "RevealDiagnosis", "OfferNextCase"]
    answers = await store.answers.list(user_id=KEY.user_id)
    assert [(a.answer, a.verdict) for a in answers] == [("nope", "wrong"), ("right", "correct")]
    stats = await play.progress(KEY.user_id)
    assert (stats.cases_done, stats.correct, stats.finished) == (1, 1, ("two-stage",))


async def test_an_attempt_keeps_its_number_hints_before_it_time_and_name(
    play: Play, store: Store
) -> None:
    await play.open(KEY, 1, "two-stage")
    await play.step(KEY, 2, events.Skip())
    await play.step(KEY, 3, events.Hint())
    await play.step(KEY, 4, events.Answer("nope"), name="Ann <b>")  # a wrong one shows a hint
    await play.step(KEY, 5, events.Answer("right"), name="Ann B")
    first, second = await store.answers.list(user_id=KEY.user_id)
    assert (first.attempt, first.hints, first.name) == (1, 1, "Ann <b>")
    assert (second.attempt, second.hints, second.name) == (2, 2, "Ann B")
    assert first.seconds is not None and second.seconds is not None
    assert 0 <= first.seconds <= second.seconds < 60
    assert first.source == ""


async def test_a_redelivered_update_changes_nothing(play: Play) -> None:
    first = await play.open(KEY, 1, "two-stage")
    await play.reply_sent(KEY, first)
    again = await play.open(KEY, 1, "two-stage")
    assert again.duplicate and again.reply is None and again.version == first.version


async def test_every_reply_is_kept_until_sent(play: Play, store: Store) -> None:
    opened = await play.open(KEY, 1, "two-stage")
    hint = await play.step(KEY, 2, events.Hint())
    kept = await store.outbox.pending(KEY)
    assert [(e.id, e.version) for e in kept] == [
        (opened.entry, opened.version),
        (hint.entry, hint.version),
    ]
    # A redelivered update runs nothing again: its reply waits where it is.
    redelivered = await play.open(KEY, 1, "two-stage")
    assert redelivered.duplicate and redelivered.reply is None and not redelivered.pending
    # A toast alone (an old button) keeps nothing.
    stale = await play.press(KEY, 3, NextStep(), opened.version - 1)
    assert stale.reply is not None and stale.reply.toast and stale.entry is None
    # Shown: forgotten, with every reply kept before it.
    await play.reply_sent(KEY, hint)
    assert await store.outbox.pending(KEY) == []


async def test_old_and_unknown_buttons_get_a_polite_toast(play: Play) -> None:
    opened = await play.open(KEY, 1, "two-stage")
    moved = await play.press(KEY, 2, NextStep(), opened.version)
    assert kinds(moved) == ["ShowImages"]
    stale = await play.press(KEY, 3, NextStep(), opened.version)
    assert stale.reply is not None and stale.reply.toast == STALE and not stale.reply.actions
    unknown = await play.press(KEY, 4, None, moved.version)
    assert unknown.reply is not None and unknown.reply.toast == STALE


async def test_opening_another_case_mid_case_asks_first(play: Play) -> None:
    opened = await play.open(KEY, 1, "two-stage")
    asked = await play.open(KEY, 2, "second")
    assert codes(asked) == ["switch"]
    assert asked.reply is not None
    presses = [choice.press for choice in asked.reply.says[0].choices]
    assert presses == [SwitchCase("second"), KeepGoing()]
    assert asked.version == opened.version  # asking changes nothing
    switched = await play.press(KEY, 3, SwitchCase("second"), asked.version)
    assert kinds(switched) == ["ShowHistory"]
    assert switched.reply is not None
    history = switched.reply.actions[0]
    assert isinstance(history, actions.ShowHistory) and history.title == "Second"


async def test_drafts_only_where_allowed(store: Store) -> None:
    students = Play(store, library(), table_grader, attempts=2)
    refused = await students.open(KEY, 1, "draft")
    assert codes(refused) == ["unknown_case"]
    assert refused.reply is not None
    listed = [choice.press for choice in refused.reply.says[0].choices]
    assert OpenCase("draft") not in listed and OpenCase("second") in listed
    author = Play(store, library(), table_grader, attempts=2, drafts=True)
    assert kinds(await author.open(KEY, 2, "draft")) == ["ShowHistory"]


async def test_the_next_case_skips_finished_ones(play: Play) -> None:
    await play.open(KEY, 1, "two-stage")
    revealed = await play.step(KEY, 2, events.Reveal())
    assert "RevealDiagnosis" in kinds(revealed)
    following = await play.press(KEY, 3, NextCase(), revealed.version)
    assert following.reply is not None
    history = following.reply.actions[0]
    assert isinstance(history, actions.ShowHistory) and history.title == "Second"


async def test_telling_changes_nothing(play: Play) -> None:
    told = await play.tell(KEY, 1, Say("help", ("some help",)))
    assert told.reply is not None and told.reply.says == [Say("help", ("some help",))]
    assert await play.state(KEY) is None


async def test_greeting_mid_case_shows_where_the_learner_was(play: Play) -> None:
    await play.open(KEY, 1, "two-stage")
    await play.step(KEY, 2, events.Next())
    greeted = await play.greet(KEY, 3, ["help line"])
    assert codes(greeted) == ["welcome_back"] and kinds(greeted) == ["ShowImages"]
    await play.stop(KEY, 4)
    back = await play.greet(KEY, 5, ["help line"])  # a returning learner: no help again
    assert back.reply is not None and "help line" not in back.reply.says[0].lines
    assert codes(back) == ["welcome_back"] and back.reply.says[0].choices[0].press == NextCase()
