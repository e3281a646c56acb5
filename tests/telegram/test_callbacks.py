"""The callback codec: every press round-trips, old buttons still decode, odd data does not."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.auxil.botapi import BotApiEmulator
from tests.telegram.botflow import running, settings_for, to, with_button
from tutorbot.app.links import new_payload
from tutorbot.app.play import Result
from tutorbot.app.replies import (
    Choice,
    KeepGoing,
    ListCases,
    ListTags,
    NextCase,
    NextStep,
    NotNow,
    OpenCase,
    Press,
    PushFlow,
    PushWho,
    RedoMissed,
    Reply,
    Say,
    ScheduleAction,
    ShowSkipped,
    StartPush,
    SwitchCase,
)
from tutorbot.storage import SessionKey
from tutorbot.telegram import callbacks, runtime_of

case_ids = st.from_regex(r"[a-z0-9][a-z0-9-]{0,47}", fullmatch=True)
presses = st.one_of(
    st.just(NextStep()),
    st.just(NextCase()),
    st.just(KeepGoing()),
    st.builds(OpenCase, case_ids),
    st.builds(SwitchCase, case_ids),
)


@given(presses, st.integers(0, 10**6))
def test_every_press_round_trips_and_fits(press: Press, version: int) -> None:
    data = callbacks.encode(press, version)
    assert callbacks.fits(data)  # a case id is at most 48 characters
    assert callbacks.decode(data) == callbacks.Pressed(press, version)


@pytest.mark.parametrize(
    ("data", "expected"),
    [  # exactly what the first release put on buttons
        ("v1:next:3", callbacks.Pressed(NextStep(), 3)),
        ("v1:case:0", callbacks.Pressed(NextCase(), 0)),
        ("v1:stay:12", callbacks.Pressed(KeepGoing(), 12)),
        ("v1:open:4:osteosarcoma", callbacks.Pressed(OpenCase("osteosarcoma"), 4)),
        ("v1:sw:4:tension-pneumothorax", callbacks.Pressed(SwitchCase("tension-pneumothorax"), 4)),
    ],
)
def test_buttons_of_the_first_release_decode(data: str, expected: callbacks.Pressed) -> None:
    assert callbacks.decode(data) == expected


@pytest.mark.parametrize(
    "data", [None, "", "next", "v0:next:1", "v1:next", "v1:next:x", "v2:next:1", "v1::1"]
)
def test_data_we_did_not_make_is_not_a_button(data: str | None) -> None:
    assert callbacks.decode(data) is None


@pytest.mark.parametrize("data", ["v1:zap:1", "v1:open:1", "v1:next:1:extra", "v1:sw:2:"])
def test_an_unknown_kind_keeps_its_version_but_does_nothing(data: str) -> None:
    pressed = callbacks.decode(data)
    assert pressed is not None and pressed.press is None


tags = st.one_of(st.just(""), st.from_regex(r"[a-z0-9][a-z0-9 :./-]{0,24}", fullmatch=True))
browsing = st.one_of(
    st.builds(ListCases, st.integers(0, 10**4), tags),
    st.just(ListTags()),
    st.builds(RedoMissed, tags),
    st.just(ShowSkipped()),
)


@given(browsing, st.integers(0, 10**6))
def test_the_list_and_end_of_case_presses_round_trip(press: Press, version: int) -> None:
    data = callbacks.encode(press, version)
    assert callbacks.fits(data)  # a tag this short fits; a longer one goes through a token
    assert callbacks.decode(data) == callbacks.Pressed(press, version)


@pytest.mark.parametrize(
    ("data", "press"),
    [
        ("v1:list:3:0", ListCases(0, "")),
        ("v1:list:3:2:ct", ListCases(2, "ct")),
        ("v1:list:3:1:a:b", ListCases(1, "a:b")),  # a tag is last and may hold ':'
        ("v1:tags:3", ListTags()),
        ("v1:redo:3", RedoMissed("")),
        ("v1:redo:3:chest", RedoMissed("chest")),
        ("v1:skipped:3", ShowSkipped()),
        ("v1:list:3", None),  # no page
        ("v1:list:3:x", None),
        ("v1:list:3:1:", None),  # an empty tag is not a tag
        ("v1:redo:3:", None),
        ("v1:tags:3:x", None),
        ("v1:skipped:3:1", None),
    ],
)
def test_the_new_kinds_on_the_wire(data: str, press: Press | None) -> None:
    assert callbacks.decode(data) == callbacks.Pressed(press, 3)


def test_long_data_goes_through_a_token() -> None:
    data = callbacks.encode(OpenCase("x" * 80), 1)
    assert not callbacks.fits(data)
    stand_in = callbacks.token_data("AbC_12-z")
    assert callbacks.fits(stand_in)
    assert callbacks.stored_token(stand_in) == "AbC_12-z"
    assert callbacks.stored_token(data) is None
    assert callbacks.stored_token("v1:t:") is None


async def test_a_button_over_64_bytes_is_sent_as_a_token_and_pressed_as_itself(
    botapi: BotApiEmulator, tmp_path: Path
) -> None:
    settings = settings_for(botapi, tmp_path / "bot.db")
    alice = botapi.user("Alice")
    long_id = "a-case-id-far-longer-than-the-forty-eight-characters-a-real-case-id-may-have"
    offer = Say("list", ("Pick one:",), (Choice("That one", OpenCase(long_id)),))
    async with running(botapi, settings) as app:
        runtime = runtime_of(app)
        key = SessionKey(alice.id, 0, alice.id)
        await runtime.respond(app.bot, key, Result(Reply([offer]), 0, pending=False))
        message = await botapi.wait_for(to(alice, with_button("That one")))
        data = message.buttons[0]["callback_data"]
        assert data.startswith("v1:t:") and len(data.encode()) <= 64
        botapi.press_button(message, "That one")
        said = await botapi.wait_for(to(alice, lambda m: "I have no case called" in m.content))
    assert long_id in said.content  # the press came back as OpenCase(long_id)


push_tokens = st.text(
    alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-",
    min_size=22,
    max_size=22,
)
push_presses = st.one_of(
    st.builds(StartPush, push_tokens),
    st.builds(NotNow, push_tokens),
    st.builds(PushWho, push_tokens),
)


@given(push_presses)
def test_push_card_and_report_buttons_round_trip_and_fit(press: Press) -> None:
    data = callbacks.encode(press, 0)
    assert callbacks.fits(data)
    assert callbacks.decode(data) == callbacks.Pressed(press, 0)


@pytest.mark.parametrize("data", ["v1:push:0", "v1:push:0:", "v1:who:0:a:b"])
def test_a_push_button_without_its_token_does_nothing(data: str) -> None:
    pressed = callbacks.decode(data)
    assert pressed is not None and pressed.press is None


instructor_presses = st.one_of(
    st.builds(PushFlow, st.sampled_from(callbacks.PUSH_STEPS), push_tokens),
    st.builds(ScheduleAction, st.sampled_from(callbacks.SCHEDULE_ACTIONS), st.integers(1, 10**12)),
)


@given(instructor_presses)
def test_push_flow_and_schedule_buttons_round_trip_and_fit(press: Press) -> None:
    data = callbacks.encode(press, 0)
    assert callbacks.fits(data)
    assert callbacks.decode(data) == callbacks.Pressed(press, 0)


@pytest.mark.parametrize(
    "data", ["v1:pf:0:fly:abc", "v1:pf:0:send:", "v1:sa:0:pause:x", "v1:sa:0:nuke:1"]
)
def test_unknown_push_steps_and_schedule_actions_do_nothing(data: str) -> None:
    pressed = callbacks.decode(data)
    assert pressed is not None and pressed.press is None


def test_class_and_link_buttons_round_trip_fit_and_are_never_a_learner_s_press() -> None:
    for action in sorted(callbacks.CLASS_ACTIONS):
        data = callbacks.encode_class(action, 2**53)
        assert callbacks.fits(data)
        assert callbacks.decode_class(data) == callbacks.ClassPress(action, 2**53)
        learner = callbacks.decode(data)
        assert learner is None or learner.press is None
    for action in sorted(callbacks.LINK_ACTIONS):
        payload = new_payload("invite")
        data = callbacks.encode_link(action, payload)
        assert callbacks.fits(data)
        assert callbacks.decode_class(data) == callbacks.LinkPress(action, payload)
    for foreign in ("v1:c:drop:1", "v1:c:card:x", "v1:l:join:", "v2:c:card:1", "v1:c:card", None):
        assert callbacks.decode_class(foreign) is None
