"""The session state survives a JSON round trip and refuses what it cannot read."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tutorbot.tutor import SessionState, StateError

states = st.builds(
    SessionState,
    case_id=st.text(min_size=1, max_size=48),
    case_version=st.text(max_size=16),
    phase=st.sampled_from(["history", "images", "findings", "question", "done"]),
    stage=st.integers(0, 50),
    attempts_used=st.integers(0, 10),
    hints_shown=st.integers(0, 10),
    outcome=st.sampled_from([None, "correct", "partial", "wrong", "revealed"]),
)


@given(states)
def test_json_round_trip(state: SessionState) -> None:
    text = json.dumps(state.to_json())
    assert SessionState.from_json(json.loads(text)) == state


@pytest.mark.parametrize(
    "data",
    [
        None,
        [],
        {"v": 99, "case_id": "x", "case_version": ""},
        {"v": 1, "case_id": "x"},
        {"v": 1, "case_id": "x", "case_version": "", "phase": "elsewhere"},
        {"v": 1, "case_id": "x", "case_version": "", "stage": -1},
        {"v": 1, "case_id": "x", "case_version": "", "surprise": True},
    ],
)
def test_unreadable_state_is_a_state_error(data: object) -> None:
    with pytest.raises(StateError):
        SessionState.from_json(data)
