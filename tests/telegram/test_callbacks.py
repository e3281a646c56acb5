"""The callback codec: every press round-trips, old buttons still decode, odd data does not."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tutorbot.app.replies import KeepGoing, NextCase, NextStep, OpenCase, Press, SwitchCase
from tutorbot.telegram import callbacks

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


def test_long_data_goes_through_a_token() -> None:
    data = callbacks.encode(OpenCase("x" * 80), 1)
    assert not callbacks.fits(data)
    stand_in = callbacks.token_data("AbC_12-z")
    assert callbacks.fits(stand_in)
    assert callbacks.stored_token(stand_in) == "AbC_12-z"
    assert callbacks.stored_token(data) is None
    assert callbacks.stored_token("v1:t:") is None
