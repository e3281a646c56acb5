"""The learner's flow in the use cases: first visits, the list, the end of the library,
messages the bot cannot read, skipped findings (over a real SQLite file, no front end)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest

from tests.auxil.tutor_helpers import make_case, table_grader
from tutorbot.app.play import STALE, WELCOME, Play, Result
from tutorbot.app.replies import ListCases, ListTags, NextCase, RedoMissed, ShowSkipped
from tutorbot.cases import Library
from tutorbot.storage import SessionKey, open_store
from tutorbot.tutor import actions, events

KEY = SessionKey(chat_id=7, thread_id=0, user_id=7)


@pytest.fixture
async def play(tmp_path: Path) -> AsyncIterator[Play]:
    """Two published cases over a real SQLite file."""
    cases = (make_case(), replace(make_case(), id="second", title="Second"))
    async with await open_store(f"sqlite:///{tmp_path / 'play.db'}") as store:
        yield Play(store, Library(cases={c.id: c for c in cases}), table_grader, attempts=2)


def said(result: Result) -> list[str]:
    assert result.reply is not None
    return [message.code for message in result.reply.says]


def lines(result: Result) -> str:
    assert result.reply is not None
    return "\n".join(line for message in result.reply.says for line in message.lines)


async def test_only_the_first_visit_is_welcomed(play: Play) -> None:
    first = await play.greet(KEY, 1, ["what I do"])
    assert said(first) == ["welcome"] and lines(first).startswith(WELCOME)
    again = await play.greet(KEY, 2, ["what I do"])
    assert said(again) == ["welcome_back"] and "what I do" not in lines(again)


async def test_a_first_deep_link_is_welcomed_then_opens(play: Play) -> None:
    opened = await play.open(KEY, 1, "second", from_link=True, welcome=["what I do"])
    assert said(opened) == ["welcome"] and "what I do" in lines(opened)
    assert opened.reply is not None
    assert [type(a) for a in opened.reply.actions] == [actions.ShowHistory]
    other = SessionKey(chat_id=8, thread_id=0, user_id=8)
    await play.greet(other, 2, ["what I do"])
    linked = await play.open(other, 3, "second", from_link=True, welcome=["what I do"])
    assert said(linked) == []  # seen before: the case only


async def test_next_with_no_case_opens_one_and_the_end_is_said(play: Play) -> None:
    update = 1
    for _ in range(2):
        opened = await play.step(KEY, update, events.Next())
        assert opened.reply is not None and isinstance(opened.reply.actions[0], actions.ShowHistory)
        await play.step(KEY, update + 1, events.Reveal())
        update += 2
    end = await play.step(KEY, update, events.Next())
    assert said(end) == ["library_done"] and "all 2 cases: 0 right" in lines(end)
    assert end.reply is not None
    redo = end.reply.says[0].choices[0].press
    assert redo == RedoMissed("")
    again = await play.press(KEY, update + 1, redo, end.version)
    assert again.reply is not None and isinstance(again.reply.actions[0], actions.ShowHistory)
    stats = await play.stats(KEY, update + 2)
    assert "done every case" in lines(stats)


async def test_browsing_the_list_is_never_stale(play: Play) -> None:
    await play.open(KEY, 1, "two-stage")
    await play.step(KEY, 2, events.Next())
    old = 1  # the version a list sent before the step carried
    page = await play.press(KEY, 3, ListCases(5, ""), old)
    assert said(page) == ["cases"]
    tags = await play.press(KEY, 4, ListTags(), old)
    assert said(tags) == ["no_cases"]  # these cases have no tags
    stale = await play.press(KEY, 5, NextCase(), old)
    assert stale.reply is not None and stale.reply.toast == STALE


async def test_skipped_findings_after_the_verdict(play: Play) -> None:
    await play.open(KEY, 1, "two-stage")
    await play.step(KEY, 2, events.Skip())
    done = await play.step(KEY, 3, events.Answer("right"))
    assert done.reply is not None
    assert done.reply.actions[-1] == actions.OfferNextCase(skipped_stages=2)
    shown = await play.press(KEY, 4, ShowSkipped(), done.version)
    assert shown.reply is not None
    kinds = [type(a).__name__ for a in shown.reply.actions]
    assert kinds == ["ShowFindings", "ShowFindings", "OfferNextCase"]


@pytest.mark.parametrize(
    ("moves", "says"),
    [
        ([], "/case starts a case"),
        ([events.Next()], "type next to go on"),
        ([events.Next(), events.Skip()], "please type your diagnosis"),
        ([events.Next(), events.Reveal()], "type next for another case"),
    ],
)
async def test_a_message_the_bot_cannot_read_gets_one_line(
    play: Play, moves: list[events.Event], says: str
) -> None:
    for n, event in enumerate(moves):
        await play.step(KEY, n + 1, event)
    told = await play.unreadable(KEY, 100)
    assert said(told) == ["unreadable"] and says in lines(told) and "\n" not in lines(told)
